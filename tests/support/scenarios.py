"""Ground truth for failure scenarios: simulated traffic, what it must count to, and a
report that prints produced, counted and the difference per scenario."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from newsroom import produce, view

from streams.ingest.bots import is_bot
from streams.ingest.partitioning import partition_for
from streams.simulate.generate import SimRecord, generate
from streams.simulate.world import build_world
from streams.windowing import minute_of, rfc3339

OUTCOME_OF_KIND = {"event": "accepted", "duplicate": "duplicate", "malformed": "invalid"}


def traffic(n: int, seed: int = 11, rate: float = 400.0) -> list[SimRecord]:
    """`n` records ending about now (event time), 2 % duplicates, 2 % malformed."""
    start = datetime.now(UTC) - timedelta(seconds=n / rate + 5)
    world = build_world(seed, start, articles=40, readers=2_000)
    return list(generate(world, n, start, rate, duplicates_ratio=0.02, malformed_ratio=0.02))


def ticks(partitions: int, when: float) -> list[SimRecord]:
    """One home-page view per routed partition, far ahead: every window closes."""
    out = []
    for p in range(partitions):
        url = next(
            u
            for i in range(10_000)
            if partition_for((u := f"https://pulse-news.example/?tick={i}").encode(), partitions)
            == p
        )
        event = view(None, f"ticker-{p:02d}", when)
        event["url"] = url
        out.append(SimRecord("web.page-viewed", None, orjson.dumps(event), "event"))
    return out


def expected_outcomes(records: list[SimRecord]) -> Counter[tuple[str, str]]:
    return Counter((r.topic, OUTCOME_OF_KIND[r.kind]) for r in records)


def counted_outcomes(totals: dict[str, Any]) -> Counter[tuple[str, str]]:
    return Counter({(r["stream"], r["outcome"]): r["count"] for r in totals["records"]})


def send(bootstrap: str, prefix: str, records: list[SimRecord]) -> None:
    asyncio.run(produce(bootstrap, [(prefix + r.topic, r.key, r.value) for r in records]))


def report(name: str, produced: Counter[Any], counted: Counter[Any]) -> int:
    """Print the scenario's table; return the total absolute difference."""
    keys = sorted(set(produced) | set(counted), key=str)
    print(f"\n== {name}: produced / counted / difference")
    diff = 0
    for key in keys:
        d = counted[key] - produced[key]
        diff += abs(d)
        print(f"   {key!s:70} {produced[key]:>8} {counted[key]:>8} {d:>+6}")
    print(f"   total difference: {diff}")
    return diff


def expected_windows(
    records: list[SimRecord],
) -> tuple[dict[Any, dict[str, Any]], dict[Any, dict[str, Any]]]:
    """The readership and funnel window records the valid, first-seen events make."""
    seen: set[str] = set()
    sections: dict[str, str] = {}
    readership: dict[Any, dict[str, Any]] = {}
    readers: dict[Any, set[str]] = defaultdict(set)
    funnel: dict[Any, dict[str, Any]] = {}
    for r in records:
        if r.kind != "event":
            continue
        e = orjson.loads(r.value)
        if e["event_id"] in seen:
            continue
        seen.add(e["event_id"])
        minute = minute_of(datetime.fromisoformat(e["occurred_at"]).timestamp())
        bounds = {"window_start": rfc3339(minute * 60), "window_end": rfc3339(minute * 60 + 60)}
        kind = e["event_type"]
        if kind == "article.published":
            sections[e["article_id"]] = e["section"]
        elif kind == "page.viewed" and e.get("article_id"):
            key = (e["article_id"], minute)
            w = readership.setdefault(
                key, {**bounds, "article_id": e["article_id"], "views": 0, "bot_views": 0}
            )
            if is_bot(e.get("user_agent")):
                w["bot_views"] += 1
            else:
                w["views"] += 1
                readers[key].add(e["reader_id"])
        elif kind.startswith("banner.") or kind == "donation.completed":
            campaign = e.get("campaign_id") or "unattributed"
            variant = (e.get("variant") or "none") if e.get("campaign_id") else "none"
            key = (campaign, variant, minute)
            w = funnel.setdefault(
                key,
                {
                    **bounds,
                    "campaign_id": campaign,
                    "variant": variant,
                    "shown": 0,
                    "clicked": 0,
                    "dismissed_close": 0,
                    "dismissed_remind_later": 0,
                    "donations": 0,
                    "donation_amount_minor": {},
                },
            )
            if kind == "donation.completed":
                w["donations"] += 1
                amounts = w["donation_amount_minor"]
                amounts[e["currency"]] = amounts.get(e["currency"], 0) + e["amount_minor"]
            elif kind == "banner.dismissed":
                w[f"dismissed_{e['reason']}"] += 1
            else:
                w[kind.split(".")[1]] += 1
    for key, w in readership.items():
        w["readers"] = len(readers[key])
        w["section"] = sections.get(key[0])
    return readership, funnel


def window_records(
    bootstrap: str, topic: str, expected: int, timeout: float = 90.0
) -> list[dict[str, Any]]:
    from aiokafka import AIOKafkaConsumer

    async def read() -> list[dict[str, Any]]:
        import time

        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        out: list[dict[str, Any]] = []
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and len(out) < expected:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    out += [orjson.loads(r.value) for r in batch]
            settle = time.monotonic() + 3.0
            while time.monotonic() < settle:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    out += [orjson.loads(r.value) for r in batch]
        finally:
            await consumer.stop()
        return out

    return asyncio.run(read())
