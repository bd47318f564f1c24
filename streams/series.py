"""The stored form of one hourly per-minute series value, and the only code that knows it.

A series key `prefix|hour` holds the counts per field (views, shown, donations,
`amount:EUR`…) of each minute of that hour. Most fields of most hours count a few
minutes only, so each field keeps the minutes it counts, not all 60:

    {"o": <offset>, "<field>": [slot, count, slot, count, …], …}

`o` is the offset of the last record folded in (see `streams.store`); every other key is
a field; slots (minute of the hour, 0 to 59) are strictly increasing, each at most once.

Values written before (and possibly still in the changelog after an upgrade) keep the
fields under `f`, as 60 counts each: `{"o": <offset>, "f": {"<field>": [c0, …, c59]}}`.
Both forms read the same through these helpers; a value in the old form is converted
when a record is next added to it. `o` and `f` are never field names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from streams.store import Value

OFFSET = "o"
#: where the old form keeps its dense fields
DENSE = "f"
SLOTS = 60


def new_value() -> Value:
    """An hourly value nothing has been folded into yet."""
    return {OFFSET: -1}


def add_pair(pairs: list[int], slot: int, by: int) -> list[int]:
    """`pairs` with `by` added to `slot`: the same list when the slot is there, else a new
    one of exact size (an appended list keeps spare capacity). Records mostly arrive in
    time order, so the search starts at the end."""
    i = len(pairs) - 2
    while i >= 0 and pairs[i] > slot:
        i -= 2
    if i >= 0 and pairs[i] == slot:
        pairs[i + 1] += by
        return pairs
    # concatenation sizes the list exactly; [*a, slot, by, *b] over-allocates
    return pairs[: i + 2] + [slot, by] + pairs[i + 2 :]  # noqa: RUF005


def sparse(dense: list[int]) -> list[int]:
    """The pairs of an old 60-count list (its minutes with counts)."""
    return [x for slot, n in enumerate(dense) if n for x in (slot, n)]


def upgrade(value: Value) -> Value:
    """Convert a value in the old dense form to the sparse one, in place."""
    dense = value.pop(DENSE, None)
    if dense is not None:
        for name, counts in dense.items():
            value[name] = sparse(counts)
    return value


def add(value: Value, name: str, slot: int, by: int) -> None:
    """Add `by` to field `name` at minute-of-hour `slot`, in place (any stored form)."""
    if DENSE in value:
        upgrade(value)
    value[name] = add_pair(value.get(name) or [], slot, by)


def field_names(value: Mapping[str, Any]) -> list[str]:
    """The fields a value counts."""
    dense = value.get(DENSE)
    if dense is not None:
        return list(dense)
    return [k for k in value if k != OFFSET]


def counts(value: Mapping[str, Any], name: str) -> Iterator[tuple[int, int]]:
    """(slot, count) of field `name`'s minutes with a count, in slot order."""
    dense = value.get(DENSE)
    if dense is not None:
        for slot, n in enumerate(dense.get(name, ())):
            if n:
                yield slot, n
        return
    if name == OFFSET:
        return
    pairs = value.get(name) or ()
    for i in range(0, len(pairs), 2):
        if pairs[i + 1]:
            yield pairs[i], pairs[i + 1]


def field_sum(value: Mapping[str, Any], name: str, lo: int = 0, hi: int = SLOTS - 1) -> int:
    """Field `name`'s total over slots [lo, hi]."""
    return sum(n for slot, n in counts(value, name) if lo <= slot <= hi)


def span_sums(value: Mapping[str, Any], lo: int = 0, hi: int = SLOTS - 1) -> dict[str, int]:
    """Every field's total over slots [lo, hi] (a field counted elsewhere in the hour
    sums to 0, as in the old form)."""
    return {name: field_sum(value, name, lo, hi) for name in field_names(value)}
