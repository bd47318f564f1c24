"""fastcheck.event on banner events: pydantic's exact result, or a decline, never a third.

The property of test_fastcheck.py (page views), for banner.shown, banner.clicked and
banner.dismissed: for any bytes, `event` returns None or the value pydantic returns,
equal field by field, in the same order, with the same time zones and the same
`model_fields_set`. The simulator's banner traffic must take the fast path.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from test_fastcheck import (
    SLOW,
    _canonical_times,
    _constraints,
    _normalised,
    article_ids,
    assert_matches_pydantic,
    assert_route_agrees,
    byte_mutations,
    event_ids,
    json_values,
    optional,
    pseudonymous_ids,
    serialise,
    shuffled_with_extras,
    styles,
    timestamps,
    with_one_field,
)

import streams.ingest.decode as decode_module
from schemas import EVENT_ADAPTER, BannerClicked, BannerDismissed, BannerEventBase, BannerShown
from schemas import fields as schema_fields
from schemas.examples import EXAMPLES
from streams import topics
from streams.ingest.decode import Rejected, decode
from streams.ingest.fastcheck import BANNER_MODELS, _is_slug, event
from streams.simulate.generate import generate
from streams.simulate.world import build_world

START = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
KINDS = tuple(BANNER_MODELS)
BANNER_EXAMPLES = [(kind, i) for kind in KINDS for i in range(len(EXAMPLES[kind]))]
FIELDS = tuple(BannerDismissed.model_fields)  # a superset of the other two


def pydantic_banner(raw: bytes) -> BannerEventBase | None:
    try:
        result = EVENT_ADAPTER.validate_json(raw)
    except ValidationError:
        return None
    return result if isinstance(result, BannerEventBase) else None


def assert_same_or_declined(raw: bytes) -> BannerEventBase | None:
    """The property: a decline, or exactly what pydantic makes of `raw`; and the router's
    fused path agrees with decode + encode_valid (`assert_route_agrees`)."""
    assert_route_agrees(raw)
    fast = event(raw)
    if fast is None:
        return None
    assert_matches_pydantic(fast, raw)
    return fast if isinstance(fast, BannerEventBase) else None


# --- the models this module mirrors --------------------------------------------------

#: Update only after re-reading the banner checks of streams/ingest/fastcheck.py against
#: the changed models.
BANNER_FINGERPRINT = "e75210881353ed12"


def banner_fingerprint() -> str:
    parts = [
        *(repr(_normalised(m.__pydantic_core_schema__)) for m in BANNER_MODELS.values()),
        *(repr(m.model_config) for m in BANNER_MODELS.values()),
        schema_fields._RFC3339.pattern,
        repr((schema_fields.TIMESTAMP_MIN, schema_fields.TIMESTAMP_MAX)),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def test_the_banner_models_are_the_ones_the_fast_path_mirrors() -> None:
    assert banner_fingerprint() == BANNER_FINGERPRINT, (
        "A banner model, its field types or validators changed: re-check the banner rules "
        "in streams/ingest/fastcheck.py against schemas/, then update BANNER_FINGERPRINT "
        f"to {banner_fingerprint()!r}"
    )


def test_the_fast_path_covers_exactly_the_banner_models() -> None:
    assert set(BANNER_MODELS.values()) == {BannerShown, BannerClicked, BannerDismissed}
    assert set(BannerEventBase.__subclasses__()) == set(BANNER_MODELS.values())


# --- what it accepts -------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "index"), BANNER_EXAMPLES)
def test_the_committed_examples_take_the_fast_path(kind: str, index: int) -> None:
    fast = assert_same_or_declined(orjson.dumps(EXAMPLES[kind][index]))
    assert type(fast) is BANNER_MODELS[kind]


@pytest.mark.parametrize("kind", ["article.published", "donation.completed"])
def test_other_event_types_are_declined(kind: str) -> None:
    for example in EXAMPLES[kind]:
        assert event(orjson.dumps(example)) is None


@pytest.fixture(scope="module")
def simulated() -> list[tuple[str, bytes]]:
    world = build_world(11, START, articles=60, readers=2000)
    return [
        (r.kind, r.value)
        for r in generate(world, 12_000, START, 50.0, malformed_ratio=0.1)
        if r.topic == topics.BANNER_EVENTS
    ]


def test_simulated_banner_events_take_the_fast_path(simulated: list[tuple[str, bytes]]) -> None:
    good = [raw for kind, raw in simulated if kind == "event"]
    accepted = [raw for raw in good if assert_same_or_declined(raw) is not None]
    assert len(good) > 1000
    assert len(accepted) / len(good) > 0.99
    assert {type(event(raw)) for raw in accepted} == set(BANNER_MODELS.values())


def test_simulated_malformed_records_are_never_accepted_wrongly(
    simulated: list[tuple[str, bytes]],
) -> None:
    bad = [raw for kind, raw in simulated if kind == "malformed"]
    assert len(bad) > 50
    for raw in bad:
        assert_same_or_declined(raw)


def test_decode_uses_the_fast_path_for_banner_events(
    simulated: list[tuple[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    class NoPydantic:
        def validate_json(self, raw: bytes) -> None:
            raise AssertionError("pydantic was called")

    raws = [raw for kind, raw in simulated if kind == "event"][:50]
    expected = [EVENT_ADAPTER.validate_json(raw) for raw in raws]
    monkeypatch.setattr(decode_module, "EVENT_ADAPTER", NoPydantic())
    for raw, want in zip(raws, expected, strict=True):
        result = decode(topics.BANNER_EVENTS, raw, START.timestamp() + 86_400, 600.0)
        assert not isinstance(result, Rejected)
        assert result == want


# --- what it declines (or matches): generated records -----------------------------------

slugs = (
    st.from_regex(r"[a-z0-9_-]{1,66}", fullmatch=True)
    | st.sampled_from(["", "a" * 64, "a" * 65, "A", "a b", "a.b", "a:b", "é", "a\n", "-", "_"])
    | st.text(max_size=8)
)
reasons = st.sampled_from(["close", "remind_later", "Close", "remind-later", "", 1, True])

well_formed_banners = st.sampled_from(KINDS).flatmap(
    lambda kind: st.fixed_dictionaries(
        {
            "event_id": st.uuids().map(str),
            "event_type": st.just(kind),
            "schema_version": st.just(1),
            "occurred_at": _canonical_times.map(
                lambda t: t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            ),
            "campaign_id": st.from_regex(r"[a-z0-9_-]{1,64}", fullmatch=True),
            "variant": st.from_regex(r"[a-z0-9_-]{1,64}", fullmatch=True),
            "reader_id": st.text(
                st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8, max_size=128
            ),
            "session_id": st.sampled_from(["ses_20261127_77ad03", "s-35453caf6142b5a8"]),
            **({"reason": st.sampled_from(["close", "remind_later"])} if kind == KINDS[2] else {}),
        },
        optional={
            "sent_at": optional(
                _canonical_times.map(lambda t: t.isoformat().replace("+00:00", "Z"))
            ),
            "article_id": optional(st.from_regex(r"[A-Za-z0-9._:-]{1,128}", fullmatch=True)),
            "placement": optional(st.from_regex(r"[a-z0-9_-]{1,64}", fullmatch=True)),
        },
    )
)

#: Per field, values on both sides of each rule (and plain garbage).
EDGES: dict[str, st.SearchStrategy[Any]] = {
    "event_id": event_ids,
    "event_type": st.sampled_from([*KINDS, "Banner.shown", "page.viewed"]),
    "schema_version": st.sampled_from([1, 2, 0, 1.0, True, "1"]),
    "occurred_at": timestamps(),
    "sent_at": optional(timestamps()),
    "campaign_id": slugs,
    "variant": slugs,
    "placement": optional(slugs),
    "reader_id": pseudonymous_ids,
    "session_id": pseudonymous_ids,
    "article_id": optional(article_ids),
    "reason": optional(reasons),
}


@st.composite
def banners(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed banner event with one or two fields at their edges."""
    record: dict[str, Any] = draw(well_formed_banners)
    for name in draw(st.lists(st.sampled_from(sorted(EDGES)), min_size=1, max_size=2)):
        record[name] = draw(EDGES[name])
    return record


