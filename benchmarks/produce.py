"""Records into the input topics: the pre-produced dataset, flat out, or a steady load.

The dataset is the simulator's realistic stream (page views with the referrer, device
and bot mix, the banner funnel, donations, 1 % duplicates). Every stage that needs it
gets its own copy under its own prefix, from one seed and one start: the same bytes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from benchmarks.common import Bench, run_async
from streams.simulate.generate import SimRecord, generate
from streams.simulate.run import FAST_CLOCK_RATE, ensure_topics
from streams.simulate.world import build_world

ARTICLES = 500  # the dataset's site: a few days of a mid-sized newsroom's articles
READERS = 50_000
DUPLICATES = 0.01
MALFORMED = 0.0  # the mix; invalid records have their own tests
ACK_EVERY = 2_000  # records in flight before their acknowledgements are awaited
ACK_TIMEOUT_S = 120.0
log = logging.getLogger(__name__)


def dataset_start(events: int) -> datetime:
    """The event clock's start for `events` records at the simulator's fast clock, so
    that the stream ends now: never in the processor's future."""
    return datetime.now(UTC) - timedelta(seconds=max(0, events - ARTICLES) / FAST_CLOCK_RATE)


def dataset(bench: Bench, stage: str) -> str:
    """The prefix of the stage's copy of the dataset, produced on first use."""
    if stage not in bench.datasets:
        world = build_world(bench.seed, bench.dataset_start, articles=ARTICLES, readers=READERS)
        n, start = bench.sizes.events, bench.dataset_start
        records = generate(world, n, start, FAST_CLOCK_RATE, DUPLICATES, MALFORMED)
        prefix = bench.prefix(stage)
        t0 = time.monotonic()
        sent = run_async(send_all(bench, prefix, records))
        log.info("produced %d records to %s* in %.1f s", sent, prefix, time.monotonic() - t0)
        if sent != n:
            raise RuntimeError(f"produced {sent} records, not {n}")
        bench.datasets[stage] = prefix
    return bench.datasets[stage]


def _producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="pulse-bench",
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
    )


async def send_all(bench: Bench, prefix: str, records: Iterable[SimRecord]) -> int:
    """Create the prefixed input topics and send every record, flat out; how many."""
    await ensure_topics(bench.bootstrap, bench.sizes.partitions, prefix=prefix)
    producer = _producer(bench.bootstrap)
    await producer.start()
    sent = 0
    try:
        in_flight = []
        for record in records:
            in_flight.append(await producer.send(prefix + record.topic, record.value, record.key))
            if len(in_flight) >= ACK_EVERY:
                sent += len(await acknowledged(in_flight, sent))
                in_flight.clear()
        await producer.flush()
        sent += len(await acknowledged(in_flight, sent))
    finally:
        await producer.stop()
    return sent


async def acknowledged(in_flight: list[Any], sent: int) -> list[Any]:
    """Wait for the broker's acknowledgements of `in_flight`, or fail loudly: a producer
    stuck on a broker that stopped answering must end the run, not hang it."""
    try:
        return list(await asyncio.wait_for(asyncio.gather(*in_flight), ACK_TIMEOUT_S))
    except TimeoutError as exc:
        raise RuntimeError(
            f"no acknowledgement for {len(in_flight)} records within {ACK_TIMEOUT_S:.0f} s "
            f"({sent} acknowledged before them)"
        ) from exc


def live_records(bench: Bench, rate: float, seconds: float, speedup: float) -> Iterator[SimRecord]:
    """The realistic stream for a paced run that starts now and lasts `seconds`.

    Event time runs `speedup` times faster than the wall clock and reaches "now" at the
    end, so it is never ahead of it: record i (sent at i / rate seconds) occurred at
    `t0 - (speedup - 1) * seconds + speedup * i / rate`. With speedup 1 every record
    occurred (and was sent) just now, which is what a latency measurement needs.
    """
    now = time.time()
    world = build_world(bench.seed, datetime.now(UTC), articles=ARTICLES, readers=READERS)
    first = now - (speedup - 1) * seconds
    start = datetime.fromtimestamp(first + ARTICLES * speedup / rate, UTC)
    return generate(world, None, start, rate / speedup, DUPLICATES, MALFORMED)


async def send_paced(
    bench: Bench,
    prefix: str,
    records: Iterator[SimRecord],
    rate: float,
    seconds: float,
    on_sent: Callable[[float, int], None] | None = None,
    every_s: float = 0.05,
) -> int:
    """Send record i at `i / rate` seconds for `seconds`; how many were sent.

    Every `every_s` it reports (monotonic time of the latest send, records sent so far)
    to `on_sent`: the produce side of the latency cohorts.
    """
    producer = _producer(bench.bootstrap)
    await producer.start()
    sent = reported = 0
    try:
        in_flight = []
        t0 = last_report = last_send = time.monotonic()
        for record in records:
            now = time.monotonic()
            if now - t0 >= seconds:
                break
            ahead = t0 + sent / rate - now
            if ahead > 0.002:
                await asyncio.sleep(ahead)
            in_flight.append(await producer.send(prefix + record.topic, record.value, record.key))
            sent, last_send = sent + 1, time.monotonic()
            if on_sent is not None and last_send - last_report >= every_s:
                on_sent(last_send, sent)
                last_report, reported = last_send, sent
            if len(in_flight) >= ACK_EVERY:
                await acknowledged(in_flight, sent)
                in_flight.clear()
        if on_sent is not None and sent > reported:
            on_sent(last_send, sent)
        await producer.flush()
        await acknowledged(in_flight, sent)
    finally:
        await producer.stop()
    return sent
