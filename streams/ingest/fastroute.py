"""The router's fused path: raw page view or banner event in, routed (key, value) out.

`route` returns exactly what `decode` followed by `encode_valid` returns for the record,
or None ("decline"), and the caller takes that slower road, which also names the reason
of a refusal. It never builds the pydantic model: `fastcheck.event_values` runs the very
checks `fastcheck.event` (hence `decode`) runs and hands back the values it would build
the model of, and `decode.check_placement` is decode's own topic and clock check. What
it writes is `encode_valid`'s format (`route.folded_fields`, `route.route_key`): a change
there must be made here too, and tests/unit/ingest/test_fastroute.py fails until it is.
"""

from __future__ import annotations

from typing import Any

import orjson

from streams.ingest import fastcheck
from streams.ingest.bots import is_bot
from streams.ingest.decode import FAST_TOPICS, MAX_RECORD_BYTES, check_placement
from streams.ingest.referrer import classify_referrer
from streams.ingest.route import STREAM_INDEX

__all__ = ["route"]


def route(
    topic: str,
    raw: bytes | None,
    now: float,
    future_tolerance: float,
    site_hosts: frozenset[str],
    source: str = "",
) -> tuple[bytes, bytes] | None:
    """`encode_valid(topic, decode(topic, raw, now, future_tolerance), raw, site_hosts,
    source)` for a page view or banner event that decode accepts, or None."""
    if topic not in FAST_TOPICS or not raw or len(raw) > MAX_RECORD_BYTES:
        return None
    values = fastcheck.event_values(raw)
    if values is None:
        return None
    kind = values["event_type"]
    occurred_at = values["occurred_at"].timestamp()
    if check_placement(topic, kind, occurred_at, now, future_tolerance) is not None:
        return None  # decode refuses it, and says why
    return _encode(topic, kind, values, occurred_at, site_hosts, source)


def _encode(
    topic: str,
    kind: str,
    values: dict[str, Any],
    occurred_at: float,
    site_hosts: frozenset[str],
    source: str,
) -> tuple[bytes, bytes]:
    """`encode_valid` on the values of a page view or banner event (same keys, in order)."""
    folded: dict[str, Any]
    if kind == fastcheck.EVENT_TYPE:
        article_id = values["article_id"]
        folded = {"event_type": kind, "reader_id": values["reader_id"]}
        if article_id is not None:
            folded["article_id"] = article_id
        folded["device"] = values["device"]
        url = values["url"]
        body: dict[str, Any] = {
            "s": STREAM_INDEX[topic],
            "id": values["event_id"],
            "src": source,
            "t": occurred_at,
            "e": folded,
            "rc": classify_referrer(values["referrer"], url, site_hosts),
        }
        if is_bot(values["user_agent"]):
            body["bot"] = True
        key: str = article_id or url
    else:
        folded = {
            "event_type": kind,
            "campaign_id": values["campaign_id"],
            "variant": values["variant"],
        }
        if "reason" in values:  # banner.dismissed, where it is required
            folded["reason"] = values["reason"]
        body = {
            "s": STREAM_INDEX[topic],
            "id": values["event_id"],
            "src": source,
            "t": occurred_at,
            "e": folded,
        }
        key = values["campaign_id"]
    return key.encode(), orjson.dumps(body)
