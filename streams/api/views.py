"""HTTP: the cluster-wide JSON API, the collector, health and metrics.

`/api/v1/local/*` are what one worker knows (its partitions); the public endpoints ask
every worker for that and merge, so any worker answers for the whole group.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

from faust.web import View
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.api.cluster import gather_shares, owned_partitions
from streams.config import Settings
from streams.conversion.queries import funnel_rows, local_campaign_spans
from streams.ingest.agents import Pipeline
from streams.ingest.collector import BatchError, check_batch, token_ok
from streams.ingest.partitioning import partition_for
from streams.readership.meta import meta_field
from streams.readership.queries import article_row, article_series, local_top
from streams.totals import contract_totals, local_share, merge_shares
from streams.web.api import int_param

MAX_MINUTES = 7 * 24 * 60


def install_views(app: Any, settings: Settings, pipeline: Pipeline) -> None:
    """Register every HTTP route on the Faust app's web server."""
    tables = pipeline.tables
    metrics = pipeline.metrics

    def owned(app: Any) -> set[int]:
        return owned_partitions(app, pipeline.routed_topic)

    def share() -> dict[str, Any]:
        return local_share(tables.data("totals"), tables.data("campaigns"), owned(app))

    async def merged_share() -> tuple[dict[str, Any], list[str]]:
        async def mine() -> Any:
            return share()

        shares, missing = await gather_shares(app, "/api/v1/local/totals", {}, mine)
        return merge_shares(shares), missing

    def error(web: Any, status: int, reason: str, message: str) -> Any:
        return web.json({"error": reason, "message": message}, status=status)

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        return web.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        """200 only while the worker can do its job: broker there, partitions held, state
        recovered, no rebalance under way."""
        recovered = app.tables.recovery.completed.is_set()
        assigned = bool(app.consumer.assignment())
        broker = pipeline.broker.reachable
        ready = broker and recovered and assigned and not app.rebalancing and not app.should_stop
        body = {
            "ready": ready,
            "broker": broker,
            "recovered": recovered,
            "assigned": assigned,
            "rebalancing": bool(app.rebalancing),
            "consumed": pipeline.consuming,
            "leader": bool(app.is_leader()),
        }
        return web.json(body, status=200 if ready else 503)

    @app.page("/metrics")
    async def prometheus(web: Any, request: Any) -> Any:
        return web.bytes(
            generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    @app.page("/api/v1/local/totals")
    async def local_totals(web: Any, request: Any) -> Any:
        return web.json(share())

    @app.page("/api/v1/totals")
    async def totals(web: Any, request: Any) -> Any:
        merged, missing = await merged_share()
        body = contract_totals(merged)
        body["partial"] = bool(missing)
        return web.json(body)

    def end_minute(newest: float | None) -> int:
        return int((newest if newest is not None else time.time()) // 60)

    @app.page("/api/v1/local/top")
    async def local_top_view(web: Any, request: Any) -> Any:
        q = request.query
        rows = local_top(
            tables.data("articles"),
            tables.data("series"),
            owned(app),
            int(q["end"]),
            int(q["minutes"]),
            int(q["limit"]),
            q.get("section") or None,
        )
        return web.json(rows)

    @app.page("/api/v1/articles/top")
    async def top(web: Any, request: Any) -> Any:
        try:
            minutes = int_param(request.query, "minutes", 60, 1, MAX_MINUTES)
            limit = int_param(request.query, "limit", 10, 1, 100)
        except ValueError as exc:
            return error(web, 400, "bad_query", str(exc))
        section = request.query.get("section") or None
        merged, _ = await merged_share()
        end = end_minute(merged["newest"])
        params = {"end": str(end), "minutes": str(minutes), "limit": str(limit)}
        if section:
            params["section"] = section

        async def mine() -> Any:
            return local_top(
                tables.data("articles"),
                tables.data("series"),
                owned(app),
                end,
                minutes,
                limit,
                section,
            )

        parts, missing = await gather_shares(app, "/api/v1/local/top", params, mine)
        rows = sorted(
            (r for part in parts for r in part), key=lambda r: (-r["views"], r["article_id"])
        )
        return web.json(
            {
                "minutes": minutes,
                "window_end": (end + 1) * 60,
                "section": section,
                "articles": rows[:limit],
                "partial": bool(missing),
            }
        )

    @app.page("/api/v1/local/article/{article_id}")
    async def local_article(web: Any, request: Any, article_id: str) -> Any:
        return web.json(_article(article_id, int(request.query["end"])))

    def _article(article_id: str, end: int) -> dict[str, Any] | None:
        p = partition_for(article_id.encode(), settings.partitions)
        if p not in owned(app):
            return None
        key = f"{p}|{article_id}"
        article = tables.data("articles").get(key)
        if article is None:
            return None
        row = article_row(article_id, article)
        since = end - MAX_MINUTES
        published = meta_field(article.get("meta"), "published_at")
        if published:
            since = int(datetime.fromisoformat(published).timestamp() // 60)
        row["series"] = article_series(tables.data("series"), key, since, end)
        return row

    @app.page("/api/v1/articles/{article_id}")
    async def article(web: Any, request: Any, article_id: str) -> Any:
        merged, _ = await merged_share()
        end = end_minute(merged["newest"])

        async def mine() -> Any:
            return _article(article_id, end)

        parts, missing = await gather_shares(
            app, f"/api/v1/local/article/{article_id}", {"end": str(end)}, mine
        )
        found = [p for p in parts if p]
        if not found:
            status = 503 if missing else 404
            return error(web, status, "not_found", f"no article {article_id!r} has been seen")
        return web.json(found[0])

    @app.page("/api/v1/local/campaigns")
    async def local_campaigns(web: Any, request: Any) -> Any:
        q = request.query
        return web.json(
            local_campaign_spans(
                tables.data("campaigns"),
                tables.data("series"),
                owned(app),
                int(q["first"]),
                int(q["last"]),
            )
        )

    @app.page("/api/v1/campaigns")
    async def campaigns(web: Any, request: Any) -> Any:
        try:
            minutes = int_param(request.query, "minutes", 0, 0, MAX_MINUTES)
        except ValueError as exc:
            return error(web, 400, "bad_query", str(exc))
        merged, missing = await merged_share()
        counts = merged["campaigns"]
        if minutes:
            end = end_minute(merged["newest"])
            first = end - minutes + 1

            async def mine() -> Any:
                return local_campaign_spans(
                    tables.data("campaigns"),
                    tables.data("series"),
                    owned(app),
                    first,
                    end,
                )

            parts, missing = await gather_shares(
                app, "/api/v1/local/campaigns", {"first": str(first), "last": str(end)}, mine
            )
            counts = merge_shares(
                {
                    "partitions": [],
                    "pv": {},
                    "bots": 0,
                    "pub": {},
                    "rec": {},
                    "newest": None,
                    "campaigns": part,
                }
                for part in parts
            )["campaigns"]
        return web.json(
            {"minutes": minutes or None, "campaigns": funnel_rows(counts), "partial": bool(missing)}
        )

    @app.page("/v1/events")
    class Collector(View):
        """POST only: a browser or the CMS sends a JSON array of events."""

        async def post(self, request: Any) -> Any:
            return await collect(self, request)

    async def collect(web: Any, request: Any) -> Any:
        ctype = request.content_type
        if ctype not in ("application/json", "text/plain"):
            return error(web, 415, "unsupported_media_type", "send application/json")
        limit = settings.collector_max_bytes
        if request.content_length is not None and request.content_length > limit:
            return error(web, 413, "too_large", f"the body is over {limit} bytes")
        body = bytearray()
        try:
            # a client that trickles its body must not hold a connection for ever
            async with asyncio.timeout(settings.collector_read_timeout_seconds):
                async for chunk in request.content.iter_chunked(65536):
                    body.extend(chunk)
                    if len(body) > limit:
                        return error(web, 413, "too_large", f"the body is over {limit} bytes")
        except TimeoutError:
            return error(web, 408, "slow_client", "the body did not arrive in time")
        token = settings.collector_token.get_secret_value() if settings.collector_token else None
        trusted = token_ok(request.headers.get("Authorization"), token)
        try:
            outcome = check_batch(
                bytes(body),
                settings.collector_max_events,
                trusted,
                time.time(),
                settings.future_tolerance_seconds,
            )
        except BatchError as exc:
            return error(web, exc.status, exc.reason, str(exc))
        pending = [
            await app.producer.send(settings.topic(topic), key, value, None, None, None)
            for topic, key, value in outcome.accepted
        ]
        try:
            for fut in pending:
                await fut
        except Exception as exc:  # the broker refused or is gone: the client must retry
            return error(web, 503, "unavailable", f"could not write to Kafka: {exc!r}")
        return web.json(
            {"accepted": len(outcome.accepted), "rejected": outcome.rejected}, status=202
        )
