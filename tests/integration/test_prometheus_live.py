"""The recording rules on live data: Debian's Prometheus, started on loopback with the
project's config and rules, scrapes a real `pulse worker` fed real events, and the
recorded series come out as the events say.

Prometheus's rate() extrapolates to the edges of its window, so a rate is checked to lie
between the bounds the produced counts allow; what extrapolation cancels out of (ratios
of windows, histogram quantiles, newest event times) is compared exactly.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from newsroom import article, banner, donation, encode, produce, records_total, view, wait_for

from streams.localkafka import free_ports
from streams.processes import WorkerProcess

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
ARTICLES = "cms.article-published"
VIEWS = "web.page-viewed"
BANNERS = "web.banner-events"
DONATIONS = "payments.donation-completed"
GOOGLE = "https://www.google.com/"
LAG = 100.0  # every event occurred this long before it is produced: lag bucket (60, 300]
# The series are SPAN s old when the rates are read; rate() extrapolates a series that
# only partly fills its window by at most 1.5 scrape intervals (1.5 s): EXTRA.
SPAN = 25.0
EXTRA = 1 + 2 / SPAN
N = 20  # wave 2 is N times wave 1


class Prometheus:
    """Debian's `prometheus` on a free loopback port with a temporary storage dir."""

    def __init__(self, config: dict[str, Any], workdir: Path) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            pytest.fail("prometheus is not installed: apt-get install prometheus (.ci/run)")
        self.port = free_ports(1)[0]
        self.workdir = workdir
        self.config_path = workdir / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.log_path = workdir / "prometheus.log"
        self.args = [
            binary,
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(self.ready, timeout=30, what=f"prometheus ready; log:\n{self.log_tail()}")

    def ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited {self.proc.returncode}:\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as resp:  # noqa: S310
                return bool(resp.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def api(self, path: str, **params: str) -> Any:
        url = f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback
            body = json.load(resp)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> dict[tuple[tuple[str, str], ...], float]:
        """An instant query: {sorted labels without __name__: value}."""
        result = self.api("query", query=expr)["result"]
        return {
            tuple(sorted((k, v) for k, v in s["metric"].items() if k != "__name__")): float(
                s["value"][1]
            )
            for s in result
        }

    def value(self, expr: str) -> float:
        samples = self.query(expr)
        assert len(samples) == 1, (expr, samples)
        return next(iter(samples.values()))


def live_config(worker_port: int) -> dict[str, Any]:
    """deploy/prometheus/prometheus.yml, pointed at one worker on loopback, every second."""
    config: dict[str, Any] = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"].update(
        {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
    )
    config["rule_files"] = [str(PROMETHEUS_DIR / f) for f in config["rule_files"]]
    config.pop("alerting")  # no Alertmanager here: alerts are evaluated, not sent
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "pulse"]
    job["static_configs"] = [{"targets": [f"127.0.0.1:{worker_port}"]}]
    return config


@pytest.fixture
def worker(kafka_bootstrap: str, unique_name: str, tmp_path: Path) -> Iterator[WorkerProcess]:
    with WorkerProcess(
        kafka_bootstrap, tmp_path / "w1", app_id=unique_name, topic_prefix=f"{unique_name}."
    ) as w:
        yield w


@pytest.fixture
def prometheus(worker: WorkerProcess, tmp_path: Path) -> Iterator[Prometheus]:
    workdir = tmp_path / "prometheus"
    workdir.mkdir()
    prom = Prometheus(live_config(worker.port), workdir)
    prom.start()
    try:
        yield prom
    finally:
        prom.stop()


Record = tuple[str, bytes | None, bytes | None]


def wave(prefix: str, at: float, n: int) -> tuple[list[Record], float]:
    """n-fold traffic of every kind (and the newest page view's event time):
    per n: 4 politics views from search, 2 culture views direct, 1 bot view, 1 invalid
    page-view record; 3 banner impressions, 1 click, 1 dismissal; 1 donation."""
    records: list[Record] = []
    newest = 0.0
    for i in range(n):
        t = at + i * 0.001
        events = [
            *(view("a-1", f"reader-{i}-{j}", t, referrer=GOOGLE) for j in range(4)),
            *(view("a-2", f"reader-{i}-{j}", t) for j in range(4, 6)),
            view("a-1", f"crawler-{i}", t, bot=True),
        ]
        records += [(VIEWS, None, encode(e)) for e in events]
        records.append((VIEWS, None, b"not json"))
        newest = max(newest, t)
        for j in range(3):
            reader = f"reader-{i:04d}-{j}"
            records.append((BANNERS, None, encode(banner("shown", "year-end", "a", reader, t))))
        reader = f"reader-{i:04d}-0"
        records.append((BANNERS, None, encode(banner("clicked", "year-end", "a", reader, t))))
        records.append(
            (BANNERS, None, encode(banner("dismissed", "year-end", "a", reader, t, "close")))
        )
        records.append((DONATIONS, None, encode(donation(reader, 500, "USD", t, "year-end", "a"))))
    return [(prefix + topic, k, v) for topic, k, v in records], newest


RECORDS_PER_N = 14  # what one n of wave() reads: 8 page-view, 5 banner, 1 donation records


def scraped(prometheus: Prometheus, records: int) -> Any:
    """A predicate for wait_for: Prometheus has scraped exactly `records` records read."""

    def check() -> bool:
        seen = prometheus.query("sum(pulse_events_total)")
        if seen != {(): records}:
            raise AssertionError(f"records read, as scraped: {seen}, expected {records}")
        return True

    return check


class Between:
    """Equal to any number in [lo, hi] (for comparing whole dicts of samples)."""

    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and self.lo <= other <= self.hi

    def __hash__(self) -> int:
        return hash((self.lo, self.hi))

    def __repr__(self) -> str:
        return f"[{self.lo:.6g}, {self.hi:.6g}]"


def per_second(k: int) -> Between:
    """A 5-minute rate of k events per wave unit: wave 2 (k * N) is all in the window,
    wave 1 (k) may be too if a scrape fell while it was being folded; extrapolation only
    adds, by at most EXTRA."""
    return Between(k * N / 300, k * (N + 1) / 300 * EXTRA)


def share(k_part: int, k_whole: int) -> Between:
    """A ratio of two such rates, k_part / k_whole per wave unit."""
    return Between(
        k_part * N / (k_whole * (N + 1)) / EXTRA, k_part * (N + 1) / (k_whole * N) * EXTRA
    )


def test_recording_rules_on_live_data(
    worker: WorkerProcess, prometheus: Prometheus, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    now = time.time()
    # Articles first, so that views count under their sections.
    articles = [
        (prefix + ARTICLES, b"a-1", encode(article("a-1", "politics", "Vote", now - LAG))),
        (prefix + ARTICLES, b"a-2", encode(article("a-2", "culture", "Theatre", now - LAG))),
    ]
    asyncio.run(produce(kafka_bootstrap, articles))
    wait_for(lambda: records_total(worker.get_json("/api/v1/totals")) == 2, what="articles")

    # Wave 1 creates every series; Prometheus must have seen it before wave 2, or the
    # first sample would already hold wave 2 and rate() would see no increase.
    first, _ = wave(prefix, time.time() - LAG, 1)
    asyncio.run(produce(kafka_bootstrap, first))
    wait_for(scraped(prometheus, 2 + RECORDS_PER_N), timeout=30, what="wave 1 scraped")
    born = time.monotonic()

    second, newest = wave(prefix, time.time() - LAG, N)
    asyncio.run(produce(kafka_bootstrap, second))
    total = 2 + RECORDS_PER_N * (1 + N)
    wait_for(scraped(prometheus, total), timeout=30, what="wave 2 folded and scraped")
    time.sleep(max(0.0, born + SPAN - time.monotonic()))

    def recorded(name: str) -> dict[tuple[tuple[str, str], ...], float]:
        return prometheus.query(name)

    # --- readership: the produced counts over the 5-minute window -------------------
    assert recorded("section:pulse_page_views:rate5m") == {
        (("section", "politics"),): per_second(4),
        (("section", "culture"),): per_second(2),
    }
    assert recorded("referrer_class:pulse_page_views:rate5m") == {
        (("referrer_class", "search"),): per_second(4),
        (("referrer_class", "direct"),): per_second(2),
    }
    assert recorded("device:pulse_page_views:rate5m") == {(("device", "mobile"),): per_second(6)}
    assert prometheus.value(":pulse_page_views:rate5m") == per_second(6)
    assert prometheus.value(":pulse_bot_page_views:rate5m") == per_second(1)
    # every window saw the same samples: they differ exactly by their lengths
    for longer, factor in (("rate30m", 6), ("rate3h", 36)):
        for level in ("", "section"):
            ratio = prometheus.query(
                f"{level}:pulse_page_views:rate5m / {level}:pulse_page_views:{longer}"
            )
            assert ratio and all(v == pytest.approx(factor, rel=1e-9) for v in ratio.values())

    # --- funnel ---------------------------------------------------------------------
    banners = recorded("campaign_id_variant_action:pulse_banner_events:rate5m")
    assert {dict(k)["action"]: v for k, v in banners.items()} == {
        "shown": per_second(3),
        "clicked": per_second(1),
        "dismissed_close": per_second(1),
    }
    assert {(dict(k)["campaign_id"], dict(k)["variant"]) for k in banners} == {("year-end", "a")}
    assert prometheus.value("campaign_id_variant:pulse_donations:rate5m") == per_second(1)
    assert recorded("currency:pulse_donation_amount_minor:rate5m") == {
        (("currency", "USD"),): per_second(500)
    }
    for ratio in ("ctr", "dismissal", "conversion"):
        for window in ("1h", "6h"):
            name = f"campaign_id:pulse_banner_{ratio}:ratio_rate{window}"
            assert recorded(name) == {(("campaign_id", "year-end"),): share(1, 3)}, name

    # --- pipeline -------------------------------------------------------------------
    outcomes = recorded("stream_outcome:pulse_events:rate5m")
    # the two articles were read before wave 1: no rate, unless a scrape fell between them
    articles_rate = outcomes.pop((("outcome", "accepted"), ("stream", ARTICLES)))
    assert 0 <= articles_rate <= 1 / 300 * EXTRA
    assert outcomes == {
        (("outcome", "accepted"), ("stream", VIEWS)): per_second(7),
        (("outcome", "invalid"), ("stream", VIEWS)): per_second(1),
        (("outcome", "accepted"), ("stream", BANNERS)): per_second(5),
        (("outcome", "accepted"), ("stream", DONATIONS)): per_second(1),
    }
    invalid = recorded("stream:pulse_events_invalid:ratio_rate5m")
    assert invalid.pop((("stream", ARTICLES),), 0.0) == 0.0
    assert invalid == {
        (("stream", VIEWS),): share(1, 8),
        (("stream", BANNERS),): 0.0,
        (("stream", DONATIONS),): 0.0,
    }
    # every event was folded between 1 and 5 minutes after it occurred: the quantiles
    # interpolate within (60, 300], whatever the counts
    quantiles = recorded("stream_quantile:pulse_event_lag_seconds:histogram_quantile")
    assert quantiles[(("quantile", "0.5"), ("stream", VIEWS))] == pytest.approx(180)
    assert quantiles[(("quantile", "0.99"), ("stream", VIEWS))] == pytest.approx(297.6)
    newest_seen = recorded("stream:pulse_last_event_timestamp_seconds:max_over_time1d")
    assert newest_seen[(("stream", VIEWS),)] == pytest.approx(newest, abs=0.002)

    # --- every rule evaluates without error, and every recording rule has a value ---
    groups = prometheus.api("rules")["groups"]
    assert {g["name"] for g in groups} == {
        f"pulse-{area}.{kind}"
        for area in ("readership", "funnel", "pipeline")
        for kind in ("rules", "alerts")
    }
    for group in groups:
        for rule in group["rules"]:
            assert rule["health"] == "ok", (rule["name"], rule.get("lastError"))
            if rule["type"] == "recording":
                assert prometheus.query(rule["name"]), f"{rule['name']} has no value"
    assert prometheus.value('up{job="pulse"}') == 1.0
