"""Assemble a worker (app, tables, metrics, handlers, views) and run it."""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import Any

import faust
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from streams.alerts.views import install_alerts
from streams.api.views import install_views
from streams.app import create_app
from streams.config import Settings, kafka_client_security
from streams.gctune import tune_gc
from streams.ingest.agents import Pipeline
from streams.logrepeat import collapse_repeats
from streams.malloc import pin_mmap_threshold
from streams.metrics import PulseMetrics
from streams.tables import PulseTables
from streams.topics import DEAD_LETTER, INPUT_TOPICS, OUTPUT_TOPICS, ROUTED
from streams.web.api import install_live_api
from streams.web.page import install_page

DAY_MS = 24 * 3600 * 1000


@dataclass
class Worker:
    """Everything one `pulse worker` process holds."""

    settings: Settings
    app: Any
    pipeline: Pipeline


class QuietWorker(faust.Worker):
    """Faust's worker with the log level it was given, and our loggers left on.

    Faust's terminal spinner sets the root logger to DEBUG (whatever `loglevel` says) so
    that every record spins it: aiokafka then builds a debug record for every message it
    sends, measured at ~10 % of the worker's CPU. And mode's dictConfig disables loggers
    created before it, `streams.*` among them. Repeated warnings and errors (every
    client's retries while the broker is away) are collapsed (logrepeat.py).
    """

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        self.spinner = None  # no spinner handler, so the root keeps `level`
        collapse_repeats(logger)
        for name, existing in logging.root.manager.loggerDict.items():
            if name.startswith("streams") and isinstance(existing, logging.Logger):
                existing.disabled = False


def build_worker(settings: Settings) -> Worker:
    app = create_app(settings)
    tables = PulseTables.create(app, settings.partitions)
    pipeline = Pipeline(app, settings, tables, PulseMetrics())
    pipeline.install()
    install_views(app, settings, pipeline)
    install_alerts(app, settings, pipeline)
    install_live_api(app, pipeline)
    install_page(app)
    return Worker(settings, app, pipeline)


def topic_specs(settings: Settings) -> list[NewTopic]:
    """Every topic the worker reads or writes, except Faust's own (`faust_topic_specs`)."""
    n, rf = settings.partitions, settings.replication_factor
    specs = []
    for topic in (*INPUT_TOPICS, ROUTED, *OUTPUT_TOPICS):
        days = 30 if topic == DEAD_LETTER else 7
        config = {"retention.ms": str(days * DAY_MS)}
        specs.append(NewTopic(settings.topic(topic), n, rf, topic_configs=config))
    return specs


def faust_topic_specs(app: Any) -> list[NewTopic]:
    """The topics Faust would declare itself, the tables' changelogs and the leader topic,
    with the partitions, replication and cleanup policy Faust would give them.

    Faust creates them once the app starts, just before the consumer joins its group; a
    consumer whose metadata does not list a changelog topic yet at the assignment was
    assigned none of its partitions ("Ignoring missing topic"), so its tables never
    recovered and the worker never folded, refreshing metadata in a loop at 70 % of a
    core (seen in the benchmark and the reliability suite). Created here first, they are
    in the metadata before the group is joined, and Faust finds them existing.
    """
    topics = [table.changelog_topic for table in app.tables.values()]
    if not app.conf.topic_disable_leader:
        topics.append(app._leader_assignor._leader_topic)
    specs: list[NewTopic] = []
    for topic in topics:
        partitions = topic.partitions or app.conf.topic_partitions
        replicas = topic.replicas or app.conf.topic_replication_factor or 1
        config = faust_topic_config(topic.retention, topic.compacting, topic.deleting)
        config.update({key: str(value) for key, value in (topic.config or {}).items()})
        specs.extend(
            NewTopic(name, partitions, replicas, topic_configs=config) for name in topic.topics
        )
    return specs


def faust_topic_config(
    retention: float | None, compacting: bool | None, deleting: bool | None
) -> dict[str, str]:
    """The topic configuration faust-streaming's aiokafka driver creates (`_topic_config`)."""
    config: dict[str, str] = {}
    flags = [flag for flag, on in (("compact", compacting), ("delete", deleting)) if on]
    if flags:
        config["cleanup.policy"] = ",".join(flags)
    if retention:
        config["retention.ms"] = str(int(retention))
    return config


async def ensure_topics(
    settings: Settings, extra: list[NewTopic] | None = None, timeout: float = 60.0
) -> list[str]:
    """Create missing topics (a production broker has auto-creation off); returns new ones."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap, **kafka_client_security(settings)
    )
    await asyncio.wait_for(admin.start(), timeout)
    try:
        existing = set(await admin.list_topics())
        wanted = [*topic_specs(settings), *(extra or [])]
        missing = [s for s in wanted if s.name not in existing]
        created = []
        for spec in missing:
            try:
                await admin.create_topics([spec])
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        await admin.close()


def connection_problem(settings: Settings, exc: BaseException) -> str:
    """Say what went wrong connecting: refused credentials, or no broker at all."""
    from streams.health import BrokerProbe

    where = f"Kafka at {settings.kafka_bootstrap}"
    if settings.kafka_username is None:
        return f"cannot reach {where}: {exc}"
    who = f"user {settings.kafka_username!r} ({settings.kafka_sasl_mechanism})"
    probe = BrokerProbe(settings.kafka_bootstrap, tls=settings.kafka_ssl_cafile is not None)
    if probe.any_answers():
        return f"{where} refused the credentials of {who}: check PULSE_KAFKA_PASSWORD ({exc})"
    return f"cannot reach {where} as {who}: {exc}"


def run_worker(settings: Settings) -> int:
    """`pulse worker`: create topics, then run the Faust worker until stopped."""
    pin_mmap_threshold()
    tune_gc()
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    worker = build_worker(settings)
    try:
        created = asyncio.run(ensure_topics(settings, faust_topic_specs(worker.app)))
    except (KafkaError, TimeoutError) as exc:
        print(f"pulse worker: {connection_problem(settings, exc)}", file=sys.stderr, flush=True)
        return 2
    if created:
        print(f"created topics: {', '.join(created)}", flush=True)
    print(
        f"pulse worker: API and /metrics on {settings.web_url}, Kafka {settings.kafka_bootstrap}",
        flush=True,
    )
    faust_worker = QuietWorker(worker.app, loglevel=settings.log_level, quiet=True)
    faust_worker.execute_from_commandline()
    return 0
