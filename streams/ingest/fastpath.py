"""A batch folded with one lookup and one store write a key, not one a record.

Page views and banner events are nearly all records, and fold.py's per-record path
looks up and writes back five or six keys for each (outcome and totals counters, the
article or campaign, its window, its series), each time checking the key's `o` so that
a replay after a crash adds nothing twice. When a batch starts past every offset the
partition's stored values hold, no value can already hold one of its records, so those
checks are known to pass: here each key is fetched and marked for its changelog once
per batch and changed in place after, counters and series are summed per key and
written at the end, and readers go into their sketch in one pass. The state comes out as
fold.py's per-record path leaves it (tests/unit/ingest/test_fastpath.py holds the two to
that). Other records (articles, donations, invalid ones) keep the per-record path, in
the same batch: they get the very values this batch changes in place from the store.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from typing import Any

from streams import series as hourly
from streams.conversion import windows as funnel
from streams.conversion.campaign import banner_action, new_campaign
from streams.ingest.closing import WindowCloser
from streams.ingest.labels import admit
from streams.ingest.outcomes import OUTCOMES
from streams.readership import windows as readership
from streams.readership.article import new_article, section_at
from streams.readership.readers import dump, load, new_sketch
from streams.store import Store, Value


class FastBatch:
    """One batch's sums, for a batch that no stored value has seen any of."""

    def __init__(
        self,
        partition: int,
        stores: Any,  # fold.Stores
        closer: WindowCloser,
        label_cap: int,
        series_floor: int,
        series_hours: defaultdict[int, list[str]],
    ) -> None:
        self.partition = partition
        self.totals: Store = stores.totals
        self.articles: Store = stores.articles
        self.campaigns: Store = stores.campaigns
        self.windows: Store = stores.windows
        self.series: Store = stores.series
        self.closer = closer
        self.label_cap = label_cap
        self.series_floor = series_floor
        self.series_hours = series_hours
        #: article id -> its value, fetched and marked once
        self.seen_articles: dict[str, Value] = {}
        #: (campaign, variant) -> (its label, the label's value)
        self.seen_pairs: dict[tuple[str, str], tuple[tuple[str, str], Value]] = {}
        #: (article id or label, minute) -> (key, value, readers), or None when closed
        self.open_windows: dict[tuple[Any, int], tuple[str, Value, list[str]] | None] = {}
        #: article id -> readers to add to its sketch
        self.readers: defaultdict[str, list[str]] = defaultdict(list)
        #: totals counter key -> [count, offset of the last record counted]
        self.counters: dict[str, list[int]] = {}
        #: stream -> [accepted, late, duplicate, invalid, offset of the last one]
        self.outcomes: dict[str, list[int]] = {}
        #: (series prefix, minute, field) -> [count, offset of the last record counted]
        self.minutes: dict[tuple[str, int, str], list[int]] = {}

    def outcome(self, stream: str, outcome: str, offset: int) -> None:
        """fold.py's `count_outcome`, summed."""
        counts = self.outcomes.get(stream)
        if counts is None:
            counts = self.outcomes[stream] = [0, 0, 0, 0, offset]
        counts[OUTCOMES.index(outcome)] += 1
        counts[4] = offset

    def page_view(
        self, offset: int, rec: Any, e: dict[str, Any], counts: Counter[Any], windowed: bool
    ) -> None:
        """What fold.py's `_page_view` does for one record (`rec` a `Routed`)."""
        p = self.partition
        article_id = e.get("article_id")
        article = None
        if article_id:
            article = self.seen_articles.get(article_id)
            if article is None:
                key = f"{p}|{article_id}"
                article = self.articles.get(key) or new_article()
                self.articles.put(key, article)
                self.seen_articles[article_id] = article
        section = "none" if article is None else section_at(article, offset)
        bot = rec.bot
        if bot:
            self._count(f"{p}|bot", offset)
            counts[("bot",)] += 1
        else:
            self._count(f"{p}|pv|{section}", offset)
            counts[("pv", section, rec.referrer_class or "other", e["device"])] += 1
        if article is None or article_id is None:
            return
        article["o"] = offset
        reader = e["reader_id"]
        if bot:
            article["bots"] += 1
        else:
            article["views"] += 1
            self.readers[article_id].append(reader)
            sources = article.setdefault("src", {})
            source = sys.intern(rec.referrer_class or "other")
            sources[source] = sources.get(source, 0) + 1
        if not windowed:
            return
        minute = int(rec.event_time // 60)
        window = self._window(article_id, minute, readership.new_window)
        if window is not None:
            window[1]["o"] = offset
            if bot:
                window[1]["bots"] += 1
            else:
                window[1]["views"] += 1
                window[2].append(reader)
        if not bot:
            self._minute(f"{p}|a|{article_id}", minute, "views", offset)
            self._minute(f"{p}|s|{section}", minute, "views", offset)

    def banner(
        self, offset: int, rec: Any, e: dict[str, Any], counts: Counter[Any], windowed: bool
    ) -> None:
        """What fold.py's `_banner` does for one record."""
        action = banner_action(e)
        pair = (e["campaign_id"], e["variant"])
        seen = self.seen_pairs.get(pair)
        if seen is None:
            # a label, once decided, stays: admitted pairs stay in, and a refused one
            # found the set full, which it stays
            label = admit(self.totals, self.partition, self.label_cap, pair, offset)
            key = f"{self.partition}|{label[0]}|{label[1]}"
            value = self.campaigns.get(key) or new_campaign()
            self.campaigns.put(key, value)
            seen = self.seen_pairs[pair] = (label, value)
        label, value = seen
        value["o"] = offset
        value[action] += 1
        counts[("ban", label[0], label[1], action)] += 1
        if windowed:
            minute = int(rec.event_time // 60)
            self._minute(f"{self.partition}|c|{label[0]}|{label[1]}", minute, action, offset)
            window = self._window(label, minute, funnel.new_window)
            if window is not None:
                window[1]["o"] = offset
                window[1][action] += 1

    def _count(self, key: str, offset: int) -> None:
        counter = self.counters.get(key)
        if counter is None:
            self.counters[key] = [1, offset]
        else:
            counter[0] += 1
            counter[1] = offset

    def _minute(self, prefix: str, minute: int, name: str, offset: int) -> None:
        counter = self.minutes.get((prefix, minute, name))
        if counter is None:
            self.minutes[(prefix, minute, name)] = [1, offset]
        else:
            counter[0] += 1
            counter[1] = offset

    def _window(self, owner: Any, minute: int, new: Any) -> tuple[str, Value, list[str]] | None:
        """The window of `owner` (an article id, or a label pair) and `minute`, once a
        batch; None when it has been closed (and sent) already."""
        slot = (owner, minute)
        if slot in self.open_windows:
            return self.open_windows[slot]
        entry: tuple[str, Value, list[str]] | None = None
        if not self.closer.is_late(minute):
            if isinstance(owner, str):
                key = readership.window_key(self.partition, owner, minute)
            else:
                key = funnel.window_key(self.partition, owner[0], owner[1], minute)
            window = self.windows.get(key)
            if window is None:
                window = new()
                self.closer.track(key, minute)
            self.windows.put(key, window)
            entry = (key, window, [])
        self.open_windows[slot] = entry
        return entry

    def finish(self) -> None:
        """Write the summed counters and series, and the readers into their sketches."""
        p = self.partition
        for stream, (*added, last) in self.outcomes.items():
            key = f"{p}|rec|{stream}"
            value = self.totals.get(key) or {"o": -1, **dict.fromkeys(OUTCOMES, 0)}
            for name, n in zip(OUTCOMES, added, strict=True):
                value[name] += n
            value["o"] = last
            self.totals.put(key, value)
        for key, (n, last) in self.counters.items():
            value = self.totals.get(key) or {"o": -1, "n": 0}
            value["n"] += n
            value["o"] = last
            self.totals.put(key, value)
        for (prefix, minute, name), (n, last) in self.minutes.items():
            self._series(prefix, minute, name, n, last)
        for article_id, readers in self.readers.items():
            article = self.seen_articles[article_id]
            article["r"] = _with_readers(article["r"], readers)
        for entry in self.open_windows.values():
            if entry is not None and entry[2]:
                window = entry[1]
                window["r"] = _with_readers(window["r"], entry[2])

    def _series(self, prefix: str, minute: int, name: str, n: int, last: int) -> None:
        """fold.py's `_series` for `n` records of one minute, the last at `last`."""
        hour = minute // 60
        key = f"{prefix}|{hour}"
        value = self.series.get(key)
        if value is None:
            if hour < self.series_floor:
                return  # expired already
            value = hourly.new_value()
            self.series_hours[hour].append(key)
        hourly.add(value, name, minute % 60, n)
        value["o"] = max(value["o"], last)
        self.series.put(key, value)


def _with_readers(encoded: str | None, readers: list[str]) -> str:
    """A stored sketch with `readers` added (each once: a sketch counts distinct ones)."""
    sketch = load(encoded) if encoded else new_sketch()
    update = sketch.update
    for reader in dict.fromkeys(readers):
        update(reader)
    return dump(sketch)
