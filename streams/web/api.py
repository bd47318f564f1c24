"""The JSON endpoints the live page needs beyond `streams/api/views.py`.

`/api/v1/pulse` (views per minute, the same hour last week, readers right now) and
`/api/v1/sections` (views per section against a baseline). Like every public endpoint
they answer for the whole consumer group: the cluster's newest event time fixes the
span, each worker computes its share (`/api/v1/local/...`), and the shares are merged.
The arithmetic lives in `streams/readership/live.py`; this module only wires it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from streams.api.cluster import gather_shares, owned_partitions
from streams.readership.live import local_pulse, local_sections, merge_pulse, merge_sections
from streams.totals import local_share, merge_shares
from streams.web.page import route

MAX_LIVE_MINUTES = 24 * 60


def int_param(query: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    """An integer query parameter within [lo, hi]; ValueError with a sentence otherwise."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer") from exc
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}")
    return value


def end_minute(newest: float | None, now: float) -> int:
    """The last minute of every span: the newest event time seen, else the clock."""
    return int((newest if newest is not None else now) // 60)


def install_live_api(app: Any, pipeline: Any) -> None:
    """Register `/api/v1/pulse`, `/api/v1/sections` and their per-worker shares."""
    tables = pipeline.tables

    def owned() -> set[int]:
        return owned_partitions(app, pipeline.routed_topic)

    async def cluster_end() -> int:
        async def mine() -> Any:
            return local_share(tables.data("totals"), tables.data("campaigns"), owned())

        shares, _ = await gather_shares(app, "/api/v1/local/totals", {}, mine)
        return end_minute(merge_shares(shares)["newest"], time.time())

    def pulse_share(end: int, minutes: int) -> dict[str, Any]:
        return local_pulse(
            tables.data("articles"),
            tables.data("series"),
            tables.data("windows"),
            tables.data("totals"),
            owned(),
            end,
            minutes,
        )

    def sections_share(end: int, minutes: int) -> dict[str, Any]:
        return local_sections(tables.data("articles"), tables.data("series"), owned(), end, minutes)

    def bad_query(web: Any, exc: ValueError) -> Any:
        return web.json({"error": "bad_query", "message": str(exc)}, status=400)

    def span_endpoint(
        path: str,
        share: Callable[[int, int], dict[str, Any]],
        merge: Callable[[list[Any], int, int, bool], dict[str, Any]],
        min_minutes: int,
    ) -> None:
        """`/api/v1/{path}?minutes=` for the whole group, and the share each worker
        computes for it at `/api/v1/local/{path}?end=&minutes=`."""

        async def local_view(web: Any, request: Any) -> Any:
            q = request.query
            return web.json(share(int(q["end"]), int(q["minutes"])))

        async def view(web: Any, request: Any) -> Any:
            try:
                minutes = int_param(request.query, "minutes", 60, min_minutes, MAX_LIVE_MINUTES)
            except ValueError as exc:
                return bad_query(web, exc)
            end = await cluster_end()

            async def mine() -> Any:
                return share(end, minutes)

            params = {"end": str(end), "minutes": str(minutes)}
            shares, missing = await gather_shares(app, f"/api/v1/local/{path}", params, mine)
            return web.json(merge(shares, end, minutes, bool(missing)))

        route(app, f"/api/v1/local/{path}", local_view)
        route(app, f"/api/v1/{path}", view)

    span_endpoint("pulse", pulse_share, merge_pulse, 5)
    span_endpoint("sections", sections_share, merge_sections, 1)
