"""The collector's rules for a POSTed batch, and its bearer-token check."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from schemas.examples import EXAMPLES
from streams.ingest.collector import BROWSER_TYPES, BatchError, check_batch, token_ok

NOW = datetime(2026, 11, 27, 19, 30, tzinfo=UTC).timestamp()  # after every example
TOL = 600.0
MAX = 10


def ex(kind: str, index: int = 0, /, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(EXAMPLES[kind][index])
    event.update(changes)
    return event


def body(*events: Any) -> bytes:
    return orjson.dumps(list(events))


def check(raw: bytes, trusted: bool = False, max_events: int = MAX) -> Any:
    return check_batch(raw, max_events, trusted, NOW, TOL)


@pytest.mark.parametrize(
    ("raw", "status", "reason"),
    [
        pytest.param(b"", 400, "not_json", id="empty-body"),
        pytest.param(b"\x1f\x8b\x08\x00garbage", 400, "not_json", id="binary"),
        pytest.param(body(ex("page.viewed"))[:-5], 400, "not_json", id="truncated"),
        pytest.param(b'[{"title": "M\xc3\x28ya"}]', 400, "not_json", id="invalid-utf8"),
        pytest.param(orjson.dumps(ex("page.viewed")), 400, "not_array", id="one-object"),
        pytest.param(b"42", 400, "not_array", id="number"),
        pytest.param(b'"events"', 400, "not_array", id="string"),
        pytest.param(b"null", 400, "not_array", id="null"),
        pytest.param(b"[]", 400, "empty", id="empty-array"),
        pytest.param(body(*[ex("page.viewed")] * (MAX + 1)), 413, "too_many_events", id="11"),
    ],
)
def test_a_bad_request_is_refused_whole(raw: bytes, status: int, reason: str) -> None:
    with pytest.raises(BatchError) as caught:
        check(raw)
    assert caught.value.status == status
    assert caught.value.reason == reason
    assert str(caught.value)


def test_the_event_limit_is_inclusive() -> None:
    outcome = check(body(*[ex("page.viewed")] * MAX))
    assert len(outcome.accepted) == MAX
    assert outcome.rejected == []


@pytest.mark.parametrize(
    ("kind", "index", "topic", "key"),
    [
        ("page.viewed", 0, "web.page-viewed", b"cms:48213"),
        ("page.viewed", 1, "web.page-viewed", b"https://news.example.org/"),
        ("banner.shown", 0, "web.banner-events", b"giving-tuesday-2026"),
        ("banner.clicked", 1, "web.banner-events", b"zima-2026"),
        ("banner.dismissed", 1, "web.banner-events", b"giving-tuesday-2026"),
    ],
)
def test_browser_events_go_to_their_topic_with_the_contract_key(
    kind: str, index: int, topic: str, key: bytes
) -> None:
    event = EXAMPLES[kind][index]
    outcome = check(body(event))
    assert outcome.rejected == []
    assert len(outcome.accepted) == 1
    got_topic, got_key, value = outcome.accepted[0]
    assert (got_topic, got_key) == (topic, key)
    assert orjson.loads(value) == event


@pytest.mark.parametrize(
    ("kind", "index", "topic", "key"),
    [
        ("article.published", 0, "cms.article-published", b"cms:48213"),
        ("article.published", 1, "cms.article-published", b"cms:48230"),
        ("donation.completed", 0, "payments.donation-completed", b"rdr_7Qm2xV9kLp3T"),
        ("donation.completed", 1, "payments.donation-completed", b"rdr_Lx40pQa7MvRn"),
    ],
)
def test_cms_and_payment_events_need_the_token(
    kind: str, index: int, topic: str, key: bytes
) -> None:
    event = EXAMPLES[kind][index]
    refused = check(body(event), trusted=False)
    assert refused.accepted == []
    assert refused.rejected == [
        {"index": 0, "reason": "forbidden_event_type", "error": refused.rejected[0]["error"]}
    ]
    assert kind in refused.rejected[0]["error"]
    trusted = check(body(event), trusted=True)
    assert trusted.rejected == []
    assert [(t, k) for t, k, _ in trusted.accepted] == [(topic, key)]


def test_browser_types_are_the_four_web_events() -> None:
    assert (
        frozenset({"page.viewed", "banner.shown", "banner.clicked", "banner.dismissed"})
        == BROWSER_TYPES
    )


def test_a_mixed_batch_reports_each_refused_item_by_index() -> None:
    items: list[Any] = [
        ex("page.viewed"),  # 0 ok
        ex("donation.completed"),  # 1 forbidden without the token
        ex("page.viewed", country="gb"),  # 2 invalid field
        "page.viewed",  # 3 not an object
        {"event_type": "page.scrolled"},  # 4 unknown type
        ex("banner.shown", schema_version=2),  # 5 newer version
        ex("banner.clicked", occurred_at="2026-11-27T20:00:00Z"),  # 6 30 min ahead
        ex("banner.dismissed", 1),  # 7 ok
        {"event_type": ["page.viewed"]},  # 8 an unhashable type
        ex("page.viewed", 0, utm_source="x"),  # 9 unknown field
    ]
    outcome = check(body(*items))
    assert [(r["index"], r["reason"]) for r in outcome.rejected] == [
        (1, "forbidden_event_type"),
        (2, "invalid_field"),
        (3, "unknown_event_type"),
        (4, "unknown_event_type"),
        (5, "unsupported_schema_version"),
        (6, "future_timestamp"),
        (8, "unknown_event_type"),
        (9, "invalid_field"),
    ]
    assert all(r["error"] for r in outcome.rejected)
    assert [orjson.loads(v)["event_id"] for _, _, v in outcome.accepted] == [
        items[0]["event_id"],
        items[7]["event_id"],
    ]


def test_a_trusted_batch_still_validates() -> None:
    outcome = check(body(ex("donation.completed", amount_minor=0)), trusted=True)
    assert outcome.accepted == []
    assert [r["reason"] for r in outcome.rejected] == ["invalid_field"]


def test_an_oversized_event_is_refused_alone() -> None:
    big = ex("page.viewed", user_agent="x" * 70_000)
    outcome = check(body(ex("page.viewed"), big))
    assert [(r["index"], r["reason"]) for r in outcome.rejected] == [(1, "too_large")]
    assert len(outcome.accepted) == 1


TOKEN = "s3cr3t-collector-token"


@pytest.mark.parametrize(
    ("header", "token", "ok"),
    [
        (f"Bearer {TOKEN}", TOKEN, True),
        (f"Bearer {TOKEN}x", TOKEN, False),
        (f"Bearer {TOKEN[:-1]}", TOKEN, False),
        ("Bearer ", TOKEN, False),
        ("Bearer", TOKEN, False),
        (TOKEN, TOKEN, False),  # no scheme
        (f"bearer {TOKEN}", TOKEN, False),  # the scheme is matched as sent by our clients
        (f"Basic {TOKEN}", TOKEN, False),
        (f"Bearer  {TOKEN}", TOKEN, False),
        (f"Bearer {TOKEN.upper()}", TOKEN, False),
        ("Bearer тайна", TOKEN, False),  # non-ASCII does not raise
        ("Bearer тайна", "тайна", True),
        (None, TOKEN, False),
        ("", TOKEN, False),
        (f"Bearer {TOKEN}", None, False),  # no token configured: nobody is trusted
        (f"Bearer {TOKEN}", "", False),
        ("Bearer ", "", False),
        (None, None, False),
    ],
)
def test_token_ok(header: str | None, token: str | None, ok: bool) -> None:
    assert token_ok(header, token) is ok


def test_token_ok_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # as the collector calls it
    assert token_ok(f"Bearer {TOKEN}", TOKEN) is True
    assert token_ok("Bearer nope", TOKEN) is False
    assert calls == [(TOKEN.encode(), TOKEN.encode()), (b"nope", TOKEN.encode())]
