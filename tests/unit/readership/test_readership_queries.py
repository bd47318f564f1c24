"""Read side of article state: span sums, the local top list and an article's series."""

from __future__ import annotations

from typing import Any

import pytest

from streams.readership.queries import (
    MAX_SERIES_MINUTES,
    META_FIELDS,
    article_row,
    article_series,
    local_top,
    span_sums,
    split_key,
)
from streams.readership.readers import dump, new_sketch

HOUR = 491_000  # an hour number: minutes HOUR*60 .. HOUR*60+59
M0 = HOUR * 60


def hourly(**fields: dict[int, int]) -> dict[str, Any]:
    """An hourly series value from {slot: count} per field."""
    f = {}
    for name, slots in fields.items():
        row = [0] * 60
        for slot, n in slots.items():
            row[slot] = n
        f[name] = row
    return {"o": 1, "f": f}


SERIES: dict[str, Any] = {
    f"0|a|cms:1|{HOUR}": hourly(views={0: 1, 30: 2, 59: 3}),
    f"0|a|cms:1|{HOUR + 1}": hourly(views={0: 10, 1: 20}),
    # HOUR + 2 is missing: no views that hour
    f"0|a|cms:1|{HOUR + 3}": hourly(views={5: 100}),
    f"0|c|gt|a|{HOUR}": hourly(shown={10: 4, 11: 5}, clicked={11: 1}, donations={50: 2}),
}


@pytest.mark.parametrize(
    ("prefix", "first", "last", "expected"),
    [
        ("0|a|cms:1", M0, M0 + 59, {"views": 6}),
        ("0|a|cms:1", M0 + 30, M0 + 30, {"views": 2}),
        ("0|a|cms:1", M0 + 1, M0 + 29, {"views": 0}),
        ("0|a|cms:1", M0 + 59, M0 + 60, {"views": 13}),  # across the hour boundary
        ("0|a|cms:1", M0 + 59, M0 + 61, {"views": 33}),
        ("0|a|cms:1", M0 - 600, M0 + 4 * 60, {"views": 136}),
        ("0|a|cms:1", M0 + 120, M0 + 179, {}),  # only the missing hour
        ("0|a|cms:1", M0 + 3 * 60 + 6, M0 + 3 * 60 + 59, {"views": 0}),
        ("0|a|cms:2", M0, M0 + 300, {}),
        ("0|c|gt|a", M0 + 11, M0 + 50, {"shown": 5, "clicked": 1, "donations": 2}),
        ("0|c|gt|a", M0, M0 + 10, {"shown": 4, "clicked": 0, "donations": 0}),
    ],
)
def test_span_sums(prefix: str, first: int, last: int, expected: dict[str, int]) -> None:
    assert span_sums(SERIES, prefix, first, last) == expected


def test_span_sums_does_not_confuse_prefixes() -> None:
    series = {
        f"0|a|cms:1|{HOUR}": hourly(views={0: 1}),
        f"0|a|cms:10|{HOUR}": hourly(views={0: 50}),
    }
    assert span_sums(series, "0|a|cms:1", M0, M0) == {"views": 1}


def test_split_key() -> None:
    assert split_key("12|cms:48213") == (12, "cms:48213")
    assert split_key("3|giving-tuesday|b") == (3, "giving-tuesday|b")


def sketch_of(*readers: str) -> str:
    sketch = new_sketch()
    for r in readers:
        sketch.update(r)
    return dump(sketch)


def art(section: str | None, views: int, bots: int = 0, r: str | None = None) -> dict[str, Any]:
    meta = None
    if section is not None:
        meta = {
            "title": f"A story in {section}",
            "url": f"https://news.example.org/{section}/x",
            "section": section,
            "language": "en",
            "published_at": "2026-11-27T18:00:00Z",
            "authors": ["Maya Okafor"],
            "tags": ["x"],
            "word_count": 900,
        }
    return {"o": 5, "meta": meta, "views": views, "bots": bots, "r": r}


END = M0 + 59  # the newest minute


def views_at(article_id: str, partition: int, minutes: dict[int, int]) -> dict[str, Any]:
    """Series of one article, minutes counted back from END."""
    out: dict[str, Any] = {}
    for back, n in minutes.items():
        minute = END - back
        key = f"{partition}|a|{article_id}|{minute // 60}"
        value = out.setdefault(key, {"o": 1, "f": {"views": [0] * 60}})
        value["f"]["views"][minute % 60] += n
    return out


ARTICLES: dict[str, Any] = {
    "0|cms:a": art("world", 50, r=sketch_of("r1", "r2", "r3")),
    "0|cms:b": art("world", 40),
    "0|cms:c": art("sport", 40),
    "1|cms:d": art(None, 7),  # views before its publication event: unknown
    "1|cms:e": art("world", 500),  # views only long ago
    "1|cms:f": art("world", 0, bots=12),  # bots only
    "2|cms:z": art("world", 10_000),  # another worker's partition
}
TOP_SERIES: dict[str, Any] = {
    **views_at("cms:a", 0, {0: 5, 10: 5}),  # 10 in the last hour
    **views_at("cms:b", 0, {1: 12, 59: 3}),  # 15
    **views_at("cms:c", 0, {2: 15}),  # 15, ties with cms:b
    **views_at("cms:d", 1, {30: 7}),  # 7
    **views_at("cms:e", 1, {500: 500}),  # outside any 60-minute span
    **views_at("cms:z", 2, {0: 10_000}),
}


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["article_id"] for r in rows]


