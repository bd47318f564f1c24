"""The fast path (fastpath.py) leaves the state the per-record path leaves.

Both fold the same simulated log with the same batch cuts; the per-record path is forced
by a folder that believes every batch may be a replay. State, counts, dead letters and
closed-window records must agree.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from folding import (
    NOW,
    fold_in_batches,
    folder,
    new_stores,
    recovered,
    simulated_log,
    sketched_state,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.ingest import fastpath
from streams.ingest.fold import PartitionFolder, Stores

LABEL_CAP = 3
STREAM = simulated_log(400)
ALWAYS_REPLAYING = 1 << 62


def run(stores: Stores, cuts: list[int], grace: float, per_record: bool) -> dict[str, Any]:
    """Fold STREAM; what the batches reported, summed."""
    f = folder(stores, grace=grace, label_cap=LABEL_CAP)
    if per_record:
        f.high = ALWAYS_REPLAYING
    counts: Counter[tuple[str, ...]] = Counter()
    dead, emitted = [], []
    bounds = sorted({0, len(STREAM), *(c for c in cuts if 0 < c < len(STREAM))})
    for a, b in itertools.pairwise(bounds):
        tally = f.fold(STREAM[a:b], NOW)
        counts.update(tally.counts)
        dead += [r.identity for r in tally.dead_letters]
        emitted += [(e.topic, e.key, e.value) for e in tally.emissions]
    return {"counts": counts, "dead": dead, "emitted": emitted}


@settings(max_examples=40, deadline=None)
@given(
    cuts=st.lists(st.integers(1, len(STREAM) - 1), max_size=15),
    grace=st.sampled_from([30.0, 90.0]),  # out-of-order views late, or in time
)
def test_the_fast_path_and_the_per_record_path_agree(cuts: list[int], grace: float) -> None:
    fast, slow = new_stores(), new_stores()
    fast_out = run(fast, cuts, grace, per_record=False)
    slow_out = run(slow, cuts, grace, per_record=True)
    assert fast_out == slow_out
    assert sketched_state(fast) == sketched_state(slow)
    assert fast_out["counts"][("pv", "science", "search", "mobile")] > 0  # it did fold views
    assert any(key[0] == "ban" for key in fast_out["counts"])


def test_a_batch_past_every_stored_offset_takes_the_fast_path(monkeypatch: Any) -> None:
    calls: list[int] = []
    page_view = fastpath.FastBatch.page_view

    def spy(self: fastpath.FastBatch, offset: int, *args: Any) -> None:
        calls.append(offset)
        page_view(self, offset, *args)

    monkeypatch.setattr(fastpath.FastBatch, "page_view", spy)
    stores = new_stores()
    f = folder(stores, grace=30.0, label_cap=LABEL_CAP)
    assert f.high == -1
    fold_in_batches(f, STREAM[:200], [100])
    assert calls and max(calls) < 200
    assert f.high == 199

    calls.clear()
    again = PartitionFolder(f.partition, recovered(stores), 3600.0, LABEL_CAP, 30.0)
    assert again.high == 199  # the watermark's clock holds the last offset folded
    again.fold(STREAM[150:250], NOW)  # overlaps what is stored: per record
    assert calls == []
    again.fold(STREAM[250:300], NOW)  # past it: fast again
    assert calls and min(calls) >= 250
