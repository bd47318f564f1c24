"""The worker creates Faust's own topics itself, exactly as Faust would declare them."""

from __future__ import annotations

import itertools

from faust.transport.drivers import aiokafka as faust_aiokafka

from streams.config import Settings
from streams.tables import TABLE_NAMES
from streams.worker import build_worker, faust_topic_config, faust_topic_specs


def test_specs_name_every_changelog_and_the_leader_topic() -> None:
    settings = Settings(app_id="pulse-x", partitions=6, replication_factor=1)
    specs = {s.name: s for s in faust_topic_specs(build_worker(settings).app)}
    changelogs = {f"pulse-x-{name}-changelog" for name in TABLE_NAMES}
    assert set(specs) == changelogs | {"pulse-x-__assignor-__leader"}
    for name in changelogs:
        assert specs[name].num_partitions == 6  # co-partitioned with the routed topic
        assert specs[name].topic_configs == {"cleanup.policy": "compact"}
    assert specs["pulse-x-__assignor-__leader"].num_partitions == 1


def test_topic_config_is_the_one_faust_creates() -> None:
    for retention, compacting, deleting in itertools.product(
        (None, 0, 86_400_000), (None, False, True), (None, False, True)
    ):
        transport: faust_aiokafka.Transport = None  # type: ignore[assignment]  # unused
        theirs = faust_aiokafka.Transport._topic_config(transport, retention, compacting, deleting)
        ours = faust_topic_config(retention, compacting, deleting)
        assert ours == {k: str(v) for k, v in theirs.items()}
