"""Guards the faust-streaming internals the batch consumer relies on (see transport.py).

If an upgrade changes how Faust tracks acknowledged offsets, these fail before a single
offset is committed wrongly in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import faust
import pytest
from faust.transport.drivers import aiokafka as faust_aiokafka

from streams.ingest.transport import Consumer, Transport, batch_handlers, register_batch_handler


@dataclass
class Record:
    offset: int


@pytest.fixture
async def consumer() -> AsyncIterator[Any]:
    # async, so that Faust takes the test's running loop instead of making its own
    app = faust.App("transport-contract", broker="pulse://127.0.0.1:1", autodiscover=False)
    assert isinstance(app.transport, Transport)

    async def rebalanced(tps: Any) -> None:
        return None

    c = app.transport.create_consumer(
        callback=lambda message: None,
        on_partitions_revoked=rebalanced,
        on_partitions_assigned=rebalanced,
    )
    assert isinstance(c, Consumer)
    yield c
    c._thread.thread_loop.close()  # the consumer thread's own loop: never started here


def test_faust_is_the_pinned_version() -> None:
    assert version("faust-streaming") == "0.15.3"


def tp(partition: int = 0) -> Any:
    from faust.types import TP

    return TP("pulse.events-routed", partition)


async def test_a_handled_batch_commits_up_to_its_last_offset(consumer: Any) -> None:
    await consumer._ack_batch(tp(), [Record(o) for o in range(0, 5)])
    assert consumer._new_offset(tp()) == 5
    await consumer._ack_batch(tp(), [Record(o) for o in range(5, 8)])
    assert consumer._new_offset(tp()) == 8


async def test_offsets_without_records_do_not_block_the_commit(consumer: Any) -> None:
    # transaction markers or compaction leave holes: 3 and 4 never arrive
    await consumer._ack_batch(tp(), [Record(0), Record(1), Record(2), Record(5), Record(6)])
    assert consumer._new_offset(tp()) == 7


async def test_a_hole_right_after_the_committed_offset_is_stepped_over(consumer: Any) -> None:
    consumer._committed_offset[tp()] = 10
    await consumer._ack_batch(tp(), [Record(12), Record(13)])
    assert consumer._new_offset(tp()) == 14


async def test_offsets_below_the_committed_one_are_not_acked_again(consumer: Any) -> None:
    consumer._committed_offset[tp()] = 10
    await consumer._ack_batch(tp(), [Record(8), Record(9), Record(10), Record(11)])
    assert consumer._n_acked == 2
    assert consumer._new_offset(tp()) == 12


async def test_handlers_are_registered_per_topic() -> None:
    app = faust.App("handlers", broker="pulse://127.0.0.1:1", autodiscover=False)

    async def handler(tp: Any, records: Any) -> None:
        return None

    register_batch_handler(app, "web.page-viewed", handler)
    assert dict(batch_handlers(app)) == {"web.page-viewed": handler}


async def test_the_worker_consumer_waits_at_most_100_ms_for_a_fetch(consumer: Any) -> None:
    from streams.ingest.transport import ConsumerThread

    thread = consumer._thread
    assert isinstance(thread, ConsumerThread)
    aiokafka_consumer = thread._create_worker_consumer(consumer.transport)
    assert aiokafka_consumer._fetch_max_wait_ms == 100
    await aiokafka_consumer.stop()  # never started: this only marks it closed


def test_the_changelog_codec_round_trips_and_trims() -> None:
    from faust.serializers import codecs

    from streams.codec import NAME

    codec = codecs.get_codec(NAME)
    value = {"o": 7, "f": {"views": [0, 1, 2]}, "meta": {"title": "Кино недели"}}
    data = codec.dumps(value)
    assert codec.loads(data) == value
    assert codecs.get_codec("json").loads(data) == value  # Faust's own codec reads it


async def _turns(n: int = 20) -> None:
    """Let the event loop run the tasks that are ready (no wall-clock wait)."""
    for _ in range(n):
        await asyncio.sleep(0)


@pytest.mark.parametrize("failure", [False, True])
async def test_one_fetchs_deliveries_overlap_and_each_batch_is_acked_after_its_own(
    consumer: Any, monkeypatch: pytest.MonkeyPatch, failure: bool
) -> None:
    """Every batch of a fetch is handled before any delivery is awaited (the sends of one
    overlap the work of the next), and a batch is acknowledged only once its delivery
    is done; a failed delivery acknowledges nothing more and fails the fetch."""
    first, second = tp(0), tp(1)
    fetched = {first: [Record(0), Record(1)], second: [Record(0)]}

    async def fetch(self: Any, active: Any, timeout: float) -> Any:
        return fetched

    monkeypatch.setattr(faust_aiokafka.Consumer, "_getmany", fetch)
    handled: list[int] = []
    deliveries: dict[int, asyncio.Future[None]] = {}

    async def handler(tp: Any, records: Any) -> asyncio.Future[None]:
        handled.append(tp.partition)
        deliveries[tp.partition] = asyncio.get_running_loop().create_future()
        return deliveries[tp.partition]

    register_batch_handler(consumer.app, first.topic, handler)
    task = asyncio.create_task(consumer._getmany(None, 1.0))
    await _turns()
    assert handled == [0, 1]  # both handled, neither delivered yet
    assert consumer._n_acked == 0
    if failure:
        deliveries[0].set_exception(RuntimeError("broker said no"))
        with pytest.raises(RuntimeError, match="broker said no"):
            await task
        assert consumer._n_acked == 0
        deliveries[1].cancel()
        return
    deliveries[1].set_result(None)  # out of order: the first still holds the acks
    await _turns()
    assert consumer._n_acked == 0
    deliveries[0].set_result(None)
    assert await task == {}  # no records left for Faust's per-event path
    assert (consumer._new_offset(first), consumer._new_offset(second)) == (2, 1)
    assert consumer._n_acked == 3
