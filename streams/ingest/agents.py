"""The two batch handlers: route (validate and re-key) and fold (count, exactly once).

Thin on purpose: read a batch, call the pure functions, write state, record metrics,
send. The logic lives in decode, route, fold; the Kafka plumbing in transport.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Sequence
from typing import Any

from streams.changelog import send_changelogs
from streams.config import Settings
from streams.health import BrokerProbe
from streams.ingest.batchsend import send_batches
from streams.ingest.closing import Emission
from streams.ingest.deadletter import dead_letter_value
from streams.ingest.decode import Rejected, decode
from streams.ingest.fastroute import route as fast_route
from streams.ingest.fold import PartitionFolder, Tally
from streams.ingest.packing import pack, unpack_chunks
from streams.ingest.partitioning import partition_for
from streams.ingest.readback import read_emitted
from streams.ingest.route import (
    Routed,
    encode_invalid,
    encode_valid,
    invalid_identity,
)
from streams.ingest.transport import register_batch_handler
from streams.metrics import PulseMetrics
from streams.tables import PulseTables
from streams.topics import DEAD_LETTER, INPUT_TOPICS, ROUTED
from streams.windowing import idle_watermark


class Pipeline:
    """The worker's processing: both handlers and the per-partition folders they share."""

    def __init__(self, app: Any, settings: Settings, tables: PulseTables, metrics: PulseMetrics):
        self.app = app
        self.settings = settings
        self.tables = tables
        self.metrics = metrics
        self.site_hosts = frozenset(settings.site_hosts)
        self.folders: dict[int, PartitionFolder] = {}
        #: routed partition -> offset of the last packed message folded (packing.unpack)
        self.last_packed: dict[int, int] = {}
        self.last_seen: dict[int, float] = {}
        self.broker = BrokerProbe(
            settings.kafka_bootstrap, tls=settings.kafka_ssl_cafile is not None
        )
        self.consuming = False
        self.routed_topic = settings.topic(ROUTED)
        self.dead_letter_topic = settings.topic(DEAD_LETTER)
        self.prefix_len = len(settings.topic_prefix)

    @property
    def kafka(self) -> Any:
        """aiokafka's producer under Faust's: for its record-batch API (batchsend.py)."""
        return self.app.producer._ensure_producer()

    def install(self) -> None:
        """Subscribe the topics and hand their batches to the handlers."""
        for topic in INPUT_TOPICS:
            physical = self.settings.topic(topic)
            register_batch_handler(self.app, physical, self.route_batch)
            self.app.topics.add(self.app.topic(physical, value_serializer="raw"))
        register_batch_handler(self.app, self.routed_topic, self.fold_batch)
        self.app.topics.add(self.app.topic(self.routed_topic, value_serializer="raw"))
        self.app.on_partitions_revoked.connect(self._forget_folders)
        self.app.on_partitions_assigned.connect(self._forget_folders)
        self.app.timer(interval=min(5.0, self.settings.idle_seconds))(self.close_idle)
        self.app.timer(interval=2.0)(self.broker.check)

    async def _forget_folders(self, sender: Any, *args: Any, **kwargs: Any) -> None:
        # Partitions may have moved and their state been recovered: rebuild lazily.
        self.folders.clear()

    async def route_batch(self, tp: Any, records: Sequence[Any]) -> Awaitable[Any]:
        """Validate input records and send each to the routed topic (bad ones too: the
        folder dead-letters them); returns their delivery (transport.py awaits it)."""
        self.consuming = True
        now = time.time()
        n = self.settings.partitions
        tol = self.settings.future_tolerance_seconds
        routed = []
        topic = tp.topic[self.prefix_len :]  # the contract's name, whatever the prefix
        for record in records:
            raw = record.value
            source = invalid_identity(topic, tp.partition, record.offset)
            # Page views and banners straight to their routed record; the rest, refusals
            # included, through decode (which names the reason) and encode_valid.
            fused = fast_route(topic, raw, now, tol, self.site_hosts, source)
            if fused is not None:
                key, value = fused
            else:
                result = decode(topic, raw, now, tol)
                if isinstance(result, Rejected):
                    key, value = encode_invalid(
                        topic, tp.partition, record.offset, result, raw, now
                    )
                else:
                    key, value = encode_valid(topic, result, raw, self.site_hosts, source)
            routed.append((partition_for(key, n), key, value))
        # One message a partition (packing.py); offsets are acknowledged only once every
        # routed record is in Kafka.
        return asyncio.gather(*await send_batches(self.kafka, self.routed_topic, pack(routed)))

    async def fold_batch(self, tp: Any, records: Sequence[Any]) -> Awaitable[Any]:
        """Fold routed records into the partition's state; returns the delivery of its
        changelog writes, which then counts the batch in the metrics."""
        self.consuming = True
        p = tp.partition
        folder = self.folders.get(p) or await self._new_folder(p)
        limit = self.settings.batch_max_records
        deliveries = []
        for batch, last_packed in unpack_chunks(records, limit, self.last_packed.get(p, -1)):
            self.last_packed[p] = last_packed
            now = time.time()
            tally = folder.fold(batch, now)
            self.last_seen[p] = now
            deliveries.append(await self._finish(folder, tally))
        return asyncio.gather(*deliveries)

    async def _new_folder(self, partition: int) -> PartitionFolder:
        """A partition's folder, rebuilt from recovered state after an assignment."""
        stores = self.tables.stores()
        checkpoint = stores.totals.get(f"{partition}|closed") or {}
        emitted = await read_emitted(self.settings, partition, checkpoint.get("ck") or {})
        folder = PartitionFolder(
            partition,
            stores,
            self.settings.dedup_horizon_seconds,
            self.settings.label_cap,
            self.settings.grace_seconds,
            emitted,
            series_retention=self.settings.series_retention_seconds,
        )
        self.folders[partition] = folder
        self.last_seen[partition] = time.time()
        return folder

    async def _finish(self, folder: PartitionFolder, tally: Tally) -> Awaitable[None]:
        """Send what a batch produced, then its state changes; returns their delivery,
        which counts the batch once Kafka has them."""
        for rec in tally.dead_letters:
            await self._dead_letter(rec)
        if tally.emissions:
            await self._emit(folder, tally.emissions)
        sent = await send_changelogs(
            self.kafka, self.tables.tables, folder.stores, folder.partition
        )
        return self._count_when_delivered(sent, tally)

    async def _count_when_delivered(self, sent: list[asyncio.Future[Any]], tally: Tally) -> None:
        await asyncio.gather(*sent)
        self.metrics.apply(tally)

    async def _emit(self, folder: PartitionFolder, emissions: list[Emission]) -> None:
        """Closed windows' records, to the same partition number as their state."""
        sent = [
            (
                e.topic,
                await self.app.producer.send(
                    self.settings.topic(e.topic), e.key, e.value, folder.partition, None, None
                ),
            )
            for e in emissions
        ]
        ends: dict[str, int] = {}
        for topic, future in sent:
            metadata = await future
            ends[topic] = max(ends.get(topic, 0), metadata.offset + 1)
        folder.closer.checkpoint(ends)

    async def close_idle(self) -> None:
        """Close the windows of partitions that have been quiet (see windowing.py)."""
        lock = getattr(self.app.consumer, "batch_lock", None)
        if lock is None:
            return
        async with lock:
            now = time.time()
            for partition, folder in list(self.folders.items()):
                watermark = idle_watermark(
                    folder.watermark, self.last_seen[partition], now, self.settings.idle_seconds
                )
                if watermark > folder.watermark:
                    emissions = folder.close(watermark)
                    if emissions:
                        await (await self._finish(folder, Tally(emissions=emissions)))

    async def _dead_letter(self, rec: Routed) -> None:
        """The contract's dead-letter record for an invalid input record."""
        _, partition, offset = rec.source.rsplit("/", 2)
        value = dead_letter_value(
            self.settings.topic(rec.stream),
            int(partition),
            int(offset),
            rec.reason or "invalid_field",
            rec.error or "",
            base64.b64decode(rec.raw or ""),
            rec.event_time,
        )
        await self.app.producer.send(
            self.dead_letter_topic, rec.identity.encode(), value, None, None, None
        )