field_names = st.sampled_from([*FIELDS, "extra", "url", "device", "Reason"])


@SLOW
@given(banners(), styles)
def test_generated_banner_events(record: dict[str, Any], style: str) -> None:
    assert_same_or_declined(serialise(list(record.items()), style))


@SLOW
@given(banners(), st.data())
def test_shuffled_fields_and_duplicate_keys(record: dict[str, Any], data: st.DataObject) -> None:
    pairs = shuffled_with_extras(data, record, field_names)
    assert_same_or_declined(serialise(pairs, data.draw(styles)))


@SLOW
@given(banners(), field_names, json_values, styles)
def test_one_field_set_to_anything(
    record: dict[str, Any], name: str, value: Any, style: str
) -> None:
    for raw in with_one_field(record, name, value, style):
        assert_same_or_declined(raw)


@SLOW
@given(banners(), st.sampled_from(FIELDS))
def test_one_field_missing(record: dict[str, Any], name: str) -> None:
    record.pop(name, None)
    assert_same_or_declined(orjson.dumps(record))


@SLOW
@given(st.data())
def test_byte_level_mutations_of_a_valid_record(data: st.DataObject) -> None:
    kind, index = data.draw(st.sampled_from(BANNER_EXAMPLES))
    assert_same_or_declined(byte_mutations(data, orjson.dumps(EXAMPLES[kind][index])))


