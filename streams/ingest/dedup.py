"""Which event ids a partition has already counted, bounded by the event-time horizon.

Ids are kept in memory per event-time minute bucket; each batch persists the ids it
adds as one segment (not one changelog write per event). A bucket older than the
watermark minus the horizon is dropped with its segments.

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

from collections import defaultdict
from dataclasses import dataclass, field

from streams.store import Store

NEW, REPLAY, COPY, DUPLICATE = "new", "replay", "copy", "duplicate"


def _bucket_of(event_time: float) -> int:
    return int(event_time // 60)


@dataclass
class DedupIndex:
    """The ids of one partition of the routed topic."""

    partition: int
    horizon_seconds: float
    first_offset: dict[str, tuple[int, str]] = field(default_factory=dict)
    buckets: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    segments: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    pending: dict[int, list[list[object]]] = field(default_factory=lambda: defaultdict(list))

    def prefix(self) -> str:
        return f"{self.partition}|dd|"

    def check(
        self, identity: str, offset: int, source: str, event_time: float, watermark: float
    ) -> str:
        """NEW, REPLAY, COPY or DUPLICATE (see the module docstring)."""
        first = self.first_offset.get(identity)
        if first is None:
            self._remember(identity, offset, source, event_time, watermark)
            return NEW
        if first[0] == offset:
            return REPLAY
        if first[1] == source:
            return COPY
        # A duplicate. Remember its own source too, so that a copy of *it* sent again by
        # a restarted router is not counted as one more duplicate.
        key = f"src:{source}"
        seen = self.first_offset.get(key)
        if seen is None:
            self._remember(key, offset, source, event_time, watermark)
            return DUPLICATE
        return DUPLICATE if seen[0] == offset else COPY

    def _remember(
        self, key: str, offset: int, source: str, event_time: float, watermark: float
    ) -> None:
        self.first_offset[key] = (offset, source)
        floor = _bucket_of(watermark - self.horizon_seconds)
        bucket = max(_bucket_of(event_time), floor)
        self.buckets[bucket].append(key)
        self.pending[bucket].append([key, offset, source])

    def flush(self, store: Store) -> None:
        """Write this batch's new ids as one segment per bucket.

        A segment is named after the first offset it holds: a replayed batch only adds
        ids that were never persisted, so it can never overwrite an earlier segment.
        """
        for bucket, entries in self.pending.items():
            key = f"{self.prefix()}{bucket}|{entries[0][1]}"
            store.put(key, {"ids": entries})
            self.segments[bucket].append(key)
        self.pending.clear()

    def expire(self, store: Store, watermark: float) -> int:
        """Forget buckets wholly older than the horizon; returns how many ids went."""
        floor = _bucket_of(watermark - self.horizon_seconds)
        gone = 0
        for bucket in [b for b in self.buckets if b < floor]:
            for identity in self.buckets.pop(bucket):
                self.first_offset.pop(identity, None)
                gone += 1
            for key in self.segments.pop(bucket, []):
                store.delete(key)
        return gone

    @classmethod
    def restore(cls, partition: int, horizon_seconds: float, store: Store) -> DedupIndex:
        """Rebuild from the segments recovered from the changelog."""
        index = cls(partition, horizon_seconds)
        for key in store.keys_with_prefix(index.prefix()):
            value = store.get(key)
            if value is None:
                continue
            bucket = int(key.split("|")[2])
            index.segments[bucket].append(key)
            for identity, offset, source in value["ids"]:
                index.first_offset.setdefault(identity, (offset, source))
                index.buckets[bucket].append(identity)
        return index

    def __len__(self) -> int:
        return len(self.first_offset)
