"""The changelog codec: orjson, with every result trimmed to its size.

orjson 3.12+ keeps its output buffer's capacity behind the bytes it returns (at least
4 KiB each, measured); Faust holds thousands of serialized changelog messages in its
send buffer, which cost hundreds of MiB of RSS for a few MB of state. A copy of the
exact size releases that.
"""

from __future__ import annotations

from typing import Any

import orjson
from faust.serializers import codecs

NAME = "pulse-json"


def dumps_trimmed(obj: Any) -> bytes:
    return bytes(memoryview(orjson.dumps(obj)))


class TrimmedJson(codecs.Codec):
    """JSON for the changelogs; reads what Faust's json codec wrote, too."""

    def _loads(self, s: bytes) -> Any:
        return orjson.loads(s)

    def _dumps(self, s: Any) -> bytes:
        return dumps_trimmed(s)


codecs.register(NAME, TrimmedJson())
