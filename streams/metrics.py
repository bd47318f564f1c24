"""The contract's Prometheus metrics, fed from a batch's Tally.

Names and labels are part of the contract (CONTRACT.md). Each process counts what it
folded since it started; the durable truth is `/api/v1/totals`. Label children are
cached so a batch costs one `inc(n)` per distinct label set, not one per event.
"""

from __future__ import annotations

import bisect
import collections
import functools
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

from streams.ingest.fold import Tally

# `_created` samples double the series and nobody here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class PulseMetrics:
    """One registry per app, so several workers can live in one test process."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.page_views = Counter(
            "pulse_page_views",
            "Page views by humans, by section, referrer class and device.",
            ["section", "referrer_class", "device"],
            registry=r,
        )
        self.bot_page_views = Counter(
            "pulse_bot_page_views", "Page views from known bots and crawlers.", registry=r
        )
        self.articles_published = Counter(
            "pulse_articles_published",
            "New articles published (updates excluded).",
            ["section"],
            registry=r,
        )
        self.banner_events = Counter(
            "pulse_banner_events",
            "Donation-banner events by campaign, variant and action.",
            ["campaign_id", "variant", "action"],
            registry=r,
        )
        self.donations = Counter(
            "pulse_donations",
            "Completed donations by campaign, variant and frequency.",
            ["campaign_id", "variant", "frequency"],
            registry=r,
        )
        self.donation_amount = Counter(
            "pulse_donation_amount_minor",
            "Donated amounts in minor units, by currency.",
            ["currency"],
            registry=r,
        )
        self.events = Counter(
            "pulse_events",
            "Records read, by input topic and outcome.",
            ["stream", "outcome"],
            registry=r,
        )
        self.lag = Histogram(
            "pulse_event_lag_seconds",
            "From occurred_at to being folded, in seconds.",
            ["stream"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.last_event = Gauge(
            "pulse_last_event_timestamp_seconds",
            "Newest occurred_at folded, per stream.",
            ["stream"],
            registry=r,
        )
        self.engagement_drop = Gauge(
            "pulse_engagement_drop_active",
            '1 while an in-stream engagement_drop alert is open (site: section="all").',
            ["scope", "section"],
            registry=r,
        )
        self._children: dict[tuple[str, ...], Any] = {}
        self._routes = {
            "rec": self.events,
            "pv": self.page_views,
            "bot": self.bot_page_views,
            "pub": self.articles_published,
            "ban": self.banner_events,
            "don": self.donations,
            "amt": self.donation_amount,
        }

    def _child(self, key: tuple[str, ...]) -> Any:
        child = self._children.get(key)
        if child is None:
            metric = self._routes[key[0]]
            child = metric.labels(*key[1:]) if len(key) > 1 else metric
            self._children[key] = child
        return child

    def alert_changed(self, scope: tuple[str, str | None], active: bool) -> None:
        """The watch's callback: mirror open alerts as a gauge."""
        self.engagement_drop.labels(scope[0], scope[1] or "all").set(1 if active else 0)

    def apply(self, tally: Tally) -> None:
        for key, n in tally.counts.items():
            self._child(key).inc(n)
        for stream, lags in tally.lags.items():
            observe_many(self.lag.labels(stream), [max(lag, 0.0) for lag in lags])
        for stream, newest in tally.newest.items():
            gauge = self.last_event.labels(stream)
            if newest > gauge._value.get():
                gauge.set(newest)


def observe_many(hist: Any, values: list[float]) -> None:
    """`hist.observe(v)` for each value, with one bucket update a bucket, not a record.

    One `observe` walks the bucket bounds in Python and takes a lock for the sum and one
    for the bucket: ~1.5 us a folded record. This finds each value's bucket with
    `bisect` (the first bound at or above it, as `observe` does), adds the sum in the same
    order, and increments each bucket once. It reads prometheus_client's `_upper_bounds`,
    `_buckets` and `_sum`; where a version lacks them it falls back to `observe`
    (tests/unit/test_metrics_observe.py compares the exposition with `observe`'s).
    """
    bounds = getattr(hist, "_upper_bounds", None)
    buckets = getattr(hist, "_buckets", None)
    total = getattr(hist, "_sum", None)
    if bounds is None or buckets is None or total is None or len(bounds) != len(buckets):
        for value in values:
            hist.observe(value)
        return
    if not values:
        return
    hist._raise_if_not_observable()
    s = total.get()
    for value in values:
        s += value
    total.set(s)
    find = functools.partial(bisect.bisect_left, bounds)
    # NaN falls in no bucket under `observe` (it is <= no bound), so it is left out here
    for index, n in collections.Counter(map(find, [v for v in values if v == v])).items():
        buckets[index].inc(n)
