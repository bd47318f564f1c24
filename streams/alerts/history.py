"""Per-minute article views by section, as the detector reads them from partition state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streams import series as hourly
from streams.readership.queries import split_key

#: sections the detector never watches: not yet known, and the site's fronts
UNWATCHED = frozenset({"unknown", "none"})


def local_section_minutes(
    series: Mapping[str, Any], partitions: Iterable[int], first: int, last: int
) -> dict[str, dict[int, int]]:
    """{section: {minute: views}} over minutes [first, last] of the partitions held."""
    owned = set(partitions)
    out: dict[str, dict[int, int]] = {}
    for p in owned:
        prefix = f"{p}|s|"
        for key, value in series.items():
            if not key.startswith(prefix) or value is None:
                continue
            _, rest = split_key(key)
            _, section, hour = rest.split("|")
            base = int(hour) * 60
            if base + 59 < first or base > last:
                continue
            minutes = out.setdefault(section, {})
            for slot, views in hourly.counts(value, "views"):
                minute = base + slot
                if first <= minute <= last:
                    minutes[minute] = minutes.get(minute, 0) + views
    return out


def merge_section_minutes(
    parts: Iterable[Mapping[str, Mapping[Any, int]]],
) -> dict[str, dict[int, int]]:
    """Add shares from several workers (JSON turns minute keys into strings)."""
    out: dict[str, dict[int, int]] = {}
    for part in parts:
        for section, minutes in part.items():
            into = out.setdefault(section, {})
            for minute, views in minutes.items():
                m = int(minute)
                into[m] = into.get(m, 0) + views
    return out


def site_minutes(by_section: Mapping[str, Mapping[int, int]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for minutes in by_section.values():
        for minute, views in minutes.items():
            out[minute] = out.get(minute, 0) + views
    return out
