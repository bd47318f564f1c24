"""The naive baseline: a plain per-event Faust agent on the same records (naive_worker).

Run as its own process, like the real worker, and timed the same way: from ready to
every record counted, with its CPU read from /proc over that span.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.common import Bench, BenchError, time_drain
from benchmarks.produce import dataset
from streams.localkafka import free_ports

REPO = Path(__file__).resolve().parent.parent


class NaiveProcess:
    """`python -m benchmarks.naive_worker` in its own session, with its log in a file."""

    def __init__(self, bench: Bench, prefix: str) -> None:
        self.port = free_ports(1)[0]
        self.data_dir = bench.workdir / "naive"
        self.log_path = self.data_dir / "naive-worker.log"
        self.cmd = [sys.executable, "-m", "benchmarks.naive_worker", "--bootstrap"]
        self.cmd += [bench.bootstrap, "--app-id", bench.name("naive"), "--prefix", prefix]
        self.cmd += ["--port", str(self.port), "--data-dir", str(self.data_dir)]
        self.cmd += ["--partitions", str(bench.sizes.partitions)]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0) -> float:
        """Start it and wait until it holds its partitions; the launch time."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        launched = time.monotonic()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        while not self.status().get("ready"):
            if not self.alive():
                raise BenchError(f"the naive worker exited:\n{self.log_tail()}")
            if time.monotonic() - launched > timeout:
                raise BenchError(f"the naive worker was not ready in {timeout:.0f} s")
            time.sleep(0.1)
        return launched

    def status(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.port}/count"
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return dict(json.loads(resp.read()))
        except (OSError, ValueError):
            return {}

    def count(self) -> int:
        status = self.status()
        if "count" not in status:
            raise OSError("no answer from the naive worker")
        return int(status["count"])

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def run(bench: Bench) -> dict[str, Any]:
    prefix = dataset(bench, "data")
    total = bench.sizes.events
    naive = NaiveProcess(bench, prefix)
    try:
        launched = naive.start()
        assert naive.proc is not None
        drain = time_drain(
            [naive.proc.pid], naive.count, total, launched, 120 + total / 200, naive.alive
        )
    except BenchError as exc:
        raise BenchError(f"{exc}; the end of its log:\n{naive.log_tail()}") from exc
    finally:
        naive.stop()
    return {
        "naive_events_per_s": drain.events_per_s,
        "naive_events_timed": drain.events,
        "naive_seconds": drain.seconds,
        "naive_cpu_seconds_per_million": drain.cpu_seconds_per_million,
        "naive_startup_seconds": drain.startup_seconds,
        "naive_timed_from": drain.timed_from,
    }
