"""Closing windows exactly once: which open windows a partition has, and their records.

A closed window's record goes to its output topic once: its state is deleted and the
partition's `closed_before` advanced in the same batch of changelog writes, and the
records sent since the last saved checkpoint are read back after a restart (`emitted`),
so a window whose record went out just before a crash is not sent again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson

from streams.conversion import windows as funnel
from streams.readership import windows as readership
from streams.readership.article import current_section
from streams.store import Store, Value
from streams.topics import FUNNEL, READERSHIP


@dataclass(frozen=True)
class Emission:
    """One closed window's final record, for the agent to send."""

    topic: str
    key: bytes
    value: bytes
    window_id: str


def window_id(key: str) -> str:
    """`p|w|r|article|minute` → `r|article|minute` (what the output record identifies)."""
    return key.split("|", 2)[2]


def window_id_of_record(topic: str, record: dict[str, Any]) -> str:
    """The window a `pulse.readership` / `pulse.funnel` record closed."""
    from datetime import datetime

    minute = int(datetime.fromisoformat(record["window_start"]).timestamp() // 60)
    if topic == READERSHIP:
        return f"{readership.KIND}|{record['article_id']}|{minute}"
    return f"{funnel.KIND}|{record['campaign_id']}|{record['variant']}|{minute}"


class WindowCloser:
    """The open windows of one partition and its `closed_before` bookkeeping."""

    def __init__(self, partition: int, windows: Store, totals: Store, articles: Store) -> None:
        self.partition = partition
        self.windows = windows
        self.totals = totals
        self.articles = articles
        self.key = f"{partition}|closed"
        self.open: dict[int, set[str]] = defaultdict(set)
        for key in windows.keys_with_prefix(f"{partition}|w|"):
            self.open[int(key.rsplit("|", 1)[1])].add(key)
        self.purge()

    @property
    def state(self) -> Value:
        value = self.totals.get(self.key)
        if value is None:
            value = {"o": -1, "m": None, "ck": {}}
        return value

    @property
    def closed_before(self) -> int | None:
        minute: int | None = self.state["m"]
        return minute

    def is_late(self, minute: int) -> bool:
        closed = self.closed_before
        return closed is not None and minute < closed

    def track(self, key: str, minute: int) -> None:
        self.open[minute].add(key)

    def purge(self) -> None:
        """Drop windows that were closed before a crash but whose deletion was not saved."""
        closed = self.closed_before
        if closed is None:
            return
        for minute in [m for m in self.open if m < closed]:
            for key in self.open.pop(minute):
                self.windows.delete(key)

    def close(self, target: int, emitted: set[str]) -> list[Emission]:
        """Close every window starting before `target`; their records, in minute order."""
        state = self.state
        if state["m"] is not None and target <= state["m"]:
            return []
        out: list[Emission] = []
        for minute in sorted(m for m in self.open if m < target):
            for key in sorted(self.open.pop(minute)):
                value = self.windows.get(key)
                wid = window_id(key)
                if value is not None and wid not in emitted:
                    out.append(self._emission(wid, minute, value))
                self.windows.delete(key)
        state["m"] = target
        self.totals.put(self.key, state)
        # what was read back is only needed until its windows are closed again
        emitted.difference_update({wid for wid in emitted if int(wid.rsplit("|", 1)[1]) < target})
        return out

    def checkpoint(self, offsets: dict[str, int]) -> None:
        """Where the output partitions ended after this batch's records were sent."""
        state = self.state
        state["ck"] = {**state["ck"], **offsets}
        self.totals.put(self.key, state)

    def _emission(self, wid: str, minute: int, value: Value) -> Emission:
        kind, rest = wid.split("|", 1)
        if kind == readership.KIND:
            article_id = rest.rsplit("|", 1)[0]
            article = self.articles.get(f"{self.partition}|{article_id}")
            section = current_section(article) if article else None
            record = readership.final_record(article_id, minute, value, section)
            return Emission(READERSHIP, article_id.encode(), orjson.dumps(record), wid)
        campaign_id, variant, _ = rest.split("|")
        record = funnel.final_record(campaign_id, variant, minute, value)
        key = f"{campaign_id}|{variant}".encode()
        return Emission(FUNNEL, key, orjson.dumps(record), wid)
