"""`python -m benchmarks.profile`: where a worker's CPU goes, as a py-spy flame graph.

Produces the benchmark's dataset to a local Kafka it starts, starts one `pulse worker`,
and records it with py-spy from "ready" until every record is folded. The SVG (and a
`--format raw` collapsed-stack file, which `top_frames` summarises) is what the README's
Performance section points at when a target is not met.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Bench, Sizes, folded, start_all, time_drain
from benchmarks.procstat import cpu_seconds
from benchmarks.produce import dataset, dataset_start
from streams.localkafka import LocalKafka


def py_spy() -> str:
    """The py-spy installed with this Python (the dev extras), found without the venv on
    PATH, as under `make profile`; else whichever is on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy") or "py-spy"


RESULTS = Path(__file__).resolve().parent / "results"
log = logging.getLogger("benchmarks")


#: the stages of the hot path, by the function that holds each (inclusive time)
STAGES = {
    "route: validate, re-key, send to the routed topic": "Pipeline.route_batch",
    "  of which checking page views and banner events (fastcheck)": "event_values",
    "  of which pydantic validation (the other records)": "TypeAdapter.validate_json",
    "  of which encoding routed page views and banner events": "_encode",
    "  of which packing routed records, one message a partition": "pack",
    "fold: count into the partition's state": "Pipeline.fold_batch",
    "  of which unpacking and decoding routed records": "unpack",
    "  of which the folder (dedup, totals, windows, series, sketches)": "PartitionFolder.fold",
    "  of which changelog writes": "write_changelogs",
    "  of which Prometheus metrics": "PulseMetrics.apply",
    "Kafka fetch and record parsing (consumer thread)": "AIOKafkaConsumerThread._fetch_records",
    "Kafka produce requests on the wire": "Sender._send_produce_req",
}


def _frame(entry: str) -> str:
    return entry.split(" (", 1)[0]


def read_stacks(collapsed: Path) -> tuple[int, list[tuple[list[str], int]]]:
    stacks = []
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        stacks.append((stack.split(";"), n))
    return total, stacks


def top_frames(collapsed: Path, limit: int = 25) -> list[tuple[str, float]]:
    """Self time by function and line (share of all samples) from collapsed stacks."""
    total, stacks = read_stacks(collapsed)
    own: collections.Counter[str] = collections.Counter()
    for frames, n in stacks:
        own[frames[-1]] += n
    return [(frame, n / total) for frame, n in own.most_common(limit)] if total else []


def stage_shares(collapsed: Path) -> list[tuple[str, float]]:
    """Inclusive share of samples of each hot-path stage (STAGES)."""
    total, stacks = read_stacks(collapsed)
    inclusive: collections.Counter[str] = collections.Counter()
    for frames, n in stacks:
        for name in {_frame(f) for f in frames}:
            inclusive[name] += n
    return [(label, inclusive[fn] / total if total else 0.0) for label, fn in STAGES.items()]


def markdown(summary: str, stages: list[tuple[str, float]], top: list[tuple[str, float]]) -> str:
    lines = [
        "# Where one worker's CPU goes",
        "",
        summary,
        "",
        "Share of py-spy samples (200 Hz, all threads, idle excluded) in each stage:",
        "",
        "| stage | share |",
        "| --- | ---: |",
        *[
            f"| {label.strip() if not label.startswith(' ') else '↳ ' + label.strip()} "
            f"| {share:.1%} |"
            for label, share in stages
        ],
        "",
        "Self time, the 25 busiest lines:",
        "",
        "| share | function (file:line) |",
        "| ---: | --- |",
        *[f"| {share:.1%} | `{frame}` |" for frame, share in top],
        "",
        "Collapsed stacks (for flame graph tools): `profile.collapsed` next to this file.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    log.setLevel(logging.INFO)
    workdir = Path(tempfile.mkdtemp(prefix="pulse-profile-"))
    kafka = LocalKafka(workdir / "kafka", heap="1g")
    sizes = Sizes(args.events, 1.0, 1.0, 1.0, 1, 1)
    stop_worker_at_exit: list[Callable[[], object]] = []
    try:
        kafka.start()
        bench = Bench(
            kafka.bootstrap, workdir, uuid.uuid4().hex[:6], sizes, dataset_start(args.events)
        )
        prefix = dataset(bench, "data")
        worker = bench.worker("pulse", prefix)
        launched = start_all([worker])
        stop_worker_at_exit.append(worker.stop)  # even when py-spy cannot start
        assert worker.proc is not None
        args.out.mkdir(parents=True, exist_ok=True)
        raw = args.out / "profile.collapsed"
        spy = subprocess.Popen(
            [
                py_spy(),
                "record",
                "--pid",
                str(worker.proc.pid),
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        broker_cpu0 = cpu_seconds(kafka.pid) if kafka.pid else 0.0
        try:
            drain = time_drain(
                [worker.proc.pid], lambda: folded(worker), args.events, launched, 600
            )
        finally:
            spy.send_signal(2)
            spy.wait(30)
            worker.stop()
        broker_cpu = (cpu_seconds(kafka.pid) if kafka.pid else 0.0) - broker_cpu0
        summary = (
            f"`python -m benchmarks.profile --events {args.events}` on {os.cpu_count()} CPUs: "
            f"{drain.events_per_s:,.0f} events/s under py-spy; CPU seconds per million "
            f"events: worker {drain.cpu_seconds_per_million:.0f}, broker "
            f"{broker_cpu / drain.events * 1e6:.0f} (the broker's includes py-spy's stop)."
        )
        report = markdown(summary, stage_shares(raw), top_frames(raw))
        (args.out / "profile.md").write_text(report)
        print(report)
    finally:
        for stop in stop_worker_at_exit:
            stop()
        kafka.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
