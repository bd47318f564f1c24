"""The two batch handlers: route (validate and re-key) and fold (count, exactly once).

Thin on purpose: read a batch, call the pure functions, write state, record metrics,
send. The logic lives in decode, route, fold; the Kafka plumbing in transport.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Sequence
from typing import Any

from streams.config import Settings
from streams.ingest.deadletter import dead_letter_value
from streams.ingest.decode import Rejected, decode
from streams.ingest.fold import PartitionFolder
from streams.ingest.partitioning import partition_for
from streams.ingest.route import (
    Routed,
    decode_routed,
    encode_invalid,
    encode_valid,
    invalid_identity,
)
from streams.ingest.transport import register_batch_handler
from streams.metrics import PulseMetrics
from streams.tables import PulseTables
from streams.topics import DEAD_LETTER, INPUT_TOPICS, ROUTED

log = logging.getLogger(__name__)


class Pipeline:
    """The worker's processing: both handlers and the per-partition folders they share."""

    def __init__(self, app: Any, settings: Settings, tables: PulseTables, metrics: PulseMetrics):
        self.app = app
        self.settings = settings
        self.tables = tables
        self.metrics = metrics
        self.site_hosts = frozenset(settings.site_hosts)
        self.folders: dict[int, PartitionFolder] = {}
        self.consuming = False
        self.routed_topic = settings.topic(ROUTED)
        self.dead_letter_topic = settings.topic(DEAD_LETTER)
        self.prefix_len = len(settings.topic_prefix)

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

    async def _forget_folders(self, sender: Any, *args: Any, **kwargs: Any) -> None:
        # Partitions may have moved and their state been recovered: rebuild lazily.
        self.folders.clear()

    async def route_batch(self, tp: Any, records: Sequence[Any]) -> None:
        """Validate input records; send each to the routed topic, bad ones also to DLQ."""
        self.consuming = True
        now = time.time()
        n = self.settings.partitions
        producer = self.app.producer
        tol = self.settings.future_tolerance_seconds
        pending = []
        topic = tp.topic[self.prefix_len :]  # the contract's name, whatever the prefix
        for record in records:
            result = decode(topic, record.value, now, tol)
            if isinstance(result, Rejected):
                key, value = encode_invalid(
                    topic, tp.partition, record.offset, result, record.value, now
                )
            else:
                source = invalid_identity(topic, tp.partition, record.offset)
                key, value = encode_valid(topic, result, record.value, self.site_hosts, source)
            part = partition_for(key, n)
            pending.append(await producer.send(self.routed_topic, key, value, part, None, None))
        # Offsets are acknowledged only once every routed record is in Kafka.
        await asyncio.gather(*pending)

    async def fold_batch(self, tp: Any, records: Sequence[Any]) -> None:
        """Fold routed records into the partition's state and the process's metrics."""
        self.consuming = True
        folder = self.folders.get(tp.partition)
        if folder is None:
            folder = PartitionFolder(
                tp.partition,
                self.tables.stores(),
                self.settings.dedup_horizon_seconds,
                self.settings.label_cap,
            )
            self.folders[tp.partition] = folder
        batch = [(r.offset, decode_routed(r.value)) for r in records]
        tally = folder.fold(batch, time.time())
        for rec in tally.dead_letters:
            await self._dead_letter(rec)
        self.tables.write_changes(folder.stores, tp.partition)
        self.metrics.apply(tally)

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
