"""send_batches: every record lands in one batch of its partition, in order, none lost."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from streams.ingest.batchsend import send_batches


class Builder:
    """aiokafka's BatchBuilder contract: `append` answers None once the batch is full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.records: list[tuple[bytes, bytes]] = []

    def append(self, *, key: bytes, value: bytes, timestamp: Any) -> object | None:
        if len(self.records) >= self.capacity or len(key) + len(value) > 1000:
            return None
        self.records.append((key, value))
        return object()


class Producer:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.sent: list[tuple[str, int, list[tuple[bytes, bytes]]]] = []

    def create_batch(self) -> Builder:
        return Builder(self.capacity)

    async def send_batch(self, batch: Builder, topic: str, *, partition: int) -> Any:
        self.sent.append((topic, partition, batch.records))
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        future.set_result(len(batch.records))
        return future


def test_records_are_grouped_by_partition_split_when_full_and_kept_in_order() -> None:
    records = [(i % 3, f"k{i}".encode(), f"v{i}".encode()) for i in range(20)]
    producer = Producer(capacity=3)

    async def run() -> list[int]:
        futures = await send_batches(producer, "routed", records)
        return list(await asyncio.gather(*futures))

    counts = asyncio.run(run())
    assert sum(counts) == 20
    assert all(len(records) <= 3 for _, _, records in producer.sent)
    for partition in range(3):
        got = [kv for _, p, batch in producer.sent if p == partition for kv in batch]
        assert got == [(k, v) for p, k, v in records if p == partition]
    assert {topic for topic, _, _ in producer.sent} == {"routed"}


def test_a_record_too_big_for_any_batch_is_an_error_not_a_silent_drop() -> None:
    producer = Producer(capacity=3)

    async def run() -> None:
        await send_batches(producer, "routed", [(0, b"k", b"x" * 2000)])

    with pytest.raises(ValueError, match="fits no batch"):
        asyncio.run(run())
