"""Contract v1 event dicts and message keys, built from the world model.

Plain dicts rather than the pydantic models: the simulator must also be able to
produce what the models would refuse (see `malformed.py`), and it stays fast.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from streams import topics
from streams.simulate import words
from streams.simulate.world import Article, Reader

Event = dict[str, Any]
TOPIC_OF: dict[str, str] = {
    "article.published": topics.ARTICLES,
    "page.viewed": topics.PAGE_VIEWS,
    "banner.shown": topics.BANNER_EVENTS,
    "banner.clicked": topics.BANNER_EVENTS,
    "banner.dismissed": topics.BANNER_EVENTS,
    "donation.completed": topics.DONATIONS,
}
PLACEMENTS = ("top-bar", "in-article", "in-article", "footer", "modal")
SENT_AT_SHARE = 0.9  # most clients stamp their send time; some old ones do not


def timestamp(t: float) -> str:
    """RFC 3339 in UTC with milliseconds and a `Z`, the contract's canonical form."""
    text = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
    return text.removesuffix("+00:00") + "Z"


def event_id(rng: random.Random) -> str:
    """A uuid4 drawn from the stream's rng, so a seed replays the same ids."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def envelope(rng: random.Random, event_type: str, at: float) -> Event:
    event: Event = {
        "event_id": event_id(rng),
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": timestamp(at),
    }
    if rng.random() < SENT_AT_SHARE:
        event["sent_at"] = timestamp(at + rng.uniform(0.01, 1.5))
    return event


def key_for(topic: str, event: Event) -> bytes | None:
    """The contract's message key for `topic`, or None when the event lacks it."""
    if topic == topics.PAGE_VIEWS:
        value = event.get("article_id") or event.get("url")
    elif topic == topics.ARTICLES:
        value = event.get("article_id")
    elif topic == topics.BANNER_EVENTS:
        value = event.get("campaign_id")
    elif topic == topics.DONATIONS:
        value = event.get("reader_id")
    else:
        value = None
    return value.encode() if isinstance(value, str) else None


def article_published(rng: random.Random, article: Article, at: float) -> Event:
    event = envelope(rng, "article.published", at)
    event.update(
        article_id=article.article_id,
        url=article.url,
        title=article.title,
        section=article.section,
        authors=list(article.authors),
        tags=list(article.tags),
        language=article.language,
        published_at=timestamp(article.published_at.timestamp()),
    )
    if article.word_count is not None:
        event["word_count"] = article.word_count
    return event


def page_viewed(
    rng: random.Random,
    at: float,
    *,
    reader: Reader,
    session_id: str,
    url: str,
    article_id: str | None,
    referrer: str | None,
) -> Event:
    event = envelope(rng, "page.viewed", at)
    if article_id is not None:
        event["article_id"] = article_id
    event.update(url=url, reader_id=reader.reader_id, session_id=session_id)
    if referrer is not None:
        event["referrer"] = referrer
    if reader.country is not None:
        event["country"] = reader.country
    event["device"] = reader.device
    event["user_agent"] = reader.user_agent
    return event


@dataclass(frozen=True, slots=True)
class BannerContext:
    """One banner impression, carried through the funnel's later steps."""

    campaign_id: str
    variant: str
    reader: Reader
    session_id: str
    article_id: str
    placement: str | None


def banner(
    rng: random.Random,
    action: Literal["shown", "clicked", "dismissed"],
    at: float,
    ctx: BannerContext,
    reason: Literal["close", "remind_later"] | None = None,
) -> Event:
    event = envelope(rng, f"banner.{action}", at)
    event.update(
        campaign_id=ctx.campaign_id,
        variant=ctx.variant,
        reader_id=ctx.reader.reader_id,
        session_id=ctx.session_id,
        article_id=ctx.article_id,
    )
    if ctx.placement is not None:
        event["placement"] = ctx.placement
    if reason is not None:
        event["reason"] = reason
    return event


def currency_for(country: str | None) -> str:
    if country == "GB":
        return "GBP"
    return "EUR" if country in words.EURO_COUNTRIES else "USD"


_AMOUNTS = {
    "one_time": ((500, 15), (1000, 30), (2500, 30), (5000, 15), (10000, 10)),
    "monthly": ((300, 15), (500, 35), (1000, 35), (2500, 15)),
    "annual": ((3000, 20), (6000, 40), (12000, 40)),
}
_FREQUENCIES = (("one_time", 0.6), ("monthly", 0.32), ("annual", 0.08))


def donation(rng: random.Random, at: float, reader: Reader, ctx: BannerContext | None) -> Event:
    event = envelope(rng, "donation.completed", at)
    frequency = rng.choices([f for f, _ in _FREQUENCIES], [w for _, w in _FREQUENCIES])[0]
    amounts = _AMOUNTS[frequency]
    event.update(
        reader_id=reader.reader_id,
        amount_minor=rng.choices([a for a, _ in amounts], [w for _, w in amounts])[0],
        currency=currency_for(reader.country),
        frequency=frequency,
    )
    if ctx is not None:
        event.update(campaign_id=ctx.campaign_id, variant=ctx.variant)
    return event
