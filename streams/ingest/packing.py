"""Many routed records in one Kafka message of `pulse.events-routed`, and their positions.

Each Kafka record costs the worker on both sides of the hop whatever it holds: appending
it to a record batch, the broker's handling, aiokafka parsing it back into a
`ConsumerRecord` in Python, Faust's per-offset acknowledgement, one `orjson.loads`. The
router therefore sends the records of one input batch that go to one partition as one
message, a JSON array of the routed values (`route.encode_valid`'s format, unchanged),
within `MAX_PACK_BYTES` and `MAX_PACK_RECORDS`: one worker's drain went from ~45 to ~40
CPU-seconds a million events (benchmarks/, `--only pulse`, two runs each, the same hour).

The folder needs one increasing number per routed record, for its per-key "folded up to
here" marks (fold.py) and the dedup index: its **position**. A packed message at offset
X holds positions `PACKED_BASE + (X << SHIFT) + i`; a message in the earlier one-record
format (a JSON object) keeps its offset X as its position, so the marks that workers of
earlier versions stored still compare right with the records they folded, and every
packed record sorts after them. A message is always folded whole (a Kafka record is
never split between fetches), so a replay gives every record the position it had.

Upgrading from a version that sent one record a message: stop every worker, then start
the new version. A worker of the earlier version cannot read packed messages (its
folder fails on the first one); one still routing in the old format after a new one would have its
records sorted before the packed ones, so `unpack` refuses such a record, loudly, rather
than letting the folder take it for a replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson

from streams.ingest.route import Routed, decode_routed, routed_from_body

#: positions of packed records start here: above any Kafka offset of the old format
PACKED_BASE = 1 << 52
#: positions a packed message spans (`1 << SHIFT`): more than the records it may hold
SHIFT = 16
MAX_PACK_RECORDS = 4096
#: well under the producer's record batch (1 MiB) and the broker's message limit
MAX_PACK_BYTES = 256 * 1024


class MixedRoutedFormats(RuntimeError):
    """A one-record message after a packed one: a worker of an earlier version routes."""


def position(offset: int, index: int) -> int:
    """The position of the `index`-th record of the packed message at `offset`."""
    return PACKED_BASE + (offset << SHIFT) + index


def pack(routed: Iterable[tuple[int, bytes, bytes]]) -> list[tuple[int, None, bytes]]:
    """(partition, key, value) routed records as (partition, None, packed value) messages,
    each partition's records in their order."""
    by_partition: dict[int, list[bytes]] = {}
    for partition, _key, value in routed:
        values = by_partition.get(partition)
        if values is None:
            values = by_partition[partition] = []
        values.append(value)
    messages: list[tuple[int, None, bytes]] = []
    for partition, values in by_partition.items():
        start, size = 0, 0
        for i, value in enumerate(values):
            if i > start and (size + len(value) > MAX_PACK_BYTES or i - start == MAX_PACK_RECORDS):
                messages.append((partition, None, b"[" + b",".join(values[start:i]) + b"]"))
                start, size = i, 0
            size += len(value) + 1
        messages.append((partition, None, b"[" + b",".join(values[start:]) + b"]"))
    return messages


def unpack(records: Sequence[Any], last_packed: int = -1) -> tuple[list[tuple[int, Routed]], int]:
    """(position, routed) of every routed record in the messages `records` of one
    partition, and the offset of the last packed message seen (`last_packed` before).

    Raises `MixedRoutedFormats` for a one-record message after a packed one.
    """
    batch: list[tuple[int, Routed]] = []
    append = batch.append
    for record in records:
        value = record.value
        offset = record.offset
        if value[:1] == b"[":
            base = PACKED_BASE + (offset << SHIFT)
            for i, body in enumerate(orjson.loads(value)):
                append((base + i, routed_from_body(body)))
            last_packed = offset
        elif offset > last_packed >= 0:
            raise MixedRoutedFormats(
                f"{record.topic}[{record.partition}] offset {offset} is a record in the "
                f"earlier one-record format, after a packed message at {last_packed}: a "
                "worker of an earlier version is still routing. Stop every worker, then "
                "start them all on one version (README, Upgrading)."
            )
        else:
            append((offset, decode_routed(value)))
    return batch, last_packed


def unpack_chunks(
    records: Sequence[Any], limit: int, last_packed: int = -1
) -> Iterator[tuple[list[tuple[int, Routed]], int]]:
    """`unpack` in chunks of whole messages, each closed once it holds `limit` routed
    records or more: what one fold takes. The consumer's record limit counts messages,
    so one fetch of packed messages can hold tens of thousands of records; folded at
    once, they raised the memory benchmark's peak by ~10 MiB."""
    batch: list[tuple[int, Routed]] = []
    for i in range(len(records)):
        part, last_packed = unpack(records[i : i + 1], last_packed)
        batch.extend(part)
        if len(batch) >= limit:
            yield batch, last_packed
            batch = []
    if batch:
        yield batch, last_packed
