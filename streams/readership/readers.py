"""Distinct readers per article with HyperLogLog sketches (Apache DataSketches).

HLL starts in an exact list mode and switches to the estimator as an article grows, so
small articles are counted exactly and large ones within about 0.8 % (lg_k 14, one
standard error); sketches merge across windows, partitions and workers for the API.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from datasketches import hll_sketch, hll_union, tgt_hll_type

LG_K = 14


def new_sketch() -> hll_sketch:
    return hll_sketch(LG_K, tgt_hll_type.HLL_4)


def dump(sketch: hll_sketch) -> str:
    return base64.b64encode(sketch.serialize_compact()).decode("ascii")


def load(encoded: str) -> hll_sketch:
    return hll_sketch.deserialize(base64.b64decode(encoded))


def merged_estimate(encoded: Iterable[str]) -> float:
    """The distinct count of the union of serialized sketches."""
    union = hll_union(LG_K)
    for item in encoded:
        union.update(load(item))
    return float(union.get_estimate())


class SketchCache:
    """Live sketches of what a batch touches, written back into their values once."""

    def __init__(self) -> None:
        self.live: dict[str, hll_sketch] = {}
        self.dirty: set[str] = set()

    def sketch_for(self, article_id: str, stored: str | None) -> hll_sketch:
        sketch = self.live.get(article_id)
        if sketch is None:
            sketch = load(stored) if stored else new_sketch()
            self.live[article_id] = sketch
        return sketch

    def add(self, article_id: str, stored: str | None, reader_id: str) -> None:
        self.sketch_for(article_id, stored).update(reader_id)
        self.dirty.add(article_id)

    def take_dirty(self) -> dict[str, str]:
        """Serialized sketches touched since the last call; forgets them all.

        Sketches live in memory for one batch only: the serialized copy in the stored
        value is the state, so memory does not grow with every article ever read.
        """
        out = {a: dump(self.live[a]) for a in self.dirty}
        self.dirty.clear()
        self.live.clear()
        return out

    def forget(self) -> None:
        self.live.clear()
        self.dirty.clear()
