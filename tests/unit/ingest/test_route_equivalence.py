"""The router's output against the implementation it replaced (kept below as the reference).

Keys, referrer classes and the records of articles and donations are the same bytes.
Page views and banner events now carry only what the folder reads of them
(`folded_fields`): they must read back as the reference's record less the other fields,
and a log of them must fold into the very state the reference's log folds into, which
is also what a worker meets in a rolling upgrade (records of both forms in one log).
Over the committed examples, the simulator's traffic and generated events.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from folding import fold_in_batches, folder, new_stores, simulated_log, sketched_state
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_fastcheck import assert_route_agrees

from schemas import TOPIC_EVENT_TYPES, ArticlePublished, DonationCompleted, Event, PageViewed
from schemas.examples import EXAMPLES
from streams import topics
from streams.ingest import referrer as referrer_module
from streams.ingest.bots import is_bot
from streams.ingest.decode import Rejected, decode
from streams.ingest.referrer import ReferrerClass, classify_referrer
from streams.ingest.route import (
    STREAM_INDEX,
    Routed,
    decode_routed,
    encode_valid,
    folded_fields,
    route_key,
)
from streams.simulate.generate import generate
from streams.simulate.world import build_world

NOW = datetime(2026, 11, 27, 19, 30, tzinfo=UTC).timestamp()
START = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
TOPIC_OF = {t: topic for topic, types in TOPIC_EVENT_TYPES.items() for t in types}
SITES = [
    frozenset(),
    frozenset({"news.example.org"}),
    frozenset({"pulse-news.example", "WWW.Mirror.example."}),
]
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the reference: the code as it was ------------------------------------------------


def reference_classify(referrer: str | None, url: str, site_hosts: frozenset[str]) -> ReferrerClass:
    r = referrer_module
    if not referrer or referrer.isspace():
        return "newsletter" if r._has_newsletter_utm(url) else "direct"
    match = r._URL_HOST.match(referrer)
    if match is not None:
        host = match.group(2).lower().rstrip(".")
        if host:
            scheme = match.group(1)
            if scheme is not None and scheme.lower() == "android-app":
                app_class = r._ANDROID_APPS.get(host)
                if app_class is not None:
                    return app_class
            else:
                page = r._URL_HOST.match(url)
                page_host = page.group(2).lower().rstrip(".") if page is not None else ""
                if r._is_internal(host, page_host, site_hosts):
                    return "internal"
                host_class = r._host_class(host)
                if host_class is not None:
                    return host_class
    return "newsletter" if r._has_newsletter_utm(url) else "other"


def reference_route_key(event: Event) -> str:
    if isinstance(event, ArticlePublished):
        return event.article_id
    if isinstance(event, PageViewed):
        return event.article_id or event.url
    if isinstance(event, DonationCompleted):
        return event.campaign_id or "unattributed"  # was reader_id: one window a minute
    return event.campaign_id


def reference_encode_valid(
    topic: str, event: Event, raw: bytes, site_hosts: frozenset[str], source: str = ""
) -> tuple[bytes, bytes]:
    body: dict[str, Any] = {
        "s": STREAM_INDEX[topic],
        "id": event.event_id,
        "src": source,
        "t": event.occurred_at.timestamp(),
        "e": orjson.Fragment(raw),
    }
    if isinstance(event, PageViewed):
        body["rc"] = reference_classify(event.referrer, event.url, site_hosts)
        if is_bot(event.user_agent):
            body["bot"] = True
    return reference_route_key(event).encode(), orjson.dumps(body)


#: What fold.py and fastpath.py read of these event types (and nothing else of them).
FOLDED = {
    "page.viewed": {"event_type", "article_id", "reader_id", "device"},
    **{
        kind: {"event_type", "campaign_id", "variant", "reason"}
        for kind in ("banner.shown", "banner.clicked", "banner.dismissed")
    },
}


def assert_reads_as(new: Routed, old: Routed) -> None:
    """`new` is `old` less the fields of its event that the folder does not read."""
    assert old.event is not None
    fields = FOLDED.get(old.event["event_type"])
    expected = old.event if fields is None else {k: v for k, v in old.event.items() if k in fields}
    assert new.event == expected
    assert dataclasses.replace(new, event=None) == dataclasses.replace(old, event=None)


def assert_same_output(
    topic: str, raw: bytes, site_hosts: frozenset[str], source: str
) -> tuple[bytes, bytes] | None:
    """Decode `raw`; if valid, the new encoding is the reference's (see the docstring)."""
    result = decode(topic, raw, NOW, 1e12)
    if isinstance(result, Rejected):
        return None
    expected = reference_encode_valid(topic, result, raw, site_hosts, source)
    for _ in range(2):  # the second time from the caches
        key, value = encode_valid(topic, result, raw, site_hosts, source)
        assert key == expected[0]
        if folded_fields(result) is None:
            assert value == expected[1]
        else:
            assert_reads_as(decode_routed(value), decode_routed(expected[1]))
        assert route_key(result) == reference_route_key(result)
    return key, value