@SLOW
@given(well_formed_banners)
def test_well_formed_banner_events_take_the_fast_path(record: dict[str, Any]) -> None:
    fast = assert_same_or_declined(orjson.dumps(record))
    assert type(fast) is BANNER_MODELS[record["event_type"]]


_SHOWN = EXAMPLES["banner.shown"][0]
_DISMISSED = EXAMPLES["banner.dismissed"][1]


@pytest.mark.parametrize(
    "raw",
    [
        orjson.dumps({**_SHOWN, "reason": "close"}),  # only banner.dismissed has a reason
        orjson.dumps({**_DISMISSED, "event_type": "banner.clicked"}),
        orjson.dumps({k: v for k, v in _DISMISSED.items() if k != "reason"}),
        orjson.dumps({**_DISMISSED, "reason": None}),
        orjson.dumps({**_SHOWN, "event_type": "banner.dismissed", "reason": "close"}),
        orjson.dumps(_DISMISSED)[:-1] + b',"reason":"close"}',  # a duplicate: the last wins
        orjson.dumps(_DISMISSED)[:-1] + b',"reason":"later"}',
        orjson.dumps({**_SHOWN, "event_type": "page.viewed"})[:-1]
        + b',"event_type":"banner.shown"}',
        orjson.dumps(_SHOWN)[:-1] + b',"event_type":"banner.clicked"}',
        orjson.dumps(_SHOWN)[:-1] + b',"event_type":["banner.shown"]}',
        orjson.dumps(_SHOWN)[:-1] + b',"campaign_id":"a\\u0000b"}',
        orjson.dumps(_SHOWN)[:-1] + b',"placement":"top\\n"}',
        b"\xef\xbb\xbf" + orjson.dumps(_SHOWN),
        orjson.dumps(_SHOWN) + b" \n",
    ],
)
def test_odd_records(raw: bytes) -> None:
    assert_same_or_declined(raw)


_UUID = _SHOWN["event_id"]
#: Each rule at and just past its edge, on a banner.shown and on a banner.dismissed.
EDGE_CASES: list[tuple[str, Any]] = [
    ("event_id", _UUID.upper()),
    ("event_id", _UUID[:-1]),
    ("schema_version", 2),
    ("schema_version", 1.0),
    ("campaign_id", ""),
    ("campaign_id", "a" * 64),
    ("campaign_id", "a" * 65),
    ("campaign_id", "Giving-Tuesday"),
    ("campaign_id", "giving tuesday"),
    ("campaign_id", "giving.tuesday"),
    ("campaign_id", "giving_tuesday-2026"),
    ("campaign_id", 7),
    ("variant", "b_urgent\n"),
    ("variant", "ü"),
    ("placement", None),
    ("placement", ""),
    ("placement", "homepage-top"),
    ("placement", "a" * 65),
    ("reader_id", "a" * 7),
    ("reader_id", "a" * 128),
    ("session_id", "abc defgh"),
    ("article_id", None),
    ("article_id", "cms/48213"),
    ("article_id", "a" * 129),
    ("occurred_at", "2026-11-27T18:04:05.123+03:00"),
    ("occurred_at", "2026-11-27T18:04:05.123z"),
    ("occurred_at", "1999-12-31T23:59:59.999Z"),
    ("sent_at", None),
    ("sent_at", "2026-11-27T18:04:05Z"),
    ("sent_at", "2026-11-27"),
    ("reason", "remind_later"),
    ("reason", "Close"),
    ("reason", None),
]
#: Accepted by pydantic, declined here on purpose (rare forms, left to pydantic).
DECLINED_ON_PURPOSE = {("occurred_at", "2026-11-27T18:04:05.123z")}


@pytest.mark.parametrize("base", [_SHOWN, _DISMISSED], ids=["shown", "dismissed"])
@pytest.mark.parametrize(("name", "value"), EDGE_CASES)
def test_each_rule_at_its_edge(base: dict[str, Any], name: str, value: Any) -> None:
    raw = orjson.dumps({**base, name: value})
    fast = assert_same_or_declined(raw)
    if pydantic_banner(raw) is not None and (name, value) not in DECLINED_ON_PURPOSE:
        assert fast is not None, "declined a valid banner event"


# --- the slug's character class, every character ------------------------------------


def test_slug_agrees_with_pydantic_on_every_character_and_length() -> None:
    adapter: TypeAdapter[str] = TypeAdapter(Annotated[str, _constraints(schema_fields.CampaignId)])
    texts = [f"ab{chr(c)}cd" for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    texts += ["a" * n for n in range(67)] + [f"{chr(c)}" for c in range(0x80)]
    for text in texts:
        try:
            adapter.validate_python(text, strict=True)
            slow = True
        except ValidationError:
            slow = False
        assert _is_slug(text) is slow, repr(text)
