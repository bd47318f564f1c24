"""A failed metadata refresh waits the client's retry backoff (transport.py).

aiokafka's producer asks for fresh metadata again as soon as a refresh ends while a
partition it has batches for has no leader (its fetcher does the same); with the broker
gone each refresh fails at once, and a worker spun a core on it
(tests/reliability/test_broker_outage.py shows it on a real broker).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from aiokafka.client import AIOKafkaClient

from streams.config import Settings
from streams.ingest.transport import Transport, back_off_failed_metadata, backed_off_consumer

BACKOFF_MS = 50


async def refreshes_asked_at_once(client: Any, periods: int) -> int:
    """Refresh attempts made while a caller asks again as soon as each one ends, as
    aiokafka's sender does for a partition without a leader, for `periods` backoffs."""
    attempts = 0
    update = client._metadata_update

    async def counted(cluster_metadata: Any, topics: Any) -> bool:
        nonlocal attempts
        attempts += 1
        ok: bool = await update(cluster_metadata, topics)
        return ok

    client._metadata_update = counted
    back_off_failed_metadata(client)
    client._sync_task = asyncio.create_task(client._md_synchronizer())  # as bootstrap() does

    async def eager_caller() -> None:
        while True:
            await client.force_metadata_update()

    caller = asyncio.create_task(eager_caller())
    await asyncio.sleep(periods * BACKOFF_MS / 1000)
    caller.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await caller
    await client.close()
    return attempts


async def test_refreshes_that_fail_at_once_are_paced_by_the_retry_backoff() -> None:
    # no broker known and none reachable: every refresh fails without a round trip
    client = AIOKafkaClient(bootstrap_servers="127.0.0.1:1", retry_backoff_ms=BACKOFF_MS)
    periods = 10
    attempts = await refreshes_asked_at_once(client, periods)
    # one attempt a backoff (and the first one at once); without it, thousands
    assert 1 <= attempts <= 2 * periods + 2


async def test_a_successful_refresh_is_not_delayed() -> None:
    async def succeeds(cluster_metadata: Any, topics: Any) -> bool:
        return True

    client = SimpleNamespace(_metadata_update=succeeds, _retry_backoff=3600.0)
    back_off_failed_metadata(client)
    assert await asyncio.wait_for(client._metadata_update(None, None), timeout=10) is True


async def test_a_failed_refresh_is_still_reported_as_failed() -> None:
    async def fails(cluster_metadata: Any, topics: Any) -> bool:
        return False

    client = SimpleNamespace(_metadata_update=fails, _retry_backoff=0.001)
    back_off_failed_metadata(client)
    assert await client._metadata_update(None, None) is False


@pytest.fixture
async def app() -> AsyncIterator[Any]:
    # async, so that Faust takes the test's running loop instead of making its own
    yield faust.App("metadata-backoff", broker="pulse://127.0.0.1:1", autodiscover=False)


def backs_off(client: Any) -> bool:
    return str(client._metadata_update.__qualname__).startswith(back_off_failed_metadata.__name__)


async def test_the_workers_producer_backs_off(app: Any) -> None:
    assert isinstance(app.transport, Transport)
    producer = app.producer._new_producer()
    try:
        assert backs_off(producer.client)
    finally:
        await producer.stop()


async def test_the_workers_consumer_backs_off(app: Any) -> None:
    async def rebalanced(tps: Any) -> None:
        return None

    consumer = app.transport.create_consumer(
        callback=lambda message: None,
        on_partitions_revoked=rebalanced,
        on_partitions_assigned=rebalanced,
    )
    kafka = consumer._thread._create_worker_consumer(app.transport)
    try:
        assert backs_off(kafka._client)
    finally:
        await kafka.stop()
        consumer._thread.thread_loop.close()  # the consumer thread's own loop: never started


async def test_the_short_reads_of_the_output_topics_back_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """readback.py and the alerts' restore take their consumers from `backed_off_consumer`."""
    from streams.alerts import agents as alert_agents
    from streams.ingest import readback

    made: list[Any] = []

    def recording(**config: Any) -> Any:
        consumer = backed_off_consumer(**config)
        made.append(consumer)
        raise RuntimeError("stop here")  # the construction is what is checked

    for module in (readback, alert_agents):
        monkeypatch.setattr(module, "backed_off_consumer", recording)
    with pytest.raises(RuntimeError, match="stop here"):
        await readback.read_emitted(Settings(), 0, {})
    watch: Any = SimpleNamespace(settings=Settings())
    with pytest.raises(RuntimeError, match="stop here"):
        await alert_agents.EngagementWatch._restore(watch)
    assert len(made) == 2 and all(backs_off(c._client) for c in made)
    for consumer in made:
        await consumer.stop()
