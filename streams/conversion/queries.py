"""Read-side of the banner funnel: rates with honest uncertainty, per campaign and variant."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streams.conversion.stats import leader, rate, wilson_interval
from streams.readership.queries import span_sums, split_key
from streams.totals import CAMPAIGN_COUNTS


def local_campaign_spans(
    campaigns: Mapping[str, Any],
    series: Mapping[str, Any],
    partitions: Iterable[int],
    first_minute: int,
    last_minute: int,
) -> dict[str, Any]:
    """Funnel counts per `campaign|variant` over minutes [first, last] on this worker."""
    owned = set(partitions)
    out: dict[str, Any] = {}
    for key in campaigns:
        p, label = split_key(key)
        if p not in owned:
            continue
        sums = span_sums(series, f"{p}|c|{label}", first_minute, last_minute)
        if not any(sums.values()):
            continue
        row = out.setdefault(
            label, {c: 0 for c in CAMPAIGN_COUNTS} | {"donations": {}, "amount": {}}
        )
        for c in CAMPAIGN_COUNTS:
            row[c] += sums.get(c, 0)
        if sums.get("donations"):
            row["donations"]["all"] = row["donations"].get("all", 0) + sums["donations"]
        for name, n in sums.items():
            if name.startswith("amount:") and n:
                currency = name.split(":", 1)[1]
                row["amount"][currency] = row["amount"].get(currency, 0) + n
    return out


def funnel_rows(campaigns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `/api/v1/campaigns` rows from merged per-label counts."""
    rows = []
    by_campaign: dict[str, dict[str, tuple[int, int]]] = {}
    for label in sorted(campaigns):
        campaign_id, _, variant = label.partition("|")
        c = campaigns[label]
        shown = c["shown"]
        donations = sum(c["donations"].values())
        low, high = wilson_interval(min(donations, shown), shown)
        rows.append(
            {
                "campaign_id": campaign_id,
                "variant": variant,
                "shown": shown,
                "clicked": c["clicked"],
                "dismissed_close": c["dismissed_close"],
                "dismissed_remind_later": c["dismissed_remind_later"],
                "donations": donations,
                "donation_amount_minor": dict(sorted(c["amount"].items())),
                "ctr": rate(min(c["clicked"], shown), shown),
                "dismiss_rate": rate(
                    min(c["dismissed_close"] + c["dismissed_remind_later"], shown), shown
                ),
                "conversion_rate": rate(min(donations, shown), shown),
                "conversion_interval_95": [low, high] if shown else None,
            }
        )
        if shown:
            by_campaign.setdefault(campaign_id, {})[variant] = (min(donations, shown), shown)
    leaders = {cid: leader(v) for cid, v in by_campaign.items()}
    for row in rows:
        lead = leaders.get(row["campaign_id"])
        row["leading"] = lead is not None and lead[0] == row["variant"]
        row["lead_probability"] = lead[1] if lead is not None and row["leading"] else None
    return rows
