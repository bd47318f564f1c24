"""Hostile input, generated: arbitrary bytes and JSON never crash the decoder or the
collector, and every record ends up accepted or refused with a reason from the fixed
vocabulary, so the counts add up."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.examples import EXAMPLES
from streams.ingest.collector import BatchError, check_batch
from streams.ingest.decode import REASONS, Rejected, decode
from streams.ingest.fold import PartitionFolder, Stores
from streams.ingest.route import decode_routed, encode_invalid, encode_valid
from streams.store import DictStore
from streams.topics import INPUT_TOPICS

NOW = 1_795_000_000.0
COLLECTOR_REASONS = set(REASONS) | {"forbidden_event_type"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def mutated_example() -> st.SearchStrategy[dict[str, object]]:
    """A valid example with one field replaced, removed or added: near misses."""
    examples = [e for group in EXAMPLES.values() for e in group]
    return st.builds(
        _mutate, st.sampled_from(examples), st.text(max_size=20), json_values, st.integers(0, 2)
    )


def _mutate(event: dict[str, object], key: str, value: object, how: int) -> dict[str, object]:
    out = dict(event)
    names = sorted(out)
    if how == 0:
        out[names[len(key) % len(names)]] = value
    elif how == 1:
        out.pop(names[len(key) % len(names)])
    else:
        out[key or "extra"] = value
    return out


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(INPUT_TOPICS), st.binary(max_size=2048))
def test_arbitrary_bytes_are_refused_with_a_known_reason(topic: str, raw: bytes) -> None:
    result = decode(topic, raw, NOW, 600.0)
    if isinstance(result, Rejected):
        assert result.reason in REASONS and result.error


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(INPUT_TOPICS), st.one_of(json_values, mutated_example()))
def test_arbitrary_json_is_accepted_or_refused_with_a_known_reason(
    topic: str, value: object
) -> None:
    raw = json.dumps(value).encode()
    result = decode(topic, raw, NOW + 10**9, 600.0)
    if isinstance(result, Rejected):
        assert result.reason in REASONS and result.error
    else:
        assert result.event_type in {
            "article.published",
            "page.viewed",
            "banner.shown",
            "banner.clicked",
            "banner.dismissed",
            "donation.completed",
        }


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(json_values, mutated_example()), min_size=1, max_size=20), st.booleans())
def test_the_collector_accounts_for_every_element(items: list[object], trusted: bool) -> None:
    try:
        outcome = check_batch(json.dumps(items).encode(), 50, trusted, NOW + 10**9, 600.0)
    except BatchError as exc:  # e.g. Infinity or an integer beyond 64 bits: not JSON we read
        assert exc.status == 400 and exc.reason == "not_json"
        return
    indexes = sorted(r["index"] for r in outcome.rejected)
    assert len(outcome.accepted) + len(outcome.rejected) == len(items)
    assert len(set(indexes)) == len(indexes)
    assert all(r["reason"] in COLLECTOR_REASONS for r in outcome.rejected)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_the_collector_refuses_a_bad_body_as_a_whole(body: bytes) -> None:
    try:
        outcome = check_batch(body, 50, False, NOW, 600.0)
    except BatchError as exc:
        assert exc.status in (400, 413) and exc.reason
    else:
        assert len(outcome.accepted) + len(outcome.rejected) >= 1


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(INPUT_TOPICS),
            st.binary(max_size=300) | mutated_example().map(lambda e: json.dumps(e).encode()),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_every_record_is_counted_once_by_the_folder(records: list[tuple[str, bytes]]) -> None:
    """Decode, route and fold anything: the outcome counts add up to the records read."""
    stores = Stores(*(DictStore() for _ in range(6)))
    folder = PartitionFolder(0, stores, 3600.0, 50)
    batch = []
    for offset, (topic, raw) in enumerate(records):
        result = decode(topic, raw, NOW + 10**9, 600.0)
        if isinstance(result, Rejected):
            value = encode_invalid(topic, 0, offset, result, raw, NOW)[1]
        else:
            value = encode_valid(topic, result, raw, frozenset(), f"{topic}/0/{offset}")[1]
        batch.append((offset, decode_routed(value)))
    tally = folder.fold(batch, NOW)
    counted = sum(n for key, n in tally.counts.items() if key[0] == "rec")
    assert counted == len(records)
    invalid = sum(n for key, n in tally.counts.items() if key[0] == "rec" and key[2] == "invalid")
    assert len(tally.dead_letters) == invalid
