"""The routed record: what the router writes and the folder reads back."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from schemas import TOPIC_EVENT_TYPES, Event
from schemas.examples import EXAMPLES
from streams.ingest.decode import Rejected, decode
from streams.ingest.route import (
    STREAM_INDEX,
    Routed,
    decode_routed,
    encode_invalid,
    encode_valid,
    invalid_identity,
    route_key,
)
from streams.topics import INPUT_TOPICS

NOW = datetime(2026, 11, 27, 19, 30, tzinfo=UTC).timestamp()
SITE = frozenset({"news.example.org"})
TOPIC_OF = {t: topic for topic, types in TOPIC_EVENT_TYPES.items() for t in types}
#: what fold.py and fastpath.py read of page views and banner events
READ_BY_THE_FOLDER = {
    "page.viewed": {"event_type", "article_id", "reader_id", "device"},
    **{
        kind: {"event_type", "campaign_id", "variant", "reason"}
        for kind in ("banner.shown", "banner.clicked", "banner.dismissed")
    },
}
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def validated(event: dict[str, Any]) -> tuple[str, Event, bytes]:
    topic = TOPIC_OF[event["event_type"]]
    raw = orjson.dumps(event)
    result = decode(topic, raw, NOW, 600.0)
    assert not isinstance(result, Rejected), result
    return topic, result, raw


def round_trip(event: dict[str, Any]) -> tuple[bytes, Routed]:
    topic, result, raw = validated(event)
    key, value = encode_valid(topic, result, raw, SITE)
    return key, decode_routed(value)


def ex(kind: str, index: int = 0, /, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(EXAMPLES[kind][index])
    for name, value in changes.items():
        if value is None:
            event.pop(name, None)
        else:
            event[name] = value
    return event


ALL = [(t, i) for t, examples in EXAMPLES.items() for i in range(len(examples))]


@pytest.mark.parametrize(("kind", "index"), ALL)
def test_valid_round_trip(kind: str, index: int) -> None:
    event = EXAMPLES[kind][index]
    _, result, _ = validated(copy.deepcopy(event))
    _, routed = round_trip(copy.deepcopy(event))
    assert routed.stream == TOPIC_OF[kind]
    assert routed.identity == event["event_id"]
    assert routed.event_time == result.occurred_at.timestamp()
    read = READ_BY_THE_FOLDER.get(kind)
    # articles and donations: the original record, field for field; others what is folded
    assert routed.event == (event if read is None else {k: event[k] for k in read if k in event})
    assert routed.reason is None


def test_raw_is_embedded_byte_for_byte() -> None:
    # Producer formatting (spaces, key order, non-ASCII) is kept as is.
    raw = orjson.dumps(EXAMPLES["article.published"][1], option=orjson.OPT_INDENT_2)
    result = decode("cms.article-published", raw, NOW, 600.0)
    assert not isinstance(result, Rejected)
    _, value = encode_valid("cms.article-published", result, raw, SITE)
    assert raw in value
    assert decode_routed(value).event == EXAMPLES["article.published"][1]


@pytest.mark.parametrize("kind", ["page.viewed", "article.published"])
def test_identity_is_the_lower_case_event_id(kind: str) -> None:
    upper = "139261FD-E105-424D-8E74-4C2BBF580E6B"
    _, routed = round_trip(ex(kind, event_id=upper))
    assert routed.identity == upper.lower()
    if kind == "article.published":
        assert routed.event is not None
        assert routed.event["event_id"] == upper  # the embedded raw is untouched


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        ("page.viewed", {}),
        ("page.viewed", {"article_id": None}),
        ("banner.shown", {}),
        ("banner.dismissed", {}),
    ],
)
def test_page_views_and_banners_carry_only_what_is_folded(
    kind: str, changes: dict[str, Any]
) -> None:
    event = ex(kind, **changes)
    topic, result, raw = validated(event)
    _, value = encode_valid(topic, result, raw, SITE)
    routed = decode_routed(value)
    assert routed.event is not None
    assert set(routed.event) == READ_BY_THE_FOLDER[kind] & set(event)
    assert len(value) < len(raw)  # the whole point: fewer bytes through the hop


def test_invalid_round_trip() -> None:
    raw = b'{"event_type": "page.viewed", "occurred_at": "2026-11-27T18:1'
    rejected = Rejected("not_json", "Invalid JSON: EOF while parsing a string")
    key, value = encode_invalid("web.page-viewed", 3, 1207, rejected, raw, NOW)
    routed = decode_routed(value)
    assert key == b"web.page-viewed/3/1207"
    assert routed == Routed(
        stream="web.page-viewed",
        identity=invalid_identity("web.page-viewed", 3, 1207),
        event_time=NOW,
        event=None,
        source="web.page-viewed/3/1207",
        reason="not_json",
        error=rejected.error,
        raw=base64.b64encode(raw).decode("ascii"),
    )
    assert base64.b64decode(routed.raw or "") == raw  # byte-exact for the dead letter
    assert routed.referrer_class is None
    assert routed.bot is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, b""), (b"", b""), (bytes(range(256)), bytes(range(256)))],
)
def test_invalid_marker_keeps_any_bytes(raw: bytes | None, expected: bytes) -> None:
    _, value = encode_invalid("web.banner-events", 0, 1, Rejected("empty", "x"), raw, NOW)
    assert base64.b64decode(decode_routed(value).raw or "") == expected


def test_invalid_marker_error_is_bounded() -> None:
    rejected = Rejected("invalid_field", "e" * 10_000)
    _, value = encode_invalid("web.banner-events", 0, 1, rejected, b"{}", NOW)
    error = decode_routed(value).error
    assert error is not None
    assert 0 < len(error) <= 2000


def test_invalid_identity_is_deterministic_per_input_record() -> None:
    def marker(partition: int, offset: int, now: float) -> Routed:
        rejected = Rejected("too_deep", "recursion limit exceeded")
        return decode_routed(
            encode_invalid("web.banner-events", partition, offset, rejected, b"[[[", now)[1]
        )

    a, b, c = marker(0, 5, NOW), marker(0, 5, NOW + 30), marker(1, 5, NOW)
    assert (a.identity, a.source) == (b.identity, b.source)
    assert a.identity != c.identity
    assert a.source != c.source


def test_stream_index_covers_the_input_topics() -> None:
    assert sorted(STREAM_INDEX.values()) == list(range(len(INPUT_TOPICS)))
    for topic in INPUT_TOPICS:
        _, value = encode_invalid(topic, 0, 0, Rejected("empty", "no value"), None, NOW)
        assert decode_routed(value).stream == topic


@pytest.mark.parametrize("source", ["", "0:0", "7:123456789"])
def test_valid_records_carry_their_source(source: str) -> None:
    topic, result, raw = validated(ex("banner.shown"))
    _, value = encode_valid(topic, result, raw, SITE, source)
    routed = decode_routed(value)
    assert routed.source == source
    assert routed.reason is None
    assert routed.error is None
    assert routed.raw is None


@pytest.mark.parametrize(
    ("event", "key"),
    [
        pytest.param(ex("article.published"), "cms:48213", id="article-by-article_id"),
        pytest.param(ex("page.viewed"), "cms:48213", id="page-view-by-article_id"),
        pytest.param(
            ex("page.viewed", 1), "https://news.example.org/", id="front-page-view-by-url"
        ),
        pytest.param(ex("banner.shown"), "giving-tuesday-2026", id="shown-by-campaign"),
        pytest.param(ex("banner.clicked", 1), "zima-2026", id="clicked-by-campaign"),
        pytest.param(ex("banner.dismissed", 1), "giving-tuesday-2026", id="dismissed-by-campaign"),
        pytest.param(ex("donation.completed"), "giving-tuesday-2026", id="donation-by-campaign"),
        pytest.param(
            ex("donation.completed", 1), "unattributed", id="unattributed-donations-together"
        ),
    ],
)
def test_route_key(event: dict[str, Any], key: str) -> None:
    _, result, _ = validated(event)
    assert route_key(result) == key
    routed_key, _ = round_trip(event)
    assert routed_key == key.encode()


@pytest.mark.parametrize(
    ("changes", "referrer_class", "bot"),
    [
        pytest.param({}, "search", False, id="google-iphone"),
        pytest.param({"referrer": None}, "direct", False, id="no-referrer"),
        pytest.param(
            {"referrer": "https://news.example.org/world/"}, "internal", False, id="internal"
        ),
        pytest.param({"referrer": "https://t.co/abc123"}, "social", False, id="twitter-short-link"),
        pytest.param({"referrer": "https://blog.example.com/x"}, "other", False, id="other"),
        pytest.param({"user_agent": GOOGLEBOT}, "search", True, id="googlebot"),
        pytest.param({"user_agent": "curl/8.5.0", "referrer": None}, "direct", True, id="curl"),
        pytest.param({"user_agent": None}, "search", False, id="no-user-agent"),
    ],
)
def test_page_view_carries_referrer_class_and_bot_flag(
    changes: dict[str, Any], referrer_class: str, bot: bool
) -> None:
    _, routed = round_trip(ex("page.viewed", **changes))
    assert routed.referrer_class == referrer_class
    assert routed.bot is bot


@pytest.mark.parametrize(
    "kind", ["article.published", "banner.shown", "banner.dismissed", "donation.completed"]
)
def test_other_events_carry_no_page_view_fields(kind: str) -> None:
    _, routed = round_trip(ex(kind))
    assert routed.referrer_class is None
    assert routed.bot is False


def test_bot_flag_is_omitted_for_humans() -> None:
    topic, result, raw = validated(ex("page.viewed"))
    _, value = encode_valid(topic, result, raw, SITE)
    assert b'"bot"' not in value.replace(raw, b"")
