"""SASL/SCRAM: the worker connects with the right password and is refused, clearly,
with a wrong one. (TLS is configured the same way with PULSE_KAFKA_SSL_CAFILE.)"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from newsroom import encode, view, wait_for

from streams.localkafka import LocalKafka, free_ports, sasl_scram_properties
from streams.processes import WorkerError, WorkerProcess


@pytest.fixture
def secured_kafka(tmp_path: Path) -> LocalKafka:
    port = free_ports(1)[0]
    broker = LocalKafka(
        tmp_path / "kafka",
        port=port,
        extra_properties=sasl_scram_properties(port, "admin", "admin-secret"),
        scram_users={"admin": "admin-secret", "pulse": "s3cret-pw"},
    )
    broker.start()
    yield broker
    broker.stop()


def credentials(password: str) -> dict[str, str]:
    return {"PULSE_KAFKA_USERNAME": "pulse", "PULSE_KAFKA_PASSWORD": password}


def test_a_wrong_password_is_refused_with_a_clear_error(
    secured_kafka: LocalKafka, unique_name: str, tmp_path: Path
) -> None:
    w = WorkerProcess(
        secured_kafka.bootstrap, tmp_path / "w", app_id=unique_name, env=credentials("wrong")
    )
    with pytest.raises(WorkerError) as failed:
        w.start(timeout=60)
    assert w.proc is not None and w.proc.returncode == 2
    assert "refused the credentials of user 'pulse' (SCRAM-SHA-512)" in str(failed.value)


def test_the_right_password_works_end_to_end(
    secured_kafka: LocalKafka, unique_name: str, tmp_path: Path
) -> None:
    prefix = f"{unique_name}."
    with WorkerProcess(
        secured_kafka.bootstrap,
        tmp_path / "w",
        app_id=unique_name,
        topic_prefix=prefix,
        env=credentials("s3cret-pw"),
    ) as w:

        async def send() -> None:
            producer = AIOKafkaProducer(
                bootstrap_servers=secured_kafka.bootstrap,
                security_protocol="SASL_PLAINTEXT",
                sasl_mechanism="SCRAM-SHA-512",
                sasl_plain_username="pulse",
                sasl_plain_password="s3cret-pw",
            )
            await producer.start()
            try:
                for i in range(3):
                    event = view("s-1", f"reader-{i:04d}", time.time() - 5)
                    await producer.send_and_wait(
                        f"{prefix}web.page-viewed", encode(event), key=b"s-1"
                    )
            finally:
                await producer.stop()

        asyncio.run(send())
        totals = wait_for(
            lambda: (t := w.get_json("/api/v1/totals"))["page_views"]["by_section"] and t,
            what="the views folded",
        )
        assert totals["page_views"]["by_section"] == {"unknown": 3}
