"""The engagement-drop detector: once a minute per scope, has readership fallen off?

Pure and synchronous (no Kafka, no clock, no I/O), so that the worker's leader-only timer
stays thin: fetch the per-minute views of a scope, call `evaluate`, keep the new state,
send `event.to_record()` to `pulse.alerts` when there is one. Time is event time only:
`end_minute` (the newest closed minute) drives everything, so a replay of the same
minutes gives the same alerts with the same ids.

What is compared: the views of the last `span` minutes (observed) against the baseline
of `streams.alerts.baseline` (seasonal naive with a level correction, or a trailing mean
on a fresh deployment); the drop ratio is `1 - observed / expected`, clamped to [0, 1].

Why hysteresis: one slow minute, a late partition or Poisson noise on a small section
must not page anyone, and an alert that flaps open/closed is worse than none. A scope
fires after `fire_after` consecutive evaluations at or above `fire_ratio`, and resolves
after `resolve_after` consecutive ones below the lower `resolve_ratio`.

Why the guard only guards firing: below `min_expected` views per span (a quiet night, a
small section) a ratio is mostly noise, so it cannot start an alert. Once firing, though,
only recovery resolves it: traffic falling to zero must keep the alert open (whether that
is a dead pipeline or a dead site is decided elsewhere), and so must the night coming.
While firing, the baseline's recent-level part is held at its value when the alert fired,
so a long drop does not become its own baseline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from streams.alerts.baseline import (
    Baseline,
    BaselineConfig,
    expected_views,
    observed_views,
)
from streams.windowing import rfc3339

KIND = "engagement_drop"

Scope = Literal["site", "section"]


@dataclass(frozen=True)
class DetectorConfig(BaselineConfig):
    """Baseline knobs (span, lags, level window, clamp, fallback) plus the alert rules."""

    fire_ratio: float = 0.4
    resolve_ratio: float = 0.2
    fire_after: int = 3
    resolve_after: int = 5
    min_expected: float = 100.0

    def __post_init__(self) -> None:
        BaselineConfig.__post_init__(self)
        if not 0 < self.resolve_ratio <= self.fire_ratio <= 1:
            raise ValueError("need 0 < resolve_ratio <= fire_ratio <= 1")
        if self.fire_after < 1 or self.resolve_after < 1:
            raise ValueError("fire_after and resolve_after count evaluations: >= 1")
        if self.min_expected < 0:
            raise ValueError("min_expected must be >= 0")


@dataclass(frozen=True, slots=True)
class DetectorState:
    """One scope's memory between evaluations; small and plain, to keep in a table.

    `held_*` freeze the baseline's recent level while firing; `last_minute` makes a
    repeated or stale `end_minute` (a timer firing twice, a new leader) a no-op.
    """

    firing: bool = False
    fire_streak: int = 0
    resolve_streak: int = 0
    alert_id: str | None = None
    fired_at_minute: int | None = None
    held_level_factor: float | None = None
    held_expected: float | None = None
    last_minute: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DetectorState:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Reading:
    """One evaluation's numbers, before any decision (also handy for logs and metrics)."""

    observed: int
    expected: float
    drop_ratio: float
    baseline: Baseline


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """A `pulse.alerts` record: a firing (resolved=False) or its resolution."""

    alert_id: str
    scope: Scope
    section: str | None
    window_start_minute: int
    observed: int
    expected: float
    drop_ratio: float
    fired_at_minute: int
    resolved: bool
    kind: str = KIND

    def to_record(self) -> dict[str, Any]:
        """The contract's fields, exactly.

        `fired_at` is the end of the minute the alert fired in, on the resolution too (so
        the alert's id and start stay fixed); the resolution's own time is the end of its
        span, `window_start` + span.
        """
        return {
            "alert_id": self.alert_id,
            "kind": self.kind,
            "scope": self.scope,
            "section": self.section,
            "window_start": rfc3339(self.window_start_minute * 60),
            "observed": self.observed,
            "expected": self.expected,
            "drop_ratio": self.drop_ratio,
            "fired_at": rfc3339((self.fired_at_minute + 1) * 60),
            "resolved": self.resolved,
        }


def alert_id(scope: Scope, section: str | None, fired_at_minute: int) -> str:
    """Deterministic, so a replay of the same minutes names the same alert."""
    return f"{KIND}:{scope}:{section or '-'}:{fired_at_minute}"


def drop_ratio(observed: float, expected: float) -> float:
    """1 - observed/expected in [0, 1]; nothing expected means nothing is missing."""
    if expected <= 0:
        return 0.0
    return min(1.0, max(0.0, 1.0 - observed / expected))


