"""The /api/v1/campaigns rows: funnel counts, rates, the 95 % interval, the leader."""

from __future__ import annotations

from typing import Any

import pytest

from streams.conversion.queries import funnel_rows, local_campaign_spans
from streams.conversion.stats import prob_b_beats_a, wilson_interval


def counts(
    shown: int = 0,
    clicked: int = 0,
    close: int = 0,
    later: int = 0,
    donations: dict[str, int] | None = None,
    amount: dict[str, int] | None = None,
) -> dict[str, Any]:
    return {
        "shown": shown,
        "clicked": clicked,
        "dismissed_close": close,
        "dismissed_remind_later": later,
        "donations": donations or {},
        "amount": amount or {},
    }


CAMPAIGNS = {
    "gt|b_urgent": counts(200, 30, 40, 10, {"monthly": 6, "one_time": 4}, {"USD": 9000}),
    "gt|a_control": counts(200, 20, 50, 0, {"one_time": 2}, {"USD": 1000, "EUR": 500}),
    "zima|control": counts(80, 8, 0, 0, {"annual": 1}, {"RUB": 150000}),
    "unattributed|none": counts(donations={"one_time": 5}, amount={"GBP": 2500}),
}


def by_label(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{r['campaign_id']}|{r['variant']}": r for r in rows}


def test_row_fields_and_rates() -> None:
    rows = funnel_rows(CAMPAIGNS)
    assert [(r["campaign_id"], r["variant"]) for r in rows] == [
        ("gt", "a_control"),
        ("gt", "b_urgent"),
        ("unattributed", "none"),
        ("zima", "control"),
    ]
    b = by_label(rows)["gt|b_urgent"]
    assert b["shown"] == 200
    assert b["clicked"] == 30
    assert b["dismissed_close"] == 40
    assert b["dismissed_remind_later"] == 10
    assert b["donations"] == 10
    assert b["donation_amount_minor"] == {"USD": 9000}
    assert b["ctr"] == pytest.approx(0.15)
    assert b["dismiss_rate"] == pytest.approx(0.25)
    assert b["conversion_rate"] == pytest.approx(0.05)
    low, high = b["conversion_interval_95"]
    assert (low, high) == pytest.approx(wilson_interval(10, 200))
    assert 0.02 < low < 0.05 < high < 0.095  # Wilson 95 % for 10/200: [0.0274, 0.0899]
    a = by_label(rows)["gt|a_control"]
    assert a["donation_amount_minor"] == {"EUR": 500, "USD": 1000}
    assert list(a["donation_amount_minor"]) == ["EUR", "USD"]


def test_no_impressions_means_no_rates() -> None:
    row = by_label(funnel_rows(CAMPAIGNS))["unattributed|none"]
    assert row["donations"] == 5
    assert row["ctr"] is None
    assert row["dismiss_rate"] is None
    assert row["conversion_rate"] is None
    assert row["conversion_interval_95"] is None
    assert row["leading"] is False
    assert row["lead_probability"] is None


def test_the_leading_variant() -> None:
    rows = by_label(funnel_rows(CAMPAIGNS))
    b, a = rows["gt|b_urgent"], rows["gt|a_control"]
    assert b["leading"] is True
    assert a["leading"] is False
    assert b["lead_probability"] == pytest.approx(prob_b_beats_a(2, 200, 10, 200))
    assert b["lead_probability"] > 0.95
    assert a["lead_probability"] is None
    # One variant alone has nobody to lead.
    assert rows["zima|control"]["leading"] is False
    assert rows["zima|control"]["lead_probability"] is None


def test_a_tie_goes_to_the_first_name_at_even_odds() -> None:
    rows = by_label(
        funnel_rows(
            {
                "c|beta": counts(100, donations={"one_time": 3}),
                "c|alpha": counts(100, donations={"one_time": 3}),
                "c|gamma": counts(0),
            }
        )
    )
    assert rows["c|alpha"]["leading"] is True
    assert rows["c|alpha"]["lead_probability"] == 0.5
    assert rows["c|beta"]["leading"] is False
    assert rows["c|gamma"]["leading"] is False


def test_counts_from_different_windows_are_clamped() -> None:
    # Clicks and donations can land in a window whose impressions fell outside it.
    row = funnel_rows({"c|v": counts(3, 5, 2, 2, {"one_time": 4})})[0]
    assert row["ctr"] == 1.0
    assert row["dismiss_rate"] == 1.0
    assert row["conversion_rate"] == 1.0
    assert row["conversion_interval_95"][1] == 1.0
    assert row["donations"] == 4  # the count itself is not clamped
    assert row["clicked"] == 5


@pytest.mark.parametrize(
    ("donations", "shown", "rate"),
    [(0, 50, 0.0), (1, 50, 0.02), (50, 50, 1.0)],
)
def test_conversion_interval_contains_the_rate(donations: int, shown: int, rate: float) -> None:
    row = funnel_rows({"c|v": counts(shown, donations={"one_time": donations})})[0]
    low, high = row["conversion_interval_95"]
    assert row["conversion_rate"] == pytest.approx(rate)
    assert 0.0 <= low <= rate <= high <= 1.0
    assert low < high


def series_value(slots: dict[str, dict[int, int]]) -> dict[str, Any]:
    f = {}
    for name, by_slot in slots.items():
        row = [0] * 60
        for slot, n in by_slot.items():
            row[slot] = n
        f[name] = row
    return {"o": 1, "f": f}


H = 29_930_000  # an hour number
M = H * 60

SPAN_CAMPAIGNS = {
    "0|gt|a": {"o": 1},  # the values are not read: the series are
    "0|gt|b": {"o": 1},
    "1|gt|a": {"o": 1},
    "1|unattributed|none": {"o": 1},
    "2|gt|a": {"o": 1},
}
SPAN_SERIES = {
    f"0|c|gt|a|{H}": series_value(
        {
            "shown": {0: 10, 30: 10},
            "clicked": {30: 2},
            "donations": {31: 1},
            "amount:USD": {31: 500},
        }
    ),
    f"0|c|gt|b|{H}": series_value({"shown": {59: 7}, "dismissed_close": {59: 1}}),
    f"1|c|gt|a|{H}": series_value(
        {
            "shown": {30: 5},
            "dismissed_remind_later": {31: 1},
            "donations": {40: 2},
            "amount:USD": {40: 300},
            "amount:EUR": {40: 700},
        }
    ),
    f"1|c|unattributed|none|{H + 1}": series_value({"donations": {0: 1}, "amount:RUB": {0: 9000}}),
    f"2|c|gt|a|{H}": series_value({"shown": {30: 1000}}),
}


def test_local_campaign_spans_sum_the_owned_partitions_in_the_span() -> None:
    out = local_campaign_spans(SPAN_CAMPAIGNS, SPAN_SERIES, [0, 1], M + 30, M + 45)
    assert out["gt|a"] == {
        "shown": 15,
        "clicked": 2,
        "dismissed_close": 0,
        "dismissed_remind_later": 1,
        "donations": {"all": 3},
        "amount": {"USD": 800, "EUR": 700},
    }
    assert "unattributed|none" not in out  # no series in that hour at all


def test_local_campaign_spans_across_the_hour() -> None:
    out = local_campaign_spans(SPAN_CAMPAIGNS, SPAN_SERIES, [0, 1], M + 59, M + 60)
    assert out["gt|b"]["shown"] == 7
    assert out["gt|b"]["dismissed_close"] == 1
    assert out["unattributed|none"]["donations"] == {"all": 1}
    assert out["unattributed|none"]["amount"] == {"RUB": 9000}


def test_local_campaign_spans_read_only_owned_partitions() -> None:
    only_2 = local_campaign_spans(SPAN_CAMPAIGNS, SPAN_SERIES, [2], M, M + 59)
    assert set(only_2) == {"gt|a"}
    assert only_2["gt|a"]["shown"] == 1000
    assert local_campaign_spans(SPAN_CAMPAIGNS, SPAN_SERIES, [], M, M + 120) == {}
    mine = local_campaign_spans(SPAN_CAMPAIGNS, SPAN_SERIES, [0, 1], M, M + 59)
    assert mine["gt|a"]["shown"] == 25


def test_local_campaign_spans_skip_campaigns_idle_in_the_span() -> None:
    """A campaign with nothing in the span is not listed, whatever else its hour holds.

    Without a series for the hour it is skipped (`if not sums`); with one whose counts
    all fall outside the span it must be skipped too, not listed with zeros (and zero
    amounts per currency) depending on how the span meets the hour.
    """
    assert local_campaign_spans(SPAN_CAMPAIGNS, SPAN_SERIES, [0, 1], M + 1, M + 29) == {}
    out = local_campaign_spans(SPAN_CAMPAIGNS, SPAN_SERIES, [0, 1], M + 30, M + 45)
    assert set(out) == {"gt|a"}  # gt|b only shows at minute 59
    for row in out.values():
        assert all(row["amount"].values())


def test_spans_feed_funnel_rows() -> None:
    spans = local_campaign_spans(SPAN_CAMPAIGNS, SPAN_SERIES, [0, 1], M, M + 59)
    rows = by_label(funnel_rows(spans))
    assert rows["gt|a"]["shown"] == 25
    assert rows["gt|a"]["donations"] == 3
    assert rows["gt|a"]["conversion_rate"] == pytest.approx(3 / 25)
    assert rows["gt|b"]["conversion_rate"] == 0.0
    assert rows["gt|a"]["leading"] is True
