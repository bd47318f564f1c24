"""fastroute.route: decode + encode_valid's very (key, value) for a record, or a decline.

The property (`test_fastcheck.assert_route_agrees`) is also checked on every record the
strategies of test_fastcheck.py, test_fastcheck_banner.py and test_route_equivalence.py
generate. Here: the simulator's traffic (malformed records included), odd sources, the
clock around the future-timestamp limit, wrong topics, sizes, that the fused path does
take the common records, and that the router uses it.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fastcheck import ROUTE_SITES, SLOW, assert_route_agrees
from test_route_equivalence import _AGENTS, _REFERRERS, _URLS

import streams.ingest.agents as agents_module
from schemas import TOPIC_EVENT_TYPES
from schemas.examples import EXAMPLES
from streams import topics
from streams.ingest.agents import Pipeline
from streams.ingest.decode import MAX_RECORD_BYTES, Rejected, decode
from streams.ingest.fastcheck import EVENT_TYPES
from streams.ingest.fastroute import route
from streams.ingest.packing import pack
from streams.ingest.partitioning import partition_for
from streams.ingest.route import encode_invalid, encode_valid, invalid_identity
from streams.simulate.generate import generate
from streams.simulate.world import build_world

START = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
NOW = START.timestamp() + 86_400
TOPIC_OF = {t: topic for topic, types in TOPIC_EVENT_TYPES.items() for t in types}
FUSED = [(kind, i) for kind in sorted(EVENT_TYPES) for i in range(len(EXAMPLES[kind]))]
OTHERS = [(k, i) for k in sorted(TOPIC_OF) if k not in EVENT_TYPES for i in range(len(EXAMPLES[k]))]
HOSTS = ROUTE_SITES[2]  # the simulator's site among them


def expected(topic: str, raw: bytes, now: float, tolerance: float, source: str) -> Any:
    result = decode(topic, raw, now, tolerance)
    return (
        result if isinstance(result, Rejected) else encode_valid(topic, result, raw, HOSTS, source)
    )


@pytest.fixture(scope="module")
def simulated() -> list[Any]:
    world = build_world(13, START, articles=60, readers=2000)
    return list(generate(world, 6000, START, 50.0, malformed_ratio=0.1))


def test_simulated_traffic_routes_the_same(simulated: list[Any]) -> None:
    kinds = {r.kind for r in simulated}
    assert {"event", "malformed"} <= kinds
    for offset, record in enumerate(simulated[:2500]):
        assert_route_agrees(record.value, (invalid_identity(record.topic, 1, offset),))


def test_the_common_records_take_the_fused_path(simulated: list[Any]) -> None:
    """Not a no-op: the simulator's valid page views and banner events nearly all go the
    fused way, at the router's clock, with the bytes decode + encode_valid make."""
    taken, common = 0, 0
    for offset, record in enumerate(simulated):
        if record.kind != "event" or record.topic not in (topics.PAGE_VIEWS, topics.BANNER_EVENTS):
            continue
        common += 1
        source = invalid_identity(record.topic, 2, offset)
        fused = route(record.topic, record.value, NOW, 300.0, HOSTS, source)
        if fused is not None:
            taken += 1
            assert fused == expected(record.topic, record.value, NOW, 300.0, source)
    assert common > 4000
    assert taken / common > 0.99


@pytest.mark.parametrize(("kind", "index"), FUSED)
def test_committed_examples_take_the_fused_path(kind: str, index: int) -> None:
    raw = orjson.dumps(EXAMPLES[kind][index])
    fused = route(TOPIC_OF[kind], raw, NOW, 300.0, HOSTS, "t/0/1")
    assert fused is not None
    assert fused == expected(TOPIC_OF[kind], raw, NOW, 300.0, "t/0/1")
    assert assert_route_agrees(raw)


