"""decode(): bytes in, a validated event or exactly one reason from REASONS out."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from schemas import EVENT_MODELS, TOPIC_EVENT_TYPES, EventBase
from schemas.examples import EXAMPLES
from streams.ingest.decode import MAX_RECORD_BYTES, REASONS, Rejected, decode

NOW_DT = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # after every example
NOW = NOW_DT.timestamp()
TOLERANCE = 600.0

ARTICLES = "cms.article-published"
PAGE_VIEWS = "web.page-viewed"
BANNERS = "web.banner-events"
DONATIONS = "payments.donation-completed"
TOPIC_OF = {t: topic for topic, types in TOPIC_EVENT_TYPES.items() for t in types}


_DROP: Any = object()


def example(kind: str, index: int = 0, /, **changes: Any) -> dict[str, Any]:
    """A deep copy of a committed example with fields replaced (or dropped with _DROP)."""
    event = copy.deepcopy(EXAMPLES[kind][index])
    for name, value in changes.items():
        if value is _DROP:
            event.pop(name, None)
        else:
            event[name] = value
    return event


def dumps(event: dict[str, Any]) -> bytes:
    return orjson.dumps(event)


def _with_field(event_type: str, name: str, raw_value: bytes) -> bytes:
    """The example with one more field whose JSON text is given verbatim."""
    body = dumps(example(event_type))
    return body[:-1] + b',"' + name.encode() + b'":' + raw_value + b"}"


def _at(delta: timedelta) -> str:
    return (NOW_DT + delta).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_PV = dumps(example("page.viewed"))

CASES: list[tuple[str, str, bytes | None, str]] = [
    # (id, topic, raw, reason)
    ("none", PAGE_VIEWS, None, "empty"),
    ("zero-bytes", PAGE_VIEWS, b"", "empty"),
    (
        "70kB-title",
        ARTICLES,
        dumps(example("article.published", title="Climate summit " * 5000)),
        "too_large",
    ),
    ("one-byte-over", PAGE_VIEWS, _PV + b" " * (MAX_RECORD_BYTES + 1 - len(_PV)), "too_large"),
    ("binary-garbage", PAGE_VIEWS, bytes(range(256)), "not_json"),
    (
        "gzip-magic",
        PAGE_VIEWS,
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\xae\x05\x00",
        "not_json",
    ),
    ("truncated", PAGE_VIEWS, _PV[: len(_PV) // 2], "not_json"),
    ("truncated-last-brace", PAGE_VIEWS, _PV[:-1], "not_json"),
    (
        "invalid-utf8",
        ARTICLES,
        dumps(example("article.published")).replace(b"Maya", b"M\xc3\x28ya"),
        "not_json",
    ),
    (
        "latin1-title",
        ARTICLES,
        dumps(example("article.published")).replace(b"Maya", b"M\xe4ya"),
        "not_json",
    ),
    ("python-repr", PAGE_VIEWS, repr(example("page.viewed")).encode(), "not_json"),
    ("whitespace-only", PAGE_VIEWS, b"  \n ", "not_json"),
    (
        "5000-nested-arrays",
        PAGE_VIEWS,
        _with_field("page.viewed", "extra", b"[" * 5000 + b"]" * 5000),
        "too_deep",
    ),
    (
        "5000-nested-objects",
        BANNERS,
        _with_field("banner.shown", "extra", b'{"a":' * 5000 + b"1" + b"}" * 5000),
        "too_deep",
    ),
    ("array-of-event", PAGE_VIEWS, b"[" + _PV + b"]", "not_object"),
    ("number", PAGE_VIEWS, b"42", "not_object"),
    ("string", PAGE_VIEWS, b'"page.viewed"', "not_object"),
    ("null", PAGE_VIEWS, b"null", "not_object"),
    (
        "event-type-missing",
        PAGE_VIEWS,
        dumps(example("page.viewed", event_type=_DROP)),
        "unknown_event_type",
    ),
    (
        "event-type-unknown",
        PAGE_VIEWS,
        dumps(example("page.viewed", event_type="page.scrolled")),
        "unknown_event_type",
    ),
    (
        "event-type-wrong-case",
        PAGE_VIEWS,
        dumps(example("page.viewed", event_type="Page.Viewed")),
        "unknown_event_type",
    ),
    (
        "event-type-number",
        PAGE_VIEWS,
        dumps(example("page.viewed", event_type=7)),
        "unknown_event_type",
    ),
    ("page-view-on-cms", ARTICLES, _PV, "wrong_topic"),
    ("article-on-page-views", PAGE_VIEWS, dumps(example("article.published")), "wrong_topic"),
    ("donation-on-banners", BANNERS, dumps(example("donation.completed")), "wrong_topic"),
    ("banner-on-donations", DONATIONS, dumps(example("banner.clicked")), "wrong_topic"),
    (
        "known-type-v2",
        PAGE_VIEWS,
        dumps(example("page.viewed", schema_version=2)),
        "unsupported_schema_version",
    ),
    (
        "unknown-type-v2",
        PAGE_VIEWS,
        dumps(example("page.viewed", schema_version=2, event_type="page.scrolled")),
        "unsupported_schema_version",
    ),
    (
        "v2-with-new-field",
        DONATIONS,
        dumps(example("donation.completed", schema_version=2, tip_minor=50)),
        "unsupported_schema_version",
    ),
    (
        "unknown-field",
        PAGE_VIEWS,
        dumps(example("page.viewed", utm_campaign="spring")),
        "invalid_field",
    ),
    (
        "missing-reader-id",
        PAGE_VIEWS,
        dumps(example("page.viewed", reader_id=_DROP)),
        "invalid_field",
    ),
    (
        "missing-event-id",
        BANNERS,
        dumps(example("banner.shown", event_id=_DROP)),
        "invalid_field",
    ),
    (
        "naive-occurred-at",
        PAGE_VIEWS,
        dumps(example("page.viewed", occurred_at="2026-11-27T18:12:44.907")),
        "invalid_field",
    ),
    (
        "occurred-at-1999",
        PAGE_VIEWS,
        dumps(example("page.viewed", occurred_at="1999-12-31T23:59:59Z")),
        "invalid_field",
    ),
    (
        "amount-zero",
        DONATIONS,
        dumps(example("donation.completed", amount_minor=0)),
        "invalid_field",
    ),
    (
        "amount-as-string",
        DONATIONS,
        dumps(example("donation.completed", amount_minor="500")),
        "invalid_field",
    ),
    (
        "word-count-negative",
        ARTICLES,
        dumps(example("article.published", word_count=-1)),
        "invalid_field",
    ),
    (
        "21-authors",
        ARTICLES,
        dumps(example("article.published", authors=[f"Author {i}" for i in range(21)])),
        "invalid_field",
    ),
    ("country-lowercase", PAGE_VIEWS, dumps(example("page.viewed", country="gb")), "invalid_field"),
    ("device-unknown", PAGE_VIEWS, dumps(example("page.viewed", device="watch")), "invalid_field"),
    (
        "dismiss-reason-unknown",
        BANNERS,
        dumps(example("banner.dismissed", reason="later")),
        "invalid_field",
    ),
    (
        "url-not-http",
        PAGE_VIEWS,
        dumps(example("page.viewed", url="ftp://x.org/a")),
        "invalid_field",
    ),
    (
        "schema-version-0",
        PAGE_VIEWS,
        dumps(example("page.viewed", schema_version=0)),
        "invalid_field",
    ),
    (
        "schema-version-true",
        PAGE_VIEWS,
        dumps(example("page.viewed", schema_version=True)),
        "invalid_field",
    ),
    (
        "11-minutes-ahead",
        PAGE_VIEWS,
        dumps(example("page.viewed", occurred_at=_at(timedelta(minutes=11)))),
        "future_timestamp",
    ),
    (
        "next-year",
        DONATIONS,
        dumps(example("donation.completed", occurred_at="2027-11-27T18:15:37Z")),
        "future_timestamp",
    ),
]


@pytest.mark.parametrize(
    ("topic", "raw", "reason"),
    [pytest.param(t, r, why, id=f"{why}:{cid}") for cid, t, r, why in CASES],
)
def test_rejected_with_exactly_this_reason(topic: str, raw: bytes | None, reason: str) -> None:
    result = decode(topic, raw, NOW, TOLERANCE)
    assert isinstance(result, Rejected), f"accepted: {result!r}"
    assert result.reason == reason, result.error
    assert result.error.strip()


def test_every_reason_has_a_case() -> None:
    assert {c[3] for c in CASES} == set(REASONS)
    assert len(REASONS) == len(set(REASONS))


def test_the_size_limit_is_inclusive() -> None:
    raw = _PV + b" " * (MAX_RECORD_BYTES - len(_PV))  # trailing whitespace is valid JSON
    assert len(raw) == MAX_RECORD_BYTES
    assert not isinstance(decode(PAGE_VIEWS, raw, NOW, TOLERANCE), Rejected)


@pytest.mark.parametrize(
    ("ahead", "accepted"),
    [
        (timedelta(minutes=9), True),
        (timedelta(minutes=9, seconds=59), True),
        (timedelta(minutes=10, seconds=1), False),
        (timedelta(minutes=11), False),
        (timedelta(hours=-30), True),  # the past is not refused by the decoder
    ],
)
def test_future_tolerance(ahead: timedelta, accepted: bool) -> None:
    raw = dumps(example("page.viewed", occurred_at=_at(ahead)))
    result = decode(PAGE_VIEWS, raw, NOW, TOLERANCE)
    if accepted:
        assert not isinstance(result, Rejected), result
        assert result.occurred_at == NOW_DT + ahead
    else:
        assert isinstance(result, Rejected)
        assert result.reason == "future_timestamp"
        assert "ahead" in result.error


def test_future_tolerance_is_the_callers() -> None:
    raw = dumps(example("page.viewed", occurred_at=_at(timedelta(minutes=2))))
    assert not isinstance(decode(PAGE_VIEWS, raw, NOW, 600.0), Rejected)
    rejected = decode(PAGE_VIEWS, raw, NOW, 60.0)
    assert isinstance(rejected, Rejected)
    assert rejected.reason == "future_timestamp"


@pytest.mark.parametrize(
    ("event_type", "index"),
    [(t, i) for t, examples in EXAMPLES.items() for i in range(len(examples))],
)
def test_every_example_decodes_on_its_topic(event_type: str, index: int) -> None:
    raw = orjson.dumps(EXAMPLES[event_type][index])
    result = decode(TOPIC_OF[event_type], raw, NOW, TOLERANCE)
    assert isinstance(result, EventBase)
    assert type(result) is EVENT_MODELS[event_type]
    assert result.event_id == EXAMPLES[event_type][index]["event_id"]


def test_event_id_is_read_in_lower_case() -> None:
    raw = dumps(example("page.viewed", event_id="139261FD-E105-424D-8E74-4C2BBF580E6B"))
    result = decode(PAGE_VIEWS, raw, NOW, TOLERANCE)
    assert not isinstance(result, Rejected)
    assert result.event_id == "139261fd-e105-424d-8e74-4c2bbf580e6b"


def test_invalid_field_names_the_field() -> None:
    raw = dumps(example("donation.completed", amount_minor=0))
    result = decode(DONATIONS, raw, NOW, TOLERANCE)
    assert isinstance(result, Rejected)
    assert "amount_minor" in result.error


def test_russian_text_is_fine() -> None:
    raw = orjson.dumps(EXAMPLES["article.published"][1])
    assert "Москва".encode() in raw
    result = decode(ARTICLES, raw, NOW, TOLERANCE)
    assert not isinstance(result, Rejected)
    assert result.title.startswith("Москва")  # type: ignore[union-attr]
