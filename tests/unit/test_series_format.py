"""The stored forms of hourly series values and article metadata (`streams.series`,
`streams.readership.meta`): the sparse form sums like a dense reference whatever the
order of the additions, and values written in the old forms read the same."""

from __future__ import annotations

import sys
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from streams import series as hourly
from streams.codec import JsonText, dumps_stored
from streams.readership.meta import META_FIELDS, meta_field, pack, reshare, unpack

FIELDS = ("views", "shown", "amount:EUR")
additions = st.lists(
    st.tuples(st.sampled_from(FIELDS), st.integers(0, 59), st.integers(0, 10_000)),
    max_size=200,
)


def dense_reference(adds: list[tuple[str, int, int]]) -> dict[str, list[int]]:
    """What the old code kept: 60 counts a field."""
    out: dict[str, list[int]] = {}
    for name, slot, by in adds:
        out.setdefault(name, [0] * 60)[slot] += by
    return out


def sparse_value(adds: list[tuple[str, int, int]]) -> dict[str, Any]:
    value = hourly.new_value()
    for name, slot, by in adds:
        hourly.add(value, name, slot, by)
    return value


def old_value(adds: list[tuple[str, int, int]]) -> dict[str, Any]:
    return {"o": 7, "f": dense_reference(adds)}


@given(additions, st.randoms(use_true_random=False), st.integers(0, 59), st.integers(0, 59))
def test_additions_in_any_order_sum_like_a_dense_reference(
    adds: list[tuple[str, int, int]], rnd: Any, lo: int, hi: int
) -> None:
    shuffled = list(adds)
    rnd.shuffle(shuffled)
    value = sparse_value(shuffled)
    reference = dense_reference(adds)
    assert hourly.span_sums(value, lo, hi) == {
        name: sum(counts[lo : hi + 1]) for name, counts in reference.items()
    }
    for name in FIELDS:
        expected = [(s, n) for s, n in enumerate(reference.get(name, ())) if n]
        assert list(hourly.counts(value, name)) == expected
        pairs = value.get(name, [])
        slots = pairs[::2]
        assert slots == sorted(set(slots))  # increasing, each slot once
        assert sys.getsizeof(pairs) == sys.getsizeof(list(pairs))  # no spare capacity


@given(additions, st.integers(0, 59), st.integers(0, 59))
def test_an_old_dense_value_reads_the_same_as_the_sparse_one(
    adds: list[tuple[str, int, int]], lo: int, hi: int
) -> None:
    old, new = old_value(adds), sparse_value(adds)
    recovered = orjson.loads(orjson.dumps(new))  # as the changelog gives it back
    for value in (old, recovered):
        assert sorted(hourly.field_names(value)) == sorted(hourly.field_names(new))
        assert hourly.span_sums(value, lo, hi) == hourly.span_sums(new, lo, hi)
        for name in FIELDS:
            assert list(hourly.counts(value, name)) == list(hourly.counts(new, name))
            assert hourly.field_sum(value, name, lo, hi) == hourly.field_sum(new, name, lo, hi)


@given(additions, additions)
def test_adding_to_an_old_value_converts_it_and_keeps_its_counts(
    before: list[tuple[str, int, int]], after: list[tuple[str, int, int]]
) -> None:
    value = old_value(before)
    for name, slot, by in after:
        hourly.add(value, name, slot, by)
    if after:
        assert "f" not in value
    assert value["o"] == 7  # the offset is the folder's, untouched here
    assert hourly.span_sums(value) == hourly.span_sums(sparse_value(before + after))


def test_the_sparse_form_is_a_flat_list_of_slot_count_pairs() -> None:
    value = sparse_value([("views", 30, 1), ("views", 5, 2), ("views", 30, 3), ("views", 59, 1)])
    assert value == {"o": -1, "views": [5, 2, 30, 4, 59, 1]}
    assert orjson.loads(orjson.dumps(value)) == value


def test_the_offset_is_not_a_field() -> None:
    value = sparse_value([("views", 1, 1)])
    value["o"] = 12
    assert hourly.field_names(value) == ["views"]
    assert list(hourly.counts(value, "o")) == []
    assert hourly.span_sums(value) == {"views": 1}


def test_an_empty_value_sums_to_nothing() -> None:
    assert hourly.span_sums(hourly.new_value()) == {}
    assert hourly.span_sums({"o": 3, "f": {}}) == {}


# --------------------------------------------------------------------------- meta

EVENT: dict[str, Any] = {
    "event_type": "article.published",
    "article_id": "cms:1",
    "title": "Кино недели",
    "url": "https://news.example.org/ru/culture/kino",
    "section": "culture",
    "language": "ru",
    "published_at": "2026-11-27T18:00:00.000Z",
    "authors": ["Анна Петрова", "Daniel Brooks"],
    "tags": ["film"],
    "word_count": 900,
}
AS_DICT = {name: EVENT.get(name) for name in META_FIELDS}


def _tuple_form(event: dict[str, Any]) -> tuple[Any, ...]:
    """The in-memory form of sessions 2 to 5 (a tuple of the fields, lists as tuples)."""
    return tuple(tuple(v) if isinstance(v, list) else v for v in map(event.get, META_FIELDS))


def test_packed_meta_reads_as_the_dict_the_old_code_stored() -> None:
    packed = pack(EVENT)
    recovered = orjson.loads(dumps_stored(packed))  # the JSON array the changelog holds
    assert recovered == list(AS_DICT.values())
    for form in (packed, recovered, AS_DICT, _tuple_form(EVENT)):
        assert unpack(form) == AS_DICT
        for name in META_FIELDS:
            value = meta_field(form, name)
            assert value == AS_DICT[name]
            assert type(value) is type(AS_DICT[name])  # lists stay lists in the API


def test_every_earlier_form_is_compacted_on_recovery() -> None:
    for form in (orjson.loads(dumps_stored(pack(EVENT))), AS_DICT, _tuple_form(EVENT)):
        compact = reshare(form)
        assert isinstance(compact, JsonText) and compact == pack(EVENT)
    assert reshare(None) is None and reshare({}) is None


def test_missing_meta_fields_read_as_none() -> None:
    event = {k: v for k, v in EVENT.items() if k not in ("word_count", "tags")}
    packed = pack(event)
    assert meta_field(packed, "word_count") is None
    assert meta_field(packed, "tags") is None
    # an array written before a field was appended to META_FIELDS
    shorter = orjson.loads(dumps_stored(pack(EVENT)))[:-1]
    assert meta_field(shorter, "word_count") is None
    assert unpack(shorter)["title"] == EVENT["title"]
    nothings: tuple[Any, ...] = (None, {}, [])
    for nothing in nothings:
        assert unpack(nothing) == {}
        assert meta_field(nothing, "section") is None


def _deep_size(value: Any) -> int:
    inner = value if isinstance(value, tuple) else ()
    return sys.getsizeof(value) + sum(_deep_size(v) for v in inner)


def test_packed_meta_is_one_object_smaller_than_the_tuple_of_its_strings() -> None:
    """What the compact form is for: one bytes object an article (~350 bytes over the
    simulated site), where the tuple of fields and strings before it cost ~600."""
    packed = pack(orjson.loads(orjson.dumps(EVENT)))  # fresh strings, as a fold has them
    earlier = _tuple_form(orjson.loads(orjson.dumps(EVENT)))
    assert type(packed) is JsonText
    assert sys.getsizeof(packed) < 0.75 * _deep_size(earlier)
