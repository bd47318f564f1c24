"""Fast paths for the common records, page views and banner events: pydantic's result, or none.

`EVENT_ADAPTER.validate_json` spends most of its time calling back into the Python field
checks of `schemas.fields` (timestamps, URLs). `event(raw)` parses with orjson and checks
the one model the record names by hand, building the `PageViewed` or banner event that
pydantic would build (equal, same dump, same `model_fields_set`), or returns None
("decline") so that the caller runs pydantic, which also names the reason of a refusal.
`event_values(raw)` runs the same checks and returns the checked values instead of the
model (the router's fused path, `fastroute`, routes from them): one set of checks decides
for both.
It declines whenever it is not sure: an unknown or missing field, a wrong type, a form of
a value it does not check itself. It must never accept what pydantic refuses:
`tests/unit/ingest/test_fastcheck.py` and `test_fastcheck_banner.py` hold it to that, and
pin fingerprints of the models' schemas so that a change to a model fails there until
this module has been reviewed against it.
"""

from __future__ import annotations

import functools
import operator
import re
from datetime import datetime
from typing import Any, Final, TypeVar

import orjson
from pydantic import BaseModel

from schemas import (
    SUPPORTED_SCHEMA_VERSION,
    BannerClicked,
    BannerDismissed,
    BannerShown,
    PageViewed,
)
from schemas.fields import TIMESTAMP_MAX, TIMESTAMP_MIN, URL_MAX_LENGTH, _has_host

__all__ = [
    "BANNER_MODELS",
    "EVENT_TYPE",
    "EVENT_TYPES",
    "FastEvent",
    "event",
    "event_values",
    "page_view",
]

EVENT_TYPE: Final = "page.viewed"
BANNER_MODELS: Final[dict[str, type[BannerShown | BannerClicked | BannerDismissed]]] = {
    "banner.shown": BannerShown,
    "banner.clicked": BannerClicked,
    "banner.dismissed": BannerDismissed,
}
FastEvent = PageViewed | BannerShown | BannerClicked | BannerDismissed
_MODELS: Final[dict[str, type[FastEvent]]] = {EVENT_TYPE: PageViewed, **BANNER_MODELS}
#: Every `event_type` that `event` checks itself; it declines any other.
EVENT_TYPES: Final = frozenset(_MODELS)

_M = TypeVar("_M", bound=BaseModel)

_FIELDS: Final = frozenset(PageViewed.model_fields)
_BANNER_FIELDS: Final = {model: frozenset(model.model_fields) for model in BANNER_MODELS.values()}
_DEVICES: Final = frozenset({"desktop", "mobile", "tablet", "other"})
_DISMISS_REASONS: Final = frozenset({"close", "remind_later"})
# CountryCode `^[A-Z]{2}$`, as a set: a lookup is cheaper than a regex.
_COUNTRIES: Final = frozenset(chr(a) + chr(b) for a in range(65, 91) for b in range(65, 91))
_required: Final = operator.itemgetter(
    "event_id", "schema_version", "occurred_at", "url", "reader_id", "session_id", "device"
)
_banner_required: Final = operator.itemgetter(
    "event_id", "schema_version", "occurred_at", "campaign_id", "variant", "reader_id", "session_id"
)

# The patterns of `schemas.fields`, for `fullmatch`: no `^`/`$`, since Python's `$` also
# matches before a final newline and the Rust regex that pydantic runs does not.
_EVENT_ID: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_ARTICLE_ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_SLUG: Final = re.compile(r"[a-z0-9_-]{1,64}")
# HttpUrl's `[^\s\x00-\x1F\x7F]`. Pydantic's `\s` is Unicode White_Space; it is listed
# here on top of Python's `\s`, so that what either engine calls a space is refused.
_HTTP_URL: Final = re.compile(
    r"https?://[^\s\x00-\x20\x7F\x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+"
)
# `schemas.fields._RFC3339` less its lower-case `t` and `z` (the `z` takes another path
# there) and its groups; `[0-9]` is what its `\d` means under `re.ASCII`.
_TIMESTAMP: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)

