"""The pure event-time helpers: which minute, what is closed, the idle watermark, RFC 3339."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from streams.windowing import (
    HISTORY,
    advance,
    clock_at,
    close_before,
    idle_watermark,
    minute_of,
    new_clock,
    remember,
    rfc3339,
)

T0 = datetime(2026, 11, 27, 18, 0, tzinfo=UTC).timestamp()  # 1795802400.0
M0 = 29930040  # T0 // 60


def test_the_reference_minute() -> None:
    assert T0 == 1795802400.0
    assert T0 // 60 == M0


@pytest.mark.parametrize(
    ("event_time", "minute"),
    [
        (0.0, 0),
        (59.999, 0),
        (60.0, 1),
        (119.999, 1),
        (-0.001, -1),
        (-60.0, -1),
        (-60.001, -2),
        (T0, M0),
        (T0 + 59.999, M0),
        (T0 + 60, M0 + 1),
        (T0 - 0.001, M0 - 1),
    ],
)
def test_minute_of(event_time: float, minute: int) -> None:
    assert minute_of(event_time) == minute


@pytest.mark.parametrize(
    ("watermark", "grace", "expected"),
    [
        (0.0, 300.0, -5),
        (359.999, 300.0, 0),
        (360.0, 300.0, 1),
        (419.999, 300.0, 1),
        (420.0, 300.0, 2),
        (59.999, 0.0, 0),
        (60.0, 0.0, 1),
        (T0 + 359.999, 300.0, M0),
        (T0 + 360, 300.0, M0 + 1),
        (T0 + 361, 300.0, M0 + 1),
        (T0 + 60.5, 0.5, M0 + 1),
        (T0 + 60.499, 0.5, M0),
    ],
)
def test_close_before(watermark: float, grace: float, expected: int) -> None:
    assert close_before(watermark, grace) == expected


@pytest.mark.parametrize("grace", [0.0, 1.0, 60.0, 300.0, 3600.0])
@pytest.mark.parametrize("minute", [0, M0, M0 + 1439, -7 * 1440 + M0])
def test_a_window_closes_exactly_at_its_end_plus_grace(grace: float, minute: int) -> None:
    """[m, m+1) is closed (m < close_before) iff watermark >= (m+1)*60 + grace."""
    boundary = (minute + 1) * 60 + grace
    assert close_before(boundary, grace) > minute
    assert close_before(boundary - 0.001, grace) <= minute
    assert close_before(boundary - 0.001, grace) == minute  # the next minute is the first open


@pytest.mark.parametrize(
    ("watermark", "last_seen", "now", "idle", "expected"),
    [
        (T0, 1000.0, 1000.0, 60.0, T0),  # just folded
        (T0, 1000.0, 1059.999, 60.0, T0),  # not yet idle
        (T0, 1000.0, 1060.0, 60.0, T0 + 60),  # idle: moved on by the quiet time
        (T0, 1000.0, 1360.0, 60.0, T0 + 360),
        (T0, 1000.0, 1599.999, 600.0, T0),
        (T0, 1000.0, 1600.0, 600.0, T0 + 600),
        (T0, 1000.0, 900.0, 60.0, T0),  # a wall clock that stepped back: unchanged
        (0.0, 1000.0, 1100.0, 60.0, 100.0),  # nothing folded yet
    ],
)
def test_idle_watermark(
    watermark: float, last_seen: float, now: float, idle: float, expected: float
) -> None:
    assert idle_watermark(watermark, last_seen, now, idle) == pytest.approx(expected, abs=1e-6)


def test_an_idle_watermark_never_goes_back() -> None:
    for now in (999.0, 1000.0, 1030.0, 1060.0, 5000.0):
        assert idle_watermark(T0, 1000.0, now, 60.0) >= T0


@pytest.mark.parametrize(
    ("epoch", "text"),
    [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1.5, "1970-01-01T00:00:01.500Z"),
        (1.9999, "1970-01-01T00:00:01.999Z"),  # milliseconds are truncated, not rounded
        (-1.0, "1969-12-31T23:59:59.000Z"),
        (T0, "2026-11-27T18:00:00.000Z"),
        (T0 + 60, "2026-11-27T18:01:00.000Z"),
        (T0 + 59.999, "2026-11-27T18:00:59.999Z"),
        (T0 + 0.123, "2026-11-27T18:00:00.123Z"),
        (T0 + 6 * 3600, "2026-11-28T00:00:00.000Z"),
        (M0 * 60 - 7 * 86400, "2026-11-20T18:00:00.000Z"),
    ],
)
def test_rfc3339(epoch: float, text: str) -> None:
    assert rfc3339(epoch) == text


@pytest.mark.parametrize("minute", [0, M0, M0 + 1, M0 - 10080, M0 + 525600])
def test_rfc3339_window_bounds_read_back_as_their_minute(minute: int) -> None:
    start = rfc3339(minute * 60)
    assert start.endswith(":00.000Z")
    assert len(start) == len("2026-11-27T18:00:00.000Z")
    assert datetime.fromisoformat(start).timestamp() == minute * 60
    assert minute_of(datetime.fromisoformat(start).timestamp()) == minute


def _clock(*batches: tuple[int, float, int]) -> dict[str, Any]:
    clock = new_clock()
    for last, t, m in batches:
        advance(clock, last, t, m)
    return clock


def test_a_replayed_batch_that_ends_inside_the_history_is_remembered() -> None:
    """The first run folded 0-9 and 10-29; the replay cuts 10-19 and 20-29."""
    clock = _clock((9, 100.0, 1), (29, 300.0, 4))
    assert clock_at(clock, 20) == (100.0, 1)  # all it knew: the state after offset 9
    assert remember(clock, 19, 200.0, 2)
    assert clock_at(clock, 20) == (200.0, 2)
    assert clock_at(clock, 10) == (100.0, 1)
    assert clock_at(clock, 30) == (300.0, 4)
    assert clock["o"] == 29  # the newest state is still the first run's
    assert not remember(clock, 19, 250.0, 3)  # already known
    assert clock_at(clock, 20) == (200.0, 2)


@pytest.mark.parametrize("last", [9, 5, 29, 40])
def test_remember_leaves_what_it_cannot_place_to_advance(last: int) -> None:
    clock = _clock((9, 100.0, 1), (29, 300.0, 4))
    before = [list(e) for e in clock["h"]]
    assert not remember(clock, last, 1.0, 0)
    assert clock["h"] == before


def test_remembered_entries_keep_the_history_bounded() -> None:
    clock = _clock(*((i * 10 + 9, float(i), i) for i in range(HISTORY)))
    oldest = clock["h"][0]
    assert remember(clock, 25, 1.5, 1)
    assert len(clock["h"]) == HISTORY
    assert clock["base"] == [oldest[1], oldest[2]]
    assert [e[0] for e in clock["h"]] == sorted(e[0] for e in clock["h"])
