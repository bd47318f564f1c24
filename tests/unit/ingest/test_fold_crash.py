"""A crash anywhere between a batch's changelog writes, then the replay: still exact.

The tables' changelogs are written without a transaction, key by key; a crash can keep
any subset of a batch's writes. Here each key changed since the last commit keeps its
new value or its old one at random (a stronger fault than Kafka can make: it keeps a
prefix of each changelog partition), the folder restarts on what was "recovered" and
replays from the committed offset with other batch cuts. The result must be what one
uninterrupted fold of the whole stream gives.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import folding
import orjson
from folding import NAMES, NOW, T0, folder, from_tables, new_stores, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.ingest.decode import Rejected, decode
from streams.ingest.fold import PartitionFolder, Stores
from streams.ingest.route import Routed, decode_routed, encode_invalid, encode_valid
from streams.readership.readers import load
from streams.simulate.generate import generate
from streams.simulate.world import build_world

GRACE = 30.0
LABEL_CAP = 3
EVENTS = 400  # simulated; with the donations added, STREAM is longer


def _stream() -> list[tuple[int, Routed]]:
    """A realistic routed log of one partition: the simulator's mix at 4 events a second
    (windows close as it goes), with duplicates and malformed records; every 29th page
    view two minutes behind (late, past the grace) and a donation every 23 records."""
    start = T0 + timedelta(minutes=5)
    world = build_world(11, start, articles=12, readers=60)
    raws: list[tuple[str, bytes]] = []
    for i, sim in enumerate(generate(world, EVENTS, start, 4.0, 0.05, 0.03)):
        value = sim.value
        if sim.topic == folding.PAGE_VIEWS and sim.kind == "event" and i % 29 == 0:
            event = orjson.loads(value)
            event["occurred_at"] = folding.at(300 + i / 4.0 - 120)
            value = orjson.dumps(event)
        raws.append((sim.topic, value))
        if i % 23 == 0:
            campaign = ("year-end-2026", "urgent") if i % 2 else (None, None)
            t = 300 + i / 4
            event = folding.donation(10_000 + i, 100 + i, "EUR", "monthly", *campaign, t=t)
            raws.append((folding.DONATIONS, orjson.dumps(event)))
    out = []
    for offset, (topic, raw) in enumerate(raws):
        result = decode(topic, raw, NOW, 600.0)
        if isinstance(result, Rejected):
            _, routed = encode_invalid(topic, 0, offset, result, raw, NOW)
        else:
            source = f"{topic}/0/{offset}"
            _, routed = encode_valid(topic, result, raw, folding.SITE, source)
        out.append((offset, decode_routed(routed)))
    return out


STREAM = _stream()


def _fold(f: PartitionFolder, records: list[tuple[int, Routed]], cuts: list[int]) -> None:
    """Fold `records` in batches cut at the given (relative) positions."""
    bounds = sorted({0, len(records), *(c for c in cuts if 0 < c < len(records))})
    for a, b in itertools.pairwise(bounds):
        f.fold(records[a:b], NOW)


def _state(stores: Stores) -> dict[str, Any]:
    """The state, with each reader sketch as its estimate: a sketch that took the same
    readers in another order serializes to other bytes."""
    data = folding.state(stores, watermark_history=False)
    for name in ("articles", "windows"):
        for value in data[name].values():
            if value.get("r"):
                value["r"] = load(value["r"]).get_estimate()
    return data


REFERENCE = new_stores()
_fold(folder(REFERENCE, grace=GRACE, label_cap=LABEL_CAP), STREAM, [])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    commit=st.integers(0, len(STREAM)),
    crash=st.integers(0, len(STREAM)),
    cuts=st.lists(st.integers(1, len(STREAM) - 1), max_size=12),
    replay_cuts=st.lists(st.integers(1, len(STREAM) - 1), max_size=12),
    keep=st.randoms(use_true_random=False),
)
def test_any_subset_of_unsaved_writes_replays_exactly(
    commit: int, crash: int, cuts: list[int], replay_cuts: list[int], keep: Any
) -> None:
    commit, crash = min(commit, crash), max(commit, crash)
    stores = new_stores()
    f = folder(stores, grace=GRACE, label_cap=LABEL_CAP)
    # everything up to the committed offset is saved; after it, until the crash, not all
    _fold(f, STREAM[:commit], [c for c in cuts if c < commit])
    saved = snapshot(stores)
    _fold(f, STREAM[commit:crash], [c - commit for c in cuts if c > commit])
    after = snapshot(stores)

    recovered: dict[str, dict[str, Any]] = {}
    for name in NAMES:
        old, new = saved[name], after[name]
        table = {}
        for key in old.keys() | new.keys():
            value = new.get(key) if keep.random() < 0.5 else old.get(key)
            if value is not None:
                table[key] = value
        recovered[name] = orjson.loads(orjson.dumps(table))
    restarted = from_tables(recovered)
    replay = folder(restarted, grace=GRACE, label_cap=LABEL_CAP)
    _fold(replay, STREAM[commit:], replay_cuts)

    assert _state(restarted) == _state(REFERENCE)
