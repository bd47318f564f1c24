"""Shared fixtures: one real Kafka broker for the whole session, and test layers.

A broker that cannot start fails the tests that need it: skipping would let a broken
toolchain pass CI silently.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.localkafka import LocalKafka

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE / "support"))  # tests/support/newsroom.py: events and plumbing

LAYERS = {"integration": _HERE / "integration", "reliability": _HERE / "reliability"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under tests/integration and tests/reliability get their layer's marker."""
    for item in items:
        path = item.path.resolve()
        for marker, folder in LAYERS.items():
            if path.is_relative_to(folder):
                item.add_marker(getattr(pytest.mark, marker))


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
