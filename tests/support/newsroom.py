"""Known events with a known ground truth, and the plumbing to send and await them."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SITE = "https://pulse-news.example"


def ts(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def envelope(event_type: str, at: float, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": ts(at),
        **fields,
    }


def article(
    article_id: str, section: str, title: str, at: float, language: str = "en"
) -> dict[str, Any]:
    return envelope(
        "article.published",
        at,
        article_id=article_id,
        url=f"{SITE}/{section}/{article_id}",
        title=title,
        section=section,
        authors=["Staff"],
        tags=["news"],
        language=language,
        published_at=ts(at - 60),
    )


def view(
    article_id: str | None,
    reader: str,
    at: float,
    *,
    bot: bool = False,
    referrer: str | None = None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "url": f"{SITE}/a/{article_id}" if article_id else f"{SITE}/",
        "reader_id": reader,
        "session_id": f"s-{reader}",
        "device": "mobile",
        "user_agent": GOOGLEBOT if bot else FIREFOX,
    }
    if article_id:
        fields["article_id"] = article_id
    if referrer:
        fields["referrer"] = referrer
    return envelope("page.viewed", at, **fields)


def banner(
    kind: str, campaign: str, variant: str, reader: str, at: float, reason: str | None = None
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "campaign_id": campaign,
        "variant": variant,
        "reader_id": reader,
        "session_id": f"s-{reader}",
    }
    if reason:
        fields["reason"] = reason
    return envelope(f"banner.{kind}", at, **fields)


def donation(
    reader: str,
    amount: int,
    currency: str,
    at: float,
    campaign: str | None = None,
    variant: str | None = None,
    frequency: str = "one_time",
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "reader_id": reader,
        "amount_minor": amount,
        "currency": currency,
        "frequency": frequency,
    }
    if campaign:
        fields["campaign_id"] = campaign
        if variant:
            fields["variant"] = variant
    return envelope("donation.completed", at, **fields)


def encode(event: dict[str, Any]) -> bytes:
    return orjson.dumps(event)


async def produce(bootstrap: str, records: list[tuple[str, bytes | None, bytes | None]]) -> None:
    """Send (topic, key, value) in order with an idempotent producer and wait for acks."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(t, value=v, key=k) for t, k, v in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def wait_for(predicate: Any, timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll `predicate()` until it returns a truthy value; fail with what was last seen."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as exc:  # a worker briefly unreachable during a rebalance
            last = exc
        else:
            if last:
                return last
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


def records_total(totals: dict[str, Any]) -> int:
    return sum(r["count"] for r in totals["records"])


def totals_when(worker: Any, n: int) -> Any:
    """A predicate for wait_for: the worker's totals once exactly `n` records are folded."""

    def check() -> Any:
        totals = worker.get_json("/api/v1/totals")
        if records_total(totals) != n:
            raise AssertionError(f"{records_total(totals)} records folded: {totals['records']}")
        return totals

    return check
