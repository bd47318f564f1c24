"""Bounded campaign/variant labels: producers invent them, Prometheus must not explode.

The first `cap` (campaign, variant) pairs a partition sees keep their names; later ones
are folded into `other`. The admitted set is partition state (changelogged), so the
decision is the same after a restart and the totals and the metrics always agree.
"""

from __future__ import annotations

from streams.store import Store

OTHER = "other"
UNATTRIBUTED = ("unattributed", "none")


def admit(
    store: Store, partition: int, cap: int, pair: tuple[str, str], offset: int
) -> tuple[str, str]:
    """The label pair to count `pair` under, admitting it while there is room."""
    if pair == UNATTRIBUTED:
        return pair
    key = f"{partition}|labels"
    value = store.get(key)
    if value is None:
        value = {"o": -1, "pairs": []}
        store.put(key, value)
    pairs: list[list[str]] = value["pairs"]
    as_list = [pair[0], pair[1]]
    if as_list in pairs:
        return pair
    if len(pairs) < cap:
        # Admission is idempotent: a replayed record that was admitted before a crash
        # finds its pair already here, and one refused then finds the set still full.
        pairs.append(as_list)
        value["o"] = max(offset, value["o"])
        store.put(key, value)
        return pair
    return (OTHER, OTHER)
