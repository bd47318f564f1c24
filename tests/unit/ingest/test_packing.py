"""Packed routed messages: every record arrives, in order, at increasing positions."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.ingest.packing import (
    MAX_PACK_BYTES,
    MAX_PACK_RECORDS,
    PACKED_BASE,
    MixedRoutedFormats,
    pack,
    position,
    unpack,
    unpack_chunks,
)
from streams.ingest.route import decode_routed

TOPIC = "pulse.events-routed"


def value(n: int, pad: int = 0) -> bytes:
    """A routed value (encode_valid's shape) numbered n, padded to grow it."""
    body = {"s": 1, "id": f"id-{n}", "src": f"web.page-viewed/0/{n}", "t": 1.5 * n}
    body["e"] = {"event_type": "page.viewed", "reader_id": "r" * pad, "device": "mobile"}
    return orjson.dumps(body)


def messages(values: list[bytes], first_offset: int = 0, partition: int = 0) -> list[Any]:
    return [
        SimpleNamespace(topic=TOPIC, partition=partition, offset=first_offset + i, value=v)
        for i, v in enumerate(values)
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([0, 10, 3000, 70_000])), max_size=400))
def test_each_partition_gets_its_records_in_order_within_the_limits(
    records: list[tuple[int, int]],
) -> None:
    routed = [(p, b"key", value(n, pad)) for n, (p, pad) in enumerate(records)]
    packed = pack(routed)
    for partition in range(4):
        sent = [v for p, _, v in routed if p == partition]
        bodies = [m for p, key, m in packed if p == partition]
        assert all(key is None for p, key, _ in packed)
        for m in bodies:
            n = len(orjson.loads(m))
            assert 1 <= n <= MAX_PACK_RECORDS
            assert len(m) <= MAX_PACK_BYTES or n == 1
        batch, last = unpack(messages(bodies, first_offset=7, partition=partition))
        assert [r for _, r in batch] == [decode_routed(v) for v in sent]
        positions = [p for p, _ in batch]
        assert positions == sorted(set(positions))  # strictly increasing
        assert last == (7 + len(bodies) - 1 if bodies else -1)


def test_a_full_message_starts_another() -> None:
    small = [orjson.dumps({"s": 1, "id": str(n), "t": 0.0}) for n in range(MAX_PACK_RECORDS + 1)]
    sizes = [len(orjson.loads(v)) for _, _, v in pack([(0, b"k", v) for v in small])]
    assert sizes == [MAX_PACK_RECORDS, 1]  # by count
    large = [value(n) for n in range(MAX_PACK_RECORDS)]
    sizes = [len(orjson.loads(v)) for _, _, v in pack([(0, b"k", v) for v in large])]
    assert len(sizes) > 1 and sum(sizes) == MAX_PACK_RECORDS  # by bytes


def test_records_in_the_one_record_format_keep_their_offsets_before_packed_ones() -> None:
    old = messages([value(0), value(1)], first_offset=40)
    new = messages([pack([(0, b"k", value(2)), (0, b"k", value(3))])[0][2]], first_offset=42)
    batch, last = unpack(old + new)
    assert [p for p, _ in batch] == [40, 41, position(42, 0), position(42, 1)]
    assert position(42, 0) == PACKED_BASE + (42 << 16) and last == 42
    assert [r.identity for _, r in batch] == ["id-0", "id-1", "id-2", "id-3"]


def test_a_one_record_message_after_a_packed_one_is_refused() -> None:
    packed = messages([pack([(0, b"k", value(1))])[0][2]], first_offset=5)
    with pytest.raises(MixedRoutedFormats, match="earlier version"):
        unpack(packed + messages([value(2)], first_offset=6))
    _, last = unpack(packed)
    with pytest.raises(MixedRoutedFormats):  # in a later batch too
        unpack(messages([value(2)], first_offset=6), last)
    # the replay of an old record before any packed one in this run is fine
    assert unpack(messages([value(0)], first_offset=4))[0][0][0] == 4


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=30), st.integers(1, 20))
def test_chunks_hold_whole_messages_up_to_the_limit(sizes: list[int], limit: int) -> None:
    numbers = iter(range(1000))
    values = [pack([(0, b"k", value(next(numbers))) for _ in range(n)])[0][2] for n in sizes]
    records = messages(values, first_offset=3)
    whole, last = unpack(records)
    chunks = list(unpack_chunks(records, limit))
    assert [rec for batch, _ in chunks for rec in batch] == whole  # all, in order, once
    assert chunks[-1][1] == last
    ends = {position(3 + i, n - 1) for i, n in enumerate(sizes)}
    for batch, _ in chunks:
        assert batch[-1][0] in ends  # a chunk ends where a message does
        assert len(batch) - 9 < limit  # closed as soon as it reached the limit
