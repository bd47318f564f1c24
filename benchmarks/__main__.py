"""`python -m benchmarks`: every stage in one go, on one broker, into one result.

Starts its own Kafka on free ports in a temporary directory unless `--bootstrap` is
given, and stops (or, on a broker it did not start, deletes the topics of) everything
it started. A stage that fails is recorded under `errors` and the others still run;
the exit code is then 1.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import logging
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from benchmarks import latency, limit, memory, naive, pulse, report, scaleout
from benchmarks.common import Bench, Sizes, run_async
from benchmarks.produce import dataset_start
from streams.localkafka import LocalKafka

STAGES: dict[str, Callable[[Bench], dict[str, Any]]] = {
    "limit": limit.run,
    "naive": naive.run,
    "pulse": pulse.run,
    "latency": latency.run,
    "memory": memory.run_peak,
    "soak": memory.run_soak,
    "scaleout": scaleout.run,
}
FULL = Sizes(500_000, 5_000.0, 120.0, 900.0, 100_000, 1_000_000)
QUICK = Sizes(3_000, 200.0, 5.0, 10.0, 1_000, 5_000)
RESULTS = Path(__file__).resolve().parent / "results"
log = logging.getLogger("benchmarks")


def parse(argv: list[str]) -> tuple[argparse.Namespace, Sizes]:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--events", type=int, help=f"pre-produced records (default {FULL.events:,})")
    p.add_argument("--latency-rate", type=float, help="offered events/s (default 5000)")
    p.add_argument("--latency-seconds", type=float, help="latency run length (default 120)")
    p.add_argument("--soak-seconds", type=float, help="soak run length (default 900)")
    p.add_argument("--memory-articles", type=int, help="default 100,000")
    p.add_argument("--memory-readers", type=int, help="default 1,000,000")
    p.add_argument("--only", help=f"comma-separated stages of: {','.join(STAGES)}")
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    p.add_argument("--bootstrap", help="use this Kafka instead of starting one")
    p.add_argument("--out", type=Path, default=RESULTS, help=f"default {RESULTS}")
    args = p.parse_args(argv)
    base = QUICK if args.quick else FULL
    sizes = Sizes(
        args.events or base.events,
        args.latency_rate or base.latency_rate,
        args.latency_seconds or base.latency_seconds,
        args.soak_seconds or base.soak_seconds,
        args.memory_articles or base.memory_articles,
        args.memory_readers or base.memory_readers,
    )
    if min(sizes.events, sizes.memory_articles, sizes.memory_readers) < 1:
        p.error("sizes must be positive")
    if min(sizes.latency_rate, sizes.latency_seconds, sizes.soak_seconds) <= 0:
        p.error("rates and durations must be positive")
    stages = args.only.split(",") if args.only else list(STAGES)
    if unknown := [s for s in stages if s not in STAGES]:
        p.error(f"unknown stages {unknown}; choose from {list(STAGES)}")
    args.stages = stages
    return args, sizes


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)  # so every `finally` runs


async def _delete_topics(bootstrap: str, prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pulse-bench")
    await admin.start()
    try:
        ours = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if ours:
            await admin.delete_topics(ours)
    finally:
        await admin.close()


def run_stages(bench: Bench, stages: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for stage in stages:
        log.info("stage %s ...", stage)
        t0 = time.monotonic()
        try:
            results.update(STAGES[stage](bench))
        except Exception as exc:  # recorded; the other stages still run
            log.exception("stage %s failed", stage)
            errors[stage] = f"{type(exc).__name__}: {exc}"
        results[f"{stage}_stage_seconds"] = time.monotonic() - t0
    return results, errors


def main(argv: list[str] | None = None) -> int:
    args, sizes = parse(sys.argv[1:] if argv is None else argv)
    if importlib.util.find_spec("matplotlib") is None:  # fail now, not after an hour's run
        print("python -m benchmarks: matplotlib is missing (pip install -e '.[dev]')")
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)  # our progress; the clients' chatter only when it matters
    signal.signal(signal.SIGTERM, _terminate)
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{stamp.lower()}-{uuid.uuid4().hex[:6]}"
    workdir = Path(tempfile.mkdtemp(prefix="pulse-bench-"))
    kafka: LocalKafka | None = None
    bench: Bench | None = None
    loadavg_start = report.machine()["loadavg"]
    try:
        if args.bootstrap:
            bootstrap = args.bootstrap
        else:
            kafka = LocalKafka(workdir / "kafka", heap="1g")
            kafka.start()
            bootstrap = kafka.bootstrap
        log.info("Kafka on %s, scratch in %s, run %s", bootstrap, workdir, run_id)
        bench = Bench(bootstrap, workdir, run_id, sizes, dataset_start(sizes.events))
        results, errors = run_stages(bench, args.stages)
    finally:
        if kafka is not None:
            kafka.stop()
        elif bench is not None:
            with contextlib.suppress(Exception):  # best effort: the broker is not ours
                run_async(_delete_topics(bench.bootstrap, bench.name("")))
        shutil.rmtree(workdir, ignore_errors=True)
    result: dict[str, Any] = {"started_at": stamp, "events": sizes.events, "run_id": run_id}
    result.update(report.ratios(results))
    result.update(results)
    result.update(
        {
            "sizes": dataclasses.asdict(sizes),
            "stages": args.stages,
            "errors": errors,
            "duration_s": (datetime.now(UTC) - started).total_seconds(),
            "command": ["python", "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)],
            "machine": report.machine() | {"loadavg": loadavg_start},
            "loadavg_end": report.machine()["loadavg"],
            **report.git_commit(),
        }
    )
    paths = report.write(result, args.out, stamp)
    print(report.markdown(result))
    print("\n".join(f"wrote {p}" for p in paths))
    return 1 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: everything started is stopped by now
        print("python -m benchmarks: interrupted", file=sys.stderr)
        sys.exit(130)
