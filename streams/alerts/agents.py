"""The engagement-drop watch: a leader-only timer around the pure detector.

Once a minute of event time has closed everywhere, it reads the per-minute article
views by section from every worker, evaluates the site and each section, and sends
`engagement_drop` alerts and their resolutions to `pulse.alerts`. Open alerts are
restored from that topic when a worker becomes the leader, so a leader change neither
repeats a firing nor loses a resolution.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiokafka import TopicPartition

from streams.alerts.detector import DetectorConfig, DetectorState, Scope, evaluate
from streams.alerts.history import UNWATCHED, merge_section_minutes, site_minutes
from streams.config import Settings, kafka_client_security
from streams.ingest.transport import backed_off_consumer
from streams.topics import ALERTS
from streams.windowing import minute_of, rfc3339

HISTORY_MINUTES = 14 * 1440 + 135  # the detector's seasonal lags reach 14 days back
CATCH_UP = 30  # at most this many minutes evaluated per tick

Newest = Callable[[], Awaitable[float | None]]
Minutes = Callable[[int, int], Awaitable[list[Any]]]


class EngagementWatch:
    """Detector state per scope, the views it has read, and the alerts still open."""

    def __init__(self, app: Any, settings: Settings, newest: Newest, minutes: Minutes) -> None:
        self.app = app
        self.settings = settings
        self.config = DetectorConfig()
        self.newest = newest
        self.minutes = minutes
        self.states: dict[tuple[Scope, str | None], DetectorState] = {}
        self.views: dict[str, dict[int, int]] = {}
        self.open: dict[str, dict[str, Any]] = {}
        self.last_end: int | None = None
        self.restored = False
        self.pending_fire: set[tuple[Scope, str | None]] = set()
        self.on_change: Callable[[tuple[Scope, str | None], bool], None] | None = None

    async def on_timer(self) -> None:
        """The app timer's callback: only the leader evaluates."""
        if not self.app.is_leader():
            return
        try:
            await self.tick()
        except Exception as exc:  # a peer gone mid-rebalance: try again next time
            self.app.log.warning("engagement watch: %r", exc)

    async def tick(self) -> None:
        """Evaluate every closed minute not yet evaluated (leader only)."""
        newest = await self.newest()
        if newest is None:
            return
        end = minute_of(newest - self.settings.grace_seconds) - 1
        if self.last_end is not None and end <= self.last_end:
            return
        if not self.restored:
            await self._restore()
        first = end - HISTORY_MINUTES if self.last_end is None else self.last_end - 10
        fresh = merge_section_minutes(await self.minutes(first, end))
        for section, minutes in fresh.items():
            into = self.views.setdefault(section, {})
            into.update(minutes)
        self._trim(end)
        if self.last_end is None:
            # a new leader: replay the recent minutes silently to rebuild the streaks (the
            # detector is deterministic), then speak only for the newest minute
            for minute in range(end - CATCH_UP, end):
                await self._evaluate(minute, silent=True)
            self._announce_unannounced()
            start = end
        else:
            start = max(self.last_end + 1, end - CATCH_UP + 1)
        for minute in range(start, end + 1):
            await self._evaluate(minute)
        self.last_end = end

    def _announce_unannounced(self) -> None:
        """A drop the warm-up finds firing that no earlier leader announced: keep it, so
        its resolution is announced; its firing is announced with the next evaluation."""
        for key, state in self.states.items():
            if state.firing and state.alert_id not in self.open:
                self.pending_fire.add(key)

    async def _evaluate(self, minute: int, silent: bool = False) -> None:
        scopes: list[tuple[Scope, str | None, dict[int, int]]] = [
            ("site", None, site_minutes(self.views))
        ]
        scopes += [("section", s, v) for s, v in sorted(self.views.items()) if s not in UNWATCHED]
        for scope, section, views in scopes:
            key = (scope, section)
            state = self.states.get(key, DetectorState())
            start = min(views) if views else minute
            state, event = evaluate(
                state, views, minute, self.config, scope, section, history_start=start
            )
            self.states[key] = state
            if event is None and key in self.pending_fire and state.firing and not silent:
                self.pending_fire.discard(key)
                await self._send(self._fire_record(state, scope, section, views, minute), key)
                continue
            if event is None or silent:
                continue
            self.pending_fire.discard(key)
            await self._send(event.to_record(), key)

    def _fire_record(
        self,
        state: DetectorState,
        scope: Scope,
        section: str | None,
        views: dict[int, int],
        minute: int,
    ) -> dict[str, Any]:
        """The firing record of an alert found already firing by a new leader's warm-up."""
        from streams.alerts.detector import read

        reading = read(views, minute, self.config, history_start=min(views), state=state)
        observed = reading.observed if reading else 0
        expected = reading.expected if reading else float(state.held_expected or 0.0)
        fired = state.fired_at_minute if state.fired_at_minute is not None else minute
        return {
            "alert_id": state.alert_id,
            "kind": "engagement_drop",
            "scope": scope,
            "section": section,
            "window_start": rfc3339((minute - self.config.span + 1) * 60),
            "observed": observed,
            "expected": round(expected, 1),
            "drop_ratio": round(max(0.0, 1 - observed / expected), 3) if expected else 1.0,
            "fired_at": rfc3339((fired + 1) * 60),
            "resolved": False,
        }

    async def _send(self, record: dict[str, Any], key: tuple[Scope, str | None]) -> None:
        """Announce a firing or a resolution: topic, open set, metric."""
        if record["resolved"]:
            self.open.pop(record["alert_id"], None)
        else:
            self.open[record["alert_id"]] = record
        if self.on_change is not None:
            self.on_change(key, not record["resolved"])
        await self.app.producer.send(
            self.settings.topic(ALERTS),
            record["alert_id"].encode(),
            orjson.dumps(record),
            None,
            None,
            None,
        )
        self.app.log.warning("engagement alert: %s", record)

    def _trim(self, end: int) -> None:
        oldest = end - HISTORY_MINUTES
        for minutes in self.views.values():
            for minute in [m for m in minutes if m < oldest]:
                del minutes[minute]

    async def _restore(self) -> None:
        """Open alerts from `pulse.alerts`: their scopes start out firing."""
        topic = self.settings.topic(ALERTS)
        consumer = backed_off_consumer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            enable_auto_commit=False,
            **kafka_client_security(self.settings),
        )
        await consumer.start()
        latest: dict[str, dict[str, Any]] = {}
        try:
            # the worker created the topic with this many partitions (worker.topic_specs)
            tps = [TopicPartition(topic, p) for p in range(self.settings.partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            ends = await consumer.end_offsets(tps)
            for tp in tps:
                while await consumer.position(tp) < ends[tp]:
                    batch = await consumer.getmany(tp, timeout_ms=1000)
                    for r in batch.get(tp, []):
                        record = orjson.loads(r.value)
                        latest[record["alert_id"]] = record
        finally:
            await consumer.stop()
        for record in latest.values():
            if record["resolved"]:
                continue
            self.open[record["alert_id"]] = record
            key: tuple[Scope, str | None] = (record["scope"], record["section"])
            fired = minute_of(_epoch(record["fired_at"])) - 1
            self.states[key] = DetectorState(
                firing=True,
                alert_id=record["alert_id"],
                fired_at_minute=fired,
                held_expected=record["expected"],
            )
            if self.on_change is not None:
                self.on_change(key, True)
        self.restored = True


def _epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()
