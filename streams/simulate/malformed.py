"""Bad records of the kinds real producers send, to exercise the dead-letter path.

Each kind starts from a valid event (fresh `event_id`, so it never collides with a
good one) and breaks exactly one rule, so a dead-letter reason can be checked per kind.
"""

from __future__ import annotations

import random
from typing import Final

import orjson

from streams import topics
from streams.simulate import events
from streams.simulate.events import TOPIC_OF, BannerContext, Event, key_for, timestamp
from streams.simulate.world import World

MALFORMED_KINDS: Final = (
    "not_json",
    "truncated_json",
    "wrong_type",
    "unknown_field",
    "missing_field",
    "naive_timestamp",
    "future_timestamp",
    "schema_version_2",
    "wrong_topic",
    "empty",
    "binary",
    "deep_nesting",
)
"""All but two are refused by the event models; `future_timestamp` (checked against the
processor's clock) and `wrong_topic` (against the topic) are well-formed events."""

NESTING_DEPTH: Final = 5_000
FUTURE_DAYS: Final = (400, 3650)  # far enough ahead even for a replay a year back

_NOT_JSON: Final = (
    b"<html><head><title>502 Bad Gateway</title></head></html>",
    b"event_type=page.viewed&url=https%3A%2F%2Fpulse-news.example%2F",
    b"{'event_type': 'page.viewed', 'schema_version': 1}",
    b"undefined",
    b"NaN",
)
_WRONG_TYPES: Final[dict[str, object]] = {
    "schema_version": "1",
    "event_id": 12345,
    "occurred_at": 1_795_000_000_000,
    "url": ["https://pulse-news.example/"],
    "reader_id": 4_815_162_342,
    "device": 3,
    "authors": "Анна Смирнова, Helen Carter",
    "word_count": "1200",
    "amount_minor": "500",
}
_UNKNOWN_FIELDS: Final[tuple[tuple[str, object], ...]] = (
    ("ip_address", "203.0.113.7"),
    ("email", "reader@example.org"),
    ("debug", True),
    ("eventType", "page.viewed"),
)
_REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "article.published": ("article_id", "url", "title", "section", "language"),
    "page.viewed": ("url", "reader_id", "session_id", "device"),
    "banner.shown": ("campaign_id", "variant", "reader_id", "session_id"),
    "banner.clicked": ("campaign_id", "variant", "reader_id", "session_id"),
    "banner.dismissed": ("campaign_id", "variant", "reason"),
    "donation.completed": ("reader_id", "amount_minor", "currency", "frequency"),
}
_ENVELOPE: Final = ("event_id", "event_type", "schema_version", "occurred_at")


def corrupt(
    rng: random.Random, kind: str, event: Event, at: float
) -> tuple[str, bytes | None, bytes]:
    """Break `event` (a valid one, mutated here) as `kind`: (topic, key, value)."""
    topic = TOPIC_OF[event["event_type"]]
    key = key_for(topic, event)
    if kind == "not_json":
        return topic, key, rng.choice(_NOT_JSON)
    if kind == "truncated_json":
        raw = orjson.dumps(event)
        return topic, key, raw[: rng.randrange(1, len(raw) - 1)]
    if kind == "wrong_type":
        field = rng.choice([f for f in _WRONG_TYPES if f in event])
        event[field] = _WRONG_TYPES[field]
    elif kind == "unknown_field":
        name, value = rng.choice(_UNKNOWN_FIELDS)
        event[name] = value
    elif kind == "missing_field":
        del event[rng.choice(_ENVELOPE + _REQUIRED[event["event_type"]])]
    elif kind == "naive_timestamp":
        event["occurred_at"] = event["occurred_at"].removesuffix("Z")
    elif kind == "future_timestamp":
        event["occurred_at"] = timestamp(at + 86_400.0 * rng.randint(*FUTURE_DAYS))
    elif kind == "schema_version_2":
        event["schema_version"] = 2
    elif kind == "wrong_topic":
        topic = rng.choice([t for t in topics.INPUT_TOPICS if t != topic])
        key = key_for(topic, event)
    elif kind == "empty":
        return topic, key, b""
    elif kind == "binary":
        # Half look like Confluent's wire format (magic 0 + schema id), half like noise.
        head = b"\x00\x00\x00\x00\x2a" if rng.random() < 0.5 else b"\xff\xfe"
        return topic, key, head + rng.randbytes(rng.randint(8, 200))
    elif kind == "deep_nesting":
        body = orjson.dumps(event)[:-1]
        nest = b"[" * NESTING_DEPTH + b"]" * NESTING_DEPTH
        return topic, key, body + b',"context":' + nest + b"}"
    else:
        raise ValueError(f"unknown malformed kind {kind!r}")
    return topic, key, orjson.dumps(event)


def sample_event(rng: random.Random, world: World, at: float) -> Event:
    """A valid event to break, drawn without touching the stream's sessions or funnel."""
    reader = world.pick_reader(rng)
    article = world.pick_article(rng, reader.language)
    session_id = f"s-{rng.getrandbits(64):016x}"
    roll = rng.random()
    if roll < 0.05:
        return events.article_published(rng, article, at)
    if roll < 0.15:
        return events.donation(rng, at, reader, None)
    if roll < 0.35:
        campaign = world.pick_campaign(rng, article.language)
        variant = world.variant_for(campaign, reader.reader_id).name
        ctx = BannerContext(
            campaign.campaign_id, variant, reader, session_id, article.article_id, None
        )
        return events.banner(rng, "shown", at, ctx)
    return events.page_viewed(
        rng,
        at,
        reader=reader,
        session_id=session_id,
        url=article.url,
        article_id=article.article_id,
        referrer=None,
    )
