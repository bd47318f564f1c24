"""Event-time windows on the real broker: out of order, late, across a kill, two workers.

Event times are two hours in the past, so the wall clock plays no part: each partition's
windows close when its own watermark passes their end plus the grace (60 s here), and
a final home-page view per partition far ahead ("tick") closes what is left.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import orjson
from newsroom import (
    article,
    banner,
    donation,
    encode,
    produce,
    records_total,
    totals_when,
    view,
    wait_for,
)
from scenarios import window_records

from streams.ingest.partitioning import partition_for
from streams.processes import WorkerProcess
from streams.windowing import rfc3339

PARTITIONS = 4
ENV = {"PULSE_GRACE_SECONDS": "60", "PULSE_IDLE_SECONDS": "3600"}
ARTICLES = "cms.article-published"
VIEWS = "web.page-viewed"
BANNERS = "web.banner-events"
DONATIONS = "payments.donation-completed"
Record = tuple[str, bytes | None, bytes]


def at(minute: int, second: float) -> float:
    return minute * 60 + second


def scenario() -> tuple[list[Record], list[Record], list[Record]]:
    """(articles, the stream in two parts) around minute B, two hours ago."""
    b = int(time.time() // 60) - 120
    articles = [
        (ARTICLES, b"w-1", encode(article("w-1", "politics", "Budget night", at(b, 0)))),
        (ARTICLES, b"w-2", encode(article("w-2", "culture", "Кино недели", at(b, 0), "ru"))),
    ]
    first: list[Record] = []
    for reader, second in (("reader-01", 1), ("reader-02", 2), ("reader-01", 3)):
        first.append((VIEWS, b"w-1", encode(view("w-1", reader, at(b, second)))))
    first.append((VIEWS, b"w-1", encode(view("w-1", "crawler-1", at(b, 4), bot=True))))
    first.append((VIEWS, b"w-2", encode(view("w-2", "reader-05", at(b, 5)))))
    first.append((VIEWS, b"w-1", encode(view("w-1", "reader-03", at(b + 1, 30)))))
    # out of order, within the grace: still minute b
    first.append((VIEWS, b"w-1", encode(view("w-1", "reader-04", at(b, 30)))))
    for variant, kind, n, reason in (
        ("a", "shown", 3, None),
        ("a", "clicked", 1, None),
        ("b", "shown", 2, None),
    ):
        for i in range(n):
            event = banner(kind, "camp", variant, f"reader-1{i}", at(b, 10 + i), reason)
            first.append((BANNERS, b"camp", encode(event)))
    first.append(
        (
            BANNERS,
            b"camp",
            encode(banner("dismissed", "camp", "a", "reader-19", at(b + 1, 5), "close")),
        )
    )
    first.append(
        (
            DONATIONS,
            b"reader-10",
            encode(donation("reader-10", 500, "USD", at(b + 1, 20), "camp", "a")),
        )
    )
    # sent once the first half is folded: the watermarks of the w-1 and camp partitions
    # move past b+1's end + grace, so b and b+1 close
    closer: list[Record] = [
        (VIEWS, b"w-1", encode(view("w-1", "reader-06", at(b + 3, 5)))),
        (BANNERS, b"camp", encode(banner("shown", "camp", "a", "reader-20", at(b + 3, 1)))),
    ]
    # a minute that has closed: late (in the totals, not in the windows)
    rest: list[Record] = [(VIEWS, b"w-1", encode(view("w-1", "reader-07", at(b, 50))))]
    return articles, first, closer + rest + ticks(at(b + 20, 0))


def ticks(when: float) -> list[Record]:
    """One home-page view per partition, far ahead: every partition's windows close."""
    out: list[Record] = []
    for p in range(PARTITIONS):
        url = next(
            f"https://pulse-news.example/?tick={i}"
            for i in range(1000)
            if partition_for(f"https://pulse-news.example/?tick={i}".encode(), PARTITIONS) == p
        )
        event = view(None, f"ticker-0{p}", when)
        event["url"] = url
        out.append((VIEWS, None, encode(event)))
    return out


