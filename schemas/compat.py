"""Is a new JSON Schema an additive change of an old one?

Within a major version, consumers written against the old schema must keep working:
no property removed, no field newly required, nothing that was accepted rejected. The
check is conservative: a change it cannot prove additive (a new pattern, an unknown
keyword) is reported as breaking, for a human to decide.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["breaking_changes"]

Schema = Mapping[str, Any]

# Keywords that document and never reject.
_ANNOTATIONS = frozenset(
    {"$id", "$schema", "$comment", "title", "description", "default", "examples", "deprecated"}
)
# Keywords a wider schema may drop but not add or change (regexes are not compared).
_EXACT = frozenset({"pattern", "format", "multipleOf", "$ref"})
_LOWER = {"minLength": "chars", "minItems": "items", "minProperties": "properties"}
_UPPER = {"maxLength": "chars", "maxItems": "items", "maxProperties": "properties"}
_HANDLED = frozenset(
    {"type", "const", "enum", "anyOf", "oneOf", "properties", "required", "items"}
    | {"additionalProperties", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"}
    | {"uniqueItems"}
    | _ANNOTATIONS
    | _EXACT
    | _LOWER.keys()
    | _UPPER.keys()
)


def breaking_changes(old: Schema, new: Schema, where: str = "$") -> list[str]:
    """Return why `new` is not an additive change of `old`; empty when it is."""
    problems: list[str] = []
    candidates = _branches(new)
    for branch in _branches(old):
        attempts = [_compare(branch, candidate, where) for candidate in candidates]
        if any(not attempt for attempt in attempts):
            continue
        pairs = zip(attempts, candidates, strict=True)
        same_type = [attempt for attempt, other in pairs if _types(other) & _types(branch)]
        if same_type:
            closest: list[str] = min(same_type, key=len)
            problems.extend(closest)
        else:
            problems.append(f"{where}: {_describe(branch)} is no longer accepted")
    return problems


def _branches(schema: Schema) -> list[Schema]:
    """Split an `anyOf`/`oneOf` (as pydantic writes optional fields) into alternatives."""
    for key in ("anyOf", "oneOf"):
        rest = set(schema) - _ANNOTATIONS - {key}
        if key in schema and not rest:
            return [b for sub in schema[key] for b in _branches(sub)]
    return [schema]


def _types(schema: Schema) -> set[str]:
    kind = schema.get("type", ["any"])
    return {kind} if isinstance(kind, str) else set(kind)


def _describe(schema: Schema) -> str:
    return json.dumps({k: v for k, v in schema.items() if k not in _ANNOTATIONS}, sort_keys=True)


def _values(schema: Schema) -> set[str] | None:
    """The allowed values (JSON-encoded) of a `const`/`enum`, or None for unlimited."""
    if "const" in schema:
        return {json.dumps(schema["const"])}
    if "enum" in schema:
        return {json.dumps(v) for v in schema["enum"]}
    return None


def _compare(old: Schema, new: Schema, where: str) -> list[str]:
    """Problems of one old alternative against one new one."""
    problems: list[str] = []
    old_types, new_types = _types(old), _types(new)
    if "number" in new_types:
        new_types |= {"integer"}
    if "any" not in new_types and not old_types <= new_types:
        problems.append(f"{where}: type narrowed from {sorted(old_types)} to {sorted(new_types)}")
    old_values, new_values = _values(old), _values(new)
    if new_values is not None and (old_values is None or not old_values <= new_values):
        problems.append(f"{where}: allowed values narrowed to {sorted(new_values)}")
    for key, unit in _LOWER.items():
        if new.get(key, 0) > old.get(key, 0):
            problems.append(f"{where}: {key} raised to {new[key]} {unit}")
    for key, unit in _UPPER.items():
        if key in new and (key not in old or new[key] < old[key]):
            problems.append(f"{where}: {key} lowered to {new[key]} {unit}")
    problems += _compare_bounds(old, new, where)
    for key in (set(new) - _HANDLED) | _EXACT:
        if key in new and new[key] != old.get(key):
            problems.append(f"{where}: {key} changed to {new[key]!r}")
    if new.get("uniqueItems") and not old.get("uniqueItems"):
        problems.append(f"{where}: uniqueItems added")
    if "items" in new:
        problems += breaking_changes(old.get("items", {}), new["items"], f"{where}[]")
    return problems + _compare_object(old, new, where)


def _bound(schema: Schema, inclusive: str, exclusive: str, sign: int) -> tuple[float, bool] | None:
    """The tightest (value, is_exclusive) bound on one side, or None when unbounded."""
    bounds = [(schema[key], key == exclusive) for key in (inclusive, exclusive) if key in schema]
    return max(bounds, key=lambda b: (sign * b[0], b[1])) if bounds else None


def _compare_bounds(old: Schema, new: Schema, where: str) -> list[str]:
    problems: list[str] = []
    for inclusive, exclusive, sign in (
        ("minimum", "exclusiveMinimum", 1),
        ("maximum", "exclusiveMaximum", -1),
    ):
        new_bound = _bound(new, inclusive, exclusive, sign)
        if new_bound is None:
            continue
        old_bound = _bound(old, inclusive, exclusive, sign)
        if old_bound is None:
            problems.append(f"{where}: {inclusive} bound added")
            continue
        (old_value, old_excl), (new_value, new_excl) = old_bound, new_bound
        tighter = sign * (new_value - old_value) > 0 or (
            new_value == old_value and new_excl and not old_excl
        )
        if tighter:
            problems.append(f"{where}: {inclusive} bound tightened to {new_value}")
    return problems


def _compare_object(old: Schema, new: Schema, where: str) -> list[str]:
    """Properties kept and not narrowed, nothing newly required, extras not closed."""
    problems: list[str] = []
    old_props: Mapping[str, Schema] = old.get("properties", {})
    new_props: Mapping[str, Schema] = new.get("properties", {})
    old_extra = old.get("additionalProperties", True)
    for name in sorted(set(new.get("required", ())) - set(old.get("required", ()))):
        problems.append(f"{where}.{name}: newly required")
    for name, schema in sorted(old_props.items()):
        if name not in new_props:
            problems.append(f"{where}.{name}: property removed")
        else:
            problems += breaking_changes(schema, new_props[name], f"{where}.{name}")
    if old_extra is False:
        return problems  # old producers sent no other property: new ones are additive
    old_extra_schema: Schema = {} if old_extra is True else old_extra
    for name in sorted(set(new_props) - set(old_props)):
        problems += breaking_changes(old_extra_schema, new_props[name], f"{where}.{name}")
    new_extra = new.get("additionalProperties", True)
    if new_extra is False:
        problems.append(f"{where}: additionalProperties closed")
    elif new_extra is not True:
        problems += breaking_changes(old_extra_schema, new_extra, f"{where}.*")
    return problems
