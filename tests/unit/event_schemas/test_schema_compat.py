"""The additive-change checker, on synthetic changes of a real schema."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from schemas.compat import breaking_changes
from schemas.events import PageViewed

Schema = dict[str, Any]


def base() -> Schema:
    return copy.deepcopy(PageViewed.model_json_schema(mode="validation"))


def props(schema: Schema) -> Schema:
    result: Schema = schema["properties"]
    return result


def add_optional(s: Schema) -> None:
    props(s)["scroll_depth"] = {"anyOf": [{"type": "integer"}, {"type": "null"}]}


def make_optional(s: Schema) -> None:
    s["required"].remove("device")


def widen_max_length(s: Schema) -> None:
    props(s)["user_agent"]["anyOf"][0]["maxLength"] = 4000


def add_enum_value(s: Schema) -> None:
    props(s)["device"]["enum"].append("tv")


def drop_pattern(s: Schema) -> None:
    del props(s)["country"]["anyOf"][0]["pattern"]


def integer_to_number(s: Schema) -> None:
    props(s)["schema_version"] = {"type": "number"}


def reword_docs(s: Schema) -> None:
    s["description"] = "Reworded."
    props(s)["url"]["title"] = "Page URL"
    props(s)["url"]["examples"] = ["https://news.example.org/"]


def remove_property(s: Schema) -> None:
    del props(s)["referrer"]


def add_required(s: Schema) -> None:
    props(s)["scroll_depth"] = {"type": "integer"}
    s["required"].append("scroll_depth")


def require_optional(s: Schema) -> None:
    s["required"].append("country")


def narrow_max_length(s: Schema) -> None:
    props(s)["user_agent"]["anyOf"][0]["maxLength"] = 512


def raise_min_length(s: Schema) -> None:
    props(s)["reader_id"]["minLength"] = 16


def remove_enum_value(s: Schema) -> None:
    props(s)["device"]["enum"].remove("other")


def change_type(s: Schema) -> None:
    props(s)["url"] = {"type": "object"}


def add_pattern(s: Schema) -> None:
    props(s)["user_agent"]["anyOf"][0]["pattern"] = "^Mozilla"


def change_pattern(s: Schema) -> None:
    props(s)["reader_id"]["pattern"] = "^[a-z]+$"


def drop_null(s: Schema) -> None:
    props(s)["country"] = props(s)["country"]["anyOf"][0]


def const_changed(s: Schema) -> None:
    props(s)["schema_version"]["const"] = 2


def add_maximum(s: Schema) -> None:
    props(s)["schema_version"] = {"type": "integer", "minimum": 1, "maximum": 1}


def unknown_keyword(s: Schema) -> None:
    props(s)["url"]["contentEncoding"] = "base64"


def unique_items(s: Schema) -> None:
    props(s)["url"]["uniqueItems"] = True


ADDITIVE = [
    add_optional,
    make_optional,
    widen_max_length,
    add_enum_value,
    drop_pattern,
    integer_to_number,
    reword_docs,
]
BREAKING: list[tuple[Callable[[Schema], None], str]] = [
    (remove_property, "$.referrer: property removed"),
    (add_required, "$.scroll_depth: newly required"),
    (require_optional, "$.country: newly required"),
    (narrow_max_length, "$.user_agent: maxLength lowered to 512"),
    (raise_min_length, "$.reader_id: minLength raised to 16"),
    (remove_enum_value, "$.device: allowed values narrowed"),
    (change_type, '$.url: {"maxLength": 2048'),
    (add_pattern, "$.user_agent: pattern changed"),
    (change_pattern, "$.reader_id: pattern changed"),
    (drop_null, '$.country: {"type": "null"} is no longer accepted'),
    (const_changed, "$.schema_version: allowed values narrowed"),
    (add_maximum, "$.schema_version: maximum bound added"),
    (unknown_keyword, "$.url: contentEncoding changed"),
    (unique_items, "$.url: uniqueItems added"),
]


def test_a_schema_is_compatible_with_itself() -> None:
    assert breaking_changes(base(), base()) == []


@pytest.mark.parametrize("change", ADDITIVE, ids=lambda f: f.__name__)
def test_additive_change_passes(change: Callable[[Schema], None]) -> None:
    new = base()
    change(new)
    assert breaking_changes(base(), new) == []


@pytest.mark.parametrize(("change", "expected"), BREAKING, ids=[c.__name__ for c, _ in BREAKING])
def test_breaking_change_is_reported(change: Callable[[Schema], None], expected: str) -> None:
    new = base()
    change(new)
    problems = breaking_changes(base(), new)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        ({"type": "integer", "exclusiveMinimum": 0}, {"type": "integer", "minimum": 0}, True),
        ({"type": "integer", "minimum": 0}, {"type": "integer", "exclusiveMinimum": 0}, False),
        ({"type": "integer", "maximum": 10}, {"type": "integer", "maximum": 20}, True),
        ({"type": "integer", "maximum": 10}, {"type": "integer", "exclusiveMaximum": 10}, False),
        ({"type": "integer", "minimum": 5}, {"type": "integer", "minimum": 6}, False),
        ({"type": "integer"}, {"type": "integer", "minimum": 0}, False),
    ],
)
def test_numeric_bounds(old: Schema, new: Schema, ok: bool) -> None:
    assert (breaking_changes(old, new) == []) is ok


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        ({"type": "object"}, {"type": "object", "additionalProperties": False}, False),
        ({"type": "object", "additionalProperties": False}, {"type": "object"}, True),
        ({"type": "object"}, {"type": "object", "properties": {"a": {"type": "string"}}}, False),
        (
            {"type": "array", "items": {"type": "string", "maxLength": 5}},
            {"type": "array", "items": {"type": "string", "maxLength": 3}},
            False,
        ),
        ({"type": "array", "maxItems": 20}, {"type": "array", "maxItems": 50}, True),
        ({"type": "array", "maxItems": 20}, {"type": "array", "maxItems": 10}, False),
        ({}, {"type": "string"}, False),
        ({"type": "string"}, {}, True),
        ({"const": "a"}, {"enum": ["a", "b"]}, True),
    ],
)
def test_objects_arrays_and_values(old: Schema, new: Schema, ok: bool) -> None:
    assert (breaking_changes(old, new) == []) is ok
