"""One case per field rule of the contract, valid and invalid, through the real decoder."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import EVENT_ADAPTER
from schemas.examples import EXAMPLES

DROP = object()  # sentinel: remove the field from the base example


def decode(event_type: str, field: str, value: Any) -> Any:
    """Decode the first committed example of `event_type` with one field replaced."""
    event = copy.deepcopy(EXAMPLES[event_type][0])
    if value is DROP:
        event.pop(field, None)
    else:
        event[field] = value
    return EVENT_ADAPTER.validate_json(json.dumps(event, ensure_ascii=False).encode())


VALID: list[tuple[str, str, Any]] = [
    # envelope
    ("page.viewed", "event_id", "ff95ec11-a386-479c-bbd4-56abaae213f1"),
    ("page.viewed", "event_id", "00000000-0000-0000-0000-000000000000"),
    ("page.viewed", "schema_version", 1),
    ("page.viewed", "occurred_at", "2026-11-27T18:04:05.123Z"),
    ("page.viewed", "occurred_at", "2026-11-27T18:04:05Z"),
    ("page.viewed", "occurred_at", "2026-11-27T21:34:05+03:30"),
    ("page.viewed", "occurred_at", "2026-11-27T13:04:05.5-05:00"),
    ("page.viewed", "occurred_at", "2026-11-27t18:04:05.123456789z"),
    ("page.viewed", "occurred_at", "2000-01-01T00:00:00Z"),
    ("page.viewed", "occurred_at", "2100-12-31T23:59:59.999Z"),
    ("page.viewed", "sent_at", DROP),
    ("page.viewed", "sent_at", None),
    ("page.viewed", "sent_at", "2026-11-27T18:04:06+00:00"),
    # article.published
    ("article.published", "article_id", "A.b_c-9:x"),
    ("article.published", "article_id", "x"),
    ("article.published", "article_id", "a" * 128),
    ("article.published", "url", "http://news.example.org"),
    ("article.published", "url", "https://news.example.org:8443/a?b=c#d"),
    ("article.published", "url", "https://news.example.org/ru/новости/снег"),
    ("article.published", "url", "https://news.example.org/" + "a" * 2023),
    ("article.published", "title", "Москва готовится к первому снегопаду"),
    ("article.published", "title", "東京で初雪 🌨"),
    ("article.published", "title", "x"),
    ("article.published", "title", "я" * 500),
    ("article.published", "section", "us-politics"),
    ("article.published", "section", "s" * 64),
    ("article.published", "authors", []),
    ("article.published", "authors", ["Анна Смирнова"] * 20),
    ("article.published", "authors", ["a" * 200]),
    ("article.published", "tags", []),
    ("article.published", "tags", ["t"] * 50),
    ("article.published", "language", "en"),
    ("article.published", "language", "ru"),
    ("article.published", "published_at", "2026-11-27T21:30:00+03:00"),
    ("article.published", "word_count", 0),
    ("article.published", "word_count", None),
    ("article.published", "word_count", DROP),
    ("article.published", "word_count", 10_000_000),
    # page.viewed
    ("page.viewed", "article_id", DROP),
    ("page.viewed", "article_id", None),
    ("page.viewed", "reader_id", "r" * 8),
    ("page.viewed", "reader_id", "r" * 128),
    ("page.viewed", "reader_id", "Zm9vYmFy+/=~!"),
    ("page.viewed", "session_id", "s" * 8),
    ("page.viewed", "referrer", DROP),
    ("page.viewed", "referrer", None),
    ("page.viewed", "referrer", "https://t.co/xYz123"),
    ("page.viewed", "country", "RU"),
    ("page.viewed", "country", DROP),
    ("page.viewed", "device", "desktop"),
    ("page.viewed", "device", "mobile"),
    ("page.viewed", "device", "tablet"),
    ("page.viewed", "device", "other"),
    ("page.viewed", "user_agent", ""),
    ("page.viewed", "user_agent", "u" * 1000),
    ("page.viewed", "user_agent", DROP),
    # banner events
    ("banner.shown", "campaign_id", "giving-tuesday-2026"),
    ("banner.shown", "campaign_id", "gt_2026"),
    ("banner.shown", "campaign_id", "c" * 64),
    ("banner.shown", "variant", "b_urgent"),
    ("banner.shown", "placement", DROP),
    ("banner.shown", "placement", "article-footer"),
    ("banner.shown", "article_id", DROP),
    ("banner.clicked", "variant", "a"),
    ("banner.dismissed", "reason", "close"),
    ("banner.dismissed", "reason", "remind_later"),
    # donation.completed
    ("donation.completed", "amount_minor", 1),
    ("donation.completed", "amount_minor", 1_000_000_000),
    ("donation.completed", "currency", "EUR"),
    ("donation.completed", "frequency", "one_time"),
    ("donation.completed", "frequency", "monthly"),
    ("donation.completed", "frequency", "annual"),
    ("donation.completed", "campaign_id", DROP),
    ("donation.completed", "variant", None),
]

INVALID: list[tuple[str, str, Any, str]] = [
    # envelope: (event type, field, value, expected error type)
    ("page.viewed", "event_id", "not-a-uuid", "string_pattern_mismatch"),
    ("page.viewed", "event_id", "ff95ec11a386479cbbd456abaae213f1", "string_pattern_mismatch"),
    (
        "page.viewed",
        "event_id",
        "{ff95ec11-a386-479c-bbd4-56abaae213f1}",
        "string_pattern_mismatch",
    ),
    (
        "page.viewed",
        "event_id",
        "ff95ec11-a386-479c-bbd4-56abaae213f1\n",
        "string_pattern_mismatch",
    ),
    ("page.viewed", "event_id", "gf95ec11-a386-479c-bbd4-56abaae213f1", "string_pattern_mismatch"),
    ("page.viewed", "event_id", 42, "string_type"),
    ("page.viewed", "event_id", DROP, "missing"),
    ("page.viewed", "schema_version", 2, "unsupported_schema_version"),
    ("page.viewed", "schema_version", 0, "schema_version_invalid"),
    ("page.viewed", "schema_version", True, "int_type"),
    ("page.viewed", "schema_version", "1", "int_type"),
    ("page.viewed", "schema_version", 1.0, "int_type"),
    ("page.viewed", "schema_version", DROP, "missing"),
    ("page.viewed", "occurred_at", "2026-11-27T18:04:05", "rfc3339_timestamp"),  # naive
    ("page.viewed", "occurred_at", "2026-11-27T18:04:05.123", "rfc3339_timestamp"),  # naive
    ("page.viewed", "occurred_at", "2026-11-27", "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", "2026-11-27 18:04:05Z", "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", "2026-11-27T18:04Z", "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", "2026-11-27T18:04:05+0300", "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", "2026-11-27T18:04:05+03", "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", "2026-11-27T18:04:05Z\n", "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", "٢٠٢٦-11-27T18:04:05Z", "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", "2026-02-30T18:04:05Z", "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", "2026-11-27T24:00:00Z", "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", 1_796_000_000, "rfc3339_timestamp"),
    ("page.viewed", "occurred_at", "1999-12-31T23:59:59Z", "timestamp_out_of_range"),
    ("page.viewed", "occurred_at", "2101-01-01T00:00:00Z", "timestamp_out_of_range"),
    ("page.viewed", "occurred_at", "0001-01-01T00:00:00+01:00", "timestamp_out_of_range"),
    ("page.viewed", "occurred_at", DROP, "missing"),
    ("page.viewed", "sent_at", "2026-11-27T18:04:06", "rfc3339_timestamp"),
    # article.published
    ("article.published", "article_id", "", "string_too_short"),
    ("article.published", "article_id", "a" * 129, "string_too_long"),
    ("article.published", "article_id", "world/48213", "string_pattern_mismatch"),
    ("article.published", "article_id", "cms 48213", "string_pattern_mismatch"),
    ("article.published", "article_id", "статья-1", "string_pattern_mismatch"),
    ("article.published", "article_id", "cms:48213\n", "string_pattern_mismatch"),
    ("article.published", "article_id", 48213, "string_type"),
    ("article.published", "url", "ftp://news.example.org/a", "string_pattern_mismatch"),
    ("article.published", "url", "/world/2026/11/27/a", "string_pattern_mismatch"),
    ("article.published", "url", "news.example.org/a", "string_pattern_mismatch"),
    ("article.published", "url", "HTTPS://NEWS.EXAMPLE.ORG/", "string_pattern_mismatch"),
    ("article.published", "url", "https://news.example.org/a b", "string_pattern_mismatch"),
    ("article.published", "url", "https://news.example.org/a\tb", "string_pattern_mismatch"),
    ("article.published", "url", "https://", "string_pattern_mismatch"),
    ("article.published", "url", "https:///world", "url_invalid"),
    ("article.published", "url", "https://news.example.org:99999/", "url_invalid"),
    ("article.published", "url", "https://news.example.org:0/", "url_invalid"),
    ("article.published", "url", "https://[::1/", "url_invalid"),
    ("article.published", "url", "https://news.example.org/" + "a" * 2024, "string_too_long"),
    ("article.published", "url", DROP, "missing"),
    ("article.published", "title", "", "string_too_short"),
    ("article.published", "title", "я" * 501, "string_too_long"),
    ("article.published", "title", None, "string_type"),
    ("article.published", "section", "World", "string_pattern_mismatch"),
    ("article.published", "section", "us_politics", "string_pattern_mismatch"),
    ("article.published", "section", "", "string_too_short"),
    ("article.published", "section", "s" * 65, "string_too_long"),
    ("article.published", "authors", ["a"] * 21, "too_long"),
    ("article.published", "authors", [""], "string_too_short"),
    ("article.published", "authors", ["a" * 201], "string_too_long"),
    ("article.published", "authors", "Maya Okafor", "tuple_type"),
    ("article.published", "authors", [7], "string_type"),
    ("article.published", "authors", DROP, "missing"),
    ("article.published", "tags", ["t"] * 51, "too_long"),
    ("article.published", "tags", [""], "string_too_short"),
    ("article.published", "tags", ["t" * 201], "string_too_long"),
    ("article.published", "language", "de", "literal_error"),
    ("article.published", "language", "EN", "literal_error"),
    ("article.published", "published_at", "2026-11-27T18:00:00", "rfc3339_timestamp"),
    ("article.published", "published_at", DROP, "missing"),
    ("article.published", "word_count", -1, "greater_than_equal"),
    ("article.published", "word_count", 10_000_001, "less_than_equal"),
    ("article.published", "word_count", 12.5, "int_type"),
    ("article.published", "word_count", "1240", "int_type"),
    ("article.published", "word_count", True, "int_type"),
    # page.viewed
    ("page.viewed", "article_id", "", "string_too_short"),
    ("page.viewed", "url", DROP, "missing"),
    ("page.viewed", "reader_id", "r" * 7, "string_too_short"),
    ("page.viewed", "reader_id", "r" * 129, "string_too_long"),
    ("page.viewed", "reader_id", "reader 12345", "string_pattern_mismatch"),
    ("page.viewed", "reader_id", "читатель-12345", "string_pattern_mismatch"),
    ("page.viewed", "reader_id", DROP, "missing"),
    ("page.viewed", "session_id", "s" * 7, "string_too_short"),
    ("page.viewed", "session_id", "s" * 129, "string_too_long"),
    ("page.viewed", "session_id", DROP, "missing"),
    ("page.viewed", "referrer", "", "string_pattern_mismatch"),
    ("page.viewed", "referrer", "android-app://com.google.android.gm/", "string_pattern_mismatch"),
    ("page.viewed", "country", "gb", "string_pattern_mismatch"),
    ("page.viewed", "country", "GBR", "string_pattern_mismatch"),
    ("page.viewed", "device", "phone", "literal_error"),
    ("page.viewed", "device", DROP, "missing"),
    ("page.viewed", "user_agent", "u" * 1001, "string_too_long"),
    # banner events
    ("banner.shown", "campaign_id", "Giving-Tuesday", "string_pattern_mismatch"),
    ("banner.shown", "campaign_id", "giving tuesday", "string_pattern_mismatch"),
    ("banner.shown", "campaign_id", "", "string_too_short"),
    ("banner.shown", "campaign_id", "c" * 65, "string_too_long"),
    ("banner.shown", "campaign_id", DROP, "missing"),
    ("banner.shown", "variant", "B", "string_pattern_mismatch"),
    ("banner.shown", "variant", DROP, "missing"),
    ("banner.shown", "placement", "Top Banner", "string_pattern_mismatch"),
    ("banner.shown", "reader_id", DROP, "missing"),
    ("banner.shown", "session_id", DROP, "missing"),
    ("banner.shown", "article_id", "a/b", "string_pattern_mismatch"),
    ("banner.shown", "reason", "close", "extra_forbidden"),
    ("banner.clicked", "variant", "", "string_too_short"),
    ("banner.dismissed", "reason", "later", "literal_error"),
    ("banner.dismissed", "reason", DROP, "missing"),
    # donation.completed
    ("donation.completed", "amount_minor", 0, "greater_than"),
    ("donation.completed", "amount_minor", -500, "greater_than"),
    ("donation.completed", "amount_minor", 1_000_000_001, "less_than_equal"),
    ("donation.completed", "amount_minor", 2.5, "int_type"),
    ("donation.completed", "amount_minor", "200", "int_type"),
    ("donation.completed", "amount_minor", DROP, "missing"),
    ("donation.completed", "currency", "usd", "string_pattern_mismatch"),
    ("donation.completed", "currency", "US", "string_pattern_mismatch"),
    ("donation.completed", "currency", DROP, "missing"),
    ("donation.completed", "frequency", "weekly", "literal_error"),
    ("donation.completed", "frequency", DROP, "missing"),
    ("donation.completed", "reader_id", DROP, "missing"),
    ("donation.completed", "campaign_id", "Spring Appeal", "string_pattern_mismatch"),
]


def _id(case: tuple[Any, ...]) -> str:
    value = "<absent>" if case[2] is DROP else repr(case[2])
    return f"{case[0]}.{case[1]}={value[:40]}"


@pytest.mark.parametrize("case", VALID, ids=[_id(c) for c in VALID])
def test_valid_field_value_is_accepted(case: tuple[str, str, Any]) -> None:
    event_type, field, value = case
    event = decode(event_type, field, value)
    assert event.event_type == event_type


@pytest.mark.parametrize("case", INVALID, ids=[_id(c) for c in INVALID])
def test_invalid_field_value_is_rejected(case: tuple[str, str, Any, str]) -> None:
    event_type, field, value, error_type = case
    with pytest.raises(ValidationError) as caught:
        decode(event_type, field, value)
    errors = caught.value.errors()
    assert any(field in e["loc"] for e in errors), errors
    assert error_type in {e["type"] for e in errors}, errors


def test_timestamps_become_aware_datetimes_with_their_offset() -> None:
    event = decode("page.viewed", "occurred_at", "2026-11-27T21:04:05.123456789+03:00")
    assert event.occurred_at.isoformat() == "2026-11-27T21:04:05.123456+03:00"
    assert event.occurred_at == datetime(2026, 11, 27, 18, 4, 5, 123456, tzinfo=UTC)


def test_event_id_is_read_as_lower_case() -> None:
    event = decode("page.viewed", "event_id", "FF95EC11-A386-479C-BBD4-56ABAAE213F1")
    assert event.event_id == "ff95ec11-a386-479c-bbd4-56abaae213f1"


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example.org/ru/новости/снег?utm_source=tg",
        "https://news.example.org/a/?b=%20c&d=e#top",
        "http://NEWS.example.org:80/A//b/./c",
    ],
)
def test_urls_stay_byte_exact_strings(url: str) -> None:
    event = decode("article.published", "url", url)
    assert type(event.url) is str
    assert event.url == url
    assert json.loads(event.model_dump_json())["url"] == url
