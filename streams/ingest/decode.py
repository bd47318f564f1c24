"""Bytes in, a validated event or a reason out: the one door every record goes through.

Decoding goes straight from the raw bytes through the schemas' TypeAdapter (no
`json.loads` first), and every way a record can be wrong maps to one reason from a fixed
vocabulary, so the dead-letter topic and the `invalid` counts speak the same language.
Page views and banner events, nearly all of the traffic, first try `fastcheck.event`,
which returns the very event pydantic would or declines; a record it declines, refused
ones included, goes through pydantic as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError

from schemas import (
    EVENT_ADAPTER,
    SUPPORTED_SCHEMA_VERSION,
    TOPIC_EVENT_TYPES,
    Event,
    peek_schema_version,
)
from streams.ingest import fastcheck

#: The reasons a record is refused; documented in the README. Never add one casually:
#: dashboards and alerts group by it.
REASONS: Final = (
    "empty",  # no value, or an empty one
    "too_large",  # over the per-record byte limit
    "not_json",  # not UTF-8 JSON at all (binary, truncated, garbage)
    "too_deep",  # JSON nested deeper than any event can be
    "not_object",  # valid JSON, but not an object
    "unknown_event_type",  # event_type missing or not one of the six
    "wrong_topic",  # a valid event on a topic that does not carry its type
    "unsupported_schema_version",  # schema_version newer than this processor knows
    "invalid_field",  # a field missing, unknown, of the wrong type or out of range
    "future_timestamp",  # occurred_at more than the tolerance ahead of our clock
)

MAX_RECORD_BYTES: Final = 64 * 1024

#: Topics whose records try `fastcheck.event` before pydantic (any other result, a
#: refusal included, still comes from pydantic).
FAST_TOPICS: Final = frozenset(
    topic for topic, types in TOPIC_EVENT_TYPES.items() if types & fastcheck.EVENT_TYPES
)


@dataclass(frozen=True, slots=True)
class Rejected:
    """Why a record was refused, in a word (`reason`) and in a sentence (`error`)."""

    reason: str
    error: str


def decode(topic: str, raw: bytes | None, now: float, future_tolerance: float) -> Event | Rejected:
    """Validate one record from `topic`; `now` is the processor's clock in epoch seconds."""
    if not raw:
        return Rejected("empty", "the record has no value")
    if len(raw) > MAX_RECORD_BYTES:
        return Rejected("too_large", f"{len(raw)} bytes, over the limit of {MAX_RECORD_BYTES}")
    event: Event | None = fastcheck.event(raw) if topic in FAST_TOPICS else None
    if event is None:
        try:
            event = EVENT_ADAPTER.validate_json(raw)
        except ValidationError as exc:
            version = peek_schema_version(raw)
            if version is not None and version > SUPPORTED_SCHEMA_VERSION:
                # checked first: a newer version may also bring types and fields we don't know
                return Rejected(
                    "unsupported_schema_version",
                    f"schema_version {version}; this processor reads up to "
                    f"{SUPPORTED_SCHEMA_VERSION}",
                )
            return classify_validation_error(exc)
    misfit = check_placement(
        topic, event.event_type, event.occurred_at.timestamp(), now, future_tolerance
    )
    return event if misfit is None else misfit


def check_placement(
    topic: str, event_type: str, occurred_at: float, now: float, future_tolerance: float
) -> Rejected | None:
    """Why a valid event of `event_type`, `occurred_at` epoch seconds, is refused on `topic`
    at `now`, or None. decode's last checks; the router's fused path applies them too."""
    allowed = TOPIC_EVENT_TYPES.get(topic)
    if allowed is not None and event_type not in allowed:
        return Rejected(
            "wrong_topic",
            f"{event_type} does not belong on {topic} (expects {sorted(allowed)})",
        )
    ahead = occurred_at - now
    if ahead > future_tolerance:
        return Rejected(
            "future_timestamp",
            f"occurred_at is {ahead:.0f} s ahead of the processor's clock "
            f"(tolerance {future_tolerance:.0f} s)",
        )
    return None


def classify_validation_error(exc: ValidationError) -> Rejected:
    """Map pydantic's errors onto one reason; the first decisive error wins."""
    errors = exc.errors(include_url=False, include_context=False)
    for err in errors:
        kind = err["type"]
        msg = str(err.get("msg", ""))
        if kind == "json_invalid":
            if "recursion limit" in msg:
                return Rejected("too_deep", msg)
            return Rejected("not_json", msg)
        if kind in ("union_tag_not_found", "union_tag_invalid"):
            return Rejected("unknown_event_type", _describe(err))
        if kind in ("model_attributes_type", "model_type", "dict_type"):
            return Rejected("not_object", "the record is JSON but not a JSON object")
    return Rejected("invalid_field", "; ".join(_describe(e) for e in errors[:5]))


def _describe(err: object) -> str:
    e = err if isinstance(err, dict) else {}
    loc = ".".join(str(p) for p in e.get("loc", ())) or "(record)"
    return f"{loc}: {e.get('msg', 'invalid')}"
