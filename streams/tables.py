"""The changelogged Faust tables that hold partition state, and how a batch writes them.

All keys start with the partition of `pulse.events-routed` they belong to, and each
table has that topic's partition count, so Faust co-partitions them with it: the worker
that folds partition p holds (and after a crash recovers) exactly the keys `p|…`. The
folder writes values in place and each dirty key goes to the changelog once a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust

from streams.codec import NAME as CODEC
from streams.ingest.fold import Stores
from streams.store import DictStore

TABLE_NAMES = ("totals", "articles", "campaigns", "series", "dedup", "windows")


@dataclass
class PulseTables:
    """The Faust tables of one app, by role."""

    tables: dict[str, Any]

    @classmethod
    def create(cls, app: Any, partitions: int) -> PulseTables:
        tables = {
            name: app.Table(
                name,
                default=None,
                partitions=partitions,
                schema=faust.Schema(key_serializer=CODEC, value_serializer=CODEC),
                help=f"Newsroom Pulse partition state: {name}",
            )
            for name in TABLE_NAMES
        }
        return cls(tables)

    def stores(self) -> Stores:
        """DictStores over the tables' in-memory data, for one batch."""
        return Stores(**{name: DictStore(_backing_dict(t)) for name, t in self.tables.items()})

    def data(self, name: str) -> dict[str, Any]:
        """The live key → value dict of a table (all partitions this worker holds)."""
        return _backing_dict(self.tables[name])


def _backing_dict(table: Any) -> dict[str, Any]:
    store = table.data
    inner = getattr(store, "data", None)
    return inner if isinstance(inner, dict) else store
