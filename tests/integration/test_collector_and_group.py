"""The collector on a live worker, and two workers answering for one consumer group."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

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

from streams.processes import WorkerProcess

JSON = {"Content-Type": "application/json"}


def test_collector_validates_produces_and_refuses(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    env = {"PULSE_COLLECTOR_TOKEN": "s3cret-token", "PULSE_COLLECTOR_MAX_EVENTS": "50"}
    with WorkerProcess(
        kafka_bootstrap, tmp_path, app_id=unique_name, topic_prefix=f"{unique_name}.", env=env
    ) as w:
        now = time.time() - 30
        good = [view("c-1", f"reader-{i:04d}", now) for i in range(3)]
        cms = article("c-1", "world", "Collected", now)
        batch = [
            *good,
            dict(good[0], device="toaster"),
            cms,
            banner("shown", "spring", "a", "reader-0001", now),
        ]
        status, body = w.request("POST", "/v1/events", orjson.dumps(batch), JSON)
        assert status == 202
        answer = orjson.loads(body)
        assert answer["accepted"] == 4
        assert {(r["index"], r["reason"]) for r in answer["rejected"]} == {
            (3, "invalid_field"),
            (4, "forbidden_event_type"),
        }

        trusted = {**JSON, "Authorization": "Bearer s3cret-token"}
        status, body = w.request(
            "POST",
            "/v1/events",
            orjson.dumps([cms, donation("reader-0001", 700, "USD", now)]),
            trusted,
        )
        assert status == 202 and orjson.loads(body) == {"accepted": 2, "rejected": []}
        wrong = {**JSON, "Authorization": "Bearer s3cret-tokeN"}
        status, body = w.request("POST", "/v1/events", orjson.dumps([cms]), wrong)
        assert orjson.loads(body)["rejected"][0]["reason"] == "forbidden_event_type"

        for payload, headers, expected in (
            (b"{not json", JSON, (400, "not_json")),
            (b'{"event_type": "page.viewed"}', JSON, (400, "not_array")),
            (b"[]", JSON, (400, "empty")),
            (orjson.dumps([good[0]] * 51), JSON, (413, "too_many_events")),
            (b"[" + b" " * 1_100_000 + b"]", JSON, (413, "too_large")),
            (
                orjson.dumps(good),
                {"Content-Type": "application/x-www-form-urlencoded"},
                (415, "unsupported_media_type"),
            ),
        ):
            status, body = w.request("POST", "/v1/events", payload, headers)
            assert (status, orjson.loads(body)["error"]) == expected

        totals = wait_for(
            totals_when(w, 6),
            what="collected events folded",
        )
        # the views came before the article was published: they stay under `unknown`
        assert totals["page_views"]["by_section"] == {"unknown": 3}
        assert totals["articles_published"] == {"by_section": {"world": 1}}
        assert totals["donation_amount_minor"] == {"USD": 700}
        assert {(r["stream"], r["outcome"]): r["count"] for r in totals["records"]} == {
            ("web.page-viewed", "accepted"): 3,
            ("web.banner-events", "accepted"): 1,
            ("cms.article-published", "accepted"): 1,
            ("payments.donation-completed", "accepted"): 1,
        }


def test_two_workers_share_partitions_and_each_answers_for_all(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    prefix = f"{unique_name}."
    kwargs = {"app_id": unique_name, "topic_prefix": prefix}
    with (
        WorkerProcess(kafka_bootstrap, tmp_path / "a", **kwargs) as a,
        WorkerProcess(kafka_bootstrap, tmp_path / "b", **kwargs) as b,
    ):
        wait_for(
            lambda: (
                len(a.get_json("/api/v1/local/totals")["partitions"]) == 2
                and len(b.get_json("/api/v1/local/totals")["partitions"]) == 2
            ),
            what="2 + 2 partitions",
        )
        now = time.time() - 60
        articles = [
            (
                f"{prefix}cms.article-published",
                f"g-{i}".encode(),
                encode(article(f"g-{i}", "war", f"Story {i}", now)),
            )
            for i in range(8)
        ]
        asyncio.run(produce(kafka_bootstrap, articles))
        wait_for(lambda: records_total(a.get_json("/api/v1/totals")) == 8, what="articles")
        views = [
            (
                f"{prefix}web.page-viewed",
                f"g-{i}".encode(),
                encode(view(f"g-{i}", f"reader-{j:04d}", now + j)),
            )
            for i in range(8)
            for j in range(i + 1)
        ]
        asyncio.run(produce(kafka_bootstrap, views))
        for worker in (a, b):
            totals = wait_for(totals_when(worker, 8 + 36), what="all views")
            assert totals["page_views"]["by_section"] == {"war": 36}
            assert totals["partitions_reporting"] == 4 and totals["partial"] is False
            top = worker.get_json("/api/v1/articles/top?limit=3")
            assert [(x["article_id"], x["views"]) for x in top["articles"]] == [
                ("g-7", 8),
                ("g-6", 7),
                ("g-5", 6),
            ]
            assert worker.get_json("/api/v1/articles/g-0")["views_total"] == 1
        shares = [len(w.get_json("/api/v1/local/totals")["partitions"]) for w in (a, b)]
        assert shares == [2, 2]


def test_slow_clients_and_a_flood_of_made_up_campaigns(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    env = {"PULSE_COLLECTOR_READ_TIMEOUT_SECONDS": "1", "PULSE_LABEL_CAP": "3"}
    prefix = f"{unique_name}."
    with WorkerProcess(
        kafka_bootstrap, tmp_path, app_id=unique_name, topic_prefix=prefix, env=env
    ) as w:
        # a client that announces a body and then trickles it
        import socket

        with socket.create_connection(("127.0.0.1", w.port), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n[{"
            )
            answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408") and b"slow_client" in answer

        now = time.time() - 30
        flood = [banner("shown", f"made-up-{i:03d}", "v", "reader-0001", now) for i in range(60)]
        status, body = w.request("POST", "/v1/events", orjson.dumps(flood), JSON)
        assert status == 202 and orjson.loads(body)["accepted"] == 60
        totals = wait_for(totals_when(w, 60), what="the flood folded")
        labels = {(b["campaign_id"], b["variant"]) for b in totals["banner_events"]}
        # at most the cap per partition keep their names; the rest are counted as other
        assert ("other", "other") in labels
        assert len(labels) <= 3 * 4 + 1
        assert sum(b["count"] for b in totals["banner_events"]) == 60
        series = {
            dict(labels_)["campaign_id"]
            for (name, labels_) in w.metrics()
            if name == "pulse_banner_events_total"
        }
        assert len(series) <= 3 * 4 + 1 and "other" in series
