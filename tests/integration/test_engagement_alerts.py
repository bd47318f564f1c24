"""The in-stream engagement watch on a live worker: a real drop fires, recovery resolves."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer
from newsroom import article, encode, produce, records_total, view, wait_for

from streams.processes import WorkerProcess

ENV = {
    "PULSE_GRACE_SECONDS": "60",
    "PULSE_ALERT_INTERVAL_SECONDS": "2",
    "PULSE_IDLE_SECONDS": "3600",
}


def views(b: int, minutes: range, per_minute: int) -> list[tuple[str, bytes | None, bytes]]:
    out = []
    for m in minutes:
        for i in range(per_minute):
            event = view("e-1", f"reader-{m:06d}-{i:02d}", (b + m) * 60 + i * 4)
            out.append(("web.page-viewed", b"e-1", encode(event)))
    return out


async def alert_records(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=3000)
        return [orjson.loads(r.value) for records in batch.values() for r in records]
    finally:
        await consumer.stop()


def test_a_drop_fires_once_and_recovery_resolves_it(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    prefix = f"{unique_name}."
    b = int(time.time() // 60) - 240
    history = [
        ("cms.article-published", b"e-1", encode(article("e-1", "politics", "Budget", b * 60)))
    ]
    history += views(b, range(0, 180), 12) + views(b, range(180, 200), 1)

    def send(records: list[tuple[str, bytes | None, bytes]]) -> None:
        asyncio.run(produce(kafka_bootstrap, [(prefix + t, k, v) for t, k, v in records]))

    with WorkerProcess(
        kafka_bootstrap, tmp_path, app_id=unique_name, topic_prefix=prefix, env=ENV
    ) as w:
        send(history)
        wait_for(
            lambda: records_total(w.get_json("/api/v1/totals")) == len(history),
            what="history folded",
        )
        open_alerts = wait_for(
            lambda: (
                {(a["scope"], a["section"]) for a in w.get_json("/api/v1/alerts")["alerts"]}
                == {("site", None), ("section", "politics")}
                and w.get_json("/api/v1/alerts")["alerts"]
            ),
            timeout=90,
            what="the drop to fire",
        )
        for alert in open_alerts:
            assert alert["kind"] == "engagement_drop" and alert["resolved"] is False
            assert alert["drop_ratio"] >= 0.4 and alert["expected"] >= 100
        metrics = w.metrics()
        assert (
            metrics[
                ("pulse_engagement_drop_active", (("scope", "section"), ("section", "politics")))
            ]
            == 1
        )
        assert (
            metrics[("pulse_engagement_drop_active", (("scope", "site"), ("section", "all")))] == 1
        )

        send(views(b, range(200, 226), 12))
        wait_for(
            lambda: w.get_json("/api/v1/alerts")["alerts"] == [],
            timeout=90,
            what="the recovery to resolve",
        )
        assert (
            w.metrics()[
                ("pulse_engagement_drop_active", (("scope", "section"), ("section", "politics")))
            ]
            == 0
        )

    records = asyncio.run(alert_records(kafka_bootstrap, f"{prefix}pulse.alerts"))
    fields = {
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
    assert all(set(r) == fields for r in records)
    by_id: dict[str, list[bool]] = {}
    for r in records:
        by_id.setdefault(r["alert_id"], []).append(r["resolved"])
    # each alert fired once and resolved once: no flapping, no repeats
    assert sorted(by_id.values()) == [[False, True], [False, True]]