_new = object.__new__
_set_dict = object.__setattr__
# The slots `model_construct` fills, set through their descriptors (a little faster).
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def event(raw: bytes) -> FastEvent | None:
    """Return the page view or banner event pydantic would return for `raw`, or None.

    One parse, then the check of the model that `event_type` names (`_values`); any
    other type declines (pydantic handles the rare ones).
    """
    data = _parse(raw)
    if data is None:
        return None
    checked = _values(data)
    if checked is None:
        return None
    return _build(_MODELS[checked["event_type"]], checked, set(data))


def event_values(raw: bytes) -> dict[str, Any] | None:
    """The checked field values of the page view or banner event `raw`, or None.

    Exactly the `__dict__` of the model `event(raw)` returns (the same checks decide:
    None here is None there), for a caller that needs the values and not the model.
    """
    data = _parse(raw)
    return None if data is None else _values(data)


def page_view(raw: bytes) -> PageViewed | None:
    """Return the `PageViewed` pydantic would return for `raw`, or None to defer to it."""
    data = _parse(raw)
    if data is None or data.get("event_type") != EVENT_TYPE:
        return None
    checked = _page_view_values(data)
    return None if checked is None else _build(PageViewed, checked, set(data))


def _parse(raw: bytes) -> dict[str, Any] | None:
    """The JSON object `raw` holds, or None."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return data if type(data) is dict else None


def _values(data: dict[str, Any]) -> dict[str, Any] | None:
    """The checked values of a parsed record of a type this module checks, or None."""
    kind = data.get("event_type")
    if kind == EVENT_TYPE:
        return _page_view_values(data)
    if type(kind) is not str:
        return None
    model = BANNER_MODELS.get(kind)
    return None if model is None else _banner_values(data, kind, model)


def _page_view_values(data: dict[str, Any]) -> dict[str, Any] | None:
    """The values of the `PageViewed` of a parsed page view, or None.

    Written flat, with few calls: at this path's ~5 µs every Python step shows.
    """
    if not data.keys() <= _FIELDS:
        return None  # extra="forbid"
    try:
        event_id, version, occurred, url, reader_id, session_id, device = _required(data)
    except KeyError:
        return None
    get = data.get
    sent, article_id, referrer = get("sent_at"), get("article_id"), get("referrer")
    country, user_agent = get("country"), get("user_agent")
    if not (
        type(version) is int  # SchemaVersion: the integer 1 itself, not `true` or `1.0`
        and version == SUPPORTED_SCHEMA_VERSION
        and _is_event_id(event_id)
        and _is_pseudonymous_id(reader_id)
        and _is_pseudonymous_id(session_id)
        and type(url) is str
        and _is_http_url(url)
        and (referrer is None or (type(referrer) is str and _is_http_url(referrer)))
        and (article_id is None or (type(article_id) is str and _is_article_id(article_id)))
        and (country is None or (type(country) is str and country in _COUNTRIES))
        and (user_agent is None or (type(user_agent) is str and len(user_agent) <= 1000))
        and type(device) is str
        and device in _DEVICES
    ):
        return None
    occurred_at = _timestamp(occurred)
    sent_at = None if sent is None else _timestamp(sent)
    if occurred_at is None or (sent_at is None and sent is not None):
        return None
    values = {  # in declaration order, as validation fills `__dict__`
        "event_id": event_id.lower(),  # EventId has to_lower=True
        "schema_version": version,
        "occurred_at": occurred_at,
        "sent_at": sent_at,
        "event_type": EVENT_TYPE,
        "article_id": article_id,
        "url": url,
        "reader_id": reader_id,
        "session_id": session_id,
        "referrer": referrer,
        "country": country,
        "device": device,
        "user_agent": user_agent,
    }
    return values


def _banner_values(
    data: dict[str, Any], kind: str, model: type[BannerShown | BannerClicked | BannerDismissed]
) -> dict[str, Any] | None:
    """The values of the banner event of a parsed record whose `event_type` is `kind`."""
    if not data.keys() <= _BANNER_FIELDS[model]:
        return None  # extra="forbid"; also `reason` on a banner.shown or banner.clicked
    try:
        required = _banner_required(data)
    except KeyError:
        return None
    event_id, version, occurred, campaign, variant, reader_id, session_id = required
    get = data.get
    sent, article_id, placement = get("sent_at"), get("article_id"), get("placement")
    if not (
        type(version) is int
        and version == SUPPORTED_SCHEMA_VERSION
        and _is_event_id(event_id)
        and type(campaign) is str
        and _is_slug(campaign)
        and type(variant) is str
        and _is_slug(variant)
        and _is_pseudonymous_id(reader_id)
        and _is_pseudonymous_id(session_id)
        and (article_id is None or (type(article_id) is str and _is_article_id(article_id)))
        and (placement is None or (type(placement) is str and _is_slug(placement)))
    ):
        return None
    occurred_at = _timestamp(occurred)
    sent_at = None if sent is None else _timestamp(sent)
    if occurred_at is None or (sent_at is None and sent is not None):
        return None
    values = {  # in declaration order: the base's fields, then the subclass's
        "event_id": event_id.lower(),
        "schema_version": version,
        "occurred_at": occurred_at,
        "sent_at": sent_at,
        "campaign_id": campaign,
        "variant": variant,
        "reader_id": reader_id,
        "session_id": session_id,
        "article_id": article_id,
        "placement": placement,
        "event_type": kind,
    }
    if model is BannerDismissed:
        reason = get("reason")  # required there: Literal["close", "remind_later"]
        if type(reason) is not str or reason not in _DISMISS_REASONS:
            return None
        values["reason"] = reason
    return values


def _build(model: type[_M], values: dict[str, Any], fields_set: set[str]) -> _M:
    """What `model.model_construct` does, without its generic (slow) field loop."""
    built: _M = _new(model)
    _set_dict(built, "__dict__", values)
    _set_fields_set(built, fields_set)
    _set_extra(built, None)
    _set_private(built, None)
    return built


def _is_event_id(value: object) -> bool:
    """EventId: a canonical 8-4-4-4-12 hex UUID, either case."""
    return type(value) is str and _EVENT_ID.fullmatch(value) is not None


@functools.lru_cache(maxsize=8192)  # at most ~16 MB even if every URL were 2 kB long
def _is_http_url(value: str) -> bool:
    """HttpUrl: length, pattern, then its own host check. Cached: URLs repeat."""
    return (
        len(value) <= URL_MAX_LENGTH and _HTTP_URL.fullmatch(value) is not None and _has_host(value)
    )


def _is_pseudonymous_id(value: object) -> bool:
    """ReaderId/SessionId: 8-128 of 0x21-0x7E, i.e. printable ASCII but the space."""
    return (
        type(value) is str
        and 8 <= len(value) <= 128
        and value.isascii()
        and value.isprintable()  # for ASCII: 0x20-0x7E
        and " " not in value
    )


@functools.lru_cache(maxsize=16_384)
def _is_article_id(value: str) -> bool:
    """ArticleId: 1-128 of A-Z, a-z, 0-9 and `._:-`. Cached: articles repeat."""
    return _ARTICLE_ID.fullmatch(value) is not None


@functools.lru_cache(maxsize=1024)
def _is_slug(value: str) -> bool:
    """Slug (campaign, variant, placement): 1-64 of a-z, 0-9, `-` and `_`. Cached: a
    handful of campaigns run at a time."""
    return _SLUG.fullmatch(value) is not None


def _timestamp(value: object) -> datetime | None:
    """Timestamp: the in-range datetime `schemas.fields._parse_rfc3339` returns, or None.

    For a text that matches its pattern and does not end in `z`, that function returns
    `datetime.fromisoformat(value)` when it can; a text it cannot is left to pydantic.
    The contract's own form, `2026-11-27T18:04:05.123Z`, is recognised by its separators
    alone (cheaper than the pattern): the digits between them are left to CPython's
    `fromisoformat`, which takes only ASCII digits there (the tests try every other
    character in each place, and pairs of the tricky ones).
    """
    if type(value) is not str:
        return None
    canonical = (
        len(value) == 24
        and value[4:20:3] == "--T::."  # positions 4, 7, 10, 13, 16 and 19
        and value[23] == "Z"
        and value.isascii()
    )
    if not canonical and _TIMESTAMP.fullmatch(value) is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or not TIMESTAMP_MIN <= parsed < TIMESTAMP_MAX:
        return None
    return parsed
