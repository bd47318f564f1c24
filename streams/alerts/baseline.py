"""How many page views a scope should have had in the last few minutes (the baseline).

Seasonal naive plus a level correction. News traffic has a strong daily cycle (night lows
are ~5 % of the afternoon peak) and a weekly one (weekends are quieter), so the best
simple forecast for "the 15 minutes ending now" is the same 15 minutes 1, 7 and 14 days
ago: each reference already has the right time of day, and the 7- and 14-day ones the
right day of the week. No trend model, no fitting, nothing to tune per section.

Why a median of the references: one of them may be abnormal (a viral story yesterday, an
outage last week). With three references the median ignores one bad day outright; with
two (8 days of history) it is their mean, which halves the effect of a bad one.

Why a level factor: the site's overall level drifts (a slow news week, growth, a big
story that keeps readers all afternoon). The ratio of the 2 hours before the span to the
same 2 hours in the references measures that drift now, and scaling the seasonal median
by it removes it. It is clamped to [0.5, 2] so that an odd reference cannot make the
expectation absurd. The 2 hours end where the observed span starts, so a drop that has
just begun does not lower its own baseline; while an alert is firing the detector holds
the factor it had when it fired, so a long drop does not slowly become "the new normal".

Why a trailing fallback: a fresh deployment (or a new section) has no reference a day
back. Then the expectation is the mean of the previous 2 hours' span-sized blocks, which
is blind to the daily cycle. Within an hour the cycle moves little by day, but the late
evening slide into the night low can lose 40 % an hour, and a plain mean that lags an
hour behind would call every first night a drop. So the mean is lowered by the decline
from the older to the newer half of those blocks, projected to now: never raised (a
rising evening only makes us less sensitive), at most by the clamp's lower bound. The
fallback needs at least `fallback_min_minutes` of such blocks.

Every function here is pure: minutes are epoch minutes, absent minutes count as 0, and
only minutes at or after `history_start` are taken to be known.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

MINUTES_PER_DAY = 1440

Method = Literal["seasonal", "trailing"]


@dataclass(frozen=True)
class BaselineConfig:
    """The baseline's knobs (`DetectorConfig` extends it, so one flat config serves)."""

    span: int = 15
    seasonal_lags_days: tuple[int, ...] = (1, 7, 14)
    level_minutes: int = 120
    level_clamp: tuple[float, float] = (0.5, 2.0)
    fallback_min_minutes: int = 60

    def __post_init__(self) -> None:
        if self.span < 1 or self.level_minutes < self.span:
            raise ValueError("need span >= 1 and level_minutes >= span")
        if any(lag < 1 for lag in self.seasonal_lags_days):
            raise ValueError("seasonal lags are whole days >= 1")
        low, high = self.level_clamp
        if not 0 < low <= 1 <= high:
            raise ValueError("level_clamp must satisfy 0 < low <= 1 <= high")
        whole_blocks = self.level_minutes // self.span * self.span
        if not self.span <= self.fallback_min_minutes <= whole_blocks:
            raise ValueError("fallback_min_minutes must fit whole spans of level_minutes")


@dataclass(frozen=True, slots=True)
class Baseline:
    """The expected views over the span, and how they were found (for logs and holds)."""

    expected: float
    method: Method
    level_factor: float  # seasonal: the level correction; trailing: the decline; 1.0 if held
    references: int  # seasonal references used; 0 for the trailing fallback


def window_sum(views: Mapping[int, int], first: int, last: int) -> int:
    """Views in the minutes first..last inclusive (absent minutes are 0)."""
    get = views.get
    return sum(get(minute, 0) for minute in range(first, last + 1))


def observed_views(views: Mapping[int, int], end_minute: int, span: int) -> int:
    """Views in the `span` minutes ending with `end_minute`."""
    return window_sum(views, end_minute - span + 1, end_minute)


def expected_views(
    views: Mapping[int, int],
    end_minute: int,
    config: BaselineConfig,
    history_start: int,
    *,
    held_level_factor: float | None = None,
    held_expected: float | None = None,
) -> Baseline | None:
    """The baseline for the span ending at `end_minute`, or None without enough history.

    `held_level_factor` (seasonal) or `held_expected` (trailing) are what the detector
    froze when its alert fired: they replace the parts a long drop would contaminate.
    """
    start = end_minute - config.span + 1
    if start < history_start:
        return None
    if held_expected is not None:
        return Baseline(held_expected, "trailing", 1.0, 0)
    seasonal = _seasonal(views, start, config, history_start, held_level_factor)
    if seasonal is not None:
        return seasonal
    return _trailing(views, start, config, history_start)


def _seasonal(
    views: Mapping[int, int],
    start: int,
    config: BaselineConfig,
    history_start: int,
    held_level_factor: float | None,
) -> Baseline | None:
    """Median of the covered references, times the (clamped or held) level factor."""
    span, level = config.span, config.level_minutes
    spans: list[int] = []
    levels: list[int] = []
    for lag_days in config.seasonal_lags_days:
        ref_start = start - lag_days * MINUTES_PER_DAY
        if ref_start - level < history_start:
            continue  # the reference or its level window predates what we know
        spans.append(window_sum(views, ref_start, ref_start + span - 1))
        levels.append(window_sum(views, ref_start - level, ref_start - 1))
    if not spans:
        return None
    if held_level_factor is not None:
        factor = held_level_factor
    else:
        recent = window_sum(views, start - level, start - 1)
        factor = level_factor(recent, statistics.median(levels), config.level_clamp)
    return Baseline(statistics.median(spans) * factor, "seasonal", factor, len(spans))


def level_factor(recent: float, reference: float, clamp: tuple[float, float]) -> float:
    """recent / reference, clamped; an empty reference says nothing unless now is busy."""
    low, high = clamp
    if reference <= 0:
        return 1.0 if recent <= 0 else high
    return min(high, max(low, recent / reference))


def _trailing(
    views: Mapping[int, int], start: int, config: BaselineConfig, history_start: int
) -> Baseline | None:
    """Mean of the covered span-sized blocks before the span, times their recent decline."""
    span = config.span
    blocks: list[int] = []  # newest first
    for k in range(1, config.level_minutes // span + 1):
        block_start = start - k * span
        if block_start < history_start:
            break
        blocks.append(window_sum(views, block_start, block_start + span - 1))
    if len(blocks) * span < config.fallback_min_minutes:
        return None
    factor = decline(blocks, config.level_clamp[0])
    return Baseline(statistics.fmean(blocks) * factor, "trailing", factor, 0)


def decline(blocks: Sequence[float], floor: float) -> float:
    """How much lower than their mean the newest blocks point to now, in [floor, 1].

    The newer half's mean over the older half's covers n/2 blocks; the blocks' mean sits
    (n+1)/2 blocks before the span, hence the exponent (n+1)/n.
    """
    n = len(blocks)
    if n < 2:
        return 1.0
    newer = statistics.fmean(blocks[: n // 2])
    older = statistics.fmean(blocks[n // 2 :])
    if older <= 0 or newer >= older:
        return 1.0
    return max(floor, math.pow(newer / older, (n + 1) / n))
