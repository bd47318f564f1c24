"""`pulse demo`: the whole thing on one machine: local Kafka, a worker, live traffic.

What a new engineer or an editor runs first. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from streams.localkafka import LocalKafka, LocalKafkaError, broker_answers
from streams.processes import WorkerError, WorkerProcess


def main_demo(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse demo", description=__doc__)
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("PULSE_DATA_DIR", "var"))
    )
    parser.add_argument("--kafka-port", type=int, default=9092)
    parser.add_argument(
        "--web-port", type=int, default=int(os.environ.get("PULSE_WEB_PORT", "6066"))
    )
    parser.add_argument("--rate", type=float, default=200.0, help="simulated events/s")
    parser.add_argument("--duration", type=float, default=0.0, help="seconds; 0 = until Ctrl-C")
    args = parser.parse_args(argv)

    kafka: LocalKafka | None = None
    bootstrap = f"127.0.0.1:{args.kafka_port}"
    if broker_answers("127.0.0.1", args.kafka_port):
        print(f"using the Kafka already running on {bootstrap}", flush=True)
    else:
        kafka = LocalKafka(args.data_dir / "kafka", port=args.kafka_port)
        print("starting a local Kafka (the first run downloads its jars with mvn)...", flush=True)
        try:
            kafka.start()
        except LocalKafkaError as exc:
            print(f"pulse demo: {exc}", file=sys.stderr)
            return 1
        print(f"Kafka {kafka.version} ready on {bootstrap}", flush=True)

    worker = WorkerProcess(bootstrap, args.data_dir, port=args.web_port)
    simulator: subprocess.Popen[bytes] | None = None
    stop = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print("starting the worker...", flush=True)
        worker.start()
        simulator = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "streams.cli",
                "simulate",
                "--bootstrap",
                bootstrap,
                "--rate",
                str(args.rate),
                "--duplicates",
                "0.01",
                "--malformed",
                "0.002",
            ],
            start_new_session=True,
        )
        print(
            "\nNewsroom Pulse is running:\n"
            f"  live page  {worker.url}/\n"
            f"  totals     {worker.url}/api/v1/totals\n"
            f"  top        {worker.url}/api/v1/articles/top?minutes=60\n"
            f"  campaigns  {worker.url}/api/v1/campaigns\n"
            f"  metrics    {worker.url}/metrics\n"
            f"  worker log {worker.log_path}\n"
            "Ctrl-C stops it all.\n",
            flush=True,
        )
        started = time.monotonic()
        while not stop:
            time.sleep(0.5)
            if args.duration and time.monotonic() - started > args.duration:
                break
            if worker.proc is not None and worker.proc.poll() is not None:
                print(f"the worker exited:\n{worker.log_tail()}", file=sys.stderr)
                return 1
        return 0
    except WorkerError as exc:
        print(f"pulse demo: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if simulator is not None and simulator.poll() is None:
            os.killpg(simulator.pid, signal.SIGINT)
            simulator.wait(timeout=30)
        worker.stop()
        if kafka is not None:
            kafka.stop()
        print("stopped.", flush=True)
