"""Fold a batch of routed records into one partition's state, exactly once.

Pure: no Kafka, no clock, no metrics objects. The agent hands in a batch and the
stores; this returns a `Tally` of what changed for the Prometheus counters. Every key
remembers the offset of the last record folded into it (`o`), so a batch replayed after
a crash changes nothing it already changed, and counts stay exact through restarts.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from streams import series as hourly
from streams.codec import JsonText
from streams.conversion import windows as funnel
from streams.conversion.campaign import banner_action, new_campaign
from streams.ingest.closing import Emission, WindowCloser
from streams.ingest.dedup import COPY, DUPLICATE, DedupIndex
from streams.ingest.fastpath import FastBatch
from streams.ingest.labels import UNATTRIBUTED, admit
from streams.ingest.outcomes import count_outcome
from streams.ingest.route import Routed
from streams.readership import windows as readership
from streams.readership.article import new_article, section_at
from streams.readership.meta import pack, reshare
from streams.readership.readers import SketchCache
from streams.store import Store, Value, fresh
from streams.topics import BANNER_EVENTS, PAGE_VIEWS
from streams.windowing import advance, clock_at, cutoff, minute_of, new_clock, remember

#: How long the per-minute series (articles, sections, campaigns) are kept, in event
#: time: every reader looks back at most 14 days and 135 minutes (the engagement
#: detector's seasonal lags); the API's spans reach 7 days.
SERIES_RETENTION_SECONDS = 15 * 24 * 3600.0


@dataclass
class Tally:
    """What a batch adds to this process's counters: Prometheus label tuples → amounts."""

    counts: Counter[tuple[str, ...]] = field(default_factory=Counter)
    dead_letters: list[Routed] = field(default_factory=list)
    emissions: list[Emission] = field(default_factory=list)
    lags: dict[str, list[float]] = field(default_factory=dict)
    newest: dict[str, float] = field(default_factory=dict)


@dataclass
class Stores:
    """The tables one partition's batch writes to."""

    totals: Store
    articles: Store
    campaigns: Store
    series: Store
    dedup: Store
    windows: Store


def bump(store: Store, key: str, offset: int, by: int = 1) -> bool:
    """Add `by` to counter `key` unless the record at `offset` is already in it."""
    value = store.get(key)
    if value is None:
        value = {"o": -1, "n": 0}
    elif offset <= value["o"]:
        return False
    value["n"] += by
    value["o"] = offset
    store.put(key, value)
    return True


def recovered_high(stores: Stores, partition: int) -> int:
    """The highest offset any stored value of the partition holds (`o`), -1 if none.

    A batch that starts past it cannot be replaying anything those values hold: the
    folder takes its fast path (fastpath.py) for it.
    """
    prefix = f"{partition}|"
    high = -1
    for store in (stores.totals, stores.articles, stores.campaigns, stores.series, stores.windows):
        for key in store.keys_with_prefix(prefix):
            value = store.get(key)
            offset = value.get("o") if isinstance(value, dict) else None
            if type(offset) is int and offset > high:
                high = offset
    return high


def share_recovered_articles(articles: Store, partition: int) -> int:
    """Give articles read back from the changelog the compact metadata and shared section
    strings a fresh fold gives them (~450 bytes an article otherwise); returns how many
    changed. The values mean the same (`JsonText` is written as the JSON array it
    replaces): nothing to write."""
    changed = 0
    for key in articles.keys_with_prefix(f"{partition}|"):
        article = articles.get(key)
        if article is None or isinstance(article.get("meta"), JsonText | None):
            continue
        article["meta"] = reshare(article["meta"])
        article["sections"] = [[since, sys.intern(name)] for since, name in article["sections"]]
        changed += 1
    return changed


