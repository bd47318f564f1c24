"""The baseline's arithmetic on flat, noise-free traffic, where every number is exact."""

from __future__ import annotations

import math
from typing import Any

import pytest

from streams.alerts.baseline import (
    BaselineConfig,
    decline,
    expected_views,
    level_factor,
    window_sum,
)
from streams.alerts.detector import DetectorConfig

DAY = 1440
END = 29_905_919  # any epoch minute
CONFIG = BaselineConfig()
START = END - CONFIG.span + 1  # the observed span's first minute


def flat(rate: int, first: int, last: int = END) -> dict[int, int]:
    return dict.fromkeys(range(first, last + 1), rate)


@pytest.mark.parametrize(
    ("history_start", "method", "references"),
    [
        (START - 14 * DAY - 120, "seasonal", 3),
        (START - 7 * DAY - 120, "seasonal", 2),  # 8 days of history: 1 and 7 days back
        (START - DAY - 120, "seasonal", 1),
        (START - DAY - 119, "trailing", 0),  # yesterday's level window not fully known
        (START - 60, "trailing", 0),
        (START - 59, None, 0),  # under an hour of blocks: no baseline yet
        (START + 1, None, 0),  # the observed span itself is not covered
    ],
)
def test_references_are_used_only_when_fully_covered(
    history_start: int, method: str | None, references: int
) -> None:
    views = flat(100, history_start)
    baseline = expected_views(views, END, CONFIG, history_start)
    if method is None:
        assert baseline is None
        return
    assert baseline is not None
    assert (baseline.method, baseline.references) == (method, references)
    assert baseline.expected == pytest.approx(1500)


@pytest.mark.parametrize(("days", "expected"), [(15, 1500), (8, (1500 + 15000) / 2)])
def test_the_median_ignores_one_abnormal_reference(days: int, expected: float) -> None:
    views = flat(100, END - days * DAY)
    viral = START - 7 * DAY  # last week, this quarter hour had a viral story
    views.update(flat(1000, viral, viral + CONFIG.span - 1))
    baseline = expected_views(views, END, CONFIG, END - days * DAY)
    assert baseline is not None and baseline.expected == pytest.approx(expected)


@pytest.mark.parametrize(("recent", "factor"), [(150, 1.5), (300, 2.0), (20, 0.5), (80, 0.8)])
def test_the_level_factor_follows_the_last_two_hours(recent: int, factor: float) -> None:
    views = flat(100, END - 8 * DAY)
    views.update(flat(recent, START - 120, START - 1))
    baseline = expected_views(views, END, CONFIG, END - 8 * DAY)
    assert baseline is not None
    assert baseline.level_factor == pytest.approx(factor)
    assert baseline.expected == pytest.approx(1500 * factor)


@pytest.mark.parametrize(
    ("recent", "reference", "factor"),
    [(150, 100, 1.5), (300, 100, 2.0), (10, 100, 0.5), (0, 0, 1.0), (5, 0, 2.0)],
)
def test_level_factor_is_clamped(recent: float, reference: float, factor: float) -> None:
    assert level_factor(recent, reference, (0.5, 2.0)) == factor


@pytest.mark.parametrize(
    ("blocks", "factor"),
    [
        ([100] * 8, 1.0),
        ([200, 200, 200, 200, 100, 100, 100, 100], 1.0),  # rising: never raised
        ([80, 80, 80, 80, 100, 100, 100, 100], 0.8 ** (9 / 8)),
        ([40, 40, 40, 40, 100, 100, 100, 100], 0.5),  # clamped
        ([100], 1.0),
        ([5, 5, 0, 0], 1.0),
    ],
)
def test_the_trailing_decline(blocks: list[float], factor: float) -> None:
    assert decline(blocks, 0.5) == pytest.approx(factor)


def test_the_trailing_fallback_follows_an_evening_slide() -> None:
    history_start = START - 120
    views = {m: round(1000 * math.exp((START - m) / 120)) for m in range(history_start, END + 1)}
    baseline = expected_views(views, END, CONFIG, history_start)  # -40 % an hour, no drop
    observed = window_sum(views, START, END)
    assert baseline is not None and baseline.method == "trailing"
    assert abs(1 - observed / baseline.expected) < 0.1
    blocks = [window_sum(views, START - 15 * k, START - 15 * k + 14) for k in range(1, 9)]
    assert 1 - observed / (sum(blocks) / 8) > 0.4  # a plain trailing mean would fire


def test_held_values_replace_the_recent_level() -> None:
    views = flat(100, END - 8 * DAY)
    views.update(flat(20, START - 120, START - 1))  # a long drop already in the level window
    held = expected_views(views, END, CONFIG, END - 8 * DAY, held_level_factor=1.0)
    frozen = expected_views(views, END, CONFIG, END - 8 * DAY, held_expected=1234.5)
    assert held is not None and held.expected == pytest.approx(1500)
    assert frozen is not None and (frozen.method, frozen.expected) == ("trailing", 1234.5)


def test_absent_minutes_count_as_zero() -> None:
    assert window_sum({1: 5, 3: 7}, 0, 4) == 12


@pytest.mark.parametrize(
    "kwargs",
    [
        {"span": 0},
        {"level_minutes": 10},
        {"seasonal_lags_days": (0, 7)},
        {"level_clamp": (1.2, 2.0)},
        {"fallback_min_minutes": 121},
        {"fallback_min_minutes": 10},
        {"fire_ratio": 0.1},  # below resolve_ratio: the alert could never hold
        {"fire_after": 0},
        {"resolve_after": 0},
        {"min_expected": -1.0},
    ],
)
def test_config_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        DetectorConfig(**kwargs)
