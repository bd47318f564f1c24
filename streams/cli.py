"""`pulse`: one command for the worker, the local Kafka and the traffic simulator."""

from __future__ import annotations

import argparse
import sys

USAGE = """pulse <command> [options]

commands:
  worker     run one stream-processing worker (settings from PULSE_* variables)
  kafka      run a local single-node Apache Kafka (KRaft) for development
  simulate   produce realistic newsroom traffic into the input topics
  demo       all of it at once: local Kafka, a worker and live simulated traffic
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "worker":
        return _worker(rest)
    if command == "kafka":
        from streams.localkafka import main_kafka

        return main_kafka(rest)
    if command == "simulate":
        from streams.simulate.run import main_simulate

        return main_simulate(rest)
    if command == "demo":
        from streams.demo import main_demo

        return main_demo(rest)
    print(f"pulse: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


def _worker(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pulse worker", description="Run one worker.")
    parser.add_argument("--web-port", type=int, help="overrides PULSE_WEB_PORT")
    parser.add_argument("--bootstrap", help="overrides PULSE_KAFKA_BOOTSTRAP")
    ns = parser.parse_args(argv)
    from streams.config import Settings
    from streams.worker import run_worker

    overrides = {}
    if ns.web_port is not None:
        overrides["web_port"] = ns.web_port
    if ns.bootstrap is not None:
        overrides["kafka_bootstrap"] = ns.bootstrap
    settings = Settings(**overrides)
    # Faust's worker parses sys.argv itself: hand it only the program name.
    sys.argv = sys.argv[:1]
    return run_worker(settings)


if __name__ == "__main__":
    raise SystemExit(main())
