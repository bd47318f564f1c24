"""Read back the window records a partition sent after its last saved checkpoint.

Without Kafka transactions, a crash can fall between sending a closed window's record
and saving that it was sent. Reading our own output from the checkpoint to its end
tells the restarted folder which of those windows must not be sent again.
"""

from __future__ import annotations

import orjson
from aiokafka import TopicPartition

from streams.config import Settings, kafka_client_security
from streams.ingest.closing import window_id_of_record
from streams.ingest.transport import backed_off_consumer
from streams.topics import FUNNEL, READERSHIP


async def read_emitted(settings: Settings, partition: int, checkpoint: dict[str, int]) -> set[str]:
    """Window ids in `pulse.readership` / `pulse.funnel` partition `partition` since
    `checkpoint` (logical topic → offset; from the start when absent)."""
    topics = {TopicPartition(settings.topic(t), partition): t for t in (READERSHIP, FUNNEL)}
    consumer = backed_off_consumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        **kafka_client_security(settings),
    )
    await consumer.start()
    emitted: set[str] = set()
    try:
        consumer.assign(list(topics))
        ends = await consumer.end_offsets(list(topics))
        for tp, logical in topics.items():
            start = checkpoint.get(logical, 0)
            if start >= ends[tp]:
                continue
            consumer.seek(tp, start)
            while await consumer.position(tp) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=1000)
                for record in batch.get(tp, []):
                    if record.value:
                        emitted.add(window_id_of_record(logical, orjson.loads(record.value)))
    finally:
        await consumer.stop()
    return emitted
