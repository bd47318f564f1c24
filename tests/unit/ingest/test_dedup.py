"""DedupIndex: ids per event-time minute, persisted as segments, expired by the horizon."""

from __future__ import annotations

import base64
import copy
import re
import uuid
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.codec import dumps_stored
from streams.ingest.dedup import COPY, DUPLICATE, NEW, REPLAY, DedupIndex
from streams.ingest.idkeys import (
    first_routed_offset,
    id_key,
    id_keys,
    same_source,
    seen_value,
    source_code,
)
from streams.store import DictStore
from streams.topics import INPUT_TOPICS

P = 5
HORIZON = 3600.0
T0 = 1_795_888_800.0  # 2026-11-28T18:00:00Z, a minute boundary
MINUTE = int(T0 // 60)


def eid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def src(n: int) -> str:
    """The input record ("partition:offset") a routed record came from."""
    return f"2:{5000 + n}"


def rsrc(n: int) -> str:
    """An input record as the router names it: kept as an integer code."""
    return f"web.page-viewed/2/{5000 + n}"


def seeded(store: DictStore, source: Callable[[int], str] = src) -> DedupIndex:
    """Ten ids at routed offsets 100..109, two per minute from T0, flushed."""
    index = DedupIndex(P, HORIZON)
    for i in range(10):
        assert index.check(eid(i), 100 + i, source(i), T0 + 30 * i, T0) == NEW
    index.flush(store)
    return index


def test_the_four_cases() -> None:
    index = DedupIndex(P, HORIZON)
    assert index.check(eid(1), 10, src(1), T0, T0) == NEW
    assert index.check(eid(1), 10, src(1), T0, T0) == REPLAY  # the same routed record
    assert index.check(eid(1), 11, src(1), T0, T0) == COPY  # re-sent by the router
    assert index.check(eid(1), 12, src(7), T0, T0) == DUPLICATE  # another input record
    assert index.check(eid(2), 13, src(1), T0, T0) == NEW  # another id
    assert index.check(eid(1), 14, src(7), T0, T0) == COPY  # the duplicate, re-sent
    assert index.check(eid(1), 12, src(7), T0, T0) == DUPLICATE  # the duplicate, replayed
    assert len(index) == 3  # two ids and the source of the one duplicate


@pytest.mark.parametrize(
    ("offset", "source", "expected"),
    [
        (10, src(1), REPLAY),
        (10, src(2), REPLAY),  # the routed offset decides first
        (11, src(1), COPY),
        (250, src(1), COPY),
        (11, src(2), DUPLICATE),
        (9, "3:5001", DUPLICATE),  # same offset, another input partition
    ],
)
def test_a_repeat_is_told_by_offset_and_source(offset: int, source: str, expected: str) -> None:
    index = DedupIndex(P, HORIZON)
    assert index.check(eid(1), 10, src(1), T0, T0) == NEW
    assert index.check(eid(1), offset, source, T0 + 5, T0) == expected
    # the first occurrence stays the reference
    assert index.check(eid(1), 10, src(1), T0, T0) == REPLAY


def test_a_replay_is_recognised_whatever_the_watermark() -> None:
    index = DedupIndex(P, HORIZON)
    assert index.check(eid(1), 10, src(1), T0, T0) == NEW
    assert index.check(eid(1), 10, src(1), T0, T0 + 600) == REPLAY
    assert len(index) == 1


def test_flush_writes_one_segment_per_bucket_named_by_its_first_offset() -> None:
    store = DictStore()
    seeded(store)
    keys = sorted(store.data)
    assert keys == sorted(f"{P}|dd|{MINUTE + m}|{100 + 2 * m}" for m in range(5))
    assert store.data[f"{P}|dd|{MINUTE}|100"] == {
        "lines": f"{eid(0)} 100 {src(0)}\n{eid(1)} 101 {src(1)}"
    }
    assert store.dirty == set(keys)


def test_flush_without_new_ids_writes_nothing() -> None:
    store = DictStore()
    index = seeded(store)
    store.take_changes()
    assert index.check(eid(3), 103, src(3), T0 + 90, T0) == REPLAY
    assert index.check(eid(3), 180, src(3), T0 + 90, T0) == COPY
    index.flush(store)
    assert store.take_changes() == ({}, set())


def test_a_duplicate_persists_only_its_source() -> None:
    store = DictStore()
    index = seeded(store)
    store.take_changes()
    assert index.check(eid(3), 181, src(99), T0 + 90, T0) == DUPLICATE
    index.flush(store)
    changed, deleted = store.take_changes()
    assert [value["lines"] for value in changed.values()] == [f"src:{src(99)} 181 {src(99)}"]
    assert deleted == set()


def test_restore_gives_the_same_answers() -> None:
    store = DictStore()
    live = seeded(store)
    restored = DedupIndex.restore(P, HORIZON, DictStore(copy.deepcopy(dict(store.data))))
    assert len(restored) == len(live) == 10
    assert restored.entries() == live.entries()
    for i in range(10):
        for offset, source in ((100 + i, src(i)), (300 + i, src(i)), (300 + i, src(50 + i))):
            assert restored.check(eid(i), offset, source, T0, T0) == live.check(
                eid(i), offset, source, T0, T0
            )
    assert restored.check(eid(99), 400, src(99), T0, T0) == NEW


def test_restore_ignores_other_partitions_and_tombstones() -> None:
    store = DictStore()
    seeded(store)
    other = DedupIndex(P + 1, HORIZON)
    other.check(eid(50), 7, src(50), T0, T0)
    other.flush(store)
    store.data[f"{P}|dd|{MINUTE + 9}|999"] = None  # a tombstone not yet compacted
    restored = DedupIndex.restore(P, HORIZON, store)
    assert id_key(eid(50)) not in restored.entries()
    assert len(restored) == 10


def test_a_replayed_batch_never_overwrites_an_earlier_segment() -> None:
    store = DictStore()
    seeded(store)
    before = copy.deepcopy(dict(store.data))
    # After a crash: restore, then the same batch again plus two records beyond it.
    index = DedupIndex.restore(P, HORIZON, store)
    for i in range(10):
        assert index.check(eid(i), 100 + i, src(i), T0 + 30 * i, T0) == REPLAY
    for i in (10, 11):
        assert index.check(eid(i), 100 + i, src(i), T0 + 30 * i, T0) == NEW
    index.flush(store)
    for key, value in before.items():
        assert store.data[key] == value
    new = {k: v for k, v in store.data.items() if k not in before}
    assert new == {
        f"{P}|dd|{MINUTE + 5}|110": {"lines": f"{eid(10)} 110 {src(10)}\n{eid(11)} 111 {src(11)}"}
    }


def test_a_replay_in_the_same_process_adds_no_segment() -> None:
    store = DictStore()
    index = seeded(store)
    snapshot = copy.deepcopy(dict(store.data))
    for i in range(10):
        assert index.check(eid(i), 100 + i, src(i), T0 + 30 * i, T0) == REPLAY
    index.flush(store)
    assert store.data == snapshot


def test_expiry_drops_old_ids_and_tombstones_their_segments() -> None:
    store = DictStore()
    index = seeded(store)
    store.take_changes()
    # Watermark one horizon and two minutes past T0: minutes MINUTE and MINUTE+1 go.
    watermark = T0 + HORIZON + 120
    assert index.expire(store, watermark) == 4
    gone = {f"{P}|dd|{MINUTE}|100", f"{P}|dd|{MINUTE + 1}|102"}
    changed, deleted = store.take_changes()
    assert deleted == gone
    assert changed == {}
    assert gone.isdisjoint(store.data)
    assert len(store.data) == 3
    assert len(index) == 6
    for i in range(4):  # forgotten: a repeat now counts as new
        assert index.check(eid(i), 500 + i, src(50 + i), T0, watermark) == NEW
    for i in range(4, 10):  # still remembered
        assert index.check(eid(i), 500 + i, src(50 + i), T0, watermark) == DUPLICATE


def test_expiry_keeps_everything_within_the_horizon() -> None:
    store = DictStore()
    index = seeded(store)
    assert index.expire(store, T0 + HORIZON) == 0
    assert len(index) == 10
    assert len(store.data) == 5


def test_expiry_after_restore_tombstones_the_restored_segments() -> None:
    store = DictStore()
    seeded(store)
    index = DedupIndex.restore(P, HORIZON, store)
    store.take_changes()
    assert index.expire(store, T0 + 2 * HORIZON) == 10
    assert store.data == {}
    assert len(store.take_changes()[1]) == 5


@pytest.mark.parametrize(
    ("event_time", "bucket"),
    [
        (T0 + HORIZON + 600, int((T0 + HORIZON + 600) // 60)),  # on time: its own minute
        (T0 + 10, int((T0 + 600) // 60)),  # older than the horizon: kept at the floor
    ],
)
def test_an_id_is_kept_at_least_until_the_horizon_passes_it(event_time: float, bucket: int) -> None:
    store = DictStore()
    index = DedupIndex(P, HORIZON)
    watermark = T0 + HORIZON + 600
    assert index.check(eid(1), 1, src(1), event_time, watermark) == NEW
    index.flush(store)
    assert list(store.data) == [f"{P}|dd|{bucket}|1"]
    assert index.expire(store, watermark) == 0
    assert index.check(eid(1), 2, src(2), event_time, watermark) == DUPLICATE


ROUTED_SOURCE = "web.page-viewed/3/123456"


def test_canonical_uuids_and_router_sources_are_kept_as_integers() -> None:
    index = DedupIndex(P, HORIZON)
    index.check(eid(1), 10, ROUTED_SOURCE, T0, T0)
    ((key, seen),) = index.entries().items()
    assert isinstance(key, int) and isinstance(seen, int)
    assert index.check(eid(1), 10, "web.page-viewed/3/999", T0, T0) == REPLAY
    assert index.check(eid(1), 11, ROUTED_SOURCE, T0, T0) == COPY
    assert index.check(eid(1), 12, "web.page-viewed/2/123456", T0, T0) == DUPLICATE
    assert index.check(eid(1), 13, "web.page-viewed/2/123456", T0, T0) == COPY  # of the duplicate
    assert index.check(eid(1), 14, "web.banner-events/3/123456", T0, T0) == DUPLICATE


@pytest.mark.parametrize(
    "identity",
    [
        "0000000A-0000-4000-8000-000000000001",  # not lower case: not the canonical form
        "00000000_0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-00000000000g",
        "web.page-viewed/0/17",
        "src:web.page-viewed/0/17",
    ],
)
def test_identities_that_are_not_canonical_uuids_keep_their_string(identity: str) -> None:
    assert id_key(identity) == identity


@pytest.mark.parametrize(
    "source",
    [
        "web.page-viewed/03/5",  # a leading zero: another string than ".../3/5"
        "web.page-viewed/3/05",
        "web.page-viewed/3/-5",
        "web.page-viewed/3",
        "other.topic/3/5",
        "2:5000",
        "",
        f"web.page-viewed/3/{1 << 48}",
        "web.page-viewed/2048/1",
    ],
)
def test_sources_that_are_not_exactly_router_sources_keep_their_string(source: str) -> None:
    assert source_code(source) is None
    assert seen_value(7, source) == (7, source)


def test_distinct_router_sources_get_distinct_codes() -> None:
    sources = [
        f"{topic}/{p}/{o}"
        for topic in ("cms.article-published", "web.page-viewed", "web.banner-events")
        for p in (0, 1, 7, 2047)
        for o in (0, 1, 10, (1 << 48) - 1)
    ]
    codes = [source_code(s) for s in sources]
    assert None not in codes
    assert len(set(codes)) == len(sources)


def test_segments_written_as_lists_before_the_line_format_are_restored() -> None:
    store = DictStore(
        {f"{P}|dd|{MINUTE}|100": {"ids": [[eid(0), 100, ROUTED_SOURCE], [eid(1), 101, src(1)]]}}
    )
    index = DedupIndex.restore(P, HORIZON, store)
    assert len(index) == 2
    assert index.check(eid(0), 100, ROUTED_SOURCE, T0, T0) == REPLAY
    assert index.check(eid(1), 150, src(1), T0, T0) == COPY
    assert index.check(eid(1), 151, src(2), T0, T0) == DUPLICATE


# --- ids settled into the arrays (idtable.FrozenIds) -------------------------------------


def settled(store: DictStore) -> DedupIndex:
    """`seeded` with router sources, then all ten moved to the arrays."""
    index = seeded(store, rsrc)
    index.settle(MINUTE + 30, force=True)
    assert index.open == {} and len(index.frozen) == 10
    return index


def test_settled_ids_give_the_same_answers_as_fresh_ones() -> None:
    fresh_index, settled_index = seeded(DictStore(), rsrc), settled(DictStore())
    assert settled_index.entries() == fresh_index.entries()
    settled_index.prepare([eid(i) for i in range(12)])
    for i in range(10):
        for offset, source in ((100 + i, rsrc(i)), (300 + i, rsrc(i)), (300 + i, rsrc(50 + i))):
            want = fresh_index.check(eid(i), offset, source, T0, T0)
            assert settled_index.check(eid(i), offset, source, T0, T0) == want
    assert settled_index.check(eid(11), 900, src(11), T0, T0) == NEW


def test_a_settled_id_is_found_without_prepare_too() -> None:
    index = settled(DictStore())
    index.prepare([])  # the batch's ids were not looked up in advance
    assert index.check(eid(4), 104, rsrc(4), T0, T0) == REPLAY
    assert index.check(eid(4), 777, rsrc(40), T0, T0) == DUPLICATE


def test_settled_ids_expire_with_their_bucket() -> None:
    store = DictStore()
    index = settled(store)
    store.take_changes()
    watermark = T0 + HORIZON + 120  # minutes MINUTE and MINUTE + 1 go
    assert index.expire(store, watermark) == 4
    assert len(index) == 6
    assert len(store.take_changes()[1]) == 2
    for i in range(4):
        assert index.check(eid(i), 500 + i, rsrc(50 + i), T0, watermark) == NEW
    for i in range(4, 10):
        assert index.check(eid(i), 500 + i, rsrc(50 + i), T0, watermark) == DUPLICATE


def test_uuids_with_router_sources_are_persisted_packed_and_restored_into_the_arrays() -> None:
    store = DictStore()
    index = DedupIndex(P, HORIZON)
    for i in range(3):
        assert index.check(eid(i), 10 + i, f"web.page-viewed/1/{i}", T0, T0) == NEW
    assert index.check("not-a-uuid", 13, "web.page-viewed/1/3", T0, T0) == NEW
    index.flush(store)
    ((_, value),) = store.data.items()
    assert set(value) == {"p", "lines"}
    assert isinstance(value["p"], bytes) and len(value["p"]) == 3 * 32  # in memory
    written = orjson.loads(dumps_stored(value))  # what the changelog holds
    assert base64.b64decode(written["p"]) == value["p"]
    assert value["lines"] == written["lines"] == "not-a-uuid 13 web.page-viewed/1/3"
    recovered = DictStore({key: written for key in store.data})
    for source in (store, recovered):
        restored = DedupIndex.restore(P, HORIZON, source)
        assert len(restored.frozen) == 3 and len(restored.odd) == 1
        assert restored.entries() == index.entries()
        assert restored.check(eid(2), 12, "web.page-viewed/1/2", T0, T0) == REPLAY
        assert restored.check("not-a-uuid", 14, "web.page-viewed/1/3", T0, T0) == COPY
    # restored from the changelog, the segment is held as bytes too, and reads the same
    assert recovered.data == store.data and recovered.dirty == set()


def test_an_id_in_the_arrays_costs_forty_bytes() -> None:
    index = DedupIndex(P, HORIZON)
    for i in range(1000):
        index.check(str(uuid.UUID(int=(i * 7919) << 64 | i)), i, f"web.page-viewed/0/{i}", T0, T0)
    index.flush(DictStore())
    index.settle(MINUTE + 10, force=True)
    assert len(index.frozen) == 1000
    assert index.frozen.nbytes == 1000 * 40


class Reference:
    """The dedup rules with one plain dict: what DedupIndex must answer, however it
    stores its ids."""

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self.held: dict[object, tuple[object, int]] = {}

    def check(self, identity: str, offset: int, source: str, t: float, wm: float) -> str:
        first = self.held.get(id_key(identity))
        if first is None:
            self._remember(id_key(identity), offset, source, t, wm)
            return NEW
        if first_routed_offset(first[0]) == offset:  # type: ignore[arg-type]
            return REPLAY
        if same_source(first[0], source):  # type: ignore[arg-type]
            return COPY
        seen = self.held.get(f"src:{source}")
        if seen is None:
            self._remember(f"src:{source}", offset, source, t, wm)
            return DUPLICATE
        return DUPLICATE if first_routed_offset(seen[0]) == offset else COPY  # type: ignore[arg-type]

    def _remember(self, key: object, offset: int, source: str, t: float, wm: float) -> None:
        bucket = max(int(t // 60), int((wm - self.horizon) // 60))
        self.held[key] = (seen_value(offset, source), bucket)

    def expire(self, wm: float) -> None:
        floor = int((wm - self.horizon) // 60)
        self.held = {k: v for k, v in self.held.items() if v[1] >= floor}


#: ids that share their high 64 bits (the arrays' sort key), random ones, and others
IDENTITIES = (
    [eid(n) for n in range(8)]
    + [str(uuid.UUID(int=(n * 0x9E3779B97F4A7C15) % (1 << 128))) for n in range(1, 9)]
    + ["web.page-viewed/0/1", "custom-id-7"]
)
SOURCES = ["web.page-viewed/0/5", "web.page-viewed/1/5", "web.banner-events/0/9", "2:5000"]

#: a routed partition: one record (identity, source, event minute) per offset
routed_log = st.lists(
    st.tuples(st.sampled_from(IDENTITIES), st.sampled_from(SOURCES), st.integers(-30, 150)),
    min_size=1,
    max_size=40,
)
step = st.one_of(
    st.tuples(st.just("check"), st.integers(0, 39)),  # an offset, read again or not
    st.tuples(st.just("batch"), st.integers(0, 45)),  # watermark advances by minutes
    st.tuples(st.just("settle")),
    st.tuples(st.just("restore")),
)


@settings(max_examples=300, deadline=None)
@given(routed_log, st.lists(step, max_size=80))
def test_answers_match_a_plain_dict_whatever_the_storage(
    log: list[tuple[str, str, int]], steps: list[tuple[Any, ...]]
) -> None:
    horizon = 1800.0
    store = DictStore()
    index, ref = DedupIndex(P, horizon), Reference(horizon)
    watermark = T0
    for s in steps:
        if s[0] == "check":
            offset = s[1] % len(log)
            identity, source, minutes = log[offset]
            t = T0 + 60 * minutes
            got = index.check(identity, offset, source, t, watermark)
            assert got == ref.check(identity, offset, source, t, watermark), s
        elif s[0] == "batch":
            watermark += 60 * s[1]
            index.flush(store)
            index.expire(store, watermark)
            ref.expire(watermark)
            assert len(index) == len(ref.held)
            index.prepare(IDENTITIES)
        elif s[0] == "settle":
            index.flush(store)
            index.settle(int(watermark // 60), force=True)
        else:
            index.flush(store)
            index = DedupIndex.restore(P, horizon, DictStore(copy.deepcopy(dict(store.data))))
            index.expire(store, watermark)
    assert {k: v for k, (v, _) in ref.held.items()} == index.entries()


def test_ids_settled_after_prepare_are_still_found() -> None:
    index = DedupIndex(P, HORIZON)
    store = DictStore()
    index.check(eid(9), 9, rsrc(9), T0, T0 + 600)
    index.flush(store)
    index.settle(int((T0 + 600) // 60), force=True)
    index.prepare([eid(1)])  # looked up in the arrays: not there
    assert index.check(eid(1), 10, rsrc(1), T0, T0 + 600) == NEW  # into this minute's dict
    index.settle(int((T0 + 600) // 60), force=True)  # not flushed yet: stays
    assert len(index.frozen) == 1
    index.flush(store)
    index.settle(int((T0 + 600) // 60), force=True)  # then into the arrays, mid-batch
    assert index.open == {} and len(index.frozen) == 2
    assert index.check(eid(1), 10, rsrc(1), T0, T0 + 600) == REPLAY
    assert index.check(eid(1), 11, rsrc(2), T0, T0 + 600) == DUPLICATE


def test_an_id_added_again_by_the_offset_that_named_a_segment_gets_its_own() -> None:
    """The duplicate at offset 3 names its source's segment; once the id it duplicated
    has expired, the same record adds the id again, in the same bucket: two segments."""
    ident, horizon = eid(0), 1800.0
    store, index = DictStore(), DedupIndex(P, horizon)
    assert index.check(ident, 0, "web.page-viewed/0/5", T0, T0) == NEW
    assert index.check(ident, 3, "web.page-viewed/1/5", T0 + 60, T0) == DUPLICATE
    watermark = T0 + 31 * 60  # the id's minute expires, its duplicate's source stays
    index.flush(store)
    index.expire(store, watermark)
    assert index.check(ident, 3, "web.page-viewed/1/5", T0 + 60, watermark) == NEW
    index.flush(store)
    assert sorted(store.data) == [f"{P}|dd|{MINUTE + 1}|3", f"{P}|dd|{MINUTE + 1}|3|1"]
    restored = DedupIndex.restore(P, horizon, DictStore(copy.deepcopy(dict(store.data))))
    assert restored.entries() == index.entries()
    assert len(restored) == 2


# --- the parsers against the regular expressions they replace ----------------------------

#: what `source_code` was: one regular expression for the whole source
_SOURCE = re.compile(r"([a-z.-]+)/(0|[1-9][0-9]{0,3})/(0|[1-9][0-9]{0,14})")
_TOPICS = {topic: i for i, topic in enumerate(INPUT_TOPICS)}


def regex_source_code(source: str) -> int | None:
    match = _SOURCE.fullmatch(source)
    if match is None:
        return None
    topic, partition, offset = match.groups()
    stream = _TOPICS.get(topic)
    p, o = int(partition), int(offset)
    if stream is None or p >= 2048 or o >= 1 << 48:
        return None
    return (stream << 59) | (p << 48) | o


#: numbers as a router writes them, and strings int() takes that it does not write
NUMBERS = (
    st.sampled_from(
        [
            "0",
            "1",
            "7",
            "2047",
            "2048",
            "9999",
            "10000",
            "00",
            "03",
            "-1",
            "+3",
            " 3",
            "3 ",
            "3\n",
            "3_0",
            "\u0663",
            "1\u0663",
            "\uff13",
            "",
            "/",
            "281474976710655",
            "281474976710656",
            "999999999999999",
            "1000000000000000",
            "0" * 16,
            "1" * 5000,
        ]
    )
    | st.integers(0, 1 << 50).map(str)
    | st.text("0123456789", max_size=17)
)
TOPICS = st.sampled_from([*INPUT_TOPICS, "other.topic", "Web.page-viewed", "web/page", ""])
SOURCES = (
    st.tuples(TOPICS, NUMBERS, NUMBERS).map("/".join)
    | st.tuples(TOPICS, NUMBERS, NUMBERS, NUMBERS).map("/".join)
    | st.text(max_size=30)
    | st.text("web.page-viewed/0123", max_size=30)
)


@settings(max_examples=600, deadline=None)
@given(SOURCES)
def test_source_codes_are_those_of_the_regular_expression(source: str) -> None:
    assert source_code(source) == regex_source_code(source)
    assert source_code(source) == regex_source_code(source)  # with its prefix remembered


@pytest.mark.parametrize(
    "number",
    [
        "0",
        "7",
        "2047",
        "2048",
        "00",
        "03",
        "-1",
        "+3",
        " 3",
        "3\n",
        "3_0",
        "\u0663",
        "\uff13",
        "",
        "281474976710655",
        "281474976710656",
        "1000000000000000",
        "1" * 5000,
    ],
)
@pytest.mark.parametrize("where", ["partition", "offset"])
def test_each_number_a_source_could_hold_is_taken_as_the_regular_expression_does(
    number: str, where: str
) -> None:
    source = (
        f"web.page-viewed/{number}/17" if where == "partition" else f"web.page-viewed/3/{number}"
    )
    assert source_code(source) == regex_source_code(source)


def canonical(n: int) -> str:
    return str(uuid.UUID(int=n))


def near_miss(text: str, at: int, char: str) -> str:
    """A canonical UUID with one character replaced, inserted or deleted."""
    at %= len(text)
    return text[:at] + char + text[at + 1 :] if char else text[:at] + text[at + 1 :]


def swapped(text: str, at: int) -> str:
    """Two neighbours swapped: a dash out of place, with the length and count right."""
    return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


UUID_INTS = st.integers(0, (1 << 128) - 1)
IDENTITIES_ANY = (
    UUID_INTS.map(canonical)
    | st.tuples(
        UUID_INTS.map(canonical),
        st.integers(0, 35),
        st.sampled_from(["", "-", "A", "F", "g", " ", "0 ", "_", "+", "\u0663", "\xe9", "\n"]),
    ).map(lambda t: near_miss(*t))
    | UUID_INTS.map(lambda n: canonical(n).upper())
    | UUID_INTS.map(lambda n: canonical(n).replace("-", ""))
    | UUID_INTS.map(lambda n: " " + canonical(n)[1:])
    | st.tuples(UUID_INTS.map(canonical), st.integers(0, 34)).map(lambda t: swapped(*t))
    | st.text(max_size=40)
    | st.text("0123456789abcdef-", min_size=36, max_size=36)
)


@settings(max_examples=400, deadline=None)
@given(st.lists(IDENTITIES_ANY, max_size=30))
def test_a_batch_of_keys_is_id_key_of_each(identities: list[str]) -> None:
    keys, ints, halves = id_keys(identities)
    assert keys == {identity: id_key(identity) for identity in identities}
    assert ints == [k for k in map(id_key, identities) if type(k) is int]
    assert [(int(h) << 64) | int(lo) for h, lo in halves] == ints
    assert {k for k in keys.values() if type(k) is int} == set(ints)


def test_a_batch_of_canonical_uuids_with_one_near_miss() -> None:
    good = [canonical(n * 0x9E3779B97F4A7C15 % (1 << 128)) for n in range(50)]
    misplaced = swapped(good[0], 7)  # the first dash one to the left
    two_more = good[0][:30] + "--" + good[0][32:]  # even so, an even count of hex digits
    for bad in ("A" + good[0][1:], good[0][:35] + " ", misplaced, two_more):
        batch = [*good[:20], bad, *good[20:]]
        keys, ints, _ = id_keys(batch)
        assert keys == {identity: id_key(identity) for identity in batch}
        assert keys[bad] == bad and len(ints) == 50


def test_prepare_takes_any_iterable() -> None:
    index = settled(DictStore())
    index.prepare(eid(i) for i in range(12))
    assert index.hits == {id_key(eid(i)): index.entries()[id_key(eid(i))] for i in range(10)}
    assert index.check(eid(4), 104, rsrc(4), T0, T0) == REPLAY


# --- which bucket an id goes to ----------------------------------------------------------

FLOATS = (
    st.integers(-(1 << 40), 1 << 40).map(lambda n: n * 60.0)  # minute boundaries
    | st.floats(-1e10, 1e10)
    | st.floats(allow_nan=False, allow_infinity=False, width=64)
    | st.sampled_from([0.0, -0.0, 59.999999999999, 2.0**53, -(2.0**53), 2.0**53 + 120])
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(FLOATS, FLOATS, st.booleans()), min_size=1, max_size=12))
def test_an_id_goes_to_its_minute_or_the_horizons(
    records: list[tuple[float, float, bool]],
) -> None:
    """Whatever the floats, and however records of one minute follow one another."""
    index, want = DedupIndex(P, HORIZON), {}
    for n, (event_time, watermark, odd) in enumerate(records):
        if odd and n % 2:  # a string key, and a source kept as a string, now and then
            identity, source = f"custom-{n}", f"2:{n}"
        else:
            identity, source = eid(n), rsrc(n)
        assert index.check(identity, n, source, event_time, watermark) == NEW
        want[id_key(identity)] = max(int(event_time // 60), int((watermark - HORIZON) // 60))
    got = {key: bucket for bucket, keys in index.open.items() for key in keys}
    assert got == want
    assert {b for b in index.pending} == set(want.values())


# --- the lists `_remember` keeps at hand for the minute it added to last -----------------


def test_ids_added_after_a_flush_are_in_the_next_one() -> None:
    store, index = DictStore(), DedupIndex(P, HORIZON)
    assert index.check(eid(1), 1, rsrc(1), T0, T0) == NEW
    index.flush(store)
    index.settle(MINUTE, force=True)  # nothing old enough: settles nothing
    assert index.check(eid(2), 2, rsrc(2), T0 + 1, T0) == NEW
    index.flush(store)
    assert sorted(store.data) == [f"{P}|dd|{MINUTE}|1", f"{P}|dd|{MINUTE}|2"]
    assert index.open[MINUTE] == [id_key(eid(1)), id_key(eid(2))]


@pytest.mark.parametrize("flushed", [True, False])
@pytest.mark.parametrize("how", ["settle", "expire"])
def test_a_minute_that_left_the_dict_starts_afresh(how: str, flushed: bool) -> None:
    """Ids of a minute gone to the arrays (or expired), then added again (say by records
    folded with an older watermark), are in the open minute's list, not a lost one."""
    store, index = DictStore(), DedupIndex(P, HORIZON)
    assert index.check(eid(1), 1, rsrc(1), T0, T0) == NEW
    if flushed or how == "settle":  # only flushed minutes settle
        index.flush(store)
    if how == "settle":
        index.settle(MINUTE + 5, force=True)
    else:
        index.expire(store, T0 + HORIZON + 120)
    assert MINUTE not in index.open
    assert index.check(eid(2), 2, rsrc(2), T0 + 1, T0) == NEW
    assert index.open[MINUTE] == [id_key(eid(2))]
    assert index.pending[MINUTE][1][-1] == (id_key(eid(2)), seen_value(2, rsrc(2)))
