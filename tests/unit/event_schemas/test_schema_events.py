"""The envelope, the discriminated union and the helpers the decoder relies on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import (
    EVENT_ADAPTER,
    EVENT_MODELS,
    EVENT_TYPES,
    SUPPORTED_SCHEMA_VERSION,
    TOPIC_EVENT_TYPES,
    ArticlePublished,
    BannerDismissed,
    EventBase,
    PageViewed,
    peek_schema_version,
)
from schemas.examples import EXAMPLES

ALL_EXAMPLES = [(t, e) for t, examples in EXAMPLES.items() for e in examples]


def raw(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def error_types(payload: bytes) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        EVENT_ADAPTER.validate_json(payload)
    return {e["type"] for e in caught.value.errors()}


@pytest.mark.parametrize(("event_type", "example"), ALL_EXAMPLES)
def test_example_decodes_to_its_model(event_type: str, example: dict[str, Any]) -> None:
    event = EVENT_ADAPTER.validate_json(raw(example))
    assert type(event) is EVENT_MODELS[event_type]
    assert isinstance(event, EventBase)
    again = EVENT_ADAPTER.validate_json(event.model_dump_json(exclude_unset=True))
    assert again == event


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_unknown_field_is_rejected(event_type: str) -> None:
    event = {**EXAMPLES[event_type][0], "utm_campaign": "spring"}
    assert error_types(raw(event)) == {"extra_forbidden"}


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_schema_version_2_is_rejected_with_its_own_error_type(event_type: str) -> None:
    event = {**EXAMPLES[event_type][0], "schema_version": 2}
    assert error_types(raw(event)) == {"unsupported_schema_version"}


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        ("page.view", "union_tag_invalid"),
        ("PAGE.VIEWED", "union_tag_invalid"),
        ("", "union_tag_invalid"),
        (1, "union_tag_invalid"),
        (None, "union_tag_invalid"),
    ],
)
def test_wrong_event_type_is_rejected(event_type: Any, expected: str) -> None:
    event = {**EXAMPLES["page.viewed"][0], "event_type": event_type}
    assert error_types(raw(event)) == {expected}


def test_missing_event_type_is_rejected() -> None:
    event = dict(EXAMPLES["page.viewed"][0])
    del event["event_type"]
    assert error_types(raw(event)) == {"union_tag_not_found"}


def test_event_type_selects_the_fields_that_are_checked() -> None:
    shown_as_dismissed = {**EXAMPLES["banner.shown"][0], "event_type": "banner.dismissed"}
    assert error_types(raw(shown_as_dismissed)) == {"missing"}
    view_as_article = {**EXAMPLES["page.viewed"][0], "event_type": "article.published"}
    assert "extra_forbidden" in error_types(raw(view_as_article))


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", "json_invalid"),
        (b"{not json", "json_invalid"),
        (b'{"event_type": "page.viewed",}', "json_invalid"),
        (b"\xff\xfe{}", "json_invalid"),
        (b"[]", "dict_type"),
        (b'"page.viewed"', "dict_type"),
        (b"null", "dict_type"),
    ],
)
def test_non_events_are_rejected(payload: bytes, expected: str) -> None:
    assert error_types(payload) == {expected}


def test_events_are_frozen_and_hashable() -> None:
    event = EVENT_ADAPTER.validate_json(raw(EXAMPLES["article.published"][0]))
    assert isinstance(event, ArticlePublished)
    with pytest.raises(ValidationError, match="frozen"):
        event.title = "changed"  # type: ignore[misc]
    assert event.authors == ("Maya Okafor", "Daniel Weiss")
    assert len({event, EVENT_ADAPTER.validate_json(raw(EXAMPLES["article.published"][0]))}) == 1


def test_events_can_be_built_in_python_with_aware_datetimes() -> None:
    when = datetime(2026, 11, 27, 18, 4, 5, tzinfo=UTC)
    fields: dict[str, Any] = {
        "event_id": "f08f9b77-6bf3-46e2-86bc-03ad152357a1",
        "event_type": "banner.dismissed",
        "schema_version": 1,
        "occurred_at": when,
        "campaign_id": "giving-tuesday-2026",
        "variant": "a_control",
        "reader_id": "rdr_7Qm2xV9kLp3T",
        "session_id": "ses_20261127_b41f9c",
        "reason": "remind_later",
    }
    event = BannerDismissed(**fields)
    assert event.occurred_at == when
    assert event.placement is None and event.sent_at is None
    with pytest.raises(ValidationError, match="timezone"):
        BannerDismissed(**{**fields, "occurred_at": when.replace(tzinfo=None)})


def test_page_view_without_article_is_a_front_page() -> None:
    home = EVENT_ADAPTER.validate_json(raw(EXAMPLES["page.viewed"][1]))
    assert isinstance(home, PageViewed)
    assert home.article_id is None and home.referrer is None


def test_topics_cover_every_event_type_exactly_once() -> None:
    assert set(TOPIC_EVENT_TYPES) == {
        "cms.article-published",
        "web.page-viewed",
        "web.banner-events",
        "payments.donation-completed",
    }
    listed = [t for types in TOPIC_EVENT_TYPES.values() for t in types]
    assert sorted(listed) == sorted(EVENT_TYPES)
    assert EVENT_TYPES == set(EVENT_MODELS) == set(EXAMPLES)
    assert TOPIC_EVENT_TYPES["web.banner-events"] == {
        "banner.shown",
        "banner.clicked",
        "banner.dismissed",
    }


@pytest.mark.parametrize(
    ("payload", "version"),
    [
        (b'{"schema_version": 2, "event_type": "page.scrolled", "x": [1]}', 2),
        (b'{"schema_version": 1}', 1),
        (b'{"schema_version": 17, "event_type": 5}', 17),
        (b'{"schema_version": "2"}', None),
        (b'{"schema_version": true}', None),
        (b'{"schema_version": 2.0}', None),
        (b'{"event_type": "page.viewed"}', None),
        (b"[2]", None),
        (b"not json", None),
    ],
)
def test_peek_schema_version(payload: bytes, version: int | None) -> None:
    assert peek_schema_version(payload) == version


def test_supported_schema_version_is_one() -> None:
    assert SUPPORTED_SCHEMA_VERSION == 1
