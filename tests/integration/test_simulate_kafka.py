"""`pulse simulate` against the real broker: what run() reports is what Kafka holds."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import orjson
from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from schemas.events import EVENT_ADAPTER, TOPIC_EVENT_TYPES
from streams import topics
from streams.simulate.run import ensure_topics, run

N = 2_000


async def read_back(bootstrap: str, names: list[str], group: str, expected: int) -> Counter[str]:
    """Count the records of `names` from the start, checking the good ones on the way."""
    consumer = AIOKafkaConsumer(
        *names,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: Counter[str] = Counter()
    try:
        deadline = time.monotonic() + 60
        while sum(seen.values()) < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=1_000)
            for records in batches.values():
                for record in records:
                    seen[record.topic] += 1
                    check_event(record.topic, record.key, record.value or b"")
        await asyncio.sleep(1.0)  # nothing more should turn up
        extra = await consumer.getmany(timeout_ms=1_000)
        seen.update(r.topic for records in extra.values() for r in records)
    finally:
        await consumer.stop()
    return seen


KEY_FIELDS = {
    topics.ARTICLES: ("article_id",),
    topics.PAGE_VIEWS: ("article_id", "url"),
    topics.BANNER_EVENTS: ("campaign_id",),
    topics.DONATIONS: ("reader_id",),
}


def check_event(topic: str, key: bytes | None, value: bytes) -> None:
    """A good event sits on its topic under the contract's key."""
    contract_topic = topic.split(".", 1)[1]  # drop the test's prefix
    try:
        event = EVENT_ADAPTER.validate_json(value)
    except ValidationError:
        return  # a malformed record: its count is checked, not its content
    if event.event_type in TOPIC_EVENT_TYPES[contract_topic]:
        data = orjson.loads(value)
        field = next(f for f in KEY_FIELDS[contract_topic] if f in data)
        assert key == data[field].encode()


async def test_run_counts_match_what_kafka_holds(kafka_bootstrap: str, unique_name: str) -> None:
    prefix = f"{unique_name}."
    counts = await run(
        kafka_bootstrap,
        N,
        None,
        seed=7,
        duplicates=0.02,
        malformed=0.05,
        progress=False,
        articles=50,
        readers=1_000,
        create_topics=True,
        partitions=3,
        topic_prefix=prefix,
    )
    names = [prefix + t for t in topics.INPUT_TOPICS]
    assert counts.total == N
    assert set(counts.per_topic()) == set(names)
    assert counts.per_kind()["duplicate"] > 0 and counts.per_kind()["malformed"] > 0
    seen = await read_back(kafka_bootstrap, names, unique_name, N)
    assert dict(seen) == counts.per_topic()
    await ensure_topics(kafka_bootstrap, 3, prefix=prefix)  # already there: no error


async def test_rate_paces_the_event_clock(kafka_bootstrap: str, unique_name: str) -> None:
    prefix = f"{unique_name}."
    started = time.monotonic()
    counts = await run(
        kafka_bootstrap,
        450,
        400.0,
        seed=1,
        duplicates=0.0,
        malformed=0.0,
        progress=False,
        articles=50,
        readers=100,
        create_topics=True,
        partitions=1,
        topic_prefix=prefix,
    )
    elapsed = time.monotonic() - started
    assert counts.total == 450
    assert elapsed >= 0.9 * (450 - 50) / 400.0  # the catalogue goes at once, then 400/s


async def test_stop_ends_an_endless_run_cleanly(kafka_bootstrap: str, unique_name: str) -> None:
    prefix = f"{unique_name}."
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(1.5, stop.set)
    counts = await run(
        kafka_bootstrap,
        None,
        300.0,
        seed=2,
        duplicates=0.01,
        malformed=0.01,
        progress=False,
        articles=20,
        readers=100,
        create_topics=True,
        partitions=1,
        topic_prefix=prefix,
        stop=stop,
    )
    names = [prefix + t for t in topics.INPUT_TOPICS]
    assert 100 <= counts.total <= 1_000
    seen = await read_back(kafka_bootstrap, names, unique_name, counts.total)
    assert dict(seen) == counts.per_topic()
