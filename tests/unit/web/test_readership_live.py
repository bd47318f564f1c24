"""The live page's read side: site views per minute, readers right now, sections."""

from __future__ import annotations

from typing import Any

import pytest

from streams.readership.live import (
    NOW_MINUTES,
    WEEK_MINUTES,
    local_pulse,
    local_readers,
    local_sections,
    merge_pulse,
    merge_sections,
    minute_views,
    union_sketch,
)
from streams.readership.readers import dump, load, new_sketch

HOUR = 491_000  # an hour number: minutes HOUR*60 .. HOUR*60+59
M0 = HOUR * 60
END = M0 + 59  # the last minute of hour HOUR


def hourly(views: dict[int, int]) -> dict[str, Any]:
    row = [0] * 60
    for slot, n in views.items():
        row[slot] = n
    return {"o": 1, "f": {"views": row}}


def sketch_of(*readers: str) -> str:
    sketch = new_sketch()
    for r in readers:
        sketch.update(r)
    return dump(sketch)


def article(section: str | None) -> dict[str, Any]:
    meta = None if section is None else {"section": section, "title": "t"}
    return {"o": 1, "meta": meta, "views": 1, "bots": 0, "r": None}


ARTICLES = {
    "0|a-1": article("politics"),
    "1|a-2": article("russia"),
    "1|a-3": article(None),  # read before it was published: section unknown
    "2|a-9": article("sport"),  # on a partition this worker does not own
}

WEEK_HOUR = HOUR - WEEK_MINUTES // 60
SERIES = {
    f"0|a|a-1|{HOUR}": hourly({0: 1, 30: 2, 58: 3, 59: 4}),
    f"0|a|a-1|{HOUR - 1}": hourly({59: 7}),
    f"1|a|a-2|{HOUR}": hourly({59: 10}),
    f"1|a|a-3|{HOUR}": hourly({57: 5}),
    f"2|a|a-9|{HOUR}": hourly({59: 1000}),
    # a week ago, and the hour before that (so the data reaches back to it)
    f"0|a|a-1|{WEEK_HOUR}": hourly({0: 20, 59: 21}),
    f"0|a|a-1|{WEEK_HOUR - 1}": hourly({10: 1}),
}

WINDOWS = {
    f"0|w|r|a-1|{END}": {"o": 3, "views": 2, "bots": 0, "r": sketch_of("r1", "r2")},
    f"0|w|r|a-1|{END - 4}": {"o": 2, "views": 1, "bots": 0, "r": sketch_of("r3")},
    f"0|w|r|a-1|{END - 5}": {"o": 1, "views": 1, "bots": 0, "r": sketch_of("old")},  # too old
    f"1|w|r|a-2|{END}": {"o": 4, "views": 2, "bots": 1, "r": sketch_of("r1", "r4")},
    f"1|w|r|a-3|{END - 1}": {"o": 5, "views": 0, "bots": 2, "r": None},  # bots only
    f"1|w|f|gt|a|{END}": {"o": 6, "shown": 3},  # a funnel window, not readership
    f"2|w|r|a-9|{END}": {"o": 7, "views": 1, "bots": 0, "r": sketch_of("elsewhere")},
}


def test_minute_views_zero_filled_across_hours() -> None:
    assert minute_views(SERIES, "0|a|a-1", M0 - 2, M0 + 1) == [0, 7, 1, 0]
    assert minute_views(SERIES, "0|a|a-1", END - 1, END) == [3, 4]
    assert minute_views(SERIES, "0|a|nope", END - 1, END) == [0, 0]


def test_union_sketch() -> None:
    assert union_sketch([]) is None
    assert union_sketch([None, ""]) is None
    merged = union_sketch([sketch_of("a", "b"), None, sketch_of("b", "c")])
    assert merged is not None
    assert round(load(merged).get_estimate()) == 3


def test_local_readers_union_of_open_windows_in_span() -> None:
    sketch, complete = local_readers(WINDOWS, {}, {0, 1}, END - 4, END)
    assert complete is True
    assert sketch is not None
    assert round(load(sketch).get_estimate()) == 4  # r1, r2, r3, r4: not "old", not elsewhere


