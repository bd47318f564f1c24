"""Faust's aiokafka transport with a batch path for the hot topics.

Measured (see the throughput issue), Faust's per-event stream costs about 180 µs of CPU
per record: a task dance in `wait_first`, event objects, one loop turn per record. Here
the consumer hands whole fetched batches of the topics that have a batch handler
straight to that handler, then acknowledges their offsets in bulk, so Faust's own
commit machinery (commit interval, producer flush before commit, commit on revoke)
still decides when offsets are committed. Everything else (consumer group, assignor,
tables and their recovery, other topics) is Faust unchanged.

Selected with the broker URL scheme `pulse://` (entry point `faust.transports`).

This relies on `Consumer._getmany` and the ack bookkeeping (`_acked`, `_acked_index`,
`_n_acked`, `_committed_offset`, `_read_offset`, `_add_gap`) of faust-streaming 0.15.3,
which is pinned; tests/unit/ingest/test_transport_contract.py fails when they change.

Both Kafka clients of the worker (Faust's producer and its consumer) also back off after
a failed metadata refresh (`back_off_failed_metadata`): without it a worker whose broker
is gone for good can spin a core (tests/unit/ingest/test_metadata_backoff.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka

#: A handler returns the delivery of what it sent (or None): the consumer awaits it
#: before it acknowledges the batch.
BatchHandler = Callable[[Any, Sequence[Any]], Awaitable[Awaitable[Any] | None]]

#: topic -> handler; filled by `register_batch_handler` when the app is built.
_HANDLERS_ATTR = "_pulse_batch_handlers"


def register_batch_handler(app: Any, topic: str, handler: BatchHandler) -> None:
    """Route every fetched batch of `topic` to `handler(tp, records)`."""
    handlers: dict[str, BatchHandler] = getattr(app, _HANDLERS_ATTR, None) or {}
    handlers[topic] = handler
    setattr(app, _HANDLERS_ATTR, handlers)


def batch_handlers(app: Any) -> Mapping[str, BatchHandler]:
    handlers: Mapping[str, BatchHandler] = getattr(app, _HANDLERS_ATTR, None) or {}
    return handlers


def back_off_failed_metadata(client: Any) -> None:
    """Make a failed metadata refresh of an aiokafka client wait `retry_backoff_ms`.

    aiokafka's `_md_synchronizer` answers every `force_metadata_update()` with a fresh
    attempt and reports a failure at once; callers that want a partition's leader
    (the producer's sender with batches for it, the fetcher) ask again straight away.
    With the broker gone a refused connection fails in microseconds, so a worker whose
    metadata said "no leader" when the broker went away (a broker stopping cleanly
    answers so while it moves its partitions' leadership) spun a core, logging two
    errors per attempt. Here a failure is reported only after the client's backoff,
    which paces every caller of that refresh; a successful one is not delayed.
    """
    update = client._metadata_update
    backoff: float = client._retry_backoff

    async def update_or_back_off(cluster_metadata: Any, topics: Any) -> bool:
        ok: bool = await update(cluster_metadata, topics)
        if not ok:
            await asyncio.sleep(backoff)
        return ok

    client._metadata_update = update_or_back_off


def backed_off_consumer(**config: Any) -> aiokafka.AIOKafkaConsumer:
    """A plain aiokafka consumer (the worker's short reads of its output topics) whose
    failed metadata refreshes wait too: one reading when the broker stops would spin."""
    consumer = aiokafka.AIOKafkaConsumer(**config)
    back_off_failed_metadata(consumer._client)
    return consumer


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's consumer thread with a short fetch wait.

    Faust hard-codes `fetch_max_wait_ms=1500`: with little traffic on a partition a fetch
    waits that long, and measured p99 latency at 1,000 events/s was ~2 s against ~0.4 s
    with 100 ms, at the same CPU per event (benchmarks/).
    """

    fetch_max_wait_ms = 100

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = self.fetch_max_wait_ms  # read when it starts
        back_off_failed_metadata(consumer._client)
        return consumer


class Consumer(faust_aiokafka.Consumer):
    """Faust's consumer, except that hot topics skip the per-event path."""

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    _batch_lock: asyncio.Lock | None = None

    @property
    def batch_lock(self) -> asyncio.Lock:
        if self._batch_lock is None:
            self._batch_lock = asyncio.Lock()
        return self._batch_lock

    async def _getmany(self, active_partitions: Any, timeout: float) -> Any:
        records = await super()._getmany(active_partitions, timeout)
        handlers = batch_handlers(self.app)
        if not records or not handlers:
            return records
        rest = {}
        generation = self.app.consumer_generation_id
        handled: list[tuple[Any, Sequence[Any], Awaitable[Any] | None]] = []
        async with self.batch_lock:
            for tp, batch in records.items():
                handler = handlers.get(tp.topic)
                if handler is None:
                    rest[tp] = batch
                    continue
                if not self.flow_active or self.app.consumer_generation_id != generation:
                    break  # a rebalance began: these records will be fetched again
                if active_partitions is not None and tp not in active_partitions:
                    continue
                handled.append((tp, batch, await handler(tp, batch)))
            # One fetch's deliveries are awaited together, after every batch is handled:
            # one at a time, the worker waited on the broker for ~29 % of a drain.
            for tp, done, delivery in handled:
                if delivery is not None:
                    await delivery
                await self._ack_batch(tp, done)
        return rest

    async def _ack_batch(self, tp: Any, batch: Sequence[Any]) -> None:
        """Acknowledge a handled batch the way `ack()` would, one record at a time."""
        committed = self._committed_offset[tp]
        acked = self._acked[tp]
        index = self._acked_index[tp]
        r_offset = self._read_offset[tp]
        if r_offset is None and committed is not None:
            r_offset = committed - 1
        n = 0
        for record in batch:
            offset = record.offset
            if r_offset is not None and offset - r_offset > 1:
                # offsets with no record (transaction markers, compaction): let the
                # commit step over them instead of waiting for them forever
                await self._add_gap(tp, r_offset + 1, offset - 1)
            if r_offset is None or offset > r_offset:
                r_offset = offset
            if (committed is None or offset >= committed) and offset not in index:
                index.add(offset)
                acked.append(offset)
                n += 1
        self._read_offset[tp] = r_offset
        self._n_acked += n

    async def wait_empty(self) -> None:
        """Before a rebalance or a stop proceeds, let the batch in hand finish."""
        async with self.batch_lock:
            pass
        await super().wait_empty()


class Producer(faust_aiokafka.Producer):
    """Faust's producer, whose client backs off after a failed metadata refresh."""

    def _new_producer(self, transactional_id: str | None = None) -> Any:
        producer = super()._new_producer(transactional_id)
        back_off_failed_metadata(producer.client)
        return producer


class Transport(faust_aiokafka.Transport):
    """The aiokafka transport with the batch consumer."""

    Consumer = Consumer
    Producer = Producer
