"""The record stream: valid where it claims to be, broken where it claims to be, in the
proportions asked for, and with a funnel that never runs ahead of itself."""

from __future__ import annotations

import itertools
import random
import re
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

import streams.simulate.generate as gen
from schemas.events import EVENT_ADAPTER, TOPIC_EVENT_TYPES
from streams import topics
from streams.ingest.bots import is_bot
from streams.ingest.referrer import classify_referrer
from streams.simulate import malformed, words
from streams.simulate.generate import Counts, SimRecord, generate
from streams.simulate.world import World, build_world

START = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
RATE = 20.0  # slow enough in event time for most funnels to reach a donation
N = 20_000
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(42, START)


@pytest.fixture(scope="module")
def records(world: World) -> list[SimRecord]:
    return list(generate(world, N, START, RATE, duplicates_ratio=0.01, malformed_ratio=0.02))


@pytest.fixture(scope="module")
def events(records: list[SimRecord]) -> list[tuple[SimRecord, dict[str, Any]]]:
    return [(r, orjson.loads(r.value)) for r in records if r.kind == "event"]


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_deterministic_for_a_world_and_start(world: World) -> None:
    first = list(generate(world, 2_000, START, 100.0, 0.05, 0.05))
    assert first == list(generate(world, 2_000, START, 100.0, 0.05, 0.05))
    later = list(generate(world, 2_000, START + timedelta(seconds=1), 100.0, 0.05, 0.05))
    ids = {orjson.loads(r.value)["event_id"] for r in first if r.kind == "event"}
    assert ids.isdisjoint(orjson.loads(r.value)["event_id"] for r in later if r.kind == "event")


def test_every_event_validates_on_its_topic(events: list[tuple[SimRecord, dict[str, Any]]]) -> None:
    assert set(topics.INPUT_TOPICS) == set(TOPIC_EVENT_TYPES)
    assert {r.topic for r, _ in events} == set(topics.INPUT_TOPICS)
    for record, _ in events:
        event = EVENT_ADAPTER.validate_json(record.value)
        assert event.event_type in TOPIC_EVENT_TYPES[record.topic]


def test_keys_follow_the_contract(events: list[tuple[SimRecord, dict[str, Any]]]) -> None:
    rule = {
        topics.ARTICLES: lambda e: e["article_id"],
        topics.PAGE_VIEWS: lambda e: e.get("article_id", e["url"]),
        topics.BANNER_EVENTS: lambda e: e["campaign_id"],
        topics.DONATIONS: lambda e: e["reader_id"],
    }
    for record, event in events:
        assert record.key == rule[record.topic](event).encode()


def test_envelope(events: list[tuple[SimRecord, dict[str, Any]]]) -> None:
    ids = [e["event_id"] for _, e in events]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 for i in ids)
    first, last = START - timedelta(seconds=200 / RATE), START + timedelta(seconds=N / RATE)
    for _, e in events:
        assert e["schema_version"] == 1
        assert TIMESTAMP.fullmatch(e["occurred_at"])
        assert first <= ts(e["occurred_at"]) <= last
        if "sent_at" in e:
            assert TIMESTAMP.fullmatch(e["sent_at"]) and e["sent_at"] >= e["occurred_at"]
    assert 0.8 < sum("sent_at" in e for _, e in events) / len(events) < 0.97