def expected_windows(b: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def window(m: int) -> dict[str, str]:
        return {"window_start": rfc3339(m * 60), "window_end": rfc3339(m * 60 + 60)}

    readership = [
        {
            **window(b),
            "article_id": "w-1",
            "section": "politics",
            "views": 4,
            "readers": 3,
            "bot_views": 1,
        },
        {
            **window(b),
            "article_id": "w-2",
            "section": "culture",
            "views": 1,
            "readers": 1,
            "bot_views": 0,
        },
        {
            **window(b + 1),
            "article_id": "w-1",
            "section": "politics",
            "views": 1,
            "readers": 1,
            "bot_views": 0,
        },
        {
            **window(b + 3),
            "article_id": "w-1",
            "section": "politics",
            "views": 1,
            "readers": 1,
            "bot_views": 0,
        },
    ]
    zero = {
        "shown": 0,
        "clicked": 0,
        "dismissed_close": 0,
        "dismissed_remind_later": 0,
        "donations": 0,
        "donation_amount_minor": {},
    }
    funnel = [
        {**window(b), "campaign_id": "camp", "variant": "a", **zero, "shown": 3, "clicked": 1},
        {**window(b), "campaign_id": "camp", "variant": "b", **zero, "shown": 2},
        {
            **window(b + 1),
            "campaign_id": "camp",
            "variant": "a",
            **zero,
            "dismissed_close": 1,
            "donations": 1,
            "donation_amount_minor": {"USD": 500},
        },
        {**window(b + 3), "campaign_id": "camp", "variant": "a", **zero, "shown": 1},
    ]
    return readership, funnel


def order(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        records,
        key=lambda r: (
            r["window_start"],
            r.get("article_id", ""),
            r.get("campaign_id", ""),
            r.get("variant", ""),
        ),
    )


def check_outputs(bootstrap: str, prefix: str, b: int) -> None:
    readership, funnel = expected_windows(b)
    got_r = window_records(bootstrap, f"{prefix}pulse.readership", len(readership))
    got_f = window_records(bootstrap, f"{prefix}pulse.funnel", len(funnel))
    assert order(got_r) == order(readership)
    assert order(got_f) == order(funnel)


def check_totals(worker: WorkerProcess, n: int) -> None:
    totals = wait_for(totals_when(worker, n), what="all folded")
    outcomes = {(r["stream"], r["outcome"]): r["count"] for r in totals["records"]}
    assert outcomes[(VIEWS, "late")] == 1
    assert outcomes[(VIEWS, "accepted")] == 8 + 4
    # the late view still counts in the running totals
    assert totals["page_views"]["by_section"] == {"culture": 1, "none": 4, "politics": 7}


def base_minute(records: list[Record]) -> int:
    first_view = orjson.loads(records[0][2])
    from datetime import datetime

    return int(datetime.fromisoformat(first_view["occurred_at"]).timestamp() // 60)


def start(bootstrap: str, name: str, path: Path) -> WorkerProcess:
    return WorkerProcess(
        bootstrap, path, app_id=name, topic_prefix=f"{name}.", partitions=PARTITIONS, env=ENV
    ).start()


def send(bootstrap: str, prefix: str, records: list[Record]) -> None:
    asyncio.run(produce(bootstrap, [(prefix + t, k, v) for t, k, v in records]))


def send_rest(worker: WorkerProcess, bootstrap: str, prefix: str, records: list[Record]) -> None:
    """Everything but the ticks, then (once folded) the ticks: records of different input
    topics reach a partition in no set order, and a tick must come last."""
    body, ticks_ = records[:-PARTITIONS], records[-PARTITIONS:]
    before = records_total(worker.get_json("/api/v1/totals"))
    send(bootstrap, prefix, body)
    wait_for(
        lambda: records_total(worker.get_json("/api/v1/totals")) == before + len(body),
        what="the records before the ticks",
    )
    send(bootstrap, prefix, ticks_)


def test_windows_close_once_with_the_right_values(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    prefix = f"{unique_name}."
    articles, first, second = scenario()
    worker = start(kafka_bootstrap, unique_name, tmp_path)
    try:
        send(kafka_bootstrap, prefix, articles)
        wait_for(lambda: records_total(worker.get_json("/api/v1/totals")) == 2, what="articles")
        send(kafka_bootstrap, prefix, first)
        wait_for(
            lambda: records_total(worker.get_json("/api/v1/totals")) == 2 + len(first),
            what="first half",
        )
        send_rest(worker, kafka_bootstrap, prefix, second)
        check_totals(worker, len(articles) + len(first) + len(second))
        check_outputs(kafka_bootstrap, prefix, base_minute(first))
        series = worker.get_json("/api/v1/articles/w-1")["series"]
        assert [(p["minute"] // 60 - base_minute(first), p["views"]) for p in series] == [
            (0, 4),
            (1, 1),
            (3, 1),
        ]
    finally:
        worker.stop()


def test_windows_exactly_once_across_a_kill(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    prefix = f"{unique_name}."
    articles, first, second = scenario()
    worker = start(kafka_bootstrap, unique_name, tmp_path / "a")
    try:
        send(kafka_bootstrap, prefix, articles)
        wait_for(lambda: records_total(worker.get_json("/api/v1/totals")) == 2, what="articles")
        send(kafka_bootstrap, prefix, first)
        wait_for(
            lambda: records_total(worker.get_json("/api/v1/totals")) == 2 + len(first),
            what="first half",
        )
        send(kafka_bootstrap, prefix, second[:2])
        # killed as soon as the closing records are folded: windows b and b+1 have just
        # been sent, and the offsets (committed once a second) most likely not yet
        wait_for(
            lambda: records_total(worker.get_json("/api/v1/totals")) == 2 + len(first) + 2,
            what="closing records",
        )
    finally:
        worker.kill()
    restarted = start(kafka_bootstrap, unique_name, tmp_path / "b")
    try:
        send_rest(restarted, kafka_bootstrap, prefix, second[2:])
        check_totals(restarted, len(articles) + len(first) + len(second))
        check_outputs(kafka_bootstrap, prefix, base_minute(first))
    finally:
        restarted.stop()


def test_windows_with_two_workers(kafka_bootstrap: str, unique_name: str, tmp_path: Path) -> None:
    prefix = f"{unique_name}."
    articles, first, second = scenario()
    a = start(kafka_bootstrap, unique_name, tmp_path / "a")
    b = start(kafka_bootstrap, unique_name, tmp_path / "b")
    try:
        wait_for(
            lambda: len(a.get_json("/api/v1/local/totals")["partitions"]) == 2, what="a rebalanced"
        )
        send(kafka_bootstrap, prefix, articles)
        wait_for(lambda: records_total(b.get_json("/api/v1/totals")) == 2, what="articles")
        send(kafka_bootstrap, prefix, first)
        wait_for(
            lambda: records_total(a.get_json("/api/v1/totals")) == 2 + len(first), what="first half"
        )
        send_rest(a, kafka_bootstrap, prefix, second)
        check_totals(a, len(articles) + len(first) + len(second))
        check_totals(b, len(articles) + len(first) + len(second))
        check_outputs(kafka_bootstrap, prefix, base_minute(first))
    finally:
        a.stop()
        b.stop()