# --- examples and the simulator -------------------------------------------------------

ALL = [(t, i) for t, examples in EXAMPLES.items() for i in range(len(examples))]


@pytest.mark.parametrize(("kind", "index"), ALL)
@pytest.mark.parametrize("site_hosts", SITES)
def test_committed_examples(kind: str, index: int, site_hosts: frozenset[str]) -> None:
    event = EXAMPLES[kind][index]
    for raw in (orjson.dumps(event), orjson.dumps(event, option=orjson.OPT_INDENT_2)):
        for source in ("", "web.page-viewed/3/1207", 'odd "src"\n\\ é \u2028'):
            assert assert_same_output(TOPIC_OF[kind], raw, site_hosts, source) is not None


def test_simulated_traffic() -> None:
    world = build_world(5, START, articles=80, readers=3000)
    records = list(generate(world, 8000, START, 50.0, malformed_ratio=0.05))
    valid, new_bytes, old_bytes = 0, 0, 0
    for offset, record in enumerate(records):
        for site_hosts in SITES[1:]:
            source = f"{record.topic}/{offset % 4}/{offset}"
            out = assert_same_output(record.topic, record.value, site_hosts, source)
            if out is not None:
                valid += 1
                new_bytes += len(out[1])
                old_bytes += len(record.value) + 100  # the reference: the record and more
    assert valid > 2 * 7000
    assert new_bytes < old_bytes / 2  # what the projection is for
    assert {r.topic for r in records} >= {topics.ARTICLES, topics.PAGE_VIEWS, topics.BANNER_EVENTS}


# --- generated events -----------------------------------------------------------------

_REFERRERS = [
    None,
    "",
    "  ",
    "https://www.google.com/",
    "https://www.google.co.uk/search?q=x",
    "https://news.example.org/world/",
    "https://m.news.example.org./x",
    "https://pulse-news.example/ru/",
    "https://www.mirror.example/",
    "https://t.co/abc",
    "https://mail.google.com/mail/u/0/",
    "https://l.facebook.com/l.php?u=x",
    "android-app://com.google.android.gm/",
    "android-app://com.slack/",
    "https://user:pw@news.example.org/",
    "https://[::1]:8080/x",
    "http://blog.example.com/x",
    "HTTPS://WWW.Google.COM./",
    "Android-App://com.google.android.gm/",
    "ANDROID-APP://org.telegram.messenger",
    "https://news.example.org.evil.com/",
    "not a url",
]
_URLS = [
    "https://news.example.org/world/2026/11/27/story",
    "https://news.example.org/?utm_medium=email",
    "https://pulse-news.example/ru/x?utm_source=daily-newsletter&utm_medium=link",
    "https://www.pulse-news.example/",
    "https://other.example/a#utm_medium=email",
]
_AGENTS = [
    None,
    "",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
]
_host = st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,6}){0,2}", fullmatch=True)
referrers = st.sampled_from(_REFERRERS) | _host.map(lambda h: f"https://{h}/x")
urls = st.sampled_from(_URLS) | _host.map(lambda h: f"https://{h}/p?utm_medium=email")
sources = st.sampled_from(["", "web.page-viewed/0/1"]) | st.text(max_size=12)
moments = st.datetimes(datetime(2000, 1, 1), datetime(2100, 12, 31), timezones=st.just(UTC))


