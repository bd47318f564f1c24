"""PulseMetrics.apply: a batch's Tally onto the contract's Prometheus metrics."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import orjson
import pytest
from folding import new_stores, table
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from schemas import TOPIC_EVENT_TYPES
from schemas.examples import EXAMPLES
from streams.ingest.decode import Rejected, decode
from streams.ingest.fold import PartitionFolder, Tally
from streams.ingest.route import Routed, decode_routed, encode_invalid, encode_valid
from streams.metrics import PulseMetrics
from streams.totals import contract_totals, local_share, merge_shares

PV = "web.page-viewed"
DON = "payments.donation-completed"


def tally(counts: dict[tuple[str, ...], int], **more: object) -> Tally:
    t = Tally(counts=Counter(counts))
    for name, value in more.items():
        setattr(t, name, value)
    return t


@pytest.fixture
def metrics() -> PulseMetrics:
    return PulseMetrics(CollectorRegistry())


def value(m: PulseMetrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


@pytest.mark.parametrize(
    ("key", "n", "name", "labels"),
    [
        (
            ("pv", "world", "search", "mobile"),
            3,
            "pulse_page_views_total",
            {"section": "world", "referrer_class": "search", "device": "mobile"},
        ),
        (
            ("pv", "unknown", "direct", "desktop"),
            1,
            "pulse_page_views_total",
            {"section": "unknown", "referrer_class": "direct", "device": "desktop"},
        ),
        (("bot",), 4, "pulse_bot_page_views_total", {}),
        (("pub", "moskva"), 2, "pulse_articles_published_total", {"section": "moskva"}),
        (
            ("ban", "gt", "b_urgent", "dismissed_remind_later"),
            5,
            "pulse_banner_events_total",
            {"campaign_id": "gt", "variant": "b_urgent", "action": "dismissed_remind_later"},
        ),
        (
            ("don", "unattributed", "none", "one_time"),
            6,
            "pulse_donations_total",
            {"campaign_id": "unattributed", "variant": "none", "frequency": "one_time"},
        ),
        (("amt", "RUB"), 150000, "pulse_donation_amount_minor_total", {"currency": "RUB"}),
        (
            ("rec", PV, "duplicate"),
            7,
            "pulse_events_total",
            {"stream": PV, "outcome": "duplicate"},
        ),
    ],
)
def test_each_count_lands_on_its_metric(
    metrics: PulseMetrics, key: tuple[str, ...], n: int, name: str, labels: dict[str, str]
) -> None:
    metrics.apply(tally({key: n}))
    assert value(metrics, name, **labels) == n
    metrics.apply(tally({key: 1}))
    assert value(metrics, name, **labels) == n + 1


def test_label_sets_stay_apart(metrics: PulseMetrics) -> None:
    metrics.apply(
        tally(
            {
                ("pv", "world", "search", "mobile"): 2,
                ("pv", "world", "social", "mobile"): 5,
                ("rec", PV, "accepted"): 7,
                ("rec", PV, "invalid"): 1,
            }
        )
    )
    pv = "pulse_page_views_total"
    assert value(metrics, pv, section="world", referrer_class="search", device="mobile") == 2
    assert value(metrics, pv, section="world", referrer_class="social", device="mobile") == 5
    assert value(metrics, pv, section="world", referrer_class="direct", device="mobile") is None
    assert value(metrics, "pulse_events_total", stream=PV, outcome="accepted") == 7
    assert value(metrics, "pulse_events_total", stream=PV, outcome="invalid") == 1


def test_lags_are_observed_per_stream(metrics: PulseMetrics) -> None:
    metrics.apply(tally({}, lags={PV: [0.2, 3.0, -1.5], DON: [4000.0]}))
    h = "pulse_event_lag_seconds"
    assert value(metrics, f"{h}_count", stream=PV) == 3
    assert value(metrics, f"{h}_sum", stream=PV) == pytest.approx(3.2)  # -1.5 counts as 0
    assert value(metrics, f"{h}_bucket", stream=PV, le="0.05") == 1
    assert value(metrics, f"{h}_bucket", stream=PV, le="0.25") == 2
    assert value(metrics, f"{h}_bucket", stream=PV, le="5.0") == 3
    assert value(metrics, f"{h}_bucket", stream=DON, le="3600.0") == 0
    assert value(metrics, f"{h}_bucket", stream=DON, le="+Inf") == 1


def test_the_newest_event_time_only_moves_forward(metrics: PulseMetrics) -> None:
    g = "pulse_last_event_timestamp_seconds"
    metrics.apply(tally({}, newest={PV: 1_795_888_800.0}))
    assert value(metrics, g, stream=PV) == 1_795_888_800.0
    metrics.apply(tally({}, newest={PV: 1_795_888_700.0, DON: 1_795_888_000.0}))
    assert value(metrics, g, stream=PV) == 1_795_888_800.0
    assert value(metrics, g, stream=DON) == 1_795_888_000.0
    metrics.apply(tally({}, newest={PV: 1_795_888_860.0}))
    assert value(metrics, g, stream=PV) == 1_795_888_860.0


def test_an_empty_tally_changes_nothing(metrics: PulseMetrics) -> None:
    before = generate_latest(metrics.registry)
    metrics.apply(Tally())
    assert generate_latest(metrics.registry) == before


CONTRACT_METRICS = {
    "pulse_page_views": ("counter", {"section", "referrer_class", "device"}),
    "pulse_bot_page_views": ("counter", set()),
    "pulse_articles_published": ("counter", {"section"}),
    "pulse_banner_events": ("counter", {"campaign_id", "variant", "action"}),
    "pulse_donations": ("counter", {"campaign_id", "variant", "frequency"}),
    "pulse_donation_amount_minor": ("counter", {"currency"}),
    "pulse_events": ("counter", {"stream", "outcome"}),
    "pulse_event_lag_seconds": ("histogram", {"stream"}),
    "pulse_last_event_timestamp_seconds": ("gauge", {"stream"}),
}


def test_the_exposition_has_the_contract_names_and_labels(metrics: PulseMetrics) -> None:
    metrics.apply(
        tally(
            {
                ("pv", "world", "search", "mobile"): 1,
                ("bot",): 1,
                ("pub", "world"): 1,
                ("ban", "gt", "a", "shown"): 1,
                ("don", "gt", "a", "monthly"): 1,
                ("amt", "USD"): 500,
                ("rec", PV, "accepted"): 1,
            },
            lags={PV: [1.0]},
            newest={PV: 1_795_888_800.0},
        )
    )
    text = generate_latest(metrics.registry).decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    # the contract's metrics, plus the engagement watch's gauge (issue: alerts as a metric)
    assert set(families) == set(CONTRACT_METRICS) | {"pulse_engagement_drop_active"}
    for name, (kind, labels) in CONTRACT_METRICS.items():
        family = families[name]
        assert family.type == kind
        for sample in family.samples:
            assert set(sample.labels) - {"le"} == labels, sample
    assert "_created" not in text
    assert "pulse_page_views_total{" in text
    assert "pulse_bot_page_views_total " in text


def test_registries_are_independent() -> None:
    a, b = PulseMetrics(), PulseMetrics()
    a.apply(tally({("bot",): 3}))
    assert a.registry.get_sample_value("pulse_bot_page_views_total") == 3
    assert b.registry.get_sample_value("pulse_bot_page_views_total") == 0


def test_the_counters_match_the_totals_of_what_was_folded(metrics: PulseMetrics) -> None:
    """Summed over the workers, the counters match /api/v1/totals (no restart here)."""
    now = datetime(2026, 11, 27, 20, 0, tzinfo=UTC).timestamp()
    topic_of = {t: topic for topic, types in TOPIC_EVENT_TYPES.items() for t in types}
    batch: list[Routed] = []
    for kind, examples in EXAMPLES.items():
        for event in examples:
            raw = orjson.dumps(event)
            result = decode(topic_of[kind], raw, now, 600.0)
            assert not isinstance(result, Rejected)
            source = f"0:{len(batch)}"
            _, routed = encode_valid(topic_of[kind], result, raw, frozenset(), source)
            batch.append(decode_routed(routed))
    again = EXAMPLES["page.viewed"][0]  # from another input record: a duplicate
    result = decode(PV, orjson.dumps(again), now, 600.0)
    assert not isinstance(result, Rejected)
    batch.append(
        decode_routed(encode_valid(PV, result, orjson.dumps(again), frozenset(), "1:0")[1])
    )
    empty = Rejected("empty", "the record has no value")
    batch.append(decode_routed(encode_invalid(DON, 2, 9, empty, None, now)[1]))
    stores = new_stores()
    metrics.apply(PartitionFolder(0, stores, 3600.0, 50).fold(list(enumerate(batch)), now))

    doc = contract_totals(
        merge_shares([local_share(table(stores.totals), table(stores.campaigns), [0])])
    )
    for row in doc["records"]:
        labels = {"stream": row["stream"], "outcome": row["outcome"]}
        assert value(metrics, "pulse_events_total", **labels) == row["count"]
    for row in doc["banner_events"]:
        labels = {k: row[k] for k in ("campaign_id", "variant", "action")}
        assert value(metrics, "pulse_banner_events_total", **labels) == row["count"]
    for row in doc["donations"]:
        labels = {k: row[k] for k in ("campaign_id", "variant", "frequency")}
        assert value(metrics, "pulse_donations_total", **labels) == row["count"]
    for currency, amount in doc["donation_amount_minor"].items():
        assert value(metrics, "pulse_donation_amount_minor_total", currency=currency) == amount
    for section, n in doc["articles_published"]["by_section"].items():
        assert value(metrics, "pulse_articles_published_total", section=section) == n
    by_section: Counter[str] = Counter()
    for family in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        if family.name == "pulse_page_views":
            for sample in family.samples:
                by_section[sample.labels["section"]] += int(sample.value)
    assert dict(by_section) == doc["page_views"]["by_section"]
    assert value(metrics, "pulse_bot_page_views_total") == doc["page_views"]["bots"]
    assert doc["records"]  # the comparison above was not vacuous
    assert doc["donation_amount_minor"] == {"RUB": 150000, "USD": 500}
