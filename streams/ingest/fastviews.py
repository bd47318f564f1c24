"""Page views of a batch folded with one lookup and one store write a key, not a record.

Page views are seven in ten records, and fold.py's per-record path looks up and writes
back six keys for each (its totals counter, the article, its window, two series), each
time checking the key's `o` so that a replay after a crash adds nothing twice. When a
batch starts past every offset the partition's stored values hold, no value can already
hold one of its records, so those checks are known to pass: here each key is fetched
and marked for its changelog once per batch and changed in place after, counters and
series are summed per key and written at the end, and readers go into their sketch in
one pass. The state comes out as fold.py's per-record path leaves it
(tests/unit/ingest/test_fastviews.py holds the two to that).
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from typing import Any

from streams import series as hourly
from streams.ingest.closing import WindowCloser
from streams.readership import windows as readership
from streams.readership.article import new_article, section_at
from streams.readership.readers import dump, load, new_sketch
from streams.store import Store, Value


class PageViews:
    """One batch's page views, for a batch that no stored value has seen any of."""

    def __init__(
        self,
        partition: int,
        totals: Store,
        articles: Store,
        windows: Store,
        series: Store,
        closer: WindowCloser,
        series_floor: int,
        series_hours: defaultdict[int, list[str]],
    ) -> None:
        self.partition = partition
        self.totals = totals
        self.articles = articles
        self.windows = windows
        self.series = series
        self.closer = closer
        self.series_floor = series_floor
        self.series_hours = series_hours
        #: article id -> its value, fetched and marked once (shared with fold.py's
        #: `_published`, which gets the same object from the store)
        self.seen_articles: dict[str, Value] = {}
        #: (article id, minute) -> (key, value, readers), or None for a closed window
        self.open_windows: dict[tuple[str, int], tuple[str, Value, list[str]] | None] = {}
        #: article id -> readers to add to its sketch
        self.readers: defaultdict[str, list[str]] = defaultdict(list)
        #: totals counter key -> [count, offset of the last record counted]
        self.counters: dict[str, list[int]] = {}
        #: (series prefix, minute) -> [views, offset of the last record counted]
        self.minutes: dict[tuple[str, int], list[int]] = {}

    def add(
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
        self._window(offset, article_id, minute, bot, reader)
        if not bot:
            self._minute(f"{p}|a|{article_id}", minute, offset)
            self._minute(f"{p}|s|{section}", minute, offset)

    def _count(self, key: str, offset: int) -> None:
        counter = self.counters.get(key)
        if counter is None:
            self.counters[key] = [1, offset]
        else:
            counter[0] += 1
            counter[1] = offset

    def _minute(self, prefix: str, minute: int, offset: int) -> None:
        counter = self.minutes.get((prefix, minute))
        if counter is None:
            self.minutes[(prefix, minute)] = [1, offset]
        else:
            counter[0] += 1
            counter[1] = offset

    def _window(self, offset: int, article_id: str, minute: int, bot: bool, reader: str) -> None:
        slot = (article_id, minute)
        if slot in self.open_windows:
            entry = self.open_windows[slot]
        else:
            entry = None
            if not self.closer.is_late(minute):  # else closed and sent: not reopened
                key = readership.window_key(self.partition, article_id, minute)
                window = self.windows.get(key)
                if window is None:
                    window = readership.new_window()
                    self.closer.track(key, minute)
                self.windows.put(key, window)
                entry = (key, window, [])
            self.open_windows[slot] = entry
        if entry is None:
            return
        window = entry[1]
        window["o"] = offset
        if bot:
            window["bots"] += 1
        else:
            window["views"] += 1
            entry[2].append(reader)

    def finish(self) -> None:
        """Write the summed counters and series, and the readers into their sketches."""
        for key, (n, last) in self.counters.items():
            value = self.totals.get(key) or {"o": -1, "n": 0}
            value["n"] += n
            value["o"] = last
            self.totals.put(key, value)
        for (prefix, minute), (n, last) in self.minutes.items():
            self._series(prefix, minute, n, last)
        for article_id, readers in self.readers.items():
            article = self.seen_articles[article_id]
            article["r"] = _with_readers(article["r"], readers)
        for entry in self.open_windows.values():
            if entry is not None and entry[2]:
                window = entry[1]
                window["r"] = _with_readers(window["r"], entry[2])

    def _series(self, prefix: str, minute: int, n: int, last: int) -> None:
        """fold.py's `_series` for `n` views of one minute, the last at offset `last`."""
        hour = minute // 60
        key = f"{prefix}|{hour}"
        value = self.series.get(key)
        if value is None:
            if hour < self.series_floor:
                return  # expired already
            value = hourly.new_value()
            self.series_hours[hour].append(key)
        hourly.add(value, "views", minute % 60, n)
        value["o"] = max(value["o"], last)
        self.series.put(key, value)


def _with_readers(encoded: str | None, readers: list[str]) -> str:
    """A stored sketch with `readers` added (each once: a sketch counts distinct ones)."""
    sketch = load(encoded) if encoded else new_sketch()
    update = sketch.update
    for reader in dict.fromkeys(readers):
        update(reader)
    return dump(sketch)
