"""Read side for the live page: site views per minute, readers right now, sections.

Pure functions over the table dicts a worker holds, like `queries.py`. Each `local_*`
computes one worker's share (the partitions it owns) and each `merge_*` adds the
shares of every worker into the public answer: partitions never overlap, so counts add
up exactly and reader sketches merge as a union.

- Views per minute are summed from the per-article hourly series (`p|a|<id>|<hour>`):
  article pages only (not fronts), no bots, no late records: the same numbers as
  `/api/v1/articles/top`.
- Readers right now are the union of the open per-(article, minute) readership window
  sketches (`p|w|r|<id>|<minute>`). A window's sketch is deleted when it closes, so the
  answer is complete only while the grace period (default 5 minutes) keeps every minute
  of the span open; otherwise it is a lower bound and says so (`complete: false`).
- A baseline (the same span a week earlier, or the span just before) is `known` only
  when the data reaches back to it: some article was read in the hour before it
  starts. Otherwise it is `None`, never a misleading zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from datasketches import hll_union, tgt_hll_type

from streams.readership.article import current_section
from streams.readership.queries import minute_counts, series_prefix, span_sums, split_key
from streams.readership.readers import LG_K, dump, load

WEEK_MINUTES = 7 * 24 * 60
NOW_MINUTES = 5
COVERAGE_MINUTES = 60
WINDOW_KIND = "r"


def _owned_articles(
    articles: Mapping[str, Any], owned: set[int]
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(series prefix, article value) of every article in the owned partitions."""
    for key, article in articles.items():
        if article is None or split_key(key)[0] not in owned:
            continue
        yield series_prefix(key), article


def minute_views(series: Mapping[str, Any], prefix: str, first: int, last: int) -> list[int]:
    """Views per minute of one series prefix over minutes [first, last], zeros included."""
    out = [0] * (last - first + 1)
    for minute, views in minute_counts(series, prefix, first, last):
        out[minute - first] += views
    return out


def _covers(series: Mapping[str, Any], prefixes: Iterable[str], first: int) -> bool:
    """Whether the data reaches back to minute `first`: views in the hour before it."""
    lo, hi = first - COVERAGE_MINUTES, first - 1
    return any(span_sums(series, prefix, lo, hi).get("views", 0) for prefix in prefixes)


def _closed_before(totals: Mapping[str, Any], partition: int) -> int | None:
    value = totals.get(f"{partition}|closed")
    return None if value is None else value.get("m")


def union_sketch(encoded: Iterable[str | None]) -> str | None:
    """The serialized union of serialized HLL sketches (`None` if there are none)."""
    union: Any = None
    for item in encoded:
        if not item:
            continue
        if union is None:
            union = hll_union(LG_K)
        union.update(load(item))
    return None if union is None else dump(union.get_result(tgt_hll_type.HLL_4))


def local_readers(
    windows: Mapping[str, Any],
    totals: Mapping[str, Any],
    owned: set[int],
    first: int,
    last: int,
) -> tuple[str | None, bool]:
    """The union of readership window sketches for minutes [first, last], and whether
    every one of those minutes was still open (so that nothing has been forgotten)."""
    sketches = []
    for key, value in windows.items():
        parts = key.split("|")
        # p|w|r|<article>|<minute>; article ids never contain "|"
        if len(parts) != 5 or parts[1] != "w" or parts[2] != WINDOW_KIND or value is None:
            continue
        if int(parts[0]) not in owned or not first <= int(parts[4]) <= last:
            continue
        sketches.append(value.get("r"))
    complete = True
    for p in owned:
        closed = _closed_before(totals, p)
        if closed is not None and closed > first:
            complete = False
    return union_sketch(sketches), complete


