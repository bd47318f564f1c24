"""What the stages share: the broker, a scratch directory, names, and the drain timer.

Each stage run gets its own topic prefix and app id: a worker's internal topics
(routed, outputs, changelogs) carry them too, so no stage ever sees another's records,
state or consumer offsets on the shared broker.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import uvloop

from benchmarks.procstat import cpu_seconds
from streams.processes import WorkerProcess

T = TypeVar("T")
POLL_S = 0.2  # how often a drain looks at the count: <1 % of a full-size run


class BenchError(RuntimeError):
    """A stage could not produce its measurement; the message says why."""


@dataclass(frozen=True)
class Sizes:
    """How much each stage does (see `python -m benchmarks --help`)."""

    events: int
    latency_rate: float
    latency_seconds: float
    soak_seconds: float
    memory_articles: int
    memory_readers: int
    partitions: int = 4


@dataclass
class Bench:
    """One harness run: where the broker is, where scratch files go, what to call things."""

    bootstrap: str
    workdir: Path
    run_id: str
    sizes: Sizes
    dataset_start: datetime  # one start for every copy of the dataset: the same bytes
    seed: int = 42
    datasets: dict[str, str] = field(default_factory=dict)  # stage -> topic prefix

    def name(self, stage: str) -> str:
        return f"bench-{self.run_id}-{stage}"

    def prefix(self, stage: str) -> str:
        return f"{self.name(stage)}."

    def worker(self, stage: str, prefix: str | None = None, index: int = 1) -> WorkerProcess:
        """A `pulse worker` (not started) in the stage's consumer group."""
        return WorkerProcess(
            self.bootstrap,
            self.workdir / stage / f"w{index}",
            app_id=self.name(stage),
            topic_prefix=prefix if prefix is not None else self.prefix(stage),
            partitions=self.sizes.partitions,
        )


def start_all(workers: Sequence[WorkerProcess], timeout: float = 120.0) -> float:
    """Start the workers side by side (one consumer group forms once); the launch time."""
    launched = time.monotonic()
    with ThreadPoolExecutor(len(workers)) as pool:
        for future in [pool.submit(w.start, timeout) for w in workers]:
            future.result()
    return launched


def folded(worker: WorkerProcess) -> int:
    """Records the whole group has folded, from `/api/v1/totals` (all outcomes)."""
    totals = worker.get_json("/api/v1/totals")
    return sum(int(r["count"]) for r in totals["records"])


def metric_sum(samples: dict[tuple[str, Any], float], name: str) -> float:
    return sum(value for (sample, _), value in samples.items() if sample == name)


@dataclass(frozen=True)
class Drain:
    """A timed run to a known count: events/s and CPU seconds per million events."""

    events: int
    seconds: float
    cpu_seconds: float
    startup_seconds: float
    timed_from: str  # "ready", or "launch" when the run was over before it was ready

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_seconds_per_million(self) -> float:
        return self.cpu_seconds / self.events * 1e6


def time_drain(
    pids: Sequence[int],
    count: Callable[[], int],
    total: int,
    launched: float,
    timeout: float,
    alive: Callable[[], bool] = lambda: True,
) -> Drain:
    """Time from now (the processes just became ready) until `count()` reaches `total`.

    Records folded before "ready" are left out of the rate, and the CPU is read over the
    same span, so start-up costs count in neither. A count that is wrong (above `total`)
    is an error: a benchmark of a processor that double-counts measures nothing.
    """
    cpu0, t0 = sum(cpu_seconds(p) for p in pids), time.monotonic()
    c0 = _count_or(count, 0)
    last = c0
    while last < total:
        if time.monotonic() - t0 > timeout:
            raise BenchError(f"only {last} of {total} records counted after {timeout:.0f} s")
        if not alive():
            raise BenchError(f"the process died after counting {last} of {total} records")
        time.sleep(POLL_S)
        last = _count_or(count, last)
    t1, cpu1 = time.monotonic(), sum(cpu_seconds(p) for p in pids)
    if last > total:
        raise BenchError(f"{last} records counted, but only {total} were produced")
    if c0 * 2 > total:  # a tiny run, mostly done during start-up: time it from launch
        return Drain(total, t1 - launched, cpu1, t0 - launched, "launch")  # CPU since start
    return Drain(total - c0, t1 - t0, cpu1 - cpu0, t0 - launched, "ready")


def _count_or(count: Callable[[], int], default: int) -> int:
    try:
        return count()
    except (OSError, ValueError, RuntimeError):  # briefly unreachable (a rebalance)
        return default


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on uvloop, the loop the worker itself runs on."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


class Sampler(threading.Thread):
    """Calls `read()` every `interval` seconds and keeps (monotonic time, value) pairs;
    a failed read (the process busy or briefly away) is skipped, not fatal."""

    def __init__(self, read: Callable[[], float], interval: float) -> None:
        super().__init__(daemon=True)
        self.read = read
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                value = self.read()
            except (OSError, RuntimeError, ValueError):
                pass
            else:
                self.samples.append((time.monotonic(), value))  # when the answer was in
            self.stopped.wait(self.interval)

    def last(self, default: float = 0.0) -> float:
        return self.samples[-1][1] if self.samples else default

    def stop(self) -> None:
        self.stopped.set()
        if self.is_alive():
            self.join(10)
