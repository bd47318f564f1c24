"""Build the Faust app from Settings, and nothing else (agents and views attach elsewhere)."""

from __future__ import annotations

import faust

from streams.config import Settings


def create_app(settings: Settings) -> faust.App:
    """A Faust app wired to our transport (the batch consumer) and our settings."""
    return faust.App(
        settings.app_id,
        broker=settings.faust_broker,
        broker_credentials=_credentials(settings),
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        canonical_url=settings.web_url,
        datadir=str(settings.data_dir / f"worker-{settings.web_port}"),
        store="memory://",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_disable_leader=False,  # the engagement watch runs on the leader only
        table_standby_replicas=0,
        broker_commit_interval=settings.commit_interval_seconds,
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_seconds / 3),
        broker_max_poll_records=settings.batch_max_records,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_linger=0.005,
        producer_max_batch_size=1_048_576,
        web_in_thread=False,
        autodiscover=False,
    )


def _credentials(settings: Settings) -> faust.SASLCredentials | None:
    """SASL/SCRAM credentials when configured (over TLS when a CA file is given)."""
    if settings.kafka_username is None or settings.kafka_password is None:
        return None
    ssl_context = None
    if settings.kafka_ssl_cafile is not None:
        import ssl

        ssl_context = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile))
    return faust.SASLCredentials(
        username=settings.kafka_username,
        password=settings.kafka_password.get_secret_value(),
        mechanism=settings.kafka_sasl_mechanism,
        ssl_context=ssl_context,
    )
