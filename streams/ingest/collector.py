"""The collector's rules: which events of a POSTed batch may go to Kafka, and why not.

Each element is validated exactly as the worker will validate it (same `decode`), so a
browser hears at once what the pipeline would dead-letter later. Browsers may send page
and banner events; CMS and payment events need the collector token.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

import orjson

from schemas import TOPIC_EVENT_TYPES, DonationCompleted
from streams.ingest.decode import Rejected, decode
from streams.ingest.route import route_key

TOPIC_OF_TYPE: dict[str, str] = {
    event_type: topic for topic, types in TOPIC_EVENT_TYPES.items() for event_type in types
}
BROWSER_TYPES = frozenset({"page.viewed", "banner.shown", "banner.clicked", "banner.dismissed"})


class BatchError(Exception):
    """The request as a whole is refused; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


@dataclass
class Outcome:
    """Events to produce as (topic, key, value) and the refused ones by index."""

    accepted: list[tuple[str, bytes | None, bytes]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def token_ok(header: str | None, token: str | None) -> bool:
    """A bearer token compared in constant time; no token configured means no trust."""
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].encode(), token.encode())


def check_batch(
    body: bytes, max_events: int, trusted: bool, now: float, tolerance: float
) -> Outcome:
    """Split and validate a JSON array of events; raises BatchError for a bad request."""
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BatchError(400, "not_json", f"the body is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(items, list):
        raise BatchError(400, "not_array", "the body must be a JSON array of events")
    if not items:
        raise BatchError(400, "empty", "the array holds no events")
    if len(items) > max_events:
        raise BatchError(413, "too_many_events", f"{len(items)} events; at most {max_events}")
    outcome = Outcome()
    for index, item in enumerate(items):
        event_type = item.get("event_type") if isinstance(item, dict) else None
        topic = TOPIC_OF_TYPE.get(event_type) if isinstance(event_type, str) else None
        if topic is None:
            outcome.rejected.append(
                {
                    "index": index,
                    "reason": "unknown_event_type",
                    "error": "event_type missing or not one of the six",
                }
            )
            continue
        if event_type not in BROWSER_TYPES and not trusted:
            outcome.rejected.append(
                {
                    "index": index,
                    "reason": "forbidden_event_type",
                    "error": f"{event_type} needs the collector token",
                }
            )
            continue
        raw = orjson.dumps(item)
        result = decode(topic, raw, now, tolerance)
        if isinstance(result, Rejected):
            outcome.rejected.append(
                {"index": index, "reason": result.reason, "error": result.error}
            )
            continue
        # the contract's producer key: like the routing key, except donations (reader)
        key = result.reader_id if isinstance(result, DonationCompleted) else route_key(result)
        outcome.accepted.append((topic, key.encode(), raw))
    return outcome
