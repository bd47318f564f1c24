"""The stored form of an article's metadata, and the only code that knows it.

An article value keeps what its `article.published` event said as one JSON array of the
`META_FIELDS` values, in that order, held in memory as its bytes (`JsonText`) and
written to the changelog as the array itself. One bytes object costs ~350 bytes an
article where a tuple of the fields and their strings cost ~600 (measured over the
simulated site's titles), and there are 100,000s of them; only the API's rows and an
article's page read the fields back. Fields are only ever appended to `META_FIELDS`; a
shorter (older) array reads the missing ones as None.

Values written before keep a tuple (in memory), a list (read back from the changelog)
or a dict (`{"title": …, …}`); all read the same through `unpack` and `meta_field`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from streams.codec import JsonText

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
#: fields that are lists in the API (tuples in the older in-memory form)
LISTS = frozenset({"authors", "tags"})

StoredMeta = Mapping[str, Any] | Sequence[Any] | JsonText | None


def pack(e: Mapping[str, Any]) -> JsonText:
    """The stored metadata of an `article.published` event."""
    return JsonText(orjson.dumps([e.get(k) for k in META_FIELDS]))


def reshare(meta: StoredMeta) -> JsonText | None:
    """Stored metadata in any earlier form (a list read back from the changelog, an old
    dict or tuple: each with its own copies of every string) in the form `pack` makes."""
    if not meta:
        return None
    if isinstance(meta, JsonText):
        return meta
    return pack(unpack(meta))


def _decoded(meta: StoredMeta) -> Mapping[str, Any] | Sequence[Any]:
    if isinstance(meta, bytes):
        decoded: list[Any] = orjson.loads(memoryview(meta))  # (orjson refuses subclasses)
        return decoded
    return meta or ()


def _api(name: str, value: Any) -> Any:
    """A field as the API has always shown it (lists, never tuples)."""
    return list(value) if name in LISTS and isinstance(value, tuple) else value


def _field(meta: Mapping[str, Any] | Sequence[Any], name: str) -> Any:
    if isinstance(meta, Mapping):
        return meta.get(name)
    i = INDEX[name]
    return _api(name, meta[i]) if i < len(meta) else None


def meta_field(meta: StoredMeta, name: str) -> Any:
    """One field of stored metadata in any form (None when there is none)."""
    return _field(_decoded(meta), name) if meta else None


def unpack(meta: StoredMeta) -> dict[str, Any]:
    """Stored metadata in any form as {field: value} over `META_FIELDS` ({} for none)."""
    if not meta:
        return {}
    decoded = _decoded(meta)
    return {name: _field(decoded, name) for name in META_FIELDS}
