"""Before the group join, the worker has created Faust's topics on the real broker."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams.config import Settings
from streams.worker import build_worker, ensure_topics, faust_topic_specs


async def _cleanup_policy(bootstrap: str, topic: str) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, {"cleanup.policy": None})]
        )
        [(_, _, _, _, entries)] = response.resources
        return str({entry[0]: entry[1] for entry in entries}["cleanup.policy"])
    finally:
        await admin.close()


def test_changelogs_and_leader_topic_exist_before_faust_starts(
    kafka_bootstrap: str, unique_name: str
) -> None:
    settings = Settings(
        kafka_bootstrap=kafka_bootstrap, app_id=unique_name, topic_prefix=f"{unique_name}."
    )
    specs = faust_topic_specs(build_worker(settings).app)
    created = asyncio.run(ensure_topics(settings, specs))
    assert {s.name for s in specs} <= set(created)
    assert f"{unique_name}-windows-changelog" in created
    policy = asyncio.run(_cleanup_policy(kafka_bootstrap, f"{unique_name}-windows-changelog"))
    assert policy == "compact"
    assert asyncio.run(ensure_topics(settings, specs)) == []  # a restart creates nothing
