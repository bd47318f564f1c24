"""Run `pulse worker` as a child process and talk to it: for the demo, tests and benchmarks.

A real process, not an in-process app, so that kill -9, restarts and several workers in
one consumer group behave as they do in production.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from streams.localkafka import free_ports


class WorkerError(RuntimeError):
    """The worker did not come up, or died; the message carries its log's tail."""


class WorkerProcess:
    """One `pulse worker` child with its own web port, data dir and log file."""

    def __init__(
        self,
        bootstrap: str,
        data_dir: Path,
        *,
        app_id: str = "newsroom-pulse",
        topic_prefix: str = "",
        partitions: int = 4,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_ports(1)[0]
        self.data_dir = data_dir
        self.log_path = data_dir / f"worker-{self.port}.log"
        self.env = {
            **os.environ,
            "PULSE_KAFKA_BOOTSTRAP": bootstrap,
            "PULSE_WEB_PORT": str(self.port),
            "PULSE_WEB_HOST": "127.0.0.1",
            "PULSE_DATA_DIR": str(data_dir),
            "PULSE_APP_ID": app_id,
            "PULSE_TOPIC_PREFIX": topic_prefix,
            "PULSE_PARTITIONS": str(partitions),
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> WorkerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise WorkerError(f"worker exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = self.request("GET", "/readyz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise WorkerError(f"worker not ready after {timeout} s:\n{self.log_tail()}")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        req = urllib.request.Request(  # noqa: S310 - loopback URL we built
            self.url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def get_json(self, path: str) -> Any:
        status, body = self.request("GET", path)
        if status != 200:
            raise WorkerError(f"GET {path} answered {status}: {body[:500]!r}")
        return json.loads(body)

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample of /metrics as {(name, sorted labels): value}."""
        status, body = self.request("GET", "/metrics")
        if status != 200:
            raise WorkerError(f"/metrics answered {status}")
        samples = {}
        for family in text_string_to_metric_families(body.decode()):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return samples

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
