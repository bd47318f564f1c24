"""Topic names: the contract's input and output topics and our one internal topic."""

from __future__ import annotations

ARTICLES = "cms.article-published"
PAGE_VIEWS = "web.page-viewed"
BANNER_EVENTS = "web.banner-events"
DONATIONS = "payments.donation-completed"

INPUT_TOPICS: tuple[str, ...] = (ARTICLES, PAGE_VIEWS, BANNER_EVENTS, DONATIONS)

READERSHIP = "pulse.readership"
FUNNEL = "pulse.funnel"
ALERTS = "pulse.alerts"
DEAD_LETTER = "pulse.dead-letter"

OUTPUT_TOPICS: tuple[str, ...] = (READERSHIP, FUNNEL, ALERTS, DEAD_LETTER)

# Every input record, validated and re-keyed by what it aggregates under (article,
# campaign), so that deduplication and per-article state never depend on the
# producer's key. Internal: its format is ours to change.
ROUTED = "pulse.events-routed"