def read(
    views: Mapping[int, int],
    end_minute: int,
    config: DetectorConfig,
    *,
    history_start: int | None = None,
    state: DetectorState | None = None,
) -> Reading | None:
    """Observed, expected and their ratio for the span ending at `end_minute`.

    None when the history cannot support a baseline. `history_start` defaults to the
    oldest minute in `views`; `state` supplies the level held while firing.
    """
    if history_start is None:
        history_start = min(views, default=None)
        if history_start is None:
            return None
    held = state or DetectorState()
    baseline = expected_views(
        views,
        end_minute,
        config,
        history_start,
        held_level_factor=held.held_level_factor,
        held_expected=held.held_expected,
    )
    if baseline is None:
        return None
    observed = observed_views(views, end_minute, config.span)
    return Reading(observed, baseline.expected, drop_ratio(observed, baseline.expected), baseline)


def evaluate(
    state: DetectorState,
    views: Mapping[int, int],
    end_minute: int,
    config: DetectorConfig,
    scope: Scope,
    section: str | None,
    *,
    history_start: int | None = None,
) -> tuple[DetectorState, AlertEvent | None]:
    """Advance one scope by one evaluation; return its new state and any alert event.

    Call once per newly closed minute, in order; an `end_minute` not after the last one
    evaluated returns the state unchanged and no event. `history_start` is the first
    minute the views are known from (default: the oldest key of `views`); minutes after
    it that are absent count as 0 views.
    """
    if (scope == "site") != (section is None) or section == "":
        raise ValueError("scope 'site' takes section=None; scope 'section' a section name")
    if state.last_minute is not None and end_minute <= state.last_minute:
        return state, None
    reading = read(views, end_minute, config, history_start=history_start, state=state)
    if not state.firing:
        return _while_quiet(state, reading, end_minute, config, scope, section)
    return _while_firing(state, reading, end_minute, config, scope, section)


def _while_quiet(
    state: DetectorState,
    reading: Reading | None,
    end_minute: int,
    config: DetectorConfig,
    scope: Scope,
    section: str | None,
) -> tuple[DetectorState, AlertEvent | None]:
    """Count consecutive guarded drops; fire on the `fire_after`-th."""
    dropped = (
        reading is not None
        and reading.expected >= config.min_expected
        and reading.drop_ratio >= config.fire_ratio
    )
    streak = state.fire_streak + 1 if dropped else 0
    if reading is None or streak < config.fire_after:
        return replace(state, fire_streak=streak, last_minute=end_minute), None
    baseline = reading.baseline
    seasonal = baseline.method == "seasonal"
    aid = alert_id(scope, section, end_minute)  # the resolution reuses it
    fired = DetectorState(
        firing=True,
        alert_id=aid,
        fired_at_minute=end_minute,
        held_level_factor=baseline.level_factor if seasonal else None,
        held_expected=None if seasonal else baseline.expected,
        last_minute=end_minute,
    )
    event = _event(aid, end_minute, reading, end_minute, config, scope, section, resolved=False)
    return fired, event


def _while_firing(
    state: DetectorState,
    reading: Reading | None,
    end_minute: int,
    config: DetectorConfig,
    scope: Scope,
    section: str | None,
) -> tuple[DetectorState, AlertEvent | None]:
    """Count consecutive recovered evaluations; resolve on the `resolve_after`-th."""
    aid, fired_at = state.alert_id, state.fired_at_minute
    if aid is None or fired_at is None:
        raise ValueError("a firing state needs its alert_id and fired_at_minute")
    if reading is None:  # history vanished under us: no evidence either way
        return replace(state, last_minute=end_minute), None
    recovered = reading.drop_ratio < config.resolve_ratio
    streak = state.resolve_streak + 1 if recovered else 0
    if streak < config.resolve_after:
        return replace(state, resolve_streak=streak, last_minute=end_minute), None
    event = _event(aid, fired_at, reading, end_minute, config, scope, section, resolved=True)
    return DetectorState(last_minute=end_minute), event


def _event(
    aid: str,
    fired_at_minute: int,
    reading: Reading,
    end_minute: int,
    config: DetectorConfig,
    scope: Scope,
    section: str | None,
    *,
    resolved: bool,
) -> AlertEvent:
    """The record for this evaluation's span, under the alert's id and firing time."""
    return AlertEvent(
        alert_id=aid,
        scope=scope,
        section=section,
        window_start_minute=end_minute - config.span + 1,
        observed=reading.observed,
        expected=round(reading.expected, 1),
        drop_ratio=round(reading.drop_ratio, 3),
        fired_at_minute=fired_at_minute,
        resolved=resolved,
    )