@st.composite
def records(draw: st.DrawFn) -> tuple[str, bytes]:
    """A committed example, changed where the routed record depends on it."""
    kind, index = draw(st.sampled_from(ALL))
    event = copy.deepcopy(EXAMPLES[kind][index])
    moment = draw(moments)
    spec = draw(st.sampled_from(["milliseconds", "seconds", "microseconds"]))
    event["occurred_at"] = moment.isoformat(timespec=spec).replace("+00:00", "Z")
    if draw(st.booleans()):
        event["event_id"] = str(draw(st.uuids())).upper()
    if kind == "page.viewed":
        event["url"] = draw(urls)
        for name, values in (("referrer", referrers), ("user_agent", st.sampled_from(_AGENTS))):
            value = draw(values)
            if value is None and draw(st.booleans()):
                event.pop(name, None)
            else:
                event[name] = value
        if draw(st.booleans()):
            event.pop("article_id", None)
    if kind == "donation.completed" and draw(st.booleans()):
        event.pop("campaign_id", None)
        event.pop("variant", None)
    option = draw(st.sampled_from([0, orjson.OPT_INDENT_2, orjson.OPT_SORT_KEYS]))
    return TOPIC_OF[kind], orjson.dumps(event, option=option)


@SLOW
@given(records(), st.sampled_from(SITES), sources)
def test_generated_events(
    record: tuple[str, bytes], site_hosts: frozenset[str], source: str
) -> None:
    topic, raw = record
    assert_route_agrees(raw, (source,))  # the router's fused path: the same bytes, or none
    assume(assert_same_output(topic, raw, site_hosts, source) is not None)


_KNOWN_HOSTS = ["google.com", "mail.google.com", "t.co", "news.example.org", "x", ""]
any_referrers = st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["https://", "HTTP://", "android-app://", "Android-App://", "//", "ftp:", ""]),
    st.sampled_from(["", "www.", "user@", "WWW."]),
    st.sampled_from(_KNOWN_HOSTS) | st.sampled_from(list(referrer_module._ANDROID_APPS)) | _host,
    st.sampled_from(["", ".", ":8080", "..", "]"]),
    st.sampled_from(["", "/", "/x?utm_medium=email", " "]),
)


def test_classify_referrer_on_every_listed_pair() -> None:
    for referrer in _REFERRERS:
        for url in _URLS:
            for site_hosts in SITES:
                expected = reference_classify(referrer, url, site_hosts)
                assert classify_referrer(referrer, url, site_hosts) == expected
                assert classify_referrer(referrer, url, site_hosts) == expected


@SLOW
@given(
    st.none() | referrers | any_referrers | st.text(max_size=30),
    urls | st.text(max_size=30),
    st.sampled_from(SITES) | st.frozensets(_host, max_size=2),
)
def test_classify_referrer_against_the_reference(
    referrer: str | None, url: str, site_hosts: frozenset[str]
) -> None:
    expected = reference_classify(referrer, url, site_hosts)
    assert classify_referrer(referrer, url, site_hosts) == expected
    assert classify_referrer(referrer, url, site_hosts) == expected  # from the caches


# --- folded: the same state --------------------------------------------------------------


@pytest.mark.parametrize("mix", ["new", "reference", "alternating"])
def test_a_log_folds_into_the_same_state_whatever_form_its_records_take(mix: str) -> None:
    def encoder(i: int) -> Any:
        if mix == "new" or (mix == "alternating" and i % 2):
            return encode_valid
        return reference_encode_valid

    expected = new_stores()
    fold_in_batches(folder(expected), simulated_log(300), [50, 170])
    stores = new_stores()
    fold_in_batches(folder(stores), simulated_log(300, encoder), [50, 170])
    assert sketched_state(stores) == sketched_state(expected)
