"""HTTP for the engagement watch: open alerts for the whole cluster, and the per-minute
section views each worker contributes to the detector."""

from __future__ import annotations

from typing import Any

from streams.alerts.agents import EngagementWatch
from streams.alerts.history import local_section_minutes
from streams.api.cluster import gather_shares, owned_partitions
from streams.config import Settings
from streams.ingest.agents import Pipeline
from streams.totals import local_share, merge_shares


def install_alerts(app: Any, settings: Settings, pipeline: Pipeline) -> EngagementWatch:
    """The watch (a leader-only timer) and its routes."""
    tables = pipeline.tables

    def owned() -> set[int]:
        return owned_partitions(app, pipeline.routed_topic)

    def minutes_share(first: int, last: int) -> dict[str, dict[int, int]]:
        return local_section_minutes(tables.data("series"), owned(), first, last)

    async def newest() -> float | None:
        async def mine() -> Any:
            return local_share(tables.data("totals"), tables.data("campaigns"), owned())

        shares, missing = await gather_shares(app, "/api/v1/local/totals", {}, mine)
        if missing:
            return None  # not every partition answered: wait rather than see a false drop
        newest_time: float | None = merge_shares(shares)["newest"]
        return newest_time

    async def minutes(first: int, last: int) -> list[Any]:
        async def mine() -> Any:
            return minutes_share(first, last)

        params = {"first": str(first), "last": str(last)}
        parts, missing = await gather_shares(app, "/api/v1/local/section-minutes", params, mine)
        if missing:
            raise RuntimeError(f"workers did not answer: {missing}")
        return parts

    watch = EngagementWatch(app, settings, newest, minutes)
    watch.on_change = pipeline.metrics.alert_changed
    # a plain timer; on_timer checks leadership itself and logs (not kills) its failures
    app.timer(interval=settings.alert_interval_seconds)(watch.on_timer)

    @app.page("/api/v1/local/section-minutes")
    async def local_minutes(web: Any, request: Any) -> Any:
        q = request.query
        return web.json(minutes_share(int(q["first"]), int(q["last"])))

    @app.page("/api/v1/local/alerts")
    async def local_alerts(web: Any, request: Any) -> Any:
        return web.json(list(watch.open.values()))

    @app.page("/api/v1/alerts")
    async def alerts(web: Any, request: Any) -> Any:
        async def mine() -> Any:
            return list(watch.open.values())

        parts, missing = await gather_shares(app, "/api/v1/local/alerts", {}, mine)
        found = sorted(
            (a for part in parts for a in part), key=lambda a: (a["fired_at"], a["alert_id"])
        )
        return web.json({"alerts": found, "partial": bool(missing)})

    return watch
