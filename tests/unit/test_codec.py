"""The changelog codec trims orjson's spare buffer capacity from what it returns."""

from __future__ import annotations

import sys

import orjson

from streams.codec import dumps_trimmed


def test_the_trimmed_codec_keeps_no_spare_capacity() -> None:
    value = {"o": 1, "f": {"views": [0] * 60}}
    out = dumps_trimmed(value)
    assert orjson.loads(out) == value
    assert len(out) < 300
    assert sys.getsizeof(out) < len(out) + 64
