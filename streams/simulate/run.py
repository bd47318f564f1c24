"""`pulse simulate`: produce the generated stream to Kafka, paced, with a progress bar.

The pure parts live in `world.py` and `generate.py`; this module only adds the clock,
the producer and the counting, and returns what was acknowledged so that tests can
compare a processor's outcome counts with the ground truth.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Never

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code
from tqdm import tqdm

from streams import topics
from streams.config import Settings
from streams.simulate.generate import Counts, generate
from streams.simulate.world import build_world

FAST_CLOCK_RATE = 1_000.0
"""Event-clock slots per second when producing flat out: with `n` known, the stream is
dated to end at the moment it starts; run forever, it never gets ahead of the wall clock
(a processor rejects events from its future)."""
SLACK_S = 0.05  # the token bucket's depth: sleep in steps, not once per record
ACK_BATCH = 2_000  # records in flight before waiting for their acknowledgements


async def ensure_topics(
    bootstrap: str, partitions: int, *, prefix: str = "", replication_factor: int = 1
) -> None:
    """Create the four input topics, keeping any that already exist (as they are)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pulse-simulate")
    await admin.start()
    try:
        new = [NewTopic(prefix + t, partitions, replication_factor) for t in topics.INPUT_TOPICS]
        response = await admin.create_topics(new)
        for topic, code, *_ in response.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):
                raise for_code(code)(f"cannot create topic {topic!r}")
    finally:
        await admin.close()


async def run(
    bootstrap: str,
    n: int | None,
    rate: float | None,
    seed: int,
    duplicates: float,
    malformed: float,
    progress: bool,
    *,
    articles: int = 200,
    readers: int = 20_000,
    start: datetime | None = None,
    create_topics: bool = False,
    partitions: int = 4,
    topic_prefix: str = "",
    stop: asyncio.Event | None = None,
) -> Counts:
    """Produce `n` records (forever if None) at `rate` per second (flat out if None).

    Returns the acknowledged records per (topic as produced, kind); `stop` ends a run
    early and cleanly. Topics are created only with `create_topics`.
    """
    wall0, mono0 = time.time(), time.monotonic()
    clock_rate = rate or FAST_CLOCK_RATE
    if start is None:
        start = datetime.fromtimestamp(wall0, UTC)
        if rate is None and n is not None:
            start -= timedelta(seconds=max(0, n - articles) / clock_rate)
    world = build_world(seed, start, articles=articles, readers=readers)
    records = generate(world, n, start, clock_rate, duplicates, malformed)
    # Seconds after mono0 at which slot i may go: `lead + i / clock_rate`.
    lead = (0.0 if rate else start.timestamp() - wall0) - len(world.articles) / clock_rate
    if create_topics:
        await ensure_topics(bootstrap, partitions, prefix=topic_prefix)
    counts = Counts()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="pulse-simulate",
        enable_idempotence=True,
        acks="all",
        linger_ms=10,
        max_batch_size=256 * 1024,
    )
    try:
        await producer.start()
        with tqdm(total=n, unit="rec", file=sys.stderr, disable=not progress) as bar:
            in_flight: list[tuple[asyncio.Future[object], str, str]] = []
            for slot, record in enumerate(records):
                if stop is not None and stop.is_set():
                    break
                ahead = lead + slot / clock_rate - (time.monotonic() - mono0)
                if ahead > SLACK_S:
                    await _acknowledged(in_flight, counts, bar)
                    await _pause(ahead, stop)
                topic = topic_prefix + record.topic
                future = await producer.send(topic, record.value, key=record.key)
                in_flight.append((future, topic, record.kind))
                if len(in_flight) >= ACK_BATCH:
                    await _acknowledged(in_flight, counts, bar)
            await producer.flush()
            await _acknowledged(in_flight, counts, bar)
    finally:
        await producer.stop()
    return counts


async def _pause(seconds: float, stop: asyncio.Event | None) -> None:
    """Sleep, but wake at once when asked to stop (slow rates sleep for long)."""
    if stop is None:
        await asyncio.sleep(seconds)
    else:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


async def _acknowledged(
    in_flight: list[tuple[asyncio.Future[object], str, str]], counts: Counts, bar: tqdm[Never]
) -> None:
    """Wait for the sends in flight and count them: a failed send raises here."""
    await asyncio.gather(*(future for future, _, _ in in_flight))
    for _, topic, kind in in_flight:
        counts.add(topic, kind)
    bar.update(len(in_flight))
    in_flight.clear()


def _parser(settings: Settings) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pulse simulate",
        description="Realistic CMS and website traffic into the four input topics.",
    )
    p.add_argument("--bootstrap", default=settings.kafka_bootstrap, help="Kafka bootstrap")
    p.add_argument("--events", type=int, default=None, help="records to send (default: forever)")
    p.add_argument("--rate", type=float, default=200.0, help="records/s; 0 = flat out")
    p.add_argument("--seed", type=int, default=42, help="one seed is one site")
    p.add_argument("--duplicates", type=float, default=0.01, help="share of repeated records")
    p.add_argument("--malformed", type=float, default=0.0, help="share of invalid records")
    p.add_argument("--articles", type=int, default=200)
    p.add_argument("--readers", type=int, default=20_000)
    p.add_argument("--start", type=_aware, default=None, help="event clock start (RFC 3339)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--create-topics", action="store_true", help="create the input topics")
    p.add_argument("--partitions", type=int, default=settings.partitions)
    return p


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give an offset, e.g. 2026-11-27T18:00:00Z")
    return value


def main_simulate(argv: Sequence[str] | None = None) -> int:
    """Run `pulse simulate`; prints the counts per topic and kind when done or stopped."""
    parser = _parser(Settings())
    args = parser.parse_args(argv)
    if (args.events is not None and args.events < 0) or args.rate < 0 or args.partitions < 1:
        parser.error("--events and --rate must be >= 0, --partitions >= 1")
    if min(args.duplicates, args.malformed) < 0 or args.duplicates + args.malformed >= 1:
        parser.error("--duplicates and --malformed must be >= 0 and sum to less than 1")
    if args.articles < 1 or args.readers < 1:
        parser.error("--articles and --readers must be >= 1")

    async def main() -> Counts:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # One-shot, so a second Ctrl-C interrupts for real; absent off the main thread.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, _one_shot, loop, sig, stop)
        return await run(
            args.bootstrap,
            args.events,
            args.rate or None,
            args.seed,
            args.duplicates,
            args.malformed,
            not args.no_progress,
            articles=args.articles,
            readers=args.readers,
            start=args.start,
            create_topics=args.create_topics,
            partitions=args.partitions,
            stop=stop,
        )

    started = time.monotonic()
    try:
        counts = asyncio.run(main())
    except (KafkaError, OSError) as exc:
        print(f"pulse simulate: Kafka at {args.bootstrap}: {exc!r}", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    print(counts.format())
    print(f"{counts.total} records in {elapsed:.1f} s ({counts.total / max(elapsed, 1e-9):.0f}/s)")
    return 0


def _one_shot(loop: asyncio.AbstractEventLoop, sig: signal.Signals, stop: asyncio.Event) -> None:
    loop.remove_signal_handler(sig)
    stop.set()
