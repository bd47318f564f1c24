"""FrozenIds: settled dedup ids in sorted arrays, found exactly, expired by bucket."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.ingest.idtable import FrozenIds, packable

SHARED_HI = 0x1234 << 64  # many keys with the same sort key: found by their low half


def table(entries: list[tuple[int, int, int]]) -> FrozenIds:
    ids = FrozenIds()
    ids.add(entries)
    return ids


def test_keys_sharing_their_high_half_are_told_apart() -> None:
    ids = table([(SHARED_HI | n, 1000 + n, 7) for n in range(50)])
    assert ids.find([SHARED_HI | 3, SHARED_HI | 49, SHARED_HI | 50]) == {
        SHARED_HI | 3: 1003,
        SHARED_HI | 49: 1049,
    }


def test_an_expired_bucket_is_not_found_even_before_compaction() -> None:
    # one dead bucket of 100: under the compaction share, so its entries stay in place
    ids = table([(n << 64, n, 10) for n in range(1, 8)] + [(n << 64, n, 11) for n in range(8, 101)])
    assert ids.expire(11) == 7
    assert len(ids.hi) == 100  # not compacted: masked by the floor
    assert ids.find([1 << 64, 50 << 64]) == {50 << 64: 50}
    assert len(ids) == 93 and len(ids.items()) == 93


def test_compaction_drops_dead_entries_once_they_are_a_fair_share() -> None:
    ids = table([(n << 64, n, 10 + n % 2) for n in range(1, 101)])
    assert ids.expire(11) == 50
    assert len(ids.hi) == 50 == len(ids)
    assert ids.find([2 << 64, 3 << 64]) == {3 << 64: 3}


def test_a_key_expired_and_seen_again_is_found_with_its_new_value() -> None:
    ids = table([(5 << 64, 1, 10)] + [(n << 64, n, 20) for n in range(100, 200)])
    ids.expire(11)
    ids.add([(5 << 64, 2, 30)])
    assert ids.find([5 << 64]) == {5 << 64: 2}


def test_values_above_sixty_four_bits_come_back_whole() -> None:
    seen = (123_456 << 64) | (3 << 59) | (17 << 48) | 99
    ids = table([((1 << 128) - 1, seen, 1)])
    assert ids.find([(1 << 128) - 1]) == {(1 << 128) - 1: seen}


def test_only_integer_entries_under_128_bits_fit() -> None:
    assert packable(1, 2)
    assert not packable("id", 2)
    assert not packable(1, (2, "source"))
    assert not packable(1 << 128, 2)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3).map(lambda h: h << 64) | st.integers(0, (1 << 128) - 1),
            st.integers(0, (1 << 128) - 1),
            st.integers(0, 5),
        ),
        max_size=60,
        unique_by=lambda e: e[0],
    ),
    st.integers(0, 6),
)
def test_find_agrees_with_a_dict(entries: list[tuple[int, int, int]], floor: int) -> None:
    half = len(entries) // 2
    ids = table(entries[:half])
    ids.add(entries[half:])  # inserted into what is there, in order
    ids.expire(floor)
    want = {k: v for k, v, b in entries if b >= floor}
    probe = [k for k, _, _ in entries] + [k ^ 1 for k, _, _ in entries]
    assert ids.find(probe) == {k: want[k] for k in probe if k in want}
    assert ids.items() == want
    assert len(ids) == len(want)


def halves_of(keys: list[int]) -> npt.NDArray[np.uint64]:
    return np.array([[k >> 64, k & ((1 << 64) - 1)] for k in keys], dtype=np.uint64).reshape(-1, 2)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3).map(lambda h: h << 64) | st.integers(0, (1 << 128) - 1),
            st.integers(0, (1 << 128) - 1),
            st.integers(0, 5),
        ),
        max_size=60,
    ),
    st.integers(0, 6),
)
def test_find_with_the_halves_at_hand_agrees_with_a_dict(
    entries: list[tuple[int, int, int]], floor: int
) -> None:
    """Keys added again (once expired), sharing high halves, repeated among the probes."""
    ids = FrozenIds()
    want: dict[int, int] = {}
    for n, (key, seen, bucket) in enumerate(entries):
        if key not in want:  # keys must not be present already
            ids.add([(key, seen, bucket)])
            want[key] = seen
        if n % 7 == 6:
            ids.expire(floor)
            want = {k: v for k, v in ids.items().items()}
    ids.expire(floor)
    want = ids.items()
    probe = [k for k, _, _ in entries] + [k ^ 1 for k, _, _ in entries]
    assert ids.find(probe, halves_of(probe)) == {k: want[k] for k in probe if k in want}
    assert ids.find(probe, halves_of(probe)) == ids.find(probe)
