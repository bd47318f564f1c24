"""Which event ids a partition has already counted, bounded by the event-time horizon.

Ids are kept in memory per event-time minute bucket; each batch persists the ids it
adds as one segment (not one changelog write per event). A bucket older than the
watermark minus the horizon is dropped with its segments. Ids older than a minute or
two live in flat arrays (`idtable.py`), not in a dict.

Each id remembers where it was first folded (the routed offset) and where it came from
(the input partition and offset), which tells four cases apart:
- NEW: never seen;
- REPLAY: the very record folded before a crash, read again (same routed offset): fold
  it again, and the per-key offsets make that a no-op;
- COPY: the router re-read its input after a crash and sent the record again (same
  source, new routed offset): not an event at all, skipped;
- DUPLICATE: the same event_id from another input record: counted as a duplicate.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from streams.ingest.idkeys import (
    OFFSET_SHIFT,
    Key,
    Seen,
    first_routed_offset,
    id_key,
    id_keys,
    same_source,
    seen_value,
    source_code,
)
from streams.ingest.idtable import MASK64, FrozenIds, packable
from streams.store import Store

NEW, REPLAY, COPY, DUPLICATE = "new", "replay", "copy", "duplicate"

#: below 2**53 in magnitude, `x // 60` of a float is its exact floor, hence monotonic:
#: what the minute `_remember` keeps at hand relies on
_EXACT_FLOATS = float(1 << 53)


def _bucket_of(event_time: float) -> int:
    return int(event_time // 60)


#: open buckets older than the current minute move to the arrays once there are this
#: many of them, or this many ids in them: a batch of stragglers does not pay for an
#: O(n) insertion into the arrays each time
MAX_OLD_OPEN_BUCKETS = 4
MAX_OLD_OPEN_IDS = 16_384


@dataclass
class DedupIndex:
    """The ids of one partition of the routed topic.

    Ids of the open buckets (this minute and the last, plus a few stragglers) sit in the
    dict `recent`; older ones move to `FrozenIds` arrays (40 bytes an id) or, when they
    are not a UUID with a router source, to `odd`. `recent` is rebuilt, never deleted
    from, when buckets leave it: a dict that deletes and inserts under steady churn
    resizes from its count, and RSS climbed in steps.
    """

    partition: int
    horizon_seconds: float
    recent: dict[Key, Seen] = field(default_factory=dict)
    #: the open buckets' keys; and per open bucket its flushed ids packed (for the
    #: arrays) and the keys that are not packable (for `odd`): settling does no per-id work
    open: dict[int, list[Key]] = field(default_factory=lambda: defaultdict(list))
    chunks: dict[int, list[bytes]] = field(default_factory=lambda: defaultdict(list))
    open_odd: dict[int, list[Key]] = field(default_factory=lambda: defaultdict(list))
    frozen: FrozenIds = field(default_factory=FrozenIds)
    odd: dict[Key, Seen] = field(default_factory=dict)
    odd_buckets: dict[int, list[Key]] = field(default_factory=lambda: defaultdict(list))
    segments: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: bucket -> (first routed offset, packable (key, seen), lines) of this batch's new ids
    pending: dict[int, tuple[int, list[tuple[int, int]], list[str]]] = field(default_factory=dict)
    #: this batch's identities as keys (so that `check` does not parse them again), and
    #: what the arrays hold for them (see `prepare`)
    keys: dict[str, Key] = field(default_factory=dict)
    hits: dict[int, int] = field(default_factory=dict)
    #: the event-time minute `_remember` added to last (while it is the bucket), its
    #: bounds in seconds, and its lists in `open` and `pending`: a record of the same
    #: minute costs two float comparisons, not two floor divisions and lookups
    _minute: int = field(default=0, repr=False)
    _lo: float = field(default=0.0, repr=False)
    _hi: float = field(default=0.0, repr=False)
    _lists: tuple[list[Key], list[tuple[int, int]]] = field(
        default_factory=lambda: ([], []), repr=False
    )

    def prefix(self) -> str:
        return f"{self.partition}|dd|"

    def prepare(self, identities: Iterable[str]) -> None:
        """Look a batch's ids up in the arrays in one vectorised pass, before `check`.

        Optional: `check` looks an id that was not prepared up on its own, which is
        exact but costs a numpy call per record.
        """
        names = identities if isinstance(identities, list | tuple) else list(identities)
        self.keys, ints, halves = id_keys(names)
        self.hits = self.frozen.find(ints, halves) if len(self.frozen.hi) else {}

    def _changed_arrays(self) -> None:
        """What `prepare` found may be stale now: look ids up one by one until the next."""
        self.keys, self.hits = {}, {}

    def _first(self, key: Key, prepared: bool) -> Seen | None:
        seen = self.recent.get(key)
        if seen is None:
            seen = self.odd.get(key)
            if seen is None and type(key) is int and len(self.frozen.hi):
                seen = self.hits.get(key) if prepared else self.frozen.find([key]).get(key)
        return seen

    def check(
        self, identity: str, offset: int, source: str, event_time: float, watermark: float
    ) -> str:
        """NEW, REPLAY, COPY or DUPLICATE (see the module docstring)."""
        key = self.keys.get(identity)
        if key is None:
            key = id_key(identity)
            first = self._first(key, False)
        else:  # `_first(key, True)`, inline: this runs once per record
            first = self.recent.get(key)
            if first is None and self.odd:
                first = self.odd.get(key)
            if first is None and self.hits:  # empty unless the arrays hold something
                first = self.hits.get(key)  # type: ignore[arg-type]  # (a str is not in it)
        if first is None:
            self._remember(key, identity, offset, source, event_time, watermark)
            return NEW
        if first_routed_offset(first) == offset:
            return REPLAY
        if same_source(first, source):
            return COPY
        # A duplicate. Remember its own source too, so that a copy of *it* sent again by
        # a restarted router is not counted as one more duplicate.
        src_key = f"src:{source}"
        seen = self._first(src_key, False)
        if seen is None:
            self._remember(src_key, src_key, offset, source, event_time, watermark)
            return DUPLICATE
        return DUPLICATE if first_routed_offset(seen) == offset else COPY

    def _remember(
        self,
        key: Key,
        identity: str,
        offset: int,
        source: str,
        event_time: float,
        watermark: float,
    ) -> None:
        code = source_code(source)
        floor = watermark - self.horizon_seconds
        if self._lo <= event_time < self._hi and -_EXACT_FLOATS < floor < self._hi:
            # the minute added to last (exact floors: both are at most that minute)
            bucket = self._minute
            open_keys, packed = self._lists
        else:
            minute = int(event_time // 60)
            bucket = max(minute, int(floor // 60))
            open_keys = self.open[bucket]
            pending = self.pending.get(bucket)
            if pending is None:
                pending = self.pending[bucket] = (offset, [], [])
            packed = pending[1]
            lo, hi = 60.0 * minute, 60.0 * (minute + 1)
            if bucket == minute and -_EXACT_FLOATS < lo < hi < _EXACT_FLOATS:
                self._lo, self._hi, self._minute = lo, hi, minute
                self._lists = (open_keys, packed)
            else:
                self._forget_lists()
        seen: Seen = (offset, source) if code is None else (offset << OFFSET_SHIFT) | code
        self.recent[key] = seen
        open_keys.append(key)
        # an id_key int is under 2**128, a packed seen (offset < 2**63) too: packable
        if type(key) is int and type(seen) is int:
            packed.append((key, seen))
        else:
            self.pending[bucket][2].append(f"{identity} {offset} {source}")
            self.open_odd[bucket].append(key)

    def _forget_lists(self) -> None:
        """`open` or `pending` lost lists that `_remember` holds: look them up again.

        (Not needed by `settle`: the minute `_remember` holds is pending until a flush,
        which forgets it, and `settle` leaves pending minutes alone.)
        """
        self._lo = self._hi = 0.0

    def flush(self, store: Store) -> None:
        """Write this batch's new ids as one segment per bucket.

        A segment is named after the first offset it holds: a replayed batch only adds
        ids that were never persisted, so it does not overwrite an earlier segment. But
        an id can expire and then be added again by the record at that very offset (say
        a duplicate, whose source took the name first): that segment gets the count of
        its bucket's segments as a suffix, which `restore` (reading the bucket only)
        does not mind.
        UUIDs with router sources are packed (32 bytes each in "p": bytes in memory,
        base64 text in the changelog); anything else is a line "identity offset source"
        in "lines".
        """
        for bucket, (first, packed, lines) in self.pending.items():
            key = f"{self.prefix()}{bucket}|{first}"
            if key in self.segments[bucket]:
                key = f"{key}|{len(self.segments[bucket])}"
            value: dict[str, str | bytes] = {}
            if packed:
                raw = pack_entries(packed)
                self.chunks[bucket].append(raw)  # what `settle` turns into arrays
                value["p"] = raw  # the same bytes; base64 in the changelog (codec.py)
            if lines:
                value["lines"] = "\n".join(lines)
            store.put(key, value)
            self.segments[bucket].append(key)
        self.pending.clear()
        self._forget_lists()

    def expire(self, store: Store, watermark: float) -> int:
        """Forget buckets wholly older than the horizon; returns how many ids went.
        Then move settled buckets from `recent` to the arrays."""
        self._forget_lists()
        floor = _bucket_of(watermark - self.horizon_seconds)
        gone = self.frozen.expire(floor)
        if gone:
            self._changed_arrays()
        expired = [b for b in self.open if b < floor]
        for bucket in expired:
            gone += len(self.open.pop(bucket))
            self.chunks.pop(bucket, None)
            self.open_odd.pop(bucket, None)
        for bucket in [b for b in self.odd_buckets if b < floor]:
            for key in self.odd_buckets.pop(bucket):
                del self.odd[key]
                gone += 1
        for bucket in [b for b in self.segments if b < floor]:
            for name in self.segments.pop(bucket):
                store.delete(name)
        if not self.settle(_bucket_of(watermark)) and expired:
            self._rebuild_recent()
        return gone

    def settle(self, current: int, force: bool = False) -> bool:
        """Move the flushed buckets before the last minute into the arrays, once there
        are enough of them to be worth an insertion (or always, with `force`)."""
        old = [b for b in self.open if b < current - 1 and b not in self.pending]
        if not old:
            return False
        few = len(old) < MAX_OLD_OPEN_BUCKETS
        if not force and few and sum(len(self.open[b]) for b in old) < MAX_OLD_OPEN_IDS:
            return False
        rows, buckets = [], []
        for bucket in old:
            del self.open[bucket]
            for key in self.open_odd.pop(bucket, ()):
                self.odd[key] = self.recent[key]
                self.odd_buckets[bucket].append(key)
            chunk = unpack_entries(b"".join(self.chunks.pop(bucket, ())))
            rows.append(chunk)
            buckets.append(np.full(len(chunk), bucket, dtype=np.int64))
        table = np.concatenate(rows)
        hi, lo, seen_hi, seen_lo = (table[:, c] for c in range(4))
        self.frozen.add_arrays(hi, lo, seen_hi, seen_lo, np.concatenate(buckets))
        self._rebuild_recent()
        self._changed_arrays()
        return True

    def _rebuild_recent(self) -> None:
        """`recent` with only the open buckets' ids: a new dict, not deletions."""
        recent = self.recent
        self.recent = {key: recent[key] for keys in self.open.values() for key in keys}

    @classmethod
    def restore(cls, partition: int, horizon_seconds: float, store: Store) -> DedupIndex:
        """Rebuild from the segments recovered from the changelog (any format)."""
        index = cls(partition, horizon_seconds)
        packed: list[npt.NDArray[np.uint64]] = []
        buckets: list[npt.NDArray[np.int64]] = []
        entries: list[tuple[int, int, int]] = []
        for name in store.keys_with_prefix(index.prefix()):
            value = store.get(name)
            if value is None:
                continue
            bucket = int(name.split("|")[2])
            index.segments[bucket].append(name)
            raw = segment_raw(value)
            if raw:
                value["p"] = raw  # as `flush` keeps it: 32 bytes an id, not 43 of base64
            rows = unpack_entries(raw)
            packed.append(rows)
            buckets.append(np.full(len(rows), bucket, dtype=np.int64))
            for identity, offset, source in segment_entries(value):
                key, seen = id_key(identity), seen_value(offset, source)
                if packable(key, seen):
                    entries.append((key, seen, bucket))  # type: ignore[arg-type]
                elif key not in index.odd:
                    index.odd[key] = seen
                    index.odd_buckets[bucket].append(key)
        if entries:
            packed.append(np.array([split_entry(*e[:2]) for e in entries], dtype=np.uint64))
            buckets.append(np.array([e[2] for e in entries], dtype=np.int64))
        if packed:
            rows, bucket_column = np.concatenate(packed), np.concatenate(buckets)
            first = first_occurrences(rows)
            hi, lo, seen_hi, seen_lo = (rows[first, c] for c in range(4))
            index.frozen.add_arrays(hi, lo, seen_hi, seen_lo, bucket_column[first])
        return index

    def entries(self) -> dict[Key, Seen]:
        """Every id held, as {key: seen} (for tests and checks, not the hot path)."""
        out: dict[Key, Seen] = {k: v for k, v in self.frozen.items().items()}
        out.update(self.odd)
        out.update(self.recent)
        return out

    def __len__(self) -> int:
        return len(self.frozen) + len(self.odd) + len(self.recent)