def test_catalogue_first_then_a_few_updates(
    world: World, records: list[SimRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    head = [orjson.loads(r.value) for r in records[: len(world.articles)]]
    assert [e["article_id"] for e in head] == [a.article_id for a in world.articles]
    assert max(ts(e["occurred_at"]) for e in head) < START
    assert any(re.search("[\u0400-\u04ff]", e["title"]) for e in head if e["language"] == "ru")
    monkeypatch.setattr(gen, "REPUBLISH_RATE", 0.05)
    tail = list(generate(world, 2_000, START, RATE))[len(world.articles) :]
    updates = [orjson.loads(r.value) for r in tail if r.topic == topics.ARTICLES]
    originals = {a.article_id: a for a in world.articles}
    assert updates
    for update in updates:  # an edit: same article and section, one more tag
        original = originals[update["article_id"]]
        assert (update["url"], update["section"]) == (original.url, original.section)
        assert set(update["tags"]) > set(original.tags)


def test_shorter_than_the_catalogue_and_endless(world: World) -> None:
    assert [r.topic for r in generate(world, 10, START, RATE)] == [topics.ARTICLES] * 10
    endless = generate(world, None, START, RATE, 0.01, 0.01)
    assert len(list(itertools.islice(endless, 1_000))) == 1_000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate_per_s": 0.0},
        {"duplicates_ratio": -0.1},
        {"duplicates_ratio": 0.6, "malformed_ratio": 0.5},
        {"start": datetime(2026, 11, 27, 18, 0)},  # naive
    ],
)
def test_rejects_bad_arguments(world: World, kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {"world": world, "n": 1, "start": START, "rate_per_s": 1.0}
    with pytest.raises(ValueError):
        generate(**(args | kwargs))


def test_kind_ratios(records: list[SimRecord]) -> None:
    kinds = Counter(r.kind for r in records)
    assert kinds["event"] + kinds["duplicate"] + kinds["malformed"] == N
    assert 0.0075 <= kinds["duplicate"] / N <= 0.0125
    assert 0.0165 <= kinds["malformed"] / N <= 0.0235


def test_duplicates_repeat_recent_events_exactly(records: list[SimRecord]) -> None:
    seen: dict[bytes, SimRecord] = {}
    for record in records:
        if record.kind == "duplicate":
            assert seen[record.value] == SimRecord(record.topic, record.key, record.value, "event")
        elif record.kind == "event":
            seen[record.value] = record


def test_page_view_mix(events: list[tuple[SimRecord, dict[str, Any]]]) -> None:
    views = [e for r, e in events if r.topic == topics.PAGE_VIEWS]
    bots = [e for e in views if is_bot(e["user_agent"])]
    assert all(e["user_agent"] in words.BOT_UAS for e in bots)
    assert 0.015 <= len(bots) / len(views) <= 0.025
    humans = [e for e in views if not is_bot(e["user_agent"])]
    assert 0.08 <= sum("article_id" not in e for e in humans) / len(humans) <= 0.12
    assert {e["device"] for e in humans} == {"desktop", "mobile", "tablet", "other"}
    sites = frozenset({words.SITE_HOST})
    mix: Counter[str] = Counter(
        classify_referrer(e.get("referrer"), e["url"], sites) for e in humans
    )
    for source, share in gen.REFERRER_MIX:
        assert abs(mix[source] / len(humans) - share) < 0.02, source
    for e in views:
        assert e["url"].startswith(words.SITE)
        assert len(e["reader_id"]) >= 8 and len(e["session_id"]) >= 8


def test_banners_follow_human_article_views(events: list[tuple[SimRecord, dict[str, Any]]]) -> None:
    views = [e for r, e in events if r.topic == topics.PAGE_VIEWS]
    human_articles = [e for e in views if "article_id" in e and not is_bot(e["user_agent"])]
    shown = [e for _, e in events if e["event_type"] == "banner.shown"]
    assert 0.36 <= len(shown) / len(human_articles) <= 0.44
    bot_sessions = {e["session_id"] for e in views if is_bot(e["user_agent"])}
    assert not bot_sessions & {e["session_id"] for e in shown}


def test_funnel_is_monotone_per_variant(events: list[tuple[SimRecord, dict[str, Any]]]) -> None:
    counts: Counter[tuple[str, str, str]] = Counter()
    shown_to: set[tuple[str, str, str, str]] = set()
    clicked_by: set[tuple[str, str, str]] = set()
    for step, (_, e) in enumerate(events):
        kind = e["event_type"]
        if kind.startswith("banner."):
            who = (e["campaign_id"], e["variant"], e["reader_id"], e["session_id"])
            if kind == "banner.shown":
                shown_to.add(who)
            else:
                assert who in shown_to  # a click or dismissal follows its impression
                if kind == "banner.clicked":
                    clicked_by.add((e["campaign_id"], e["variant"], e["reader_id"]))
            counts[e["campaign_id"], e["variant"], kind] += 1
        elif kind == "donation.completed" and "campaign_id" in e:
            assert (e["campaign_id"], e["variant"], e["reader_id"]) in clicked_by
            counts[e["campaign_id"], e["variant"], kind] += 1
        if step % 997 == 0 or step == len(events) - 1:
            for c, v in {(c, v) for c, v, _ in counts}:
                shown, clicked = counts[c, v, "banner.shown"], counts[c, v, "banner.clicked"]
                assert shown >= clicked + counts[c, v, "banner.dismissed"]
                assert clicked >= counts[c, v, "donation.completed"]
    for c, v in {(c, v) for c, v, _ in counts}:
        assert 0.01 <= counts[c, v, "banner.clicked"] / counts[c, v, "banner.shown"] <= 0.09


def test_donations(events: list[tuple[SimRecord, dict[str, Any]]]) -> None:
    donations = [e for _, e in events if e["event_type"] == "donation.completed"]
    unattributed = [e for e in donations if "campaign_id" not in e]
    assert len(donations) >= 50
    assert 0.03 <= len(unattributed) / len(donations) <= 0.3
    assert all(("campaign_id" in e) == ("variant" in e) for e in donations)
    assert {e["currency"] for e in donations} <= {"USD", "EUR", "GBP"}
    assert {e["frequency"] for e in donations} <= {"one_time", "monthly", "annual"}
    assert all(e["amount_minor"] > 0 for e in donations)


def test_malformed_records_are_all_rejected(records: list[SimRecord]) -> None:
    bad = [r for r in records if r.kind == "malformed"]
    assert bad
    for record in bad:
        assert_rejected(record.topic, record.value)


@pytest.mark.parametrize("kind", malformed.MALFORMED_KINDS)
def test_each_malformed_kind(world: World, kind: str) -> None:
    rng = random.Random(kind)
    at = START.timestamp()
    for _ in range(30):
        topic, key, value = malformed.corrupt(rng, kind, malformed.sample_event(rng, world, at), at)
        assert topic in topics.INPUT_TOPICS and (key is None or isinstance(key, bytes))
        reason = assert_rejected(topic, value)
        expected = {"wrong_topic": "topic", "future_timestamp": "future"}.get(kind, "invalid")
        assert reason == expected, kind


def test_unknown_malformed_kind(world: World) -> None:
    rng = random.Random(0)
    with pytest.raises(ValueError):
        malformed.corrupt(rng, "nope", malformed.sample_event(rng, world, 0.0), 0.0)


def assert_rejected(topic: str, value: bytes) -> str:
    """Why the processor must refuse `value` on `topic`; fails if it would accept it."""
    try:
        event = EVENT_ADAPTER.validate_json(value)
    except ValidationError:
        return "invalid"
    if event.event_type not in TOPIC_EVENT_TYPES[topic]:
        return "topic"
    assert event.occurred_at > datetime.now(UTC) + timedelta(minutes=10), value[:200]
    return "future"


def test_counts() -> None:
    counts = Counts()
    for topic, kind in [("a", "event"), ("a", "event"), ("b", "malformed"), ("a", "duplicate")]:
        counts.add(topic, kind)
    assert counts.total == 4
    assert counts.per_topic() == {"a": 3, "b": 1}
    assert counts.per_topic("event") == {"a": 2}
    assert counts.per_kind() == {"event": 2, "malformed": 1, "duplicate": 1}
    assert counts.as_dict() == {"a": {"duplicate": 1, "event": 2}, "b": {"malformed": 1}}
    assert counts.format().splitlines()[-1].split() == ["total", "2", "1", "1"]
