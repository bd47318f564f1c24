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
import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from streams.codec import dumps_stored
from streams.ingest.batchsend import send_batches
from streams.store import DictStore


def changelog_records(
    store: DictStore, partition: int
) -> tuple[int, Iterator[tuple[int, bytes, bytes | None]]]:
    """How many records `store`'s changes since the last call make, and the records
    (values, then tombstones), serialized one at a time as the batch builder takes them:
    each orjson result keeps ~4 KiB of spare capacity while it lives."""
    changed, deleted = store.take_changes()
    dumps = dumps_stored
    values = ((partition, dumps(key), dumps(value)) for key, value in changed.items())
    tombstones = ((partition, dumps(key), None) for key in deleted)
    return len(changed) + len(deleted), itertools.chain(values, tombstones)


async def send_changelogs(
    producer: Any, tables: Mapping[str, Any], stores: Any, partition: int
) -> list[asyncio.Future[Any]]:
    """Send every table's changes for `partition`; one delivery future per record batch.
    The values are serialized here, so later changes to them do not reach these."""
    futures: list[asyncio.Future[Any]] = []
    for name, table in tables.items():
        count, records = changelog_records(getattr(stores, name), partition)
        if count:
            topic = table.changelog_topic.get_topic_name()
            futures.extend(await send_batches(producer, topic, records))
    return futures
