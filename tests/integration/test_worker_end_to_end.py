"""One worker on the real broker: known events in, exact totals out of every surface."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer
from newsroom import (
    article,
    banner,
    donation,
    encode,
    envelope,
    produce,
    records_total,
    view,
    wait_for,
)

from streams.processes import WorkerProcess

ARTICLES = "cms.article-published"
VIEWS = "web.page-viewed"
BANNERS = "web.banner-events"
DONATIONS = "payments.donation-completed"
RUSSIAN_TITLE = "Почему цензура не работает: репортаж из Казани"


@pytest.fixture
def worker(kafka_bootstrap: str, unique_name: str, tmp_path: Path) -> Iterator[WorkerProcess]:
    with WorkerProcess(
        kafka_bootstrap, tmp_path / "w1", app_id=unique_name, topic_prefix=f"{unique_name}."
    ) as w:
        yield w


def deep(n: int) -> bytes:
    return b'{"event_type": "page.viewed", "x": ' + b"[" * n + b"]" * n + b"}"


def scenario(
    now: float,
) -> tuple[
    list[tuple[str, bytes | None, bytes]], list[tuple[str, bytes | None, bytes]], dict[str, int]
]:
    """(articles, everything else, expected dead-letter reasons) with a known truth."""
    t = now - 120
    a2 = article("a-2", "russia", "Старый заголовок", t, language="ru")
    a2_update = dict(article("a-2", "russia", RUSSIAN_TITLE, t + 1, language="ru"))
    first_batch = [
        (ARTICLES, b"a-1", encode(article("a-1", "politics", "Parliament votes", t))),
        (ARTICLES, b"a-2", encode(a2)),
        (ARTICLES, b"a-3", encode(article("a-3", "culture", "A new theatre", t))),
        (ARTICLES, b"a-2", encode(a2_update)),
        (ARTICLES, None, encode(envelope("article.retracted", t, article_id="a-1"))),
    ]
    rest: list[tuple[str, bytes | None, bytes]] = []
    views_a1 = [
        view("a-1", f"reader-{i:04d}", t + i, referrer="https://www.google.com/") for i in range(5)
    ]
    rest += [(VIEWS, b"a-1", encode(v)) for v in views_a1]
    rest.append((VIEWS, b"a-1", encode(views_a1[0])))  # the same record again
    changed = dict(views_a1[1], reader_id="reader-9999")  # same event_id, other payload
    rest.append((VIEWS, None, encode(changed)))
    rest += [
        (VIEWS, b"a-2", encode(view("a-2", r, t + 10)))
        for r in ("reader-0001", "reader-0001", "reader-0006")
    ]
    rest += [(VIEWS, b"a-3", encode(view("a-3", "crawler-01", t + 11, bot=True))) for _ in range(2)]
    rest.append((VIEWS, b"a-3", encode(view("a-3", "reader-0007", t + 12))))
    rest += [(VIEWS, b"a-4", encode(view("a-4", f"reader-00{i}8", t + 13))) for i in range(2)]
    rest += [(VIEWS, None, encode(view(None, f"reader-01{i}0", t + 14))) for i in range(2)]
    for kind, variant, n, reason in (
        ("shown", "control", 4, None),
        ("clicked", "control", 2, None),
        ("dismissed", "control", 1, "close"),
        ("shown", "urgent", 3, None),
        ("clicked", "urgent", 1, None),
        ("dismissed", "urgent", 2, "remind_later"),
    ):
        rest += [
            (
                BANNERS,
                b"year-end",
                encode(banner(kind, "year-end", variant, f"reader-0{i}00", t + 20, reason)),
            )
            for i in range(n)
        ]
    rest.append(
        (
            DONATIONS,
            b"reader-0100",
            encode(donation("reader-0100", 500, "USD", t + 30, "year-end", "control")),
        )
    )
    rest.append(
        (
            DONATIONS,
            b"reader-0200",
            encode(donation("reader-0200", 1000, "EUR", t + 31, "year-end", "control", "monthly")),
        )
    )
    rest.append((DONATIONS, b"reader-0300", encode(donation("reader-0300", 2500, "USD", t + 32))))
    naive = dict(view("a-1", "reader-0042", t), occurred_at="2026-11-27T18:04:05")
    unknown_field = dict(view("a-1", "reader-0042", t), colour="blue")
    future = view("a-1", "reader-0042", now + 3600)
    v2 = dict(banner("shown", "year-end", "control", "reader-0042", t), schema_version=2)
    free = dict(donation("reader-0042", 0, "USD", t))
    invalid = [
        (VIEWS, None, b""),
        (VIEWS, None, b"not json"),
        (VIEWS, None, b"\xff\xfe\x00binary"),
        (VIEWS, None, deep(5000)),
        (VIEWS, None, b"[1, 2]"),
        (VIEWS, None, encode(unknown_field)),
        (VIEWS, None, encode(naive)),
        (VIEWS, None, encode(future)),
        (BANNERS, None, encode(view("a-1", "reader-0042", t))),
        (BANNERS, None, encode(v2)),
        (DONATIONS, None, encode(free)),
    ]
    rest += invalid
    reasons = {
        "empty": 1,
        "not_json": 2,
        "too_deep": 1,
        "not_object": 1,
        "invalid_field": 3,
        "future_timestamp": 1,
        "wrong_topic": 1,
        "unsupported_schema_version": 1,
        "unknown_event_type": 1,
    }
    return first_batch, rest, reasons


def prefixed(
    prefix: str, records: list[tuple[str, bytes | None, bytes]]
) -> list[tuple[str, bytes | None, bytes | None]]:
    return [(prefix + t, k, v) for t, k, v in records]


EXPECTED_RECORDS = {
    (ARTICLES, "accepted"): 4,
    (ARTICLES, "invalid"): 1,
    (VIEWS, "accepted"): 15,
    (VIEWS, "duplicate"): 2,
    (VIEWS, "invalid"): 8,
    (BANNERS, "accepted"): 13,
    (BANNERS, "invalid"): 2,
    (DONATIONS, "accepted"): 3,
    (DONATIONS, "invalid"): 1,
}


def assert_totals(totals: dict[str, Any]) -> None:
    assert totals["page_views"] == {
        "by_section": {"culture": 1, "none": 2, "politics": 5, "russia": 3, "unknown": 2},
        "bots": 2,
    }
    assert totals["articles_published"] == {
        "by_section": {"culture": 1, "politics": 1, "russia": 1}
    }
    assert {(r["stream"], r["outcome"]): r["count"] for r in totals["records"]} == EXPECTED_RECORDS
    assert {
        (b["campaign_id"], b["variant"], b["action"]): b["count"] for b in totals["banner_events"]
    } == {
        ("year-end", "control", "shown"): 4,
        ("year-end", "control", "clicked"): 2,
        ("year-end", "control", "dismissed_close"): 1,
        ("year-end", "urgent", "shown"): 3,
        ("year-end", "urgent", "clicked"): 1,
        ("year-end", "urgent", "dismissed_remind_later"): 2,
    }
    assert {
        (d["campaign_id"], d["variant"], d["frequency"]): d["count"] for d in totals["donations"]
    } == {
        ("year-end", "control", "one_time"): 1,
        ("year-end", "control", "monthly"): 1,
        ("unattributed", "none", "one_time"): 1,
    }
    assert totals["donation_amount_minor"] == {"EUR": 1000, "USD": 3000}
    assert totals["partial"] is False


def run_scenario(worker: WorkerProcess, bootstrap: str, prefix: str) -> dict[str, int]:
    first, rest, reasons = scenario(time.time())
    asyncio.run(produce(bootstrap, prefixed(prefix, first)))
    wait_for(
        lambda: records_total(worker.get_json("/api/v1/totals")) == len(first),
        what="articles folded",
    )
    asyncio.run(produce(bootstrap, prefixed(prefix, rest)))
    expected = sum(EXPECTED_RECORDS.values())
    wait_for(
        lambda: records_total(worker.get_json("/api/v1/totals")) == expected,
        what="all records folded",
    )
    return reasons


def test_totals_metrics_api_and_dead_letters_are_exact(
    worker: WorkerProcess, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    reasons = run_scenario(worker, kafka_bootstrap, prefix)
    assert_totals(worker.get_json("/api/v1/totals"))

    m = worker.metrics()
    events = {
        dict(k[1])["stream"] + "/" + dict(k[1])["outcome"]: v
        for k, v in m.items()
        if k[0] == "pulse_events_total"
    }
    assert events == {f"{s}/{o}": float(n) for (s, o), n in EXPECTED_RECORDS.items()}
    views_by_section: dict[str, float] = {}
    for (name, labels), value in m.items():
        if name == "pulse_page_views_total":
            section = dict(labels)["section"]
            views_by_section[section] = views_by_section.get(section, 0) + value
    assert views_by_section == {"culture": 1, "none": 2, "politics": 5, "russia": 3, "unknown": 2}
    assert (
        m[
            (
                "pulse_page_views_total",
                (("device", "mobile"), ("referrer_class", "search"), ("section", "politics")),
            )
        ]
        == 5
    )
    assert m[("pulse_bot_page_views_total", ())] == 2
    assert (
        m[
            (
                "pulse_banner_events_total",
                (("action", "shown"), ("campaign_id", "year-end"), ("variant", "urgent")),
            )
        ]
        == 3
    )
    assert (
        m[
            (
                "pulse_donations_total",
                (("campaign_id", "unattributed"), ("frequency", "one_time"), ("variant", "none")),
            )
        ]
        == 1
    )
    assert m[("pulse_donation_amount_minor_total", (("currency", "USD"),))] == 3000
    assert m[("pulse_articles_published_total", (("section", "russia"),))] == 1
    assert m[("pulse_event_lag_seconds_count", (("stream", VIEWS),))] == 17
    assert m[("pulse_last_event_timestamp_seconds", (("stream", DONATIONS),))] > 0

    top = worker.get_json("/api/v1/articles/top?minutes=60&limit=10")
    assert [(a["article_id"], a["views"]) for a in top["articles"]] == [
        ("a-1", 5),
        ("a-2", 3),
        ("a-4", 2),
        ("a-3", 1),
    ]
    assert top["articles"][1]["title"] == RUSSIAN_TITLE
    politics = worker.get_json("/api/v1/articles/top?minutes=60&section=politics")
    assert [a["article_id"] for a in politics["articles"]] == ["a-1"]

    a1 = worker.get_json("/api/v1/articles/a-1")
    assert (a1["section"], a1["views_total"], a1["readers_total"], a1["bot_views_total"]) == (
        "politics",
        5,
        5,
        0,
    )
    assert sum(point["views"] for point in a1["series"]) == 5
    assert a1["referrers"] == {"search": 5}  # every view of a-1 came from Google
    a2 = worker.get_json("/api/v1/articles/a-2")
    assert (a2["title"], a2["views_total"], a2["readers_total"]) == (RUSSIAN_TITLE, 3, 2)
    status, _ = worker.request("GET", "/api/v1/articles/never-seen")
    assert status == 404

    campaigns = {
        (c["campaign_id"], c["variant"]): c
        for c in worker.get_json("/api/v1/campaigns")["campaigns"]
    }
    control = campaigns[("year-end", "control")]
    assert (
        control["shown"],
        control["clicked"],
        control["dismissed_close"],
        control["donations"],
    ) == (4, 2, 1, 2)
    assert control["ctr"] == 0.5 and control["conversion_rate"] == 0.5
    low, high = control["conversion_interval_95"]
    assert 0 < low < 0.5 < high < 1
    assert control["donation_amount_minor"] == {"EUR": 1000, "USD": 500}
    urgent = campaigns[("year-end", "urgent")]
    assert (urgent["shown"], urgent["dismissed_remind_later"], urgent["donations"]) == (3, 2, 0)
    recent = {
        (c["campaign_id"], c["variant"]): c
        for c in worker.get_json("/api/v1/campaigns?minutes=30")["campaigns"]
    }
    assert recent[("year-end", "control")]["shown"] == 4

    dead = asyncio.run(read_all(kafka_bootstrap, f"{prefix}pulse.dead-letter", 11))
    got: dict[str, int] = {}
    for record in dead:
        got[record["reason"]] = got.get(record["reason"], 0) + 1
        assert record["source_topic"].startswith(prefix) and record["error"]
        assert isinstance(record["offset"], int) and record["received_at"].endswith("Z")
    assert got == reasons
    raws = {base64.b64decode(r["raw"]) for r in dead}
    assert b"not json" in raws and b"\xff\xfe\x00binary" in raws and b"" in raws


async def read_all(
    bootstrap: str, topic: str, expected: int, timeout: float = 30.0
) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    out: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(out) < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                out += [orjson.loads(r.value) for r in records]
        # anything beyond the expected count would be a double dead-letter: look once more
        batches = await consumer.getmany(timeout_ms=1000)
        for records in batches.values():
            out += [orjson.loads(r.value) for r in records]
    finally:
        await consumer.stop()
    return out


def test_state_survives_kill_and_empty_data_dir(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    prefix = f"{unique_name}."
    first = WorkerProcess(
        kafka_bootstrap, tmp_path / "a", app_id=unique_name, topic_prefix=prefix
    ).start()
    try:
        run_scenario(first, kafka_bootstrap, prefix)
    finally:
        first.kill()
    # a new process with an empty data dir: everything comes back from the changelogs
    with WorkerProcess(
        kafka_bootstrap, tmp_path / "b", app_id=unique_name, topic_prefix=prefix
    ) as second:
        expected = sum(EXPECTED_RECORDS.values())

        def recovered() -> dict[str, Any] | None:
            totals = second.get_json("/api/v1/totals")
            return totals if records_total(totals) >= expected else None

        assert_totals(wait_for(recovered, what="recovered totals"))
        time.sleep(2)  # anything replayed late would show up as a difference now
        assert_totals(second.get_json("/api/v1/totals"))
        # the process counters start from zero: they count what this process folded
        assert (
            "pulse_events_total",
            (("outcome", "accepted"), ("stream", VIEWS)),
        ) not in second.metrics()
