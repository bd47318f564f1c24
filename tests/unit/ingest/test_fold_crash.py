"""A crash anywhere between a batch's changelog writes, then the replay: still exact.

The tables' changelogs are written without a transaction, key by key; a crash can keep
any subset of a batch's writes. Here each key changed since the last commit keeps its
new value or its old one at random (a stronger fault than Kafka can make: it keeps a
prefix of each changelog partition), the folder restarts on what was "recovered" and
replays from the committed offset with other batch cuts. The result must be what one
uninterrupted fold of the whole stream gives.
"""

from __future__ import annotations

import bisect
from typing import Any

import orjson
from folding import (
    NAMES,
    fold_in_batches,
    folder,
    from_tables,
    new_stores,
    packed_log,
    simulated_log,
    sketched_state,
    snapshot,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.codec import dumps_stored
from streams.ingest.fold import Stores

GRACE = 30.0
LABEL_CAP = 3
EVENTS = 400  # simulated; with the donations added, STREAM is longer


STREAM = simulated_log(EVENTS)


REFERENCE = new_stores()
fold_in_batches(folder(REFERENCE, grace=GRACE, label_cap=LABEL_CAP), STREAM, [])


def crash_and_replay(
    log: list[tuple[int, Any]],
    commit: int,
    crash: int,
    cuts: list[int],
    replay_cuts: list[int],
    keep: Any,
) -> Stores:
    """Fold `log` up to `commit` (all saved), then to `crash` (some writes saved), then
    restart on what was saved and replay from `commit`: the state that results."""
    stores = new_stores()
    f = folder(stores, grace=GRACE, label_cap=LABEL_CAP)
    fold_in_batches(f, log[:commit], [c for c in cuts if c < commit])
    saved = snapshot(stores)
    fold_in_batches(f, log[commit:crash], [c - commit for c in cuts if c > commit])
    restarted = from_tables(_some_writes_kept(saved, snapshot(stores), keep))
    replay = folder(restarted, grace=GRACE, label_cap=LABEL_CAP)
    fold_in_batches(replay, log[commit:], [c - commit for c in replay_cuts if c > commit])
    return restarted


def _some_writes_kept(
    saved: dict[str, Any], after: dict[str, Any], keep: Any
) -> dict[str, dict[str, Any]]:
    """What a crash leaves: each key changed since `saved` at its new value or its old."""
    recovered: dict[str, dict[str, Any]] = {}
    for name in NAMES:
        old, new = saved[name], after[name]
        table = {}
        for key in old.keys() | new.keys():
            value = new.get(key) if keep.random() < 0.5 else old.get(key)
            if value is not None:
                table[key] = value
        recovered[name] = orjson.loads(dumps_stored(table))
    return recovered


def crashes(log: list[tuple[int, Any]]) -> Any:
    """Hypothesis arguments for `crash_and_replay` over `log`."""
    return given(
        commit=st.integers(0, len(log)),
        crash=st.integers(0, len(log)),
        cuts=st.lists(st.integers(1, len(log) - 1), max_size=12),
        replay_cuts=st.lists(st.integers(1, len(log) - 1), max_size=12),
        keep=st.randoms(use_true_random=False),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@crashes(STREAM)
def test_any_subset_of_unsaved_writes_replays_exactly(
    commit: int, crash: int, cuts: list[int], replay_cuts: list[int], keep: Any
) -> None:
    commit, crash = min(commit, crash), max(commit, crash)
    restarted = crash_and_replay(STREAM, commit, crash, cuts, replay_cuts, keep)
    assert sketched_state(restarted) == sketched_state(REFERENCE)


# The same, across the upgrade to packed routing (packing.py): the log's first records in
# the one-record format, positioned by their offsets, the rest packed several to a
# message. A crash can only fall between messages, and so can a batch's end.
UPGRADED, STARTS = packed_log(STREAM, len(STREAM) // 3, (5, 1, 7, 3, 64, 2))
UPGRADED_REFERENCE = new_stores()
fold_in_batches(folder(UPGRADED_REFERENCE, grace=GRACE, label_cap=LABEL_CAP), UPGRADED, [])


def _message_start(i: int) -> int:
    """The start of the message that record `i` is in."""
    return STARTS[bisect.bisect_right(STARTS, i) - 1] if i < len(UPGRADED) else i


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@crashes(UPGRADED)
def test_a_crash_across_the_upgrade_to_packed_routing_replays_exactly(
    commit: int, crash: int, cuts: list[int], replay_cuts: list[int], keep: Any
) -> None:
    commit, crash = _message_start(min(commit, crash)), _message_start(max(commit, crash))
    cuts, replay_cuts = [_message_start(c) for c in cuts], [_message_start(c) for c in replay_cuts]
    restarted = crash_and_replay(UPGRADED, commit, crash, cuts, replay_cuts, keep)
    assert sketched_state(restarted) == sketched_state(UPGRADED_REFERENCE)
