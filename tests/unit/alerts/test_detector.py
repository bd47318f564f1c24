"""The engagement-drop detector on synthetic but realistic traffic.

Traffic has a daily cycle (night lows 5 % of the afternoon peak), a slowly wandering
day-to-day level, per-minute overdispersion and Poisson noise, all from a seeded
random.Random, so every scenario is reproducible. Day 0 is Monday 2026-11-02 (UTC).

With a 15-minute span a step drop reaches the observed window one minute at a time, so
"minutes to fire" are counted from the onset: the first evaluation whose noise-free drop
ratio reaches `fire_ratio` (and likewise for recovery).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from streams.alerts.detector import (
    AlertEvent,
    DetectorConfig,
    DetectorState,
    Scope,
    evaluate,
    read,
)

DAY = 1440
DAY0 = int(datetime(2026, 11, 2, tzinfo=UTC).timestamp()) // 60  # a Monday
CONFIG = DetectorConfig()
SITE_PEAK = 600.0  # views per minute at the afternoon peak

Shape = Callable[[int], float]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam < 30:  # Knuth: exact for small means
        limit, k, p = math.exp(-lam), 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def traffic(
    seed: int, days: int, peak: float = SITE_PEAK, shape: Shape | None = None
) -> dict[int, int]:
    """Per-minute views for `days` days from DAY0; `shape(minute)` multiplies the mean."""
    rng = random.Random(seed)
    levels = [rng.gauss(1.0, 0.08) for _ in range(days + 2)]  # day-to-day drift
    views: dict[int, int] = {}
    for offset in range(days * DAY):
        day, minute_of_day = divmod(offset, DAY)
        phase = 2 * math.pi * (minute_of_day - 4 * 60) / DAY  # lowest at 04:00
        cycle = 0.05 + 0.95 * (1 - math.cos(phase)) / 2
        noon = (minute_of_day - DAY / 2) / DAY  # level moves smoothly noon to noon
        here = day + 1 + math.floor(noon)
        frac = noon - math.floor(noon)
        level = levels[here] * (1 - frac) + levels[here + 1] * frac
        lam = peak * cycle * level * rng.lognormvariate(0.0, 0.05)
        if shape is not None:
            lam *= shape(DAY0 + offset)
        count = _poisson(rng, lam)
        if count:
            views[DAY0 + offset] = count  # absent minutes mean 0 views
    return views


def at(day: int, hour: float) -> int:
    return DAY0 + day * DAY + round(hour * 60)


def dip(start: int, end: int, factor: float) -> Shape:
    """Traffic times `factor` in minutes [start, end)."""
    return lambda minute: factor if start <= minute < end else 1.0


Run = list[tuple[int, AlertEvent]]


def run(
    views: dict[int, int],
    first: int,
    last: int,
    config: DetectorConfig = CONFIG,
    scope: Scope = "site",
    section: str | None = None,
    history_start: int | None = None,
) -> tuple[Run, DetectorState]:
    """Evaluate every minute first..last as the worker would; collect the events."""
    state, events = DetectorState(), []
    start = min(views) if history_start is None else history_start
    for minute in range(first, last + 1):
        state, event = evaluate(state, views, minute, config, scope, section, history_start=start)
        if event is not None:
            events.append((minute, event))
    return events, state


def onsets(drop: float, start: int, end: int, config: DetectorConfig) -> tuple[int, int]:
    """First evaluations whose noise-free ratio reaches fire_ratio / falls to resolve_ratio."""
    span, eps = config.span, 1e-9
    fire_k = next(k for k in range(1, span + 1) if drop * k / span >= config.fire_ratio - eps)
    calm_k = max(k for k in range(span + 1) if drop * k / span <= config.resolve_ratio + eps)
    return start + fire_k - 1, end + span - 1 - calm_k


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_midday_drop_fires_once_and_resolves_once(seed: int) -> None:
    start, end = at(8, 12), at(8, 13)  # a 60 % drop for an hour at midday
    views = traffic(seed, 9, shape=dip(start, end, 0.4))
    events, state = run(views, start - 120, end + 60)
    assert [e.resolved for _, e in events] == [False, True]
    (fired, fire), (resolved, resolution) = events
    assert fire.alert_id == resolution.alert_id == f"engagement_drop:site:-:{fired}"
    fire_onset, calm_onset = onsets(0.6, start, end, CONFIG)
    assert CONFIG.fire_after <= fired - fire_onset + 1 <= CONFIG.fire_after + 2
    assert CONFIG.resolve_after <= resolved - calm_onset + 1 <= CONFIG.resolve_after + 3
    assert fire.drop_ratio >= CONFIG.fire_ratio and resolution.drop_ratio < CONFIG.resolve_ratio
    assert not state.firing


@pytest.mark.parametrize("seed", [11, 12])
@pytest.mark.parametrize("peak", [SITE_PEAK, 40.0])  # the site, and a small section
def test_noise_alone_fires_nothing_in_two_days(seed: int, peak: float) -> None:
    views = traffic(seed, 10, peak=peak)
    first, last = at(8, 0), at(10, 0) - 1
    events, _ = run(views, first, last, scope="section", section="culture")
    assert events == []
    judged = [
        reading
        for minute in range(first, last + 1, 7)
        if (reading := read(views, minute, CONFIG, history_start=DAY0)) is not None
    ]
    armed = sum(r.expected >= CONFIG.min_expected for r in judged)
    assert armed > len(judged) // 2  # the guard did not do the work: most were judged


@pytest.mark.parametrize(
    ("peak", "history_from"),
    [(SITE_PEAK, 0), (120.0, 0), (SITE_PEAK, at(8, 14) - DAY0)],  # last: fresh, fallback
    ids=["site-seasonal", "small-seasonal", "site-trailing"],
)
def test_a_normal_night_fires_nothing(peak: float, history_from: int) -> None:
    views = {m: v for m, v in traffic(21, 10, peak=peak).items() if m >= DAY0 + history_from}
    first, last = at(8, 18), at(9, 8)
    events, _ = run(views, first, last, history_start=DAY0 + history_from)
    assert events == []
    observed = [
        sum(views.get(m, 0) for m in range(minute - 14, minute + 1))
        for minute in range(first, last + 1, 15)
    ]
    assert min(observed) < 0.15 * max(observed)  # the night really fell to its low


@pytest.mark.parametrize(
    ("config", "fires"),
    [
        (CONFIG, False),
        (DetectorConfig(span=1, fallback_min_minutes=60), False),
        (DetectorConfig(span=1, fallback_min_minutes=60, fire_after=1), True),  # control
    ],
    ids=["span15", "span1", "span1-no-hysteresis"],
)
def test_a_single_slow_minute_does_not_fire(config: DetectorConfig, fires: bool) -> None:
    slow = at(8, 12)
    views = traffic(31, 9)
    views[slow] = 0
    events, _ = run(views, slow - 3, slow + 30, config=config)
    fired = [minute for minute, event in events if not event.resolved]
    assert fired == ([slow] if fires else [])


def test_one_good_minute_does_not_resolve() -> None:
    config = DetectorConfig(span=1, fallback_min_minutes=60)
    start, end, good = at(8, 12), at(8, 12.5), at(8, 12.25)
    views = traffic(32, 9, shape=lambda m: 1.0 if m == good else dip(start, end, 0.3)(m))
    events, _ = run(views, start - 10, end + 20, config=config)
    assert [e.resolved for _, e in events] == [False, True]
    assert events[1][0] >= end + config.resolve_after - 1


@pytest.mark.parametrize(("min_expected", "fires"), [(CONFIG.min_expected, False), (0.0, True)])
def test_the_guard_keeps_small_scopes_quiet(min_expected: float, fires: bool) -> None:
    start, end = at(8, 12), at(8, 13)
    views = traffic(41, 9, peak=5.0, shape=dip(start, end, 0.1))  # a 90 % drop
    config = DetectorConfig(min_expected=min_expected)
    reading = read(views, start - 1, config, history_start=DAY0)
    assert reading is not None and reading.expected < CONFIG.min_expected
    events, _ = run(views, start - 30, end, config=config, scope="section", section="obits")
    assert bool(events) is fires


@pytest.mark.parametrize("dropped", [True, False])
def test_fresh_deployment_uses_the_trailing_fallback(dropped: bool) -> None:
    fresh = at(8, 9)  # deployed at 09:00: three hours of history at noon
    start, end = at(8, 12), at(8, 12.75)
    shape = dip(start, end, 0.4) if dropped else None
    views = {m: v for m, v in traffic(51, 9, shape=shape).items() if m >= fresh}
    reading = read(views, start - 1, CONFIG)
    assert reading is not None and reading.baseline.method == "trailing"
    events, _ = run(views, fresh, end + 60)
    assert [e.resolved for _, e in events] == ([False, True] if dropped else [])
    if dropped:
        assert start <= events[0][0] <= start + CONFIG.span


@pytest.mark.parametrize(
    ("config", "explained"),
    [
        (CONFIG, True),
        (DetectorConfig(seasonal_lags_days=(1,), level_clamp=(1.0, 1.0)), False),  # control
    ],
    ids=["seasonal-with-level", "yesterday-only"],
)
def test_a_quieter_sunday_is_expected(config: DetectorConfig, explained: bool) -> None:
    def sunday(minute: int) -> float:
        return 0.7 if (minute - DAY0) // DAY % 7 == 6 else 1.0

    first_day = 13 - 8  # 8 days of history before Sunday (day 13)
    views = {m: v for m, v in traffic(61, 14, shape=sunday).items() if m >= at(first_day, 0)}
    first, last = at(13, 6), at(13, 22)
    events, _ = run(views, first, last, config=config)
    assert events == []
    ratios = sorted(
        reading.drop_ratio
        for minute in range(first, last + 1, 5)
        if (reading := read(views, minute, config)) is not None
    )
    if explained:  # last Sunday is a reference: Sunday is normal, not a mild drop
        reading = read(views, first, config)
        assert reading is not None and reading.baseline.references == 2
        assert ratios[-1] < CONFIG.resolve_ratio
    else:
        assert ratios[len(ratios) // 2] > CONFIG.resolve_ratio


@pytest.mark.parametrize(
    ("factor", "start_hour", "hours", "peak"),
    [(0.0, 20, 10, 100.0), (0.45, 11, 4, SITE_PEAK)],
    ids=["zero-through-a-guarded-night", "55pc-for-4h"],
)
def test_a_long_drop_keeps_firing_until_recovery(
    factor: float, start_hour: int, hours: int, peak: float
) -> None:
    start = at(8, start_hour)
    end = start + hours * 60
    views = traffic(71, 10, peak=peak, shape=dip(start, end, factor))
    if factor == 0.0:
        reading = read(views, at(9, 3), CONFIG, history_start=DAY0)
        assert reading is not None and reading.expected < CONFIG.min_expected
    events, _ = run(views, start - 30, end + 60)
    assert [e.resolved for _, e in events] == [False, True]
    assert end <= events[1][0] <= end + CONFIG.span + CONFIG.resolve_after + 3


CONTRACT_FIELDS = {
    "alert_id",
    "kind",
    "scope",
    "section",
    "window_start",
    "observed",
    "expected",
    "drop_ratio",
    "fired_at",
    "resolved",
}


def _parse(text: str) -> int:
    assert text.endswith("Z")
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@pytest.mark.parametrize(("scope", "section"), [("site", None), ("section", "politics")])
def test_records_have_exactly_the_contract_fields(scope: Scope, section: str | None) -> None:
    start, end = at(8, 12), at(8, 13)
    views = traffic(81, 9, shape=dip(start, end, 0.4))
    events, _ = run(views, start - 30, end + 60, scope=scope, section=section)
    (fired, fire), (resolved, resolution) = events
    for minute, event, done in [(fired, fire, False), (resolved, resolution, True)]:
        record = json.loads(json.dumps(event.to_record()))
        assert set(record) == CONTRACT_FIELDS
        assert record["alert_id"] == f"engagement_drop:{scope}:{section or '-'}:{fired}"
        assert record["kind"] == "engagement_drop"
        assert (record["scope"], record["section"]) == (scope, section)
        assert _parse(record["window_start"]) == (minute - CONFIG.span + 1) * 60
        assert _parse(record["fired_at"]) == (fired + 1) * 60  # the firing minute's end
        assert record["resolved"] is done
        assert isinstance(record["observed"], int) and record["observed"] >= 0
        assert record["expected"] == round(record["expected"], 1) > CONFIG.min_expected
        assert 0.0 <= record["drop_ratio"] <= 1.0
        assert record["drop_ratio"] == round(record["drop_ratio"], 3)
    assert fire.to_record()["fired_at"] == datetime.fromtimestamp((fired + 1) * 60, UTC).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )


def test_same_inputs_same_alerts() -> None:
    start, end = at(8, 12), at(8, 13)
    views = traffic(91, 9, shape=dip(start, end, 0.4))
    first, _ = run(views, start - 120, end + 60)
    again, _ = run(dict(views), start - 120, end + 60)
    later, _ = run(views, start - 20, end + 60)  # a replay that starts later
    assert first == again
    assert [e.alert_id for _, e in later] == [e.alert_id for _, e in first]

    state, handed_over = DetectorState(), []  # a new leader every minute, state from a table
    for minute in range(start - 20, end + 60):
        state, event = evaluate(
            DetectorState.from_dict(json.loads(json.dumps(state.to_dict()))),
            views,
            minute,
            CONFIG,
            "site",
            None,
        )
        if event is not None:
            handed_over.append((minute, event))
            repeat = evaluate(state, views, minute, CONFIG, "site", None)
            assert repeat == (state, None)  # the same minute twice is a no-op
    assert handed_over == first


@pytest.mark.parametrize(
    ("scope", "section"), [("site", "politics"), ("section", None), ("section", "")]
)
def test_scope_and_section_must_agree(scope: Scope, section: str | None) -> None:
    with pytest.raises(ValueError, match="scope"):
        evaluate(DetectorState(), {}, DAY0, CONFIG, scope, section)


def test_without_history_there_is_no_alert() -> None:
    state, event = evaluate(DetectorState(), {}, DAY0, CONFIG, "site", None)
    assert (event, state.fire_streak, state.last_minute) == (None, 0, DAY0)
