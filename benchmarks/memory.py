"""Memory: the worker's peak RSS for a big site, and its RSS over a long steady run.

Peak: every article published, then page views that touch every article and every
reader at least once, within one hour of event time (the dedup horizon holds them
all), drained by one worker; VmHWM at the end.

Soak: a steady offered load for a long run, VmRSS sampled throughout. State that is
bounded by event time (dedup ids: one hour; windows: the grace period) grows until
event time has covered it, so the soak runs its event clock fast enough to cover the
dedup horizon in the first half (never ahead of the wall clock): from then on, RSS
should stay flat. `soak_rss_mb_start` is taken there, `soak_rss_mb_end` at the end.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from benchmarks.common import Bench, Sampler, metric_sum, run_async, start_all
from benchmarks.procstat import rss_mb
from benchmarks.produce import live_records, send_all, send_paced
from benchmarks.pulse import drain_workers
from streams.config import Settings
from streams.simulate import events
from streams.simulate.generate import SimRecord
from streams.simulate.world import World, build_world

SPAN_S = 3600.0  # the event time the peak run's records cover
DRAIN_TIMEOUT_S = 120.0


def _record(event: events.Event) -> SimRecord:
    topic = events.TOPIC_OF[event["event_type"]]
    return SimRecord(topic, events.key_for(topic, event), orjson.dumps(event), "event")


def coverage_records(world: World, end: float, span_s: float = SPAN_S) -> Iterator[SimRecord]:
    """Every article published, then one view per reader; the first views go to every
    article in turn, the rest by popularity. Event times spread evenly up to `end`."""
    articles, readers = world.articles, world.readers
    views = max(len(readers), len(articles))
    step = span_s / (len(articles) + views)
    rng = random.Random(f"{world.seed}/coverage")
    for i, article in enumerate(articles):
        yield _record(events.article_published(rng, article, end - span_s + i * step))
    for j in range(views):
        reader = readers[j % len(readers)]
        article = articles[j] if j < len(articles) else world.pick_article(rng, reader.language)
        at = end - span_s + (len(articles) + j) * step
        view = events.page_viewed(
            rng,
            at,
            reader=reader,
            session_id=f"s-{j:016x}",
            url=article.url,
            article_id=article.article_id,
            referrer=None,
        )
        yield _record(view)


def run_peak(bench: Bench) -> dict[str, Any]:
    n_articles, n_readers = bench.sizes.memory_articles, bench.sizes.memory_readers
    world = build_world(bench.seed, datetime.now(UTC), articles=n_articles, readers=n_readers)
    prefix = bench.prefix("memory")
    total = run_async(send_all(bench, prefix, coverage_records(world, time.time())))
    del world  # the harness's copy of the site is not the worker's to pay for
    numbers = drain_workers([bench.worker("memory")], total)
    return {
        "memory_peak_rss_mb": numbers["peak_rss_mb"],
        "memory_rss_mb_end": numbers["rss_mb_end"],
        "memory_articles": n_articles,
        "memory_readers": n_readers,
        "memory_events": total,
        "memory_events_per_s": numbers["events_per_s"],
    }


def run_soak(bench: Bench) -> dict[str, Any]:
    rate, seconds = bench.sizes.latency_rate, bench.sizes.soak_seconds
    horizon = Settings().dedup_horizon_seconds  # the worker reads the same environment
    speedup = max(1.0, 2 * horizon / seconds)
    worker = bench.worker("soak")
    rss = Sampler(lambda: rss_mb(worker.proc.pid if worker.proc else 0), max(0.5, seconds / 120))
    try:
        start_all([worker])
        rss.start()
        t0 = time.monotonic()
        records = live_records(bench, rate, seconds, speedup)
        sent = run_async(send_paced(bench, bench.prefix("soak"), records, rate, seconds))
        rss.stop()
        folded_at_end = metric_sum(worker.metrics(), "pulse_events_total")
    finally:
        rss.stop()
        worker.stop()
    samples = [(t - t0, mb) for t, mb in rss.samples]
    filled = min(seconds, horizon / speedup)
    start = next((mb for t, mb in samples if t >= filled), samples[-1][1])
    return {
        "soak_rss_mb_first": samples[0][1],
        "soak_rss_mb_start": start,
        "soak_rss_mb_end": samples[-1][1],
        "soak_rss_growth_mb": samples[-1][1] - start,
        "soak_seconds": seconds,
        "soak_offered_events_per_s": sent / seconds,
        "soak_event_clock_speedup": speedup,
        "soak_start_at_s": filled,
        "soak_lag_events_at_end": sent - folded_at_end,
        "soak_rss_samples": [[round(t, 2), round(mb, 1)] for t, mb in samples],
    }
