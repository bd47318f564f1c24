"""Integration fixtures: one real Kafka broker for the whole session.

A broker that cannot start fails the tests that need it: skipping would let a broken
toolchain pass CI silently.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.localkafka import LocalKafka

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/integration is an `integration` test."""
    for item in items:
        if item.path.resolve().is_relative_to(_HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """A running LocalKafka on free loopback ports, shared by the session."""
    broker = LocalKafka(tmp_path_factory.mktemp("kafka"))
    broker.start()  # LocalKafkaError (with the log tail) fails the tests: never a skip
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka: LocalKafka) -> str:
    """`127.0.0.1:PORT` of the session broker."""
    return kafka.bootstrap


@pytest.fixture
def unique_name() -> str:
    """A fresh name for this test's topics and consumer groups (the broker is shared)."""
    return f"t-{uuid.uuid4().hex[:12]}"
