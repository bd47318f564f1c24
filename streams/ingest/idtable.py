"""Event ids that are no longer fresh, in flat arrays: 40 bytes an id, no dict to churn.

The dedup horizon holds an hour of ids (a million and more). In a Python dict each costs
~125 bytes (two ints and a slot), and a dict that keeps inserting and deleting resizes its
table from its count: under steady churn RSS climbs in steps. Ids past their first
minutes are only ever looked up, so they sit here instead: five parallel numpy arrays
(key halves, seen halves, bucket; 8 bytes each) sorted by the UUID's high half, grown
by sorted insertion, shrunk when a fair share of them has expired (so expiry is O(1)
most of the time, never a slow leak).

Keys are canonical UUIDs as 128-bit ints; the value is the packed "seen" int of
`dedup.py`: the routed offset above 64 bits, the source code below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

U64 = np.uint64
MASK64 = (1 << 64) - 1
#: expired entries stay (masked by `floor`) until they are this share of the arrays
COMPACT_SHARE = 0.125

Array = npt.NDArray[np.uint64]
Buckets = npt.NDArray[np.int64]


def packable(key: object, seen: object) -> bool:
    """Whether an entry fits the arrays: a 128-bit key and a packed value under 2**128."""
    return (
        isinstance(key, int)
        and isinstance(seen, int)
        and 0 <= key < 1 << 128
        and 0 <= seen < 1 << 128
    )


def _column(values: Iterable[int], count: int) -> Array:
    return np.fromiter(values, dtype=U64, count=count)


class FrozenIds:
    """Sorted arrays of (key, seen, bucket); entries in buckets below `floor` are dead."""

    def __init__(self) -> None:
        self.hi: Array = np.empty(0, dtype=U64)
        self.lo: Array = np.empty(0, dtype=U64)
        self.seen_hi: Array = np.empty(0, dtype=U64)
        self.seen_lo: Array = np.empty(0, dtype=U64)
        self.bucket: Buckets = np.empty(0, dtype=np.int64)
        self.floor = -(1 << 62)
        #: live entries per bucket: counts and expiry without scanning the arrays
        self.counts: dict[int, int] = {}

    def __len__(self) -> int:
        return sum(self.counts.values())

    def add(self, entries: Sequence[tuple[int, int, int]]) -> None:
        """Insert (key, seen, bucket) triples; keys must not be present already."""
        if not entries:
            return
        n = len(entries)
        hi = _column((k >> 64 for k, _, _ in entries), n)
        lo = _column((k & MASK64 for k, _, _ in entries), n)
        seen_hi = _column((s >> 64 for _, s, _ in entries), n)
        seen_lo = _column((s & MASK64 for _, s, _ in entries), n)
        bucket = np.fromiter((b for _, _, b in entries), dtype=np.int64, count=n)
        self.add_arrays(hi, lo, seen_hi, seen_lo, bucket)

    def add_arrays(
        self, hi: Array, lo: Array, seen_hi: Array, seen_lo: Array, bucket: Buckets
    ) -> None:
        order = np.argsort(hi, kind="stable")
        hi, lo, seen_hi, seen_lo, bucket = (
            hi[order],
            lo[order],
            seen_hi[order],
            seen_lo[order],
            bucket[order],
        )
        at = np.searchsorted(self.hi, hi, side="right")
        self.hi = np.insert(self.hi, at, hi)
        self.lo = np.insert(self.lo, at, lo)
        self.seen_hi = np.insert(self.seen_hi, at, seen_hi)
        self.seen_lo = np.insert(self.seen_lo, at, seen_lo)
        self.bucket = np.insert(self.bucket, at, bucket)
        live = bucket[bucket >= self.floor]
        for b, c in zip(*np.unique(live, return_counts=True), strict=True):
            self.counts[int(b)] = self.counts.get(int(b), 0) + int(c)

    def find(self, keys: Sequence[int], halves: Array | None = None) -> dict[int, int]:
        """The seen value of each of `keys` that is held and live (one pass per batch).

        `halves`, if given, holds each key's (high, low) 64-bit halves as a row: what a
        caller that parsed the keys from text has at hand already.
        """
        if not keys or not len(self.hi):
            return {}
        n = len(keys)
        q = _column((k >> 64 for k in keys), n) if halves is None else halves[:, 0]
        order = np.argsort(q)  # sorted queries search ~3x faster (each narrows the next)
        at = np.empty(n, dtype=np.intp)
        at[order] = np.searchsorted(self.hi, q[order], side="left")
        inside = at < len(self.hi)
        hit = np.zeros(n, dtype=bool)
        hit[inside] = self.hi[at[inside]] == q[inside]
        index = np.flatnonzero(hit)
        if not len(index):
            return {}
        # Mostly the first entry with that high half is the key, and live: all at once.
        first = at[index]
        if halves is None:
            low = _column((keys[i] & MASK64 for i in index.tolist()), len(index))
        else:
            low = halves[index, 1]
        done = (self.lo[first] == low) & (self.bucket[first] >= self.floor)
        found: dict[int, int] = {}
        for i, sh, sl in zip(
            index[done].tolist(),
            self.seen_hi[first[done]].tolist(),
            self.seen_lo[first[done]].tolist(),
            strict=True,
        ):
            found[keys[i]] = (sh << 64) | sl
        for i in index[~done].tolist():  # the others: scan the entries sharing it
            key = keys[i]
            j, top, low_half = int(at[i]), key >> 64, key & MASK64
            while j < len(self.hi) and int(self.hi[j]) == top:
                if int(self.lo[j]) == low_half and int(self.bucket[j]) >= self.floor:
                    found[key] = (int(self.seen_hi[j]) << 64) | int(self.seen_lo[j])
                    break
                j += 1
        return found

    def expire(self, floor: int) -> int:
        """Kill the entries of buckets below `floor`; returns how many died."""
        if floor <= self.floor:
            return 0
        self.floor = floor
        gone = 0
        for b in [b for b in self.counts if b < floor]:
            gone += self.counts.pop(b)
        if len(self.hi) - len(self) > COMPACT_SHARE * max(len(self.hi), 1):
            self.compact()
        return gone

    def compact(self) -> None:
        """Drop the dead entries for real (O(n), so only once a share of them is dead)."""
        keep = self.bucket >= self.floor
        self.hi, self.lo = self.hi[keep], self.lo[keep]
        self.seen_hi, self.seen_lo = self.seen_hi[keep], self.seen_lo[keep]
        self.bucket = self.bucket[keep]

    def items(self) -> dict[int, int]:
        """Every live entry as {key: seen} (for tests and checks, not the hot path)."""
        out: dict[int, int] = {}
        for hi, lo, sh, sl, b in zip(
            self.hi.tolist(),
            self.lo.tolist(),
            self.seen_hi.tolist(),
            self.seen_lo.tolist(),
            self.bucket.tolist(),
            strict=True,
        ):
            if b >= self.floor:
                out[(hi << 64) | lo] = (sh << 64) | sl
        return out

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.hi, self.lo, self.seen_hi, self.seen_lo, self.bucket))
