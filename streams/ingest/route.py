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

from schemas import BannerEventBase, DonationCompleted, Event, PageViewed
from streams.ingest.bots import is_bot
from streams.ingest.decode import Rejected
from streams.ingest.referrer import REFERRER_CLASSES, classify_referrer
from streams.topics import INPUT_TOPICS

STREAM_INDEX: dict[str, int] = {t: i for i, t in enumerate(INPUT_TOPICS)}


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
        return event.campaign_id or event.reader_id
    return event.article_id  # ArticlePublished


#: What follows the embedded record in a page view's routed value, by referrer class and
#: bot flag: the `"rc"` and `"bot"` members as orjson writes them, and the closing brace.
_PAGE_VIEW_TAILS: dict[tuple[str, bool], bytes] = {
    (rc, bot): b"," + orjson.dumps({"rc": rc, "bot": True} if bot else {"rc": rc})[1:]
    for rc in REFERRER_CLASSES
    for bot in (False, True)
}


def encode_valid(
    topic: str,
    event: Event,
    raw: bytes,
    site_hosts: frozenset[str],
    source: str = "",
) -> tuple[bytes, bytes]:
    """Key and value of the routed record for a valid event; `raw` is embedded as is.

    `source` ("topic/partition/offset" of the input record) tells the folder a copy re-sent
    by a restarted router (same source) from a real duplicate (another source).

    The value is the bytes `orjson.dumps` gives for `{"s", "id", "src", "t", "e": raw,
    "rc"?, "bot"?}`, joined from pieces: orjson's output sits in an allocation of at least
    4 kB for as long as it lives (50,000 held values: 4.1 kB each, against 0.7 kB joined),
    and the router holds a batch's values until Kafka has them. Only the short head goes
    through orjson, and is dropped at once.
    """
    head = orjson.dumps(
        {
            "s": STREAM_INDEX[topic],
            "id": event.event_id,
            "src": source,
            "t": event.occurred_at.timestamp(),
        }
    )
    if isinstance(event, PageViewed):
        rc = classify_referrer(event.referrer, event.url, site_hosts)
        tail = _PAGE_VIEW_TAILS[rc, is_bot(event.user_agent)]
    else:
        tail = b"}"
    return route_key(event).encode(), b"".join((head[:-1], b',"e":', raw, tail))


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
    body = orjson.loads(value)
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