def local_pulse(
    articles: Mapping[str, Any],
    series: Mapping[str, Any],
    windows: Mapping[str, Any],
    totals: Mapping[str, Any],
    partitions: Iterable[int],
    end_minute: int,
    minutes: int,
) -> dict[str, Any]:
    """This worker's share of `/api/v1/pulse` (JSON-able, mergeable by `merge_pulse`)."""
    owned = set(partitions)
    first = end_minute - minutes + 1
    views = [0] * minutes
    week = [0] * minutes
    prefixes = []
    for prefix, _ in _owned_articles(articles, owned):
        prefixes.append(prefix)
        for i, n in enumerate(minute_views(series, prefix, first, end_minute)):
            views[i] += n
        ago = minute_views(series, prefix, first - WEEK_MINUTES, end_minute - WEEK_MINUTES)
        for i, n in enumerate(ago):
            week[i] += n
    readers, complete = local_readers(
        windows, totals, owned, end_minute - NOW_MINUTES + 1, end_minute
    )
    return {
        "partitions": sorted(owned),
        "views": views,
        "last_week": week,
        "last_week_known": _covers(series, prefixes, first - WEEK_MINUTES),
        "readers": readers,
        "readers_complete": complete,
    }


def merge_pulse(
    shares: Iterable[Mapping[str, Any]], end_minute: int, minutes: int, partial: bool
) -> dict[str, Any]:
    """The `/api/v1/pulse` document from every worker's `local_pulse` share."""
    views = [0] * minutes
    week = [0] * minutes
    week_known = False
    complete = True
    sketches = []
    for share in shares:
        for i, n in enumerate(share["views"]):
            views[i] += n
        for i, n in enumerate(share["last_week"]):
            week[i] += n
        week_known = week_known or share["last_week_known"]
        complete = complete and share["readers_complete"]
        sketches.append(share["readers"])
    merged = union_sketch(sketches)
    readers = round(load(merged).get_estimate()) if merged else 0
    first = end_minute - minutes + 1
    return {
        "minutes": minutes,
        "first_minute": first * 60,
        "window_end": (end_minute + 1) * 60,
        "views": views,
        "last_week": week if week_known else None,
        "now": {
            "minutes": NOW_MINUTES,
            "views": sum(views[-NOW_MINUTES:]),
            "readers": readers,
            "readers_complete": complete and not partial,
        },
        "partial": partial,
    }


def local_sections(
    articles: Mapping[str, Any],
    series: Mapping[str, Any],
    partitions: Iterable[int],
    end_minute: int,
    minutes: int,
) -> dict[str, Any]:
    """This worker's views per section now, a week ago and in the span before."""
    owned = set(partitions)
    first = end_minute - minutes + 1
    spans = {
        "current": (first, end_minute),
        "last_week": (first - WEEK_MINUTES, end_minute - WEEK_MINUTES),
        "previous": (first - minutes, first - 1),
    }
    out: dict[str, Any] = {"partitions": sorted(owned), **{name: {} for name in spans}}
    prefixes = []
    for prefix, article in _owned_articles(articles, owned):
        prefixes.append(prefix)
        section = current_section(article) or "unknown"
        for name, (lo, hi) in spans.items():
            n = span_sums(series, prefix, lo, hi).get("views", 0)
            if n:
                out[name][section] = out[name].get(section, 0) + n
    out["last_week_known"] = _covers(series, prefixes, spans["last_week"][0])
    out["previous_known"] = _covers(series, prefixes, spans["previous"][0])
    return out


def merge_sections(
    shares: Iterable[Mapping[str, Any]], end_minute: int, minutes: int, partial: bool
) -> dict[str, Any]:
    """The `/api/v1/sections` document from every worker's `local_sections` share."""
    sums: dict[str, dict[str, int]] = {"current": {}, "last_week": {}, "previous": {}}
    known = {"last_week": False, "previous": False}
    for share in shares:
        for name, by_section in sums.items():
            for section, n in share[name].items():
                by_section[section] = by_section.get(section, 0) + n
        for name in known:
            known[name] = known[name] or share[f"{name}_known"]
    names = set(sums["current"]) | set(sums["last_week"]) | set(sums["previous"])
    rows: list[dict[str, Any]] = [
        {
            "section": section,
            "views": sums["current"].get(section, 0),
            "last_week": sums["last_week"].get(section, 0) if known["last_week"] else None,
            "previous": sums["previous"].get(section, 0) if known["previous"] else None,
        }
        for section in names
    ]
    rows = [r for r in rows if r["views"] or r["last_week"] or r["previous"]]
    rows.sort(key=lambda r: (-r["views"], r["section"]))
    return {
        "minutes": minutes,
        "window_end": (end_minute + 1) * 60,
        "baselines": {"last_week": known["last_week"], "previous": known["previous"]},
        "sections": rows,
        "partial": partial,
    }
