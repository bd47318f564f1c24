"""The local broker behaves like Kafka: it answers, keeps exact records, survives restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.localkafka import LocalKafka, LocalKafkaError, broker_answers

Record = tuple[int, int, bytes | None, bytes | None]  # partition, offset, key, value


async def create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, replication_factor=1)])
    finally:
        await admin.close()


async def produce(bootstrap: str, topic: str, messages: list[tuple[int, bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for partition, key, value in messages:
            await producer.send_and_wait(topic, value, key=key, partition=partition)
    finally:
        await producer.stop()


async def consume(
    bootstrap: str, topic: str, group: str, expected: int
) -> tuple[list[Record], dict[int, int]]:
    """Read `expected` records from the start; also the end offset of each partition."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        records: list[Record] = []
        async with asyncio.timeout(30):
            while len(records) < expected:
                batches = await consumer.getmany(timeout_ms=500)
                for batch in batches.values():
                    records += [(r.partition, r.offset, r.key, r.value) for r in batch]
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return sorted(records), {tp.partition: offset for tp, offset in ends.items()}


def sample(n: int) -> list[tuple[int, bytes, bytes]]:
    """`n` messages over two partitions, with non-ASCII values as real titles have."""
    return [(i % 2, f"k{i}".encode(), f"Заголовок {i}".encode()) for i in range(n)]


def expected_records(messages: list[tuple[int, bytes, bytes]]) -> list[Record]:
    offsets = {0: 0, 1: 0}
    out: list[Record] = []
    for partition, key, value in messages:
        out.append((partition, offsets[partition], key, value))
        offsets[partition] += 1
    return sorted(out)


async def test_broker_answers(kafka: LocalKafka, kafka_bootstrap: str) -> None:
    assert kafka.is_running()
    assert kafka_bootstrap == f"127.0.0.1:{kafka.port}"
    assert broker_answers("127.0.0.1", kafka.port)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        assert [b["port"] for b in cluster["brokers"]] == [kafka.port]
        assert cluster["controller_id"] == 1
    finally:
        await admin.close()


async def test_idempotent_produce_then_consume_exact_records(
    kafka_bootstrap: str, unique_name: str
) -> None:
    messages = sample(20)
    await create_topic(kafka_bootstrap, unique_name, partitions=2)
    await produce(kafka_bootstrap, unique_name, messages)

    records, ends = await consume(kafka_bootstrap, unique_name, unique_name, len(messages))

    assert records == expected_records(messages)
    assert ends == {0: 10, 1: 10}


async def test_restart_on_same_data_dir_keeps_topics_and_records(
    tmp_path: Path, unique_name: str
) -> None:
    messages = sample(6)
    first = LocalKafka(tmp_path / "kafka")
    with first:
        await create_topic(first.bootstrap, unique_name, partitions=2)
        await produce(first.bootstrap, unique_name, messages)
    assert not first.is_running()
    first.stop()  # idempotent

    # a new instance, same client port, another controller port: the data must not care
    second = LocalKafka(tmp_path / "kafka", port=first.port)
    second.start()
    try:
        assert second.is_formatted()
        records, ends = await consume(second.bootstrap, unique_name, unique_name, len(messages))
        assert records == expected_records(messages)
        assert ends == {0: 3, 1: 3}
    finally:
        second.kill()
    assert not second.is_running()
    assert not broker_answers("127.0.0.1", second.port, timeout=0.5)

    # formatted already, so a bad setting now fails in the broker itself: the error
    # must carry the end of kafka.log
    broken = LocalKafka(tmp_path / "kafka", extra_properties={"num.io.threads": "zero"})
    with pytest.raises(LocalKafkaError, match=r"(?s)exited with code 1 .*num\.io\.threads"):
        broken.start(timeout=60)
    assert not broken.is_running()


def test_bad_config_fails_at_format_with_the_reason(tmp_path: Path) -> None:
    broken = LocalKafka(tmp_path / "kafka", extra_properties={"num.io.threads": "zero"})
    with pytest.raises(LocalKafkaError, match=r"(?s)formatting .* failed.*num\.io\.threads"):
        broken.start(timeout=60)
    assert not broken.is_running()
    assert not broken.is_formatted()
