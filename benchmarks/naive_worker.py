"""The naive baseline's worker: the textbook Faust agent, one event at a time.

`async for value in stream`, validate with the same pydantic adapter as Newsroom Pulse,
increment a changelogged table key per event: what a straightforward Faust version of
the job costs. Run by benchmarks.naive as `python -m benchmarks.naive_worker`; it serves
`GET /count` (records counted, and whether it is ready) for the harness to poll.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import faust
import uvloop
from pydantic import ValidationError

from schemas import EVENT_ADAPTER
from streams.topics import INPUT_TOPICS


def _key(event: Any) -> str:
    """What the event aggregates under, as the real processor keys its state."""
    return str(
        getattr(event, "article_id", None)
        or getattr(event, "campaign_id", None)
        or getattr(event, "url", None)
        or event.event_type
    )


def build_app(args: argparse.Namespace) -> faust.App:
    app = faust.App(
        args.app_id,
        broker=f"kafka://{args.bootstrap}",
        store="memory://",
        web_host="127.0.0.1",
        web_bind="127.0.0.1",
        web_port=args.port,
        datadir=args.data_dir,
        topic_partitions=args.partitions,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        autodiscover=False,
        web_in_thread=False,
    )
    source = app.topic(*(args.prefix + t for t in INPUT_TOPICS), value_serializer="raw")
    counts = app.Table("counts", default=int, partitions=args.partitions)

    @app.agent(source)
    async def count(stream: Any) -> None:
        async for value in stream:
            try:
                event = EVENT_ADAPTER.validate_json(value)
            except ValidationError:
                counts["invalid"] += 1
            else:
                counts[_key(event)] += 1

    @app.page("/count")
    async def total(web: Any, request: Any) -> Any:
        tables: Any = app.tables  # Faust's type stubs lack `recovery`
        ready = (
            tables.recovery.completed.is_set()
            and bool(app.consumer.assignment())
            and not app.rebalancing
        )
        return web.json({"count": sum(counts.values()), "ready": ready})

    return app


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.naive_worker")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--prefix", default="", help="input topic prefix")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--partitions", type=int, default=4)
    args = parser.parse_args()
    app = build_app(args)
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # as `pulse worker` does
    sys.argv = sys.argv[:1]  # Faust's worker reads sys.argv itself
    faust.Worker(app, loglevel="warning", quiet=True).execute_from_commandline()
    return 0


if __name__ == "__main__":
    sys.exit(main())
