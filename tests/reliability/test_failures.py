"""Failures production brings, inflicted on the real broker: the counts stay exact.

Each scenario prints what was produced, what was counted and the difference (run with
-s); the difference must be zero, for the running totals and for the window records.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from newsroom import wait_for
from scenarios import (
    counted_outcomes,
    expected_outcomes,
    expected_windows,
    report,
    send,
    ticks,
    traffic,
    window_records,
)

from streams.localkafka import LocalKafka
from streams.processes import WorkerProcess
from streams.simulate.generate import SimRecord

PARTITIONS = 4
ENV = {"PULSE_IDLE_SECONDS": "3600"}


def worker(bootstrap: str, name: str, path: Path) -> WorkerProcess:
    return WorkerProcess(
        bootstrap, path, app_id=name, topic_prefix=f"{name}.", partitions=PARTITIONS, env=ENV
    )


def folded(w: WorkerProcess) -> int:
    return sum(r["count"] for r in w.get_json("/api/v1/totals")["records"])


def stream_in_background(
    bootstrap: str, prefix: str, records: list[SimRecord], chunk: int, pause: float
) -> threading.Thread:
    def run() -> None:
        for i in range(0, len(records), chunk):
            send(bootstrap, prefix, records[i : i + chunk])
            time.sleep(pause)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def finish_and_check(
    w: WorkerProcess, bootstrap: str, prefix: str, name: str, records: list[SimRecord]
) -> None:
    """Wait for everything, close all windows with ticks, compare with the ground truth."""
    wait_for(lambda: folded(w) == len(records), timeout=120, what="every record folded")
    # just inside the future tolerance (10 min), and past every window's end + grace
    closing = ticks(PARTITIONS, time.time() + 590)
    send(bootstrap, prefix, closing)
    everything = records + closing
    wait_for(lambda: folded(w) == len(everything), timeout=60, what="the ticks folded")
    totals = w.get_json("/api/v1/totals")
    assert report(f"{name}: records", expected_outcomes(everything), counted_outcomes(totals)) == 0

    readership, funnel = expected_windows(records)
    got_r = window_records(bootstrap, f"{prefix}pulse.readership", len(readership))
    got_f = window_records(bootstrap, f"{prefix}pulse.funnel", len(funnel))
    keyed_r = Counter((r["article_id"], r["window_start"]) for r in got_r)
    keyed_f = Counter((r["campaign_id"], r["variant"], r["window_start"]) for r in got_f)
    want_r = Counter((w_["article_id"], w_["window_start"]) for w_ in readership.values())
    want_f = Counter(
        (w_["campaign_id"], w_["variant"], w_["window_start"]) for w_ in funnel.values()
    )
    assert report(f"{name}: readership windows", want_r, keyed_r) == 0
    assert report(f"{name}: funnel windows", want_f, keyed_f) == 0
    assert sorted(got_r, key=_window_key) == sorted(readership.values(), key=_window_key)
    assert sorted(got_f, key=_window_key) == sorted(funnel.values(), key=_window_key)

    views: Counter[str] = Counter()
    for window in readership.values():
        views[window["article_id"]] += window["views"]
    top = w.get_json("/api/v1/articles/top?minutes=10080&limit=100")["articles"]
    # top stories rank human views: an article read only by bots is not among them
    assert {a["article_id"]: a["views_total"] for a in top} == {
        article: n for article, n in views.items() if n
    }


def _window_key(record: dict[str, Any]) -> tuple[str, ...]:
    return (
        record["window_start"],
        record.get("article_id", ""),
        record.get("campaign_id", ""),
        record.get("variant", ""),
    )


def test_five_kills_while_events_stream_in(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    prefix = f"{unique_name}."
    records = traffic(5000)
    current = worker(kafka_bootstrap, unique_name, tmp_path / "w0").start()
    producer = stream_in_background(kafka_bootstrap, prefix, records, chunk=100, pause=0.3)
    rng = random.Random(5)
    try:
        for kill in range(1, 6):
            time.sleep(rng.uniform(1.0, 3.0))
            current.kill()  # SIGKILL: no flush, no commit, no goodbye
            # half the restarts get an empty data dir: state comes back from the changelogs
            current = worker(kafka_bootstrap, unique_name, tmp_path / f"w{kill}").start()
        producer.join(timeout=120)
        finish_and_check(current, kafka_bootstrap, prefix, "five kills", records)
    finally:
        current.stop()


def test_broker_restart_while_the_worker_runs(unique_name: str, tmp_path: Path) -> None:
    broker = LocalKafka(tmp_path / "kafka")
    broker.start()
    prefix = f"{unique_name}."
    records = traffic(2000)
    w = worker(broker.bootstrap, unique_name, tmp_path / "w").start()
    try:
        send(broker.bootstrap, prefix, records[:1000])
        wait_for(lambda: folded(w) == 1000, timeout=120, what="the first half")
        broker.stop()
        not_ready = wait_for(
            lambda: (s := w.request("GET", "/readyz"))[0] == 503 and s, timeout=30, what="not ready"
        )
        assert b'"broker":false' in not_ready[1]
        assert w.proc is not None and w.proc.poll() is None  # waiting, not dead
        broker.start()
        wait_for(lambda: w.request("GET", "/readyz")[0] == 200, timeout=120, what="ready again")
        send(broker.bootstrap, prefix, records[1000:])
        finish_and_check(w, broker.bootstrap, prefix, "broker restart", records)
    finally:
        w.stop()
        broker.stop()


def test_workers_join_and_leave_during_a_run(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    prefix = f"{unique_name}."
    records = traffic(4000)
    first = worker(kafka_bootstrap, unique_name, tmp_path / "a").start()
    others: list[WorkerProcess] = []
    producer = stream_in_background(kafka_bootstrap, prefix, records, chunk=100, pause=0.3)
    try:
        time.sleep(2)
        others.append(worker(kafka_bootstrap, unique_name, tmp_path / "b").start())  # joins
        time.sleep(2)
        others.append(worker(kafka_bootstrap, unique_name, tmp_path / "c").start())  # joins
        time.sleep(3)
        others[0].stop()  # leaves cleanly
        time.sleep(2)
        others[1].kill()  # leaves without a word
        producer.join(timeout=120)
        finish_and_check(first, kafka_bootstrap, prefix, "join and leave", records)
    finally:
        first.stop()
        for w in others:
            w.stop()
