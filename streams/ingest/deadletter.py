"""The dead-letter record: enough to find, understand and replay what was refused."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import orjson


def dead_letter_value(
    source_topic: str,
    partition: int,
    offset: int,
    reason: str,
    error: str,
    raw: bytes | None,
    received_at: float,
) -> bytes:
    """The contract's dead-letter fields; `raw` is base64 so any bytes survive JSON."""
    return orjson.dumps(
        {
            "source_topic": source_topic,
            "partition": partition,
            "offset": offset,
            "reason": reason,
            "error": error[:2000],
            "raw": base64.b64encode(raw or b"").decode("ascii"),
            "received_at": datetime.fromtimestamp(received_at, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
    )
