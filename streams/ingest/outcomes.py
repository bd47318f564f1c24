"""What became of each record, counted once: one key a stream, all outcomes in it.

The per-record path (fold.py) counts with `count_outcome`; the fast path (fastpath.py)
sums a batch and writes the same value once.
"""

from __future__ import annotations

from streams.store import Store

OUTCOMES = ("accepted", "late", "duplicate", "invalid")


def count_outcome(store: Store, key: str, outcome: str, offset: int) -> bool:
    """Count a record's outcome unless it is already counted.

    All outcomes of a stream share one key, so a record counted as `accepted` before a
    crash is not counted again as `late` when its window has closed since.
    """
    value = store.get(key)
    if value is None:
        value = {"o": -1, **dict.fromkeys(OUTCOMES, 0)}
    elif offset <= value["o"]:
        return False
    value[outcome] += 1
    value["o"] = offset
    store.put(key, value)
    return True
