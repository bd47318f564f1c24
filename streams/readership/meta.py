"""The stored form of an article's metadata, and the only code that knows it.

An article value keeps what its `article.published` event said as one array of the
`META_FIELDS` values, in that order (a tuple while it is fresh in memory, a list once read
back from the changelog), not as a dict: a dict of 8 keys costs ~230 bytes more an
article, and there are 100,000s of them. Authors and tags are tuples in memory for the
same reason. Fields are only ever appended to `META_FIELDS`; a shorter (older) array
reads the missing ones as None.

Values written before keep a dict (`{"title": …, …}`); both read the same through
`unpack` and `meta_field`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

META_FIELDS = (
    "title",
    "url",
    "section",
    "language",
    "published_at",
    "authors",
    "tags",
    "word_count",
)
INDEX = {name: i for i, name in enumerate(META_FIELDS)}
#: meta fields whose values repeat across articles (the others are each article's own)
SHARED_META = frozenset({"section", "language", "authors", "tags"})
#: fields that are lists in the API (tuples in memory)
LISTS = frozenset({"authors", "tags"})

Meta = tuple[Any, ...]


def shared(value: Any) -> Any:
    """One copy of a repeated string (a section, a language, a tag, an author) for every
    article that has it, instead of one a record; lists of them as tuples (smaller).
    Other values as is."""
    if isinstance(value, str):
        return sys.intern(value)
    if isinstance(value, list | tuple):
        return tuple(sys.intern(v) if isinstance(v, str) else v for v in value)
    return value


def pack(e: Mapping[str, Any]) -> Meta:
    """The stored metadata of an `article.published` event."""
    return tuple(shared(e.get(k)) if k in SHARED_META else e.get(k) for k in META_FIELDS)


def reshare(meta: Mapping[str, Any] | Sequence[Any] | None) -> Meta | None:
    """Stored metadata as read back from the changelog (a list, or an old dict: each with
    its own copies of every string) in the fresh, shared form `pack` makes."""
    if not meta:
        return None
    if isinstance(meta, tuple):
        return meta  # fresh already
    return pack(unpack(meta))


def _api(name: str, value: Any) -> Any:
    """A field as the API has always shown it (lists, never tuples)."""
    return list(value) if name in LISTS and isinstance(value, tuple) else value


def meta_field(meta: Mapping[str, Any] | Sequence[Any] | None, name: str) -> Any:
    """One field of stored metadata in any form (None when there is none)."""
    if not meta:
        return None
    if isinstance(meta, Mapping):
        return meta.get(name)
    i = INDEX[name]
    return _api(name, meta[i]) if i < len(meta) else None


def unpack(meta: Mapping[str, Any] | Sequence[Any] | None) -> dict[str, Any]:
    """Stored metadata in any form as {field: value} over `META_FIELDS` ({} for none)."""
    if not meta:
        return {}
    return {name: meta_field(meta, name) for name in META_FIELDS}