def split_entry(key: int, seen: int) -> tuple[int, int, int, int]:
    return key >> 64, key & MASK64, seen >> 64, seen & MASK64


def pack_entries(entries: Sequence[tuple[int, int]]) -> bytes:
    """(key, seen) pairs as packed segment records, 32 bytes each: the UUID's two halves,
    then the seen value's (routed offset; source code), big-endian unsigned 64-bit each."""
    return b"".join([k.to_bytes(16) + s.to_bytes(16) for k, s in entries])  # big-endian


def unpack_entries(raw: bytes) -> npt.NDArray[np.uint64]:
    """Packed segment records as rows (key hi, key lo, seen hi, seen lo)."""
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def segment_raw(value: dict[str, object]) -> bytes:
    """A segment's packed records: bytes as `flush` keeps them, or decoded from the
    base64 text the changelog holds (b"" for none)."""
    packed = value.get("p")
    if isinstance(packed, str):
        return base64.b64decode(packed)
    return packed if isinstance(packed, bytes) else b""


def first_occurrences(rows: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """Indices of the rows whose key was not in an earlier row (restore keeps the first)."""
    if not len(rows):
        return np.empty(0, dtype=np.intp)
    order = np.lexsort((rows[:, 1], rows[:, 0]))  # stable: equal keys keep their order
    hi, lo = rows[order, 0], rows[order, 1]
    repeat = np.zeros(len(rows), dtype=bool)
    repeat[1:] = (hi[1:] == hi[:-1]) & (lo[1:] == lo[:-1])
    return np.sort(order[~repeat])


def segment_entries(value: dict[str, object]) -> list[tuple[str, int, str]]:
    """A segment's (identity, routed offset, source) triples: lines, or the lists that
    segments written before the line format hold."""
    lines = value.get("lines")
    if isinstance(lines, str):
        out = []
        for line in lines.split("\n"):
            identity, offset, source = line.rsplit(" ", 2)
            out.append((identity, int(offset), source))
        return out
    ids = value.get("ids")
    return [(str(i), int(o), str(s)) for i, o, s in ids] if isinstance(ids, list) else []
