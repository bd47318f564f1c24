"""Read-side of article state: pure functions over the table dicts a worker holds.

Articles are partitioned, so each appears on exactly one worker: a local top-k per
worker merged by views is the exact cluster top-k. Minutes count back from the newest
event time seen (not the wall clock), so a replay of last week reads like last week.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from streams import series as hourly
from streams.readership.article import current_section
from streams.readership.meta import META_FIELDS, unpack
from streams.readership.readers import load

__all__ = ["META_FIELDS"]  # re-exported: where the API's article fields were listed


def split_key(key: str) -> tuple[int, str]:
    partition, _, rest = key.partition("|")
    return int(partition), rest


def span_sums(
    series: Mapping[str, Any], prefix: str, first_minute: int, last_minute: int
) -> dict[str, int]:
    """Sums per field of the hourly series `prefix|hour` over minutes [first, last]."""
    totals: dict[str, int] = {}
    for hour in range(first_minute // 60, last_minute // 60 + 1):
        value = series.get(f"{prefix}|{hour}")
        if value is None:
            continue
        lo = max(first_minute - hour * 60, 0)
        hi = min(last_minute - hour * 60, 59)
        for name, n in hourly.span_sums(value, lo, hi).items():
            totals[name] = totals.get(name, 0) + n
    return totals


def minute_counts(
    series: Mapping[str, Any], prefix: str, first_minute: int, last_minute: int
) -> Iterator[tuple[int, int]]:
    """(minute, views) of the hourly series `prefix|hour` over minutes [first, last], for
    the minutes that have views, in order."""
    for hour in range(first_minute // 60, last_minute // 60 + 1):
        value = series.get(f"{prefix}|{hour}")
        if value is None:
            continue
        for slot, views in hourly.counts(value, "views"):
            minute = hour * 60 + slot
            if first_minute <= minute <= last_minute:
                yield minute, views


def series_prefix(key: str) -> str:
    """The series prefix of article key `p|id`."""
    p, article_id = split_key(key)
    return f"{p}|a|{article_id}"


def readers_estimate(article: Mapping[str, Any]) -> int:
    encoded = article.get("r")
    return round(load(encoded).get_estimate()) if encoded else 0


def article_row(article_id: str, article: Mapping[str, Any]) -> dict[str, Any]:
    meta = unpack(article.get("meta"))
    row: dict[str, Any] = {"article_id": article_id}
    row.update({f: meta.get(f) for f in META_FIELDS})
    row["known"] = bool(article.get("meta"))
    row["views_total"] = article["views"]
    row["bot_views_total"] = article["bots"]
    row["readers_total"] = readers_estimate(article)
    # where its human readers came from: referrer class -> views since publication
    row["referrers"] = dict(sorted((article.get("src") or {}).items()))
    return row


def local_top(
    articles: Mapping[str, Any],
    series: Mapping[str, Any],
    partitions: Iterable[int],
    end_minute: int,
    minutes: int,
    limit: int,
    section: str | None,
) -> list[dict[str, Any]]:
    """This worker's most-read articles over the span, most views first."""
    owned = set(partitions)
    first = end_minute - minutes + 1
    scored: list[tuple[int, str, str]] = []
    for key, article in articles.items():
        p, article_id = split_key(key)
        if p not in owned or not article["views"]:
            continue
        if section is not None and current_section(article) != section:
            continue
        views = span_sums(series, series_prefix(key), first, end_minute).get("views", 0)
        if views:
            scored.append((views, article_id, key))
    scored.sort(key=lambda s: (-s[0], s[1]))
    out = []
    for views, article_id, key in scored[:limit]:
        row = article_row(article_id, articles[key])
        row["views"] = views
        out.append(row)
    return out


MAX_SERIES_MINUTES = 31 * 24 * 60


def article_series(
    series: Mapping[str, Any], key: str, since_minute: int, end_minute: int
) -> list[dict[str, Any]]:
    """Per-minute views of article key `p|id` from `since` to `end` (minutes with views)."""
    since_minute = max(since_minute, end_minute - MAX_SERIES_MINUTES)
    counts = minute_counts(series, series_prefix(key), since_minute, end_minute)
    return [{"minute": minute * 60, "views": views} for minute, views in counts]
