"""Write a batch's changed keys to the tables' changelog topics, as whole record batches.

Faust's `Table.send_changelog` costs ~30 µs a key (a FutureMessage, serializer lookups,
a trip through its send buffer), and the buffer holds every message with a reference to
the live, still-changing value until it is sent. Here each changed key is serialized at
once into one Kafka record batch per changelog partition (the same bytes Faust's recovery
reads: a JSON key, a JSON value, or no value for a deleted key), and the caller awaits
delivery before it acknowledges the input, as the router does. Faust still recovers the
tables from these topics; only its send path is bypassed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import orjson

from streams.ingest.batchsend import send_batches
from streams.store import DictStore


def changelog_records(store: DictStore, partition: int) -> list[tuple[int, bytes, bytes | None]]:
    """The records for what `store` changed since the last call: values, then tombstones."""
    changed, deleted = store.take_changes()
    dumps = orjson.dumps
    records: list[tuple[int, bytes, bytes | None]] = [
        (partition, dumps(key), dumps(value)) for key, value in changed.items()
    ]
    records.extend((partition, dumps(key), None) for key in deleted)
    return records


async def write_changelogs(
    producer: Any, tables: Mapping[str, Any], stores: Any, partition: int
) -> int:
    """Send every table's changes for `partition` and wait until Kafka has them all."""
    futures: list[asyncio.Future[Any]] = []
    sent = 0
    for name, table in tables.items():
        records = changelog_records(getattr(stores, name), partition)
        if records:
            topic = table.changelog_topic.get_topic_name()
            futures.extend(await send_batches(producer, topic, records))
            sent += len(records)
    await asyncio.gather(*futures)
    return sent
