"""The limit: one aiokafka consumer that only reads the records and JSON-decodes them.

No consumer group, no validation, no state, no produce: what one Python process can
pull out of this broker on this machine. A Python worker can only sit under it, so
pulse/limit says how much of the ceiling the processing leaves.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from benchmarks.common import Bench, BenchError, run_async
from benchmarks.produce import dataset
from streams.topics import INPUT_TOPICS

MAX_RECORDS = 5_000  # the worker's PULSE_BATCH_MAX_RECORDS


async def _read_all(bootstrap: str, topics: list[str], total: int, timeout: float) -> float:
    """Seconds to read and decode `total` records from the start of `topics`."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=MAX_RECORDS,
    )
    await consumer.start()
    try:
        consumer.subscribe(topics)  # no group: every partition, from the earliest offset
        count, t0 = 0, time.monotonic()
        while count < total:
            if time.monotonic() - t0 > timeout:
                raise BenchError(f"read only {count} of {total} records in {timeout:.0f} s")
            batches = await consumer.getmany(timeout_ms=1000, max_records=MAX_RECORDS)
            for records in batches.values():
                for record in records:
                    orjson.loads(record.value)
                count += len(records)
        return time.monotonic() - t0
    finally:
        await consumer.stop()


def run(bench: Bench) -> dict[str, Any]:
    prefix = dataset(bench, "data")
    total = bench.sizes.events
    cpu0 = time.process_time()
    seconds = run_async(
        _read_all(bench.bootstrap, [prefix + t for t in INPUT_TOPICS], total, 60 + total / 1000)
    )
    cpu = time.process_time() - cpu0
    return {
        "limit_events_per_s": total / seconds,
        "limit_seconds": seconds,
        "limit_cpu_seconds_per_million": cpu / total * 1e6,
    }