@pytest.mark.parametrize(
    ("closed", "complete"),
    [(None, True), (END - 10, True), (END - 4, True), (END - 3, False)],
)
def test_local_readers_complete_only_while_every_minute_is_open(
    closed: int | None, complete: bool
) -> None:
    totals = {} if closed is None else {"1|closed": {"o": 1, "m": closed, "ck": {}}}
    assert local_readers(WINDOWS, totals, {0, 1}, END - 4, END)[1] is complete


def test_local_pulse_share() -> None:
    share = local_pulse(ARTICLES, SERIES, WINDOWS, {}, [0, 1], END, 60)
    assert share["partitions"] == [0, 1]
    views = share["views"]
    assert len(views) == 60
    assert views[0] == 1  # minute M0
    assert views[30] == 2
    assert views[-3:] == [5, 3, 4 + 10]  # a-3 at :57, a-1 at :58 and :59, a-2 at :59
    assert sum(views) == 1 + 2 + 3 + 4 + 10 + 5
    assert share["last_week"][0] == 20
    assert share["last_week"][-1] == 21
    assert share["last_week_known"] is True
    assert share["readers_complete"] is True
    assert round(load(share["readers"]).get_estimate()) == 4


def test_last_week_unknown_without_data_before_it() -> None:
    series = {k: v for k, v in SERIES.items() if not k.endswith(f"|{WEEK_HOUR - 1}")}
    assert local_pulse(ARTICLES, series, {}, {}, [0, 1], END, 60)["last_week_known"] is False


def test_merge_pulse_adds_views_and_unions_readers() -> None:
    mine = local_pulse(ARTICLES, SERIES, WINDOWS, {}, [0, 1], END, 60)
    theirs = local_pulse(ARTICLES, SERIES, WINDOWS, {}, [2], END, 60)
    doc = merge_pulse([mine, theirs], END, 60, partial=False)
    assert doc["minutes"] == 60
    assert doc["first_minute"] == M0 * 60
    assert doc["window_end"] == (END + 1) * 60
    assert doc["views"][-1] == 14 + 1000
    assert doc["last_week"] is not None
    assert doc["last_week"][0] == 20
    now = doc["now"]
    assert now["minutes"] == NOW_MINUTES
    assert now["views"] == 5 + 3 + 4 + 10 + 1000  # the last five minutes: :55 to :59
    assert now["readers"] == 5  # r1..r4 and "elsewhere"
    assert now["readers_complete"] is True
    assert doc["partial"] is False


def test_merge_pulse_partial_and_unknown() -> None:
    share = local_pulse({}, {}, {}, {}, [0], END, 5)
    doc = merge_pulse([share], END, 5, partial=True)
    assert doc["views"] == [0] * 5
    assert doc["last_week"] is None
    assert doc["now"] == {"minutes": 5, "views": 0, "readers": 0, "readers_complete": False}
    assert doc["partial"] is True


def test_local_sections_and_merge() -> None:
    mine = local_sections(ARTICLES, SERIES, [0, 1], END, 60)
    assert mine["current"] == {"politics": 10, "russia": 10, "unknown": 5}
    assert mine["previous"] == {"politics": 7}
    assert mine["last_week"] == {"politics": 41}
    assert mine["last_week_known"] is True
    assert mine["previous_known"] is False  # nothing was read in the hour before HOUR - 1
    theirs = local_sections(ARTICLES, SERIES, [2], END, 60)
    doc = merge_sections([mine, theirs], END, 60, partial=False)
    assert doc["baselines"] == {"last_week": True, "previous": False}
    assert doc["sections"] == [
        {"section": "sport", "views": 1000, "last_week": 0, "previous": None},
        {"section": "politics", "views": 10, "last_week": 41, "previous": None},
        {"section": "russia", "views": 10, "last_week": 0, "previous": None},
        {"section": "unknown", "views": 5, "last_week": 0, "previous": None},
    ]
    assert doc["window_end"] == (END + 1) * 60
    assert doc["partial"] is False


def test_sections_keep_a_quiet_section_with_a_known_baseline() -> None:
    articles = {"0|a-1": article("politics")}
    series = {
        f"0|a|a-1|{HOUR - 1}": hourly({0: 4, 59: 2}),
        f"0|a|a-1|{HOUR - 2}": hourly({30: 1}),
    }
    doc = merge_sections([local_sections(articles, series, [0], END, 60)], END, 60, False)
    assert doc["baselines"]["previous"] is True
    assert doc["sections"] == [
        {"section": "politics", "views": 0, "last_week": None, "previous": 6}
    ]