@pytest.mark.parametrize(
    ("minutes", "limit", "section", "expected"),
    [
        (60, 10, None, ["cms:b", "cms:c", "cms:a", "cms:d"]),
        (60, 2, None, ["cms:b", "cms:c"]),
        (60, 1, None, ["cms:b"]),
        (60, 10, "world", ["cms:b", "cms:a"]),
        (60, 10, "sport", ["cms:c"]),
        (60, 10, "culture", []),
        (1, 10, None, ["cms:a"]),
        (2, 10, None, ["cms:b", "cms:a"]),
        (3, 10, None, ["cms:c", "cms:b", "cms:a"]),
        (1000, 10, None, ["cms:e", "cms:b", "cms:c", "cms:a", "cms:d"]),
    ],
)
def test_local_top_order_and_filters(
    minutes: int, limit: int, section: str | None, expected: list[str]
) -> None:
    rows = local_top(ARTICLES, TOP_SERIES, [0, 1], END, minutes, limit, section)
    assert ids(rows) == expected
    views = [r["views"] for r in rows]
    assert views == sorted(views, reverse=True)


def test_local_top_ties_go_to_the_smaller_article_id() -> None:
    rows = local_top(ARTICLES, TOP_SERIES, [0], END, 60, 10, None)
    assert [(r["article_id"], r["views"]) for r in rows] == [
        ("cms:b", 15),
        ("cms:c", 15),
        ("cms:a", 10),
    ]


def test_local_top_reads_only_owned_partitions() -> None:
    assert ids(local_top(ARTICLES, TOP_SERIES, [2], END, 60, 10, None)) == ["cms:z"]
    assert local_top(ARTICLES, TOP_SERIES, [], END, 60, 10, None) == []
    assert "cms:z" not in ids(local_top(ARTICLES, TOP_SERIES, [0, 1], END, 60, 10, None))


def test_local_top_rows() -> None:
    rows = {r["article_id"]: r for r in local_top(ARTICLES, TOP_SERIES, [0, 1], END, 60, 10, None)}
    a = rows["cms:a"]
    assert a["views"] == 10  # in the span
    assert a["views_total"] == 50  # since publication
    assert a["bot_views_total"] == 0
    assert a["readers_total"] == 3
    assert a["known"] is True
    assert a["section"] == "world"
    assert a["title"] == "A story in world"
    d = rows["cms:d"]
    assert d["known"] is False
    assert d["section"] is None
    assert d["readers_total"] == 0
    assert set(META_FIELDS) <= set(d)


def test_article_row_without_metadata() -> None:
    row = article_row("cms:9", art(None, 3, bots=1, r=sketch_of("a", "b")))
    assert row == {
        "article_id": "cms:9",
        **dict.fromkeys(META_FIELDS),
        "known": False,
        "views_total": 3,
        "bot_views_total": 1,
        "readers_total": 2,
        "referrers": {},
    }


def test_article_row_carries_the_referrer_mix() -> None:
    article = {**art(None, 3, r=sketch_of("a")), "src": {"social": 1, "search": 2}}
    assert article_row("cms:9", article)["referrers"] == {"search": 2, "social": 1}


def test_article_series_lists_minutes_with_views() -> None:
    out = article_series(SERIES, "0|cms:1", M0, M0 + 4 * 60)
    assert out == [
        {"minute": M0 * 60, "views": 1},
        {"minute": (M0 + 30) * 60, "views": 2},
        {"minute": (M0 + 59) * 60, "views": 3},
        {"minute": (M0 + 60) * 60, "views": 10},
        {"minute": (M0 + 61) * 60, "views": 20},
        {"minute": (M0 + 185) * 60, "views": 100},
    ]


@pytest.mark.parametrize(
    ("since", "end", "minutes"),
    [
        (M0 + 30, M0 + 60, [M0 + 30, M0 + 59, M0 + 60]),
        (M0 + 31, M0 + 58, []),
        (M0 + 60, M0 + 60, [M0 + 60]),
        (M0 - 10_000, M0, [M0]),
    ],
)
def test_article_series_bounds(since: int, end: int, minutes: list[int]) -> None:
    out = article_series(SERIES, "0|cms:1", since, end)
    assert [row["minute"] // 60 for row in out] == minutes


def test_article_series_is_capped_at_a_month() -> None:
    end = M0 + 59
    old = end - MAX_SERIES_MINUTES - 1
    series = {
        f"0|a|cms:1|{old // 60}": hourly(views={old % 60: 9}),
        f"0|a|cms:1|{end // 60}": hourly(views={59: 1}),
    }
    assert article_series(series, "0|cms:1", old, end) == [{"minute": end * 60, "views": 1}]
    # The cap counts back from `end`: a month-old minute is listed while within it.
    assert article_series(series, "0|cms:1", old, old + MAX_SERIES_MINUTES) == [
        {"minute": old * 60, "views": 9}
    ]
