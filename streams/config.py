"""Settings: one frozen object built once from `PULSE_*` variables and passed down.

Faust reads a few unprefixed variables itself (`BROKER_URL`, `APP_*`); ours all carry the
`PULSE_` prefix so the two never collide.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a worker, the collector and the CLI can be told from outside."""

    model_config = SettingsConfigDict(env_prefix="PULSE_", frozen=True, extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None

    app_id: str = "newsroom-pulse"
    #: Prepended to every topic name (contract names stay the logical ones): lets several
    #: pipelines, or tests, share one cluster without seeing each other's records.
    topic_prefix: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    #: the URL the other workers reach this one at (its API share); needed when binding
    #: to 0.0.0.0 in a container. Default: http://{web_host}:{web_port}
    advertised_url: str | None = None
    data_dir: Path = Path("var")
    partitions: int = Field(default=4, ge=1, le=1024)
    replication_factor: int = Field(default=1, ge=1)

    grace_seconds: float = Field(default=300.0, ge=0)
    #: wall-clock quiet after which a partition's windows close anyway (windowing.py)
    idle_seconds: float = Field(default=60.0, gt=0)
    dedup_horizon_seconds: float = Field(default=3600.0, ge=3600)
    future_tolerance_seconds: float = Field(default=600.0, ge=0)
    #: event time the per-minute series are kept for: the engagement baseline looks
    #: back two weeks (and 135 minutes), the API at most 7 days
    series_retention_seconds: float = Field(default=15 * 86400.0, ge=15 * 86400.0)

    #: how often the leader's engagement watch looks for newly closed minutes
    alert_interval_seconds: float = Field(default=30.0, gt=0)
    label_cap: int = Field(default=50, ge=1)
    site_hosts: tuple[str, ...] = ("pulse-news.example",)

    collector_max_events: int = Field(default=500, ge=1)
    collector_max_bytes: int = Field(default=1_000_000, ge=1024)
    collector_token: SecretStr | None = None
    collector_read_timeout_seconds: float = Field(default=10.0, gt=0)

    #: how long a dead worker keeps its partitions before the group takes them back
    session_timeout_seconds: float = Field(default=10.0, ge=6.0)
    batch_max_records: int = Field(default=5000, ge=1)
    commit_interval_seconds: float = Field(default=1.0, gt=0)
    log_level: str = "warning"

    @property
    def faust_broker(self) -> str:
        """The Faust broker URL: our transport (batch consumer) over aiokafka."""
        hosts = ";".join(f"pulse://{h.strip()}" for h in self.kafka_bootstrap.split(","))
        return hosts

    def topic(self, name: str) -> str:
        """The physical name of a contract (logical) topic."""
        return f"{self.topic_prefix}{name}"

    @property
    def web_url(self) -> str:
        return self.advertised_url or f"http://{self.web_host}:{self.web_port}"


def kafka_client_security(settings: Settings) -> dict[str, Any]:
    """aiokafka keyword arguments for SASL/SCRAM (and TLS) when configured."""
    if settings.kafka_username is None or settings.kafka_password is None:
        return {}
    protocol = "SASL_SSL" if settings.kafka_ssl_cafile else "SASL_PLAINTEXT"
    extra: dict[str, Any] = {
        "security_protocol": protocol,
        "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": settings.kafka_username,
        "sasl_plain_password": settings.kafka_password.get_secret_value(),
    }
    if settings.kafka_ssl_cafile:
        extra["ssl_context"] = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile))
    return extra
