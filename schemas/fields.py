"""Reusable field types: each contract rule is written once here and named.

The event models stay declarative; the rules (patterns, lengths, timestamp and URL
checks) live in these `Annotated` types so that a rule changes in one place and its
JSON Schema follows. Custom error types (`rfc3339_timestamp`, `timestamp_out_of_range`,
`url_invalid`) let the decoder and the dead-letter records name what went wrong.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

__all__ = [
    "ArticleId",
    "Author",
    "CampaignId",
    "CountryCode",
    "CurrencyCode",
    "EventId",
    "HttpUrl",
    "Placement",
    "ReaderId",
    "SectionSlug",
    "SessionId",
    "Slug",
    "Tag",
    "Timestamp",
    "Title",
    "UserAgent",
    "Variant",
]

# Canonical 8-4-4-4-12 hex. Either case is a UUID (RFC 9562); it is kept as a str and
# lowercased, so one event sent in two spellings is still one deduplication key.
EventId = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        to_lower=True,
    ),
    Field(description="A UUID (8-4-4-4-12 hex), the deduplication key; read as lower case."),
]

# Producer-chosen identifiers used as metric labels and table keys.
Slug = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$"),
    Field(description="Lower-case slug: 1-64 of a-z, 0-9, '-' and '_'."),
]
CampaignId = Slug
Variant = Slug
Placement = Slug
SectionSlug = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$"),
    Field(description="Lower-case section slug: 1-64 of a-z, 0-9 and '-'."),
]
ArticleId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$"),
    Field(description="CMS article id: 1-128 of A-Z, a-z, 0-9 and '.', '_', ':', '-'."),
]

# Pseudonymous ids: opaque tokens of printable ASCII (no spaces, no control characters).
_PseudonymousId = Annotated[
    str,
    StringConstraints(min_length=8, max_length=128, pattern=r"^[\x21-\x7E]+$"),
    Field(description="Pseudonymous id: 8-128 printable ASCII characters, no spaces."),
]
ReaderId = _PseudonymousId
SessionId = _PseudonymousId

# The shape is checked, not the registry: a new code must not dead-letter good events.
CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 country code, upper case, e.g. RU."),
]
CurrencyCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    Field(description="ISO 4217 currency code, upper case, e.g. USD."),
]

Title = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Author = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=200)]
UserAgent = Annotated[str, StringConstraints(max_length=1000)]

URL_MAX_LENGTH = 2048


@functools.lru_cache(maxsize=16_384)
def _has_host(value: str) -> bool:
    """Whether `value` parses as a URL with a host and a valid port. Cached: a site's
    page and referrer URLs repeat from one view to the next."""
    try:
        parts = urlsplit(value)
        return bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        return False


def _check_http_url(value: str) -> str:
    """Require an absolute http(s) URL with a host; return it unchanged (byte-exact)."""
    if not _has_host(value):
        raise PydanticCustomError(
            "url_invalid", "must be an absolute http or https URL with a host"
        )
    return value


# A plain str, not a pydantic Url: pydantic would normalise it (trailing slash, case,
# punycode) and round trips must be byte-exact. Any script is allowed in the path
# (editors paste Cyrillic slugs); whitespace and control characters are not.
HttpUrl = Annotated[
    str,
    StringConstraints(max_length=URL_MAX_LENGTH, pattern=r"^https?://[^\s\x00-\x1F\x7F]+$"),
    AfterValidator(_check_http_url),
    Field(description="Absolute http or https URL with a host, at most 2048 characters."),
]

# RFC 3339 date-time (section 5.6): `T` separator, seconds, optional fraction, and an
# explicit offset (`Z` or `+hh:mm`). Naive timestamps are rejected: the event time
# decides windows, and a guessed zone would put events in the wrong minute.
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,  # \d is 0-9 only, not every script's digits
)
TIMESTAMP_MIN = datetime(2000, 1, 1, tzinfo=UTC)
TIMESTAMP_MAX = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive: the year 2100 is allowed


def _parse_rfc3339(value: Any) -> Any:
    """Parse RFC 3339 text to an aware datetime; pass datetimes through for the core."""
    if isinstance(value, datetime):
        return value  # built in Python: the aware-datetime check below still applies
    if not isinstance(value, str) or (match := _RFC3339.fullmatch(value)) is None:
        raise PydanticCustomError(
            "rfc3339_timestamp",
            "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-27T18:04:05.123Z",
        )
    if value[-1] != "z":  # Python reads every other matching form itself, the same way
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass  # the path below names the reason
    date, time, fraction, offset = match.groups()
    fraction = f".{fraction[:6]}" if fraction else ""  # datetime keeps microseconds
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        return datetime.fromisoformat(f"{date}T{time}{fraction}{offset}")
    except ValueError as exc:
        raise PydanticCustomError(
            "rfc3339_timestamp", "not a valid date and time: {reason}", {"reason": str(exc)}
        ) from exc


def _check_range(value: datetime) -> datetime:
    """Reject years before 2000 or after 2100: such clocks are broken, not historic."""
    if not TIMESTAMP_MIN <= value < TIMESTAMP_MAX:
        raise PydanticCustomError(
            "timestamp_out_of_range", "must be between the years 2000 and 2100"
        )
    return value


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_parse_rfc3339),
    AfterValidator(_check_range),
    Field(description="RFC 3339 with an explicit offset, e.g. 2026-11-27T18:04:05.123Z."),
]
