"""The changelog codec: orjson, with every result trimmed to its size; and how the
compact in-memory forms of stored values are written.

orjson 3.12+ keeps its output buffer's capacity behind the bytes it returns (at least
4 KiB each, measured); Faust holds thousands of serialized changelog messages in its
send buffer, which cost hundreds of MiB of RSS for a few MB of state. A copy of the
exact size releases that.

Two parts of stored values are kept in memory as bytes, because there are a million of
them: `JsonText` (an article's metadata, as its own JSON: one object instead of a tuple
and its strings) is written into the changelog as that JSON, and plain `bytes` (a dedup
segment's packed ids) as base64 text. Readers take both the in-memory and the JSON form.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from faust.serializers import codecs

NAME = "pulse-json"


class JsonText(bytes):
    """A part of a stored value held as its serialized JSON; `dumps_stored` writes it as
    that JSON, so the changelog holds the same document as if it were kept decoded."""

    __slots__ = ()


def _stored_default(obj: Any) -> Any:
    if isinstance(obj, JsonText):
        return orjson.Fragment(bytes(obj))  # orjson takes exact bytes only
    if isinstance(obj, bytes):
        return base64.b64encode(obj).decode("ascii")
    raise TypeError(f"{type(obj).__name__} is not a stored value type")


def dumps_stored(obj: Any) -> bytes:
    """A stored value (or key) as the JSON the changelog holds."""
    return orjson.dumps(obj, default=_stored_default)


def dumps_trimmed(obj: Any) -> bytes:
    return bytes(memoryview(dumps_stored(obj)))


class TrimmedJson(codecs.Codec):
    """JSON for the changelogs; reads what Faust's json codec wrote, too."""

    def _loads(self, s: bytes) -> Any:
        return orjson.loads(s)

    def _dumps(self, s: Any) -> bytes:
        return dumps_trimmed(s)


codecs.register(NAME, TrimmedJson())
