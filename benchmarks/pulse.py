"""Newsroom Pulse itself: one `pulse worker`, from offset zero to zero lag.

Everything on: validation, routing, dedup, windows, sketches, metrics and changelogs.
Done means `/api/v1/totals` has folded every record produced (all outcomes), which is
the exactly-once count, so a run that ends has also counted right.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import Bench, BenchError, folded, start_all, time_drain
from benchmarks.procstat import peak_rss_mb, rss_mb
from benchmarks.produce import dataset
from streams.processes import WorkerProcess


def drain_workers(workers: list[WorkerProcess], total: int) -> dict[str, Any]:
    """Start the workers, time them to `total` records folded, stop them; the numbers."""
    try:
        launched = start_all(workers)
        pids = [w.proc.pid for w in workers if w.proc is not None]
        drain = time_drain(
            pids,
            lambda: folded(workers[0]),
            total,
            launched,
            120 + total / 200,
            lambda: all(w.proc is not None and w.proc.poll() is None for w in workers),
        )
        peak = max(peak_rss_mb(pid) for pid in pids)
        rss_end = max(rss_mb(pid) for pid in pids)
    except BenchError as exc:
        tails = "\n".join(w.log_tail(30) for w in workers)
        raise BenchError(f"{exc}; the end of the worker logs:\n{tails}") from exc
    finally:
        for worker in workers:
            worker.stop()
    return {
        "events_per_s": drain.events_per_s,
        "events_timed": drain.events,
        "seconds": drain.seconds,
        "cpu_seconds_per_million": drain.cpu_seconds_per_million,
        "startup_seconds": drain.startup_seconds,
        "timed_from": drain.timed_from,
        "peak_rss_mb": peak,
        "rss_mb_end": rss_end,
    }


def run(bench: Bench) -> dict[str, Any]:
    prefix = dataset(bench, "data")
    numbers = drain_workers([bench.worker("pulse", prefix)], bench.sizes.events)
    return {f"pulse_{name}": value for name, value in numbers.items()}