@pytest.mark.parametrize(("kind", "index"), OTHERS)
def test_articles_and_donations_are_declined(kind: str, index: int) -> None:
    raw = orjson.dumps(EXAMPLES[kind][index])
    for topic in topics.INPUT_TOPICS:
        assert route(topic, raw, NOW, 300.0, HOSTS, "") is None
    assert not assert_route_agrees(raw)


@pytest.mark.parametrize(("kind", "index"), FUSED)
def test_a_wrong_topic_is_declined(kind: str, index: int) -> None:
    raw = orjson.dumps(EXAMPLES[kind][index])
    for topic in (*topics.INPUT_TOPICS, "web.page-viewed.v2", "", "pulse.events-routed"):
        if topic == TOPIC_OF[kind]:
            continue
        assert route(topic, raw, NOW, 300.0, HOSTS, "") is None
        if topic in topics.INPUT_TOPICS:
            result = decode(topic, raw, NOW, 300.0)
            assert isinstance(result, Rejected)
            assert result.reason == "wrong_topic"


@pytest.mark.parametrize(("kind", "index"), FUSED)
def test_size_limits_are_decode_s(kind: str, index: int) -> None:
    topic = TOPIC_OF[kind]
    compact = orjson.dumps(EXAMPLES[kind][index])
    for size, accepted in ((MAX_RECORD_BYTES, True), (MAX_RECORD_BYTES + 1, False)):
        raw = compact[:-1] + b" " * (size - len(compact)) + b"}"  # JSON padded with spaces
        assert len(raw) == size
        fused = route(topic, raw, NOW, 300.0, HOSTS, "")
        assert (fused is not None) == accepted
        assert isinstance(decode(topic, raw, NOW, 300.0), Rejected) != accepted
    assert route(topic, b"", NOW, 300.0, HOSTS, "") is None
    assert route(topic, None, NOW, 300.0, HOSTS, "") is None


@SLOW
@given(st.sampled_from(FUSED), st.text() | st.binary().map(lambda b: b.decode("latin-1")))
def test_odd_sources(example: tuple[str, int], source: str) -> None:
    kind, index = example
    raw = orjson.dumps(EXAMPLES[kind][index])
    fused = route(TOPIC_OF[kind], raw, NOW, 300.0, HOSTS, source)
    assert fused == expected(TOPIC_OF[kind], raw, NOW, 300.0, source)
    assert_route_agrees(raw, (source,))


_offsets = st.floats(-1e6, 1e6) | st.sampled_from([0.0, -0.0, 1e-9, -1e-9, 0.5, -0.5])
_tolerances = st.floats(allow_nan=True) | st.sampled_from([0.0, 300.0, 600.0, 1e-12, -1.0])


@SLOW
@given(st.sampled_from(FUSED), _offsets, _tolerances, st.integers(0, 3))
def test_the_clock_around_the_future_limit(
    example: tuple[str, int], offset: float, tolerance: float, ulps: int
) -> None:
    """`now` at `occurred_at - tolerance + offset`, a few ulps either way: the fused path
    takes the record exactly when decode accepts it."""
    kind, index = example
    raw = orjson.dumps(EXAMPLES[kind][index])
    topic = TOPIC_OF[kind]
    result = decode(topic, raw, math.inf, 0.0)
    assert not isinstance(result, Rejected)
    now = result.occurred_at.timestamp() - tolerance + offset
    for _ in range(ulps):
        now = math.nextafter(now, math.inf if offset >= 0 else -math.inf)
    fused = route(topic, raw, now, tolerance, HOSTS, "s")
    want = expected(topic, raw, now, tolerance, "s")
    if isinstance(want, Rejected):
        assert fused is None
        assert want.reason == "future_timestamp"
    else:
        assert fused == want


