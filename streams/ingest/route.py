"""The internal record that carries one input record from the router to the folder.

The router validates a record once and re-keys it by what it aggregates under (article,
campaign), so deduplication and per-article state sit together in one partition of
`pulse.events-routed` whatever key the producer chose. Invalid records travel too (as
markers) so that every outcome is counted exactly once, by the folder, in durable state.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson

from schemas import BannerDismissed, BannerEventBase, DonationCompleted, Event, PageViewed
from streams.ingest.bots import is_bot
from streams.ingest.decode import Rejected
from streams.ingest.referrer import classify_referrer
from streams.topics import INPUT_TOPICS

STREAM_INDEX: dict[str, int] = {t: i for i, t in enumerate(INPUT_TOPICS)}
#: The route key of donations without a campaign: they are counted under one label
#: (`unattributed`/`none`), whose funnel windows must be one a minute, from one partition.
UNATTRIBUTED_KEY = "unattributed"


@dataclass(slots=True)
class Routed:
    """One record as the folder sees it. `reason` is set for invalid records only.

    Read-only by convention, not `frozen`: a frozen dataclass's `__init__` costs three
    times as much (one `object.__setattr__` a field), once per event. `decode_routed`
    builds it positionally: keep the field order.
    """

    stream: str
    identity: str
    event_time: float
    event: dict[str, Any] | None
    source: str = ""  # "topic/partition/offset" of the input record this came from
    reason: str | None = None
    error: str | None = None
    raw: str | None = None  # base64 of the refused bytes (invalid records only)
    referrer_class: str | None = None
    bot: bool = False


def route_key(event: Event) -> str:
    """The aggregation key: what must be co-located with what."""
    if isinstance(event, PageViewed):  # most of the traffic: tested first
        return event.article_id or event.url
    if isinstance(event, BannerEventBase):
        return event.campaign_id
    if isinstance(event, DonationCompleted):
        # all unattributed donations under one key: one funnel window a minute for them
        return event.campaign_id or UNATTRIBUTED_KEY
    return event.article_id  # ArticlePublished


def folded_fields(event: Event) -> dict[str, Any] | None:
    """What the folder reads of a page view or a banner event (fold.py, fastpath.py), or
    None for the other types, whose whole record it reads.

    Seven records in ten are page views: their routed value carries these four fields,
    not the ~500-byte record, so the hop through `pulse.events-routed` moves a third of
    the bytes it did (written, fetched and parsed again). A field added to what the
    folder reads of these types must be added here.
    """
    if isinstance(event, PageViewed):
        fields = {"event_type": event.event_type, "reader_id": event.reader_id}
        if event.article_id is not None:
            fields["article_id"] = event.article_id
        fields["device"] = event.device
        return fields
    if isinstance(event, BannerEventBase):
        fields = {
            "event_type": event.event_type,
            "campaign_id": event.campaign_id,
            "variant": event.variant,
        }
        if isinstance(event, BannerDismissed):
            fields["reason"] = event.reason
        return fields
    return None


def encode_valid(
    topic: str,
    event: Event,
    raw: bytes,
    site_hosts: frozenset[str],
    source: str = "",
) -> tuple[bytes, bytes]:
    """Key and value of the routed record for a valid event.

    `source` ("topic/partition/offset" of the input record) tells the folder a copy re-sent
    by a restarted router (same source) from a real duplicate (another source). The event
    travels as its `folded_fields`, or as `raw` itself (embedded as is) for articles and
    donations. The value is not trimmed to its size (orjson's output sits in an
    allocation of at least 4 kB): `packing.pack` joins a batch's values into messages at
    once and drops them. (Serializing each message's bodies in one `orjson.dumps` was
    measured slower in-process, 12.5 against 11.9 µs a page view routed and packed.)
    """
    body: dict[str, Any] = {
        "s": STREAM_INDEX[topic],
        "id": event.event_id,
        "src": source,
        "t": event.occurred_at.timestamp(),
        "e": folded_fields(event) or orjson.Fragment(raw),
    }
    if isinstance(event, PageViewed):
        body["rc"] = classify_referrer(event.referrer, event.url, site_hosts)
        if is_bot(event.user_agent):
            body["bot"] = True
    return route_key(event).encode(), orjson.dumps(body)


def invalid_identity(topic: str, partition: int, offset: int) -> str:
    """Where an input record was read: its identity when it has no valid event_id."""
    return f"{topic}/{partition}/{offset}"


def encode_invalid(
    topic: str, partition: int, offset: int, rejected: Rejected, raw: bytes | None, now: float
) -> tuple[bytes, bytes]:
    """Key and value of the marker for an invalid record: counted, and dead-lettered, once.

    The folder, not the router, writes the dead letter, so a router that restarts and
    re-reads its input does not dead-letter the same record twice.
    """
    identity = invalid_identity(topic, partition, offset)
    body = {
        "s": STREAM_INDEX[topic],
        "id": identity,
        "src": identity,
        "t": now,
        "inv": rejected.reason,
        "err": rejected.error[:2000],
        "raw": base64.b64encode(raw or b"").decode("ascii"),
    }
    return identity.encode(), orjson.dumps(body)


def decode_routed(value: bytes) -> Routed:
    """The folder's view of a routed record (our own format: trusted, parsed with orjson)."""
    return routed_from_body(orjson.loads(value))


def routed_from_body(body: dict[str, Any]) -> Routed:
    """The folder's view of one parsed routed value (also an element of a packed one)."""
    get = body.get
    return Routed(  # positional: a third of the keyword call's cost, once per event
        INPUT_TOPICS[body["s"]],
        body["id"],
        body["t"],
        get("e"),
        get("src", ""),
        get("inv"),
        get("err"),
        get("raw"),
        get("rc"),
        get("bot", False),
    )
