"""Latency: from produce to the event showing in /metrics, at a steady offered load.

Matched in cohorts rather than per event: every ~50 ms the producer notes (time, records
sent so far) and a poller notes (time, `pulse_events_total` summed); a cohort's latency
is the first time the folded count reached its sent count, minus its send time. That
assumes records are folded about in the order they were sent (so within a partition,
and near enough across partitions at a steady load): a cohort's latency is that of its
last record, give or take a batch. Resolution: the ~50 ms polling interval.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.common import (
    Bench,
    BenchError,
    Sampler,
    metric_sum,
    percentile,
    run_async,
    start_all,
)
from benchmarks.produce import live_records, send_paced

POLL_S = 0.05
DRAIN_TIMEOUT_S = 120.0


def cohort_latencies(
    sent: list[tuple[float, int]], seen: list[tuple[float, float]]
) -> tuple[list[tuple[float, float]], int]:
    """[(send time, latency)] of every cohort, and how many were never seen folded.

    A cohort never seen folded gets the time from its send to the last observation: a
    lower bound, so that a worker that falls behind cannot make the percentiles look
    better by leaving its slowest cohorts out.
    """
    out: list[tuple[float, float]] = []
    i, unseen = 0, 0
    last = seen[-1][0] if seen else 0.0
    for t_sent, count in sent:
        while i < len(seen) and seen[i][1] < count:
            i += 1
        if i < len(seen):
            out.append((t_sent, max(0.0, seen[i][0] - t_sent)))
        else:
            out.append((t_sent, max(0.0, last - t_sent)))
            unseen += 1
    return out, unseen


def run(bench: Bench) -> dict[str, Any]:
    rate, seconds = bench.sizes.latency_rate, bench.sizes.latency_seconds
    worker = bench.worker("latency")
    sent: list[tuple[float, int]] = []
    poller = Sampler(lambda: metric_sum(worker.metrics(), "pulse_events_total"), POLL_S)
    try:
        start_all([worker])  # it creates the input topics
        poller.start()
        records = live_records(bench, rate, seconds, speedup=1.0)
        t0 = time.monotonic()
        prefix = bench.prefix("latency")
        total = run_async(
            send_paced(bench, prefix, records, rate, seconds, lambda t, n: sent.append((t, n)))
        )
        produced_s = time.monotonic() - t0
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while poller.last() < total and time.monotonic() < deadline:
            time.sleep(POLL_S)
    finally:
        poller.stop()
        worker.stop()
    warmup = min(10.0, 0.1 * seconds)
    matched, unseen = cohort_latencies(sent, poller.samples)
    steady = [lat for t, lat in matched if t >= t0 + warmup]
    if not steady or unseen == len(matched):
        raise BenchError(f"no cohort was seen folded ({total} sent, {poller.last():.0f} folded)")
    return {
        "latency_p50_s": percentile(steady, 50),
        "latency_p90_s": percentile(steady, 90),
        "latency_p99_s": percentile(steady, 99),
        "latency_max_s": max(steady),
        "latency_offered_events_per_s": total / produced_s,
        "latency_events": total,
        "latency_cohorts": len(steady),
        "latency_unseen_cohorts": unseen,
        "latency_warmup_s": warmup,
        "latency_resolution_s": POLL_S,
        "latency_series": _downsample([(t - t0, lat) for t, lat in matched]),
    }


def _downsample(points: list[tuple[float, float]], most: int = 600) -> list[list[float]]:
    """At most `most` [seconds into the run, latency] pairs, for the chart."""
    step = max(1, len(points) // most)
    return [[round(t, 3), round(lat, 4)] for t, lat in points[::step]]
