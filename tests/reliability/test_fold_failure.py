"""A fold that raises stops the worker, loudly, with nothing of the failing batch counted.

The batch handlers run inside Faust's fetcher (streams/ingest/transport.py): an
exception there crashes the fetcher and then the worker (exit status 1), and the batch's
offsets are never acknowledged, so a restarted worker reads it again. The failure used
is a real one: a routed message in the one-record format after packed ones, which is
what a worker of an earlier version still routing leaves (README, Upgrading).
A Faust upgrade that turned the crash into a skip would lose events silently; this
test fails then.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from newsroom import wait_for
from scenarios import send, traffic
from test_failures import PARTITIONS, folded, worker

from streams.simulate.run import ensure_topics
from streams.topics import ROUTED

PARTITION = 0


async def send_one_record_message(bootstrap: str, topic: str) -> int:
    """A routed record in the earlier one-record format; returns its offset."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        meta = await producer.send_and_wait(topic, b'{"s":"web.page-viewed"}', partition=PARTITION)
        return int(meta.offset)
    finally:
        await producer.stop()


async def marks(bootstrap: str, group: str, topic: str) -> tuple[int | None, int]:
    """The group's committed offset of the partition, and the partition's end offset."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        tp = TopicPartition(topic, PARTITION)
        offset: int | None = await consumer.committed(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        return offset, int(end)
    finally:
        await consumer.stop()


def all_committed(bootstrap: str, group: str, topic: str) -> bool:
    mark, end = asyncio.run(marks(bootstrap, group, topic))
    return mark == end


def test_a_failing_fold_stops_the_worker_before_its_batch_is_acknowledged(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    prefix = f"{unique_name}."
    routed = f"{prefix}{ROUTED}"
    records = traffic(1000)
    asyncio.run(ensure_topics(kafka_bootstrap, PARTITIONS, prefix=prefix))
    send(kafka_bootstrap, prefix, records)
    w = worker(kafka_bootstrap, unique_name, tmp_path / "w").start()
    try:
        wait_for(lambda: folded(w) == len(records), timeout=120, what="every record folded")
        wait_for(lambda: all_committed(kafka_bootstrap, unique_name, routed), 60, "the commit")
        bad = asyncio.run(send_one_record_message(kafka_bootstrap, routed))
        wait_for(lambda: w.proc is not None and w.proc.poll() is not None, 60, "the worker exit")
        assert w.proc is not None and w.proc.returncode == 1
        log = w.log_path.read_text()
        assert f"{routed}[{PARTITION}] offset {bad} is a record in the earlier" in log
        assert "Stop every worker" in log  # what to do, in the log that says it
        mark, end = asyncio.run(marks(kafka_bootstrap, unique_name, routed))
        assert (mark, end) == (bad, bad + 1)  # everything before it, and not it
    finally:
        w.stop()
