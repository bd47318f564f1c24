"""Where partition state lives: a key → JSON-able dict map that remembers what changed.

The folder mutates values in place and marks them dirty; at the end of a batch each
dirty key is written to its changelog once. Every value carries `o`, the offset of the
last routed record folded into it, which makes re-folding after a crash a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, Protocol

Value = dict[str, Any]


class Store(Protocol):
    """The view of one table restricted to one partition's batch."""

    def get(self, key: str) -> Value | None: ...
    def put(self, key: str, value: Value) -> None: ...
    def delete(self, key: str) -> None: ...
    def keys_with_prefix(self, prefix: str) -> Iterator[str]: ...


class DictStore:
    """A Store over any mutable mapping, recording dirty and deleted keys."""

    def __init__(self, data: MutableMapping[str, Any] | None = None) -> None:
        self.data: MutableMapping[str, Any] = data if data is not None else {}
        self.dirty: set[str] = set()
        self.deleted: set[str] = set()

    def get(self, key: str) -> Value | None:
        value: Value | None = self.data.get(key)
        return value

    def put(self, key: str, value: Value) -> None:
        self.data[key] = value
        self.dirty.add(key)
        self.deleted.discard(key)

    def delete(self, key: str) -> None:
        if key in self.data:
            del self.data[key]
        self.dirty.discard(key)
        self.deleted.add(key)

    def keys_with_prefix(self, prefix: str) -> Iterator[str]:
        return (k for k in list(self.data.keys()) if isinstance(k, str) and k.startswith(prefix))

    def take_changes(self) -> tuple[dict[str, Value], set[str]]:
        """The values to write and the keys to tombstone since the last call."""
        changed = {k: self.data[k] for k in self.dirty if k in self.data}
        deleted = set(self.deleted)
        self.dirty.clear()
        self.deleted.clear()
        return changed, deleted


def fresh(value: Value | None, offset: int) -> bool:
    """Whether a record at `offset` is new to this value (not yet folded into it)."""
    return value is None or offset > value.get("o", -1)
