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

import re
from collections import defaultdict
from dataclasses import dataclass, field

from streams.store import Store
from streams.topics import INPUT_TOPICS

NEW, REPLAY, COPY, DUPLICATE = "new", "replay", "copy", "duplicate"

#: What one id costs is most of the worker's memory (an hour of ids: 1.1 million at a
#: big site's peak), so ids and sources are kept as integers where they are exactly
#: representable: a canonical UUID as its 128-bit value, a source "topic/partition/
#: offset" with the routed offset in one int. Anything else keeps its string.
_STREAM = {topic: i for i, topic in enumerate(INPUT_TOPICS)}
_OFFSET_SHIFT = 64  # routed offset above the source code (stream, partition, offset)
_SOURCE_MASK = (1 << _OFFSET_SHIFT) - 1
Key = int | str
Seen = int | tuple[int, str]  # packed (routed offset, source), or the pair as is


def _bucket_of(event_time: float) -> int:
    return int(event_time // 60)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: "topic/partition/offset" as the router writes it: no leading zeros, so that the
#: int below gives back the very same string
_SOURCE = re.compile(r"([a-z.-]+)/(0|[1-9][0-9]{0,3})/(0|[1-9][0-9]{0,14})")


def id_key(identity: str) -> Key:
    """A canonical lower-case UUID as its integer (44 bytes, not 85); others as given."""
    if _UUID.fullmatch(identity):
        return int(identity.replace("-", ""), 16)
    return identity


def source_code(source: str) -> int | None:
    """ "topic/partition/offset" of an input record as one int, or None if it is not
    exactly that."""
    match = _SOURCE.fullmatch(source)
    if match is None:
        return None
    topic, partition, offset = match.groups()
    stream = _STREAM.get(topic)
    p, o = int(partition), int(offset)
    if stream is None or p >= 2048 or o >= 1 << 48:
        return None
    return (stream << 59) | (p << 48) | o


def seen_value(offset: int, source: str) -> Seen:
    code = source_code(source)
    return (offset, source) if code is None else (offset << _OFFSET_SHIFT) | code


def first_routed_offset(seen: Seen) -> int:
    return seen[0] if isinstance(seen, tuple) else seen >> _OFFSET_SHIFT


def same_source(seen: Seen, source: str) -> bool:
    if isinstance(seen, tuple):
        return seen[1] == source
    return source_code(source) == seen & _SOURCE_MASK


@dataclass
class DedupIndex:
    """The ids of one partition of the routed topic."""

    partition: int
    horizon_seconds: float
    first_offset: dict[Key, Seen] = field(default_factory=dict)
    buckets: dict[int, list[Key]] = field(default_factory=lambda: defaultdict(list))
    segments: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: bucket -> (first routed offset, lines "identity offset source") of this batch
    pending: dict[int, tuple[int, list[str]]] = field(default_factory=dict)

    def prefix(self) -> str:
        return f"{self.partition}|dd|"

    def check(
        self, identity: str, offset: int, source: str, event_time: float, watermark: float
    ) -> str:
        """NEW, REPLAY, COPY or DUPLICATE (see the module docstring)."""
        key = id_key(identity)
        first = self.first_offset.get(key)
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
        seen = self.first_offset.get(src_key)
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
        self.first_offset[key] = seen_value(offset, source)
        floor = _bucket_of(watermark - self.horizon_seconds)
        bucket = max(_bucket_of(event_time), floor)
        self.buckets[bucket].append(key)
        line = f"{identity} {offset} {source}"
        pending = self.pending.get(bucket)
        if pending is None:
            self.pending[bucket] = (offset, [line])
        else:
            pending[1].append(line)

    def flush(self, store: Store) -> None:
        """Write this batch's new ids as one segment per bucket: one string, a line an id.

        A segment is named after the first offset it holds: a replayed batch only adds
        ids that were never persisted, so it can never overwrite an earlier segment.
        """
        for bucket, (first, lines) in self.pending.items():
            key = f"{self.prefix()}{bucket}|{first}"
            store.put(key, {"lines": "\n".join(lines)})
            self.segments[bucket].append(key)
        self.pending.clear()

    def expire(self, store: Store, watermark: float) -> int:
        """Forget buckets wholly older than the horizon; returns how many ids went."""
        floor = _bucket_of(watermark - self.horizon_seconds)
        gone = 0
        for bucket in [b for b in self.buckets if b < floor]:
            for key in self.buckets.pop(bucket):
                self.first_offset.pop(key, None)
                gone += 1
            for name in self.segments.pop(bucket, []):
                store.delete(name)
        return gone

    @classmethod
    def restore(cls, partition: int, horizon_seconds: float, store: Store) -> DedupIndex:
        """Rebuild from the segments recovered from the changelog (either format)."""
        index = cls(partition, horizon_seconds)
        for name in store.keys_with_prefix(index.prefix()):
            value = store.get(name)
            if value is None:
                continue
            bucket = int(name.split("|")[2])
            index.segments[bucket].append(name)
            for identity, offset, source in segment_entries(value):
                key = id_key(identity)
                index.first_offset.setdefault(key, seen_value(offset, source))
                index.buckets[bucket].append(key)
        return index

    def __len__(self) -> int:
        return len(self.first_offset)


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