@st.composite
def moved_examples(draw: st.DrawFn) -> bytes:
    """A committed example with another time, id, article, referrer or user agent."""
    kind, index = draw(st.sampled_from(FUSED))
    record = copy.deepcopy(EXAMPLES[kind][index])
    moment = draw(
        st.datetimes(datetime(2026, 11, 26), datetime(2026, 11, 30), timezones=st.just(UTC))
    )
    spec = draw(st.sampled_from(["milliseconds", "seconds", "microseconds"]))
    record["occurred_at"] = moment.isoformat(timespec=spec).replace("+00:00", "Z")
    if draw(st.booleans()):
        record["event_id"] = str(draw(st.uuids())).upper()
    for name in ("article_id", "referrer", "user_agent"):
        if name in record and draw(st.booleans()):
            record[name] = draw(st.none() | st.sampled_from(["", "curl/8.5.0", "https://t.co/x"]))
    return orjson.dumps(record)


@SLOW
@given(moved_examples())
def test_moved_examples(raw: bytes) -> None:
    assert_route_agrees(raw)


@pytest.mark.parametrize("referrer", _REFERRERS)
@pytest.mark.parametrize("site_hosts", ROUTE_SITES)
def test_referrer_classes_and_bots(referrer: str | None, site_hosts: frozenset[str]) -> None:
    """Every listed referrer against every listed page URL and user agent, per site."""
    base = EXAMPLES["page.viewed"][0]
    for i, url in enumerate(_URLS):
        for agent in _AGENTS:
            raw = orjson.dumps({**base, "url": url, "referrer": referrer, "user_agent": agent})
            source = f"web.page-viewed/0/{i}"
            fused = route(topics.PAGE_VIEWS, raw, NOW, 300.0, site_hosts, source)
            result = decode(topics.PAGE_VIEWS, raw, NOW, 300.0)
            if isinstance(result, Rejected):
                assert fused is None
            else:
                assert fused is not None  # a referrer that does not parse is still valid
                assert fused == encode_valid(topics.PAGE_VIEWS, result, raw, site_hosts, source)


# --- the router uses it -------------------------------------------------------------------


@dataclass
class _Record:
    offset: int
    value: bytes | None


async def test_route_batch_routes_as_before(
    simulated: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pipeline.route_batch sends what decode + encode_valid/encode_invalid make, packed
    (packing.py), and most of it the fused way."""
    sent: list[Any] = []

    async def send_batches(kafka: Any, topic: str, routed: list[Any]) -> list[Any]:
        sent.extend(routed)
        return []

    calls = {"fused": 0, "taken": 0}

    def counting_route(*args: Any) -> Any:
        calls["fused"] += 1
        result = route(*args)
        calls["taken"] += result is not None
        return result

    clock = START.timestamp() + 3600
    monkeypatch.setattr(agents_module, "send_batches", send_batches)
    monkeypatch.setattr(agents_module, "fast_route", counting_route)
    monkeypatch.setattr(agents_module.time, "time", lambda: clock)
    settings = SimpleNamespace(partitions=4, future_tolerance_seconds=300.0)
    pipeline: Any = SimpleNamespace(
        consuming=False,
        settings=settings,
        prefix_len=len("pfx."),
        site_hosts=HOSTS,
        kafka=None,
        routed_topic="pfx.pulse.events-routed",
    )
    for topic in topics.INPUT_TOPICS:
        records = [_Record(i, r.value) for i, r in enumerate(simulated) if r.topic == topic]
        records.append(_Record(len(records), None))
        sent.clear()
        await Pipeline.route_batch(
            pipeline, SimpleNamespace(topic="pfx." + topic, partition=3), records
        )
        want = []
        for record in records:
            result = decode(topic, record.value, clock, 300.0)
            if isinstance(result, Rejected):
                key, value = encode_invalid(topic, 3, record.offset, result, record.value, clock)
            else:
                source = invalid_identity(topic, 3, record.offset)
                key, value = encode_valid(topic, result, record.value or b"", HOSTS, source)
            want.append((partition_for(key, 4), key, value))
        assert sent == pack(want)
    assert calls["taken"] > 0.8 * calls["fused"]
