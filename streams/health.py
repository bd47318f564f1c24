"""Is the broker there? Readiness must say no while Kafka is unreachable.

Faust keeps its assignment and retries quietly when the broker goes away, so readiness
asks the broker itself every few seconds: an ApiVersions request (answered before any
SASL handshake) on a plaintext or SASL listener, a TCP connect when TLS is in the way.
"""

from __future__ import annotations

import asyncio
import socket

from streams.localkafka import broker_answers


def _hosts(bootstrap: str) -> list[tuple[str, int]]:
    out = []
    for item in bootstrap.split(","):
        host, _, port = item.strip().rpartition(":")
        out.append((host or "127.0.0.1", int(port or 9092)))
    return out


def _tcp_open(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class BrokerProbe:
    """The last answer of the broker check, refreshed by `check()` on a timer."""

    def __init__(self, bootstrap: str, tls: bool = False, timeout: float = 1.0) -> None:
        self.hosts = _hosts(bootstrap)
        self.tls = tls
        self.timeout = timeout
        self.reachable = True  # until a check says otherwise: the worker just connected

    def any_answers(self) -> bool:
        probe = _tcp_open if self.tls else broker_answers
        return any(probe(host, port, self.timeout) for host, port in self.hosts)

    async def check(self) -> bool:
        self.reachable = await asyncio.get_running_loop().run_in_executor(None, self.any_answers)
        return self.reachable