class PartitionFolder:
    """The state of one partition of the routed topic, and how a batch changes it."""

    def __init__(
        self,
        partition: int,
        stores: Stores,
        horizon: float,
        label_cap: int,
        grace: float = 300.0,
        emitted: set[str] | None = None,
        series_retention: float = SERIES_RETENTION_SECONDS,
    ) -> None:
        self.partition = partition
        self.stores = stores
        self.label_cap = label_cap
        self.grace = grace
        self.series_retention = series_retention
        self.dedup = DedupIndex.restore(partition, horizon, stores.dedup)
        self.sketches = SketchCache()
        self.window_sketches = SketchCache()
        self.closer = WindowCloser(partition, stores.windows, stores.totals, stores.articles)
        #: windows whose records were sent after the last saved checkpoint (read back)
        self.emitted = emitted or set()
        self.wm_key = f"{partition}|wm"
        #: the partition's series keys by hour, for their expiry
        self.series_hours: defaultdict[int, list[str]] = defaultdict(list)
        for key in stores.series.keys_with_prefix(f"{partition}|"):
            self.series_hours[int(key.rsplit("|", 1)[1])].append(key)
        self.floor = self.series_floor()  # as of the saved watermark, once a batch
        share_recovered_articles(stores.articles, partition)
        #: the highest offset folded into any stored value: past it, no replay
        self.high = recovered_high(stores, partition)

    @property
    def watermark(self) -> float:
        value = self.stores.totals.get(self.wm_key)
        return float(value["t"]) if value else 0.0

    def fold(self, batch: Sequence[tuple[int, Routed]], now: float) -> Tally:
        """Fold records (offset, routed) of this partition, in offset order.

        Every key decides for itself whether it already holds a record (its `o`), and
        every decision (duplicate or not, which section, which label) comes out the same
        when the record is folded again: so a batch whose changelog writes were only
        partly saved before a crash is completed, not double-counted, by the replay.
        """
        tally = Tally()
        if not batch:
            return tally
        totals = self.stores.totals
        p = self.partition
        clock = totals.get(self.wm_key) or new_clock()
        t, m = clock_at(clock, batch[0][0])
        self.floor = self.series_floor()
        self.dedup.prepare([rec.identity for _, rec in batch])
        fast = self._fast_batch() if batch[0][0] > self.high else None
        for offset, rec in batch:
            seen = self.dedup.check(rec.identity, offset, rec.source, rec.event_time, t)
            if seen == COPY:
                continue  # re-sent by a restarted router: its first copy was folded
            if rec.reason is not None:
                outcome = "invalid"
            elif seen == DUPLICATE:
                outcome = "duplicate"
            elif minute_of(rec.event_time) < cutoff(t, m, self.grace):
                outcome = "late"
            else:
                outcome = "accepted"
            if fast is not None:
                fast.outcome(rec.stream, outcome, offset)
                counted = True
            else:
                counted = count_outcome(totals, f"{p}|rec|{rec.stream}", outcome, offset)
            if counted:
                tally.counts[("rec", rec.stream, outcome)] += 1
                if outcome == "invalid":
                    tally.dead_letters.append(rec)
                else:
                    tally.lags.setdefault(rec.stream, []).append(now - rec.event_time)
                    if rec.event_time > tally.newest.get(rec.stream, 0.0):
                        tally.newest[rec.stream] = rec.event_time
            if outcome == "invalid":
                continue
            t = max(t, rec.event_time)
            if outcome in ("accepted", "late") and rec.event is not None:
                windowed = outcome == "accepted"
                if fast is not None and rec.stream == PAGE_VIEWS:
                    fast.page_view(offset, rec, rec.event, tally.counts, windowed)
                elif fast is not None and rec.stream == BANNER_EVENTS:
                    fast.banner(offset, rec, rec.event, tally.counts, windowed)
                else:
                    self._apply(offset, rec, rec.event, tally, windowed)
        if fast is not None:
            fast.finish()
        self.high = max(self.high, batch[-1][0])
        self._flush()
        # close with the watermark as of this batch (on a replay, not the saved one)
        target = cutoff(t, m, self.grace)
        tally.emissions = self.closer.close(target, self.emitted)
        last = batch[-1][0]
        if last > clock["o"]:
            advance(clock, last, t, target)
            totals.put(self.wm_key, clock)
        elif remember(clock, last, t, target):
            totals.put(self.wm_key, clock)
        self.expire_series()
        return tally

    def _fast_batch(self) -> FastBatch:
        """This batch's page views and banner events, summed per key (fastpath.py)."""
        return FastBatch(
            self.partition,
            self.stores,
            self.closer,
            self.label_cap,
            self.floor,
            self.series_hours,
        )

    def close(self, watermark: float) -> list[Emission]:
        """Close what an idle partition's (wall-clock) watermark has passed."""
        clock = self.stores.totals.get(self.wm_key) or new_clock()
        target = cutoff(watermark, clock["m"], self.grace)
        emissions = self.closer.close(target, self.emitted)
        if clock["m"] is None or target > clock["m"]:
            advance(clock, clock["o"], clock["t"], target)
            self.stores.totals.put(self.wm_key, clock)
        return emissions

    def _apply(
        self, offset: int, rec: Routed, e: dict[str, Any], tally: Tally, windowed: bool
    ) -> None:
        """Running totals always; windows and series only for records not late."""
        kind = e["event_type"]
        if kind == "page.viewed":
            self._page_view(offset, rec, e, tally, windowed)
        elif kind == "article.published":
            self._published(offset, e, tally)
        elif kind == "donation.completed":
            self._donation(offset, rec, e, tally, windowed)
        else:
            self._banner(offset, rec, e, banner_action(e), tally, windowed)

    def _page_view(
        self, offset: int, rec: Routed, e: dict[str, Any], tally: Tally, windowed: bool
    ) -> None:
        p = self.partition
        article_id = e.get("article_id")
        akey = f"{p}|{article_id}"
        article = self.stores.articles.get(akey) or new_article() if article_id else None
        section = "none" if article is None else section_at(article, offset)
        if rec.bot:
            if bump(self.stores.totals, f"{p}|bot", offset):
                tally.counts[("bot",)] += 1
        elif bump(self.stores.totals, f"{p}|pv|{section}", offset):
            tally.counts[("pv", section, rec.referrer_class or "other", e["device"])] += 1
        if article is None or article_id is None:
            return
        if fresh(article, offset):
            article["o"] = offset
            article["bots" if rec.bot else "views"] += 1
            if not rec.bot:  # the sketch is saved in the same value, so it has the reader
                self.sketches.add(akey, article["r"], e["reader_id"])
                sources = article.setdefault("src", {})
                source = sys.intern(rec.referrer_class or "other")
                sources[source] = sources.get(source, 0) + 1
            self.stores.articles.put(akey, article)
        if windowed:
            self._readership_window(offset, rec, article_id, e["reader_id"])
            if not rec.bot:
                self._series(f"{p}|a|{article_id}", rec.event_time, offset, {"views": 1})
                # per section and minute, for the engagement-drop detector
                self._series(f"{p}|s|{section}", rec.event_time, offset, {"views": 1})

    def _readership_window(self, offset: int, rec: Routed, article_id: str, reader: str) -> None:
        minute = minute_of(rec.event_time)
        if self.closer.is_late(minute):
            return  # a replayed record whose window has been closed and sent since
        key = readership.window_key(self.partition, article_id, minute)
        window = self.stores.windows.get(key)
        if window is None:
            window = readership.new_window()
            self.closer.track(key, minute)
        elif offset <= window["o"]:
            return
        window["o"] = offset
        if rec.bot:
            window["bots"] += 1
        else:
            window["views"] += 1
            self.window_sketches.add(key, window["r"], reader)
        self.stores.windows.put(key, window)

    def _funnel_window(self, offset: int, rec: Routed, label: tuple[str, str], add: Value) -> None:
        minute = minute_of(rec.event_time)
        if self.closer.is_late(minute):
            return  # a replayed record whose window has been closed and sent since
        key = funnel.window_key(self.partition, label[0], label[1], minute)
        window = self.stores.windows.get(key)
        if window is None:
            window = funnel.new_window()
            self.closer.track(key, minute)
        elif offset <= window["o"]:
            return
        window["o"] = offset
        for name, by in add.items():
            if name == "amount":
                for currency, amount in by.items():
                    window["amount"][currency] = window["amount"].get(currency, 0) + amount
            else:
                window[name] += by
        self.stores.windows.put(key, window)

    def series_floor(self) -> int:
        """The oldest hour the series keep: the one `series_retention` before the saved
        watermark. The saved watermark never goes back (a replay reads the newer one),
        so an hour once expired stays expired."""
        return int((self.watermark - self.series_retention) // 3600)

    def expire_series(self) -> int:
        """Delete the series keys of hours before the floor; returns how many went.

        Deleted through the store, so each gets a tombstone in the changelog.
        """
        floor = self.series_floor()
        gone = 0
        for hour in [h for h in self.series_hours if h < floor]:
            for key in self.series_hours.pop(hour):
                self.stores.series.delete(key)
                gone += 1
        return gone

    def _series(self, prefix: str, event_time: float, offset: int, add: dict[str, int]) -> None:
        """Per-minute counts in hourly keys `prefix|hour` (the sparse form of
        `streams.series`: only the minutes that count, ~3 of 60 on average)."""
        minute = int(event_time // 60)
        hour = minute // 60
        key = f"{prefix}|{hour}"
        value = self.stores.series.get(key)
        if value is None:
            if hour < self.floor:
                return  # expired already (a replayed record): it would only be deleted
            value = hourly.new_value()
            self.series_hours[hour].append(key)
        elif offset <= value["o"]:
            return
        slot = minute % 60
        for name, by in add.items():
            hourly.add(value, name, slot, by)
        value["o"] = offset
        self.stores.series.put(key, value)

    def _published(self, offset: int, e: dict[str, Any], tally: Tally) -> None:
        article_id = e["article_id"]
        akey = f"{self.partition}|{article_id}"
        article = self.stores.articles.get(akey) or new_article()
        if fresh(article, offset):
            if article["first"] is None:
                article["first"] = offset
            article["meta"] = pack(e)  # read through meta.unpack / meta_field
            sections = article["sections"]
            if not sections or sections[-1][1] != e["section"]:
                sections.append([offset, sys.intern(e["section"])])
            article["o"] = offset
            self.stores.articles.put(akey, article)
        # a new article is counted by the record that first published it, on replay too
        if article["first"] == offset and bump(
            self.stores.totals, f"{self.partition}|pub|{e['section']}", offset
        ):
            tally.counts[("pub", e["section"])] += 1

    def _campaign(self, pair: tuple[str, str], offset: int) -> tuple[tuple[str, str], Value | None]:
        """The label pair to count under, and its value if this record is new to it."""
        label = admit(self.stores.totals, self.partition, self.label_cap, pair, offset)
        key = f"{self.partition}|{label[0]}|{label[1]}"
        value = self.stores.campaigns.get(key) or new_campaign()
        if not fresh(value, offset):
            return label, None
        value["o"] = offset
        self.stores.campaigns.put(key, value)
        return label, value

    def _banner(
        self,
        offset: int,
        rec: Routed,
        e: dict[str, Any],
        action: str,
        tally: Tally,
        windowed: bool,
    ) -> None:
        label, value = self._campaign((e["campaign_id"], e["variant"]), offset)
        if value is not None:
            value[action] += 1
            tally.counts[("ban", label[0], label[1], action)] += 1
        if windowed:
            prefix = f"{self.partition}|c|{label[0]}|{label[1]}"
            self._series(prefix, rec.event_time, offset, {action: 1})
            self._funnel_window(offset, rec, label, {action: 1})

    def _donation(
        self, offset: int, rec: Routed, e: dict[str, Any], tally: Tally, windowed: bool
    ) -> None:
        campaign = e.get("campaign_id")
        pair = (campaign, e.get("variant") or "none") if campaign else UNATTRIBUTED
        label, value = self._campaign(pair, offset)
        freq, currency, amount = e["frequency"], e["currency"], e["amount_minor"]
        if value is not None:
            value["donations"][freq] = value["donations"].get(freq, 0) + 1
            value["amount"][currency] = value["amount"].get(currency, 0) + amount
            tally.counts[("don", label[0], label[1], freq)] += 1
            tally.counts[("amt", currency)] += amount
        if windowed:
            prefix = f"{self.partition}|c|{label[0]}|{label[1]}"
            series = {"donations": 1, f"amount:{currency}": amount}
            self._series(prefix, rec.event_time, offset, series)
            self._funnel_window(offset, rec, label, {"donations": 1, "amount": {currency: amount}})

    def _flush(self) -> None:
        """End of batch: sketches into their values, new ids into a segment, expiry."""
        for store, sketches in (
            (self.stores.articles, self.sketches),
            (self.stores.windows, self.window_sketches),
        ):
            for key, encoded in sketches.take_dirty().items():
                value = store.get(key)
                if value is not None:
                    value["r"] = encoded
                    store.put(key, value)
        self.dedup.flush(self.stores.dedup)
        self.dedup.expire(self.stores.dedup, self.watermark)
