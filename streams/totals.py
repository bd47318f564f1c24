"""Running totals: each worker's share from its partitions, merged into the contract's shape.

The share is a plain mergeable summary (sums and a max), so `/api/v1/totals` can ask
every worker and add up: partitions never overlap, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streams.ingest.outcomes import OUTCOMES
from streams.readership.queries import split_key

CAMPAIGN_COUNTS = ("shown", "clicked", "dismissed_close", "dismissed_remind_later")


def local_share(
    totals: Mapping[str, Any], campaigns: Mapping[str, Any], partitions: Iterable[int]
) -> dict[str, Any]:
    """This worker's summary of the partitions it owns."""
    owned = set(partitions)
    share: dict[str, Any] = {
        "partitions": sorted(owned),
        "pv": {},
        "bots": 0,
        "pub": {},
        "rec": {},
        "newest": None,
        "campaigns": {},
    }
    for key, value in totals.items():
        p, rest = split_key(key)
        if p not in owned or value is None:
            continue
        kind, _, label = rest.partition("|")
        if kind == "pv":
            share["pv"][label] = share["pv"].get(label, 0) + value["n"]
        elif kind == "pub":
            share["pub"][label] = share["pub"].get(label, 0) + value["n"]
        elif kind == "bot":
            share["bots"] += value["n"]
        elif kind == "rec":
            for outcome in OUTCOMES:
                if value[outcome]:
                    name = f"{label}|{outcome}"
                    share["rec"][name] = share["rec"].get(name, 0) + value[outcome]
        elif kind == "wm" and (share["newest"] is None or value["t"] > share["newest"]):
            share["newest"] = value["t"]
    for key, value in campaigns.items():
        p, label = split_key(key)
        if p in owned and value is not None:
            _add_campaign(share["campaigns"], label, value)
    return share


def _add_campaign(into: dict[str, Any], label: str, value: Mapping[str, Any]) -> None:
    row = into.setdefault(label, {c: 0 for c in CAMPAIGN_COUNTS} | {"donations": {}, "amount": {}})
    for c in CAMPAIGN_COUNTS:
        row[c] += value[c]
    for name in ("donations", "amount"):
        for k, n in value[name].items():
            row[name][k] = row[name].get(k, 0) + n


def _add_counts(into: dict[str, int], more: Mapping[str, int]) -> None:
    for k, n in more.items():
        into[k] = into.get(k, 0) + n


def merge_shares(shares: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Add worker shares together (same shape as one share)."""
    merged: dict[str, Any] = {
        "partitions": [],
        "pv": {},
        "bots": 0,
        "pub": {},
        "rec": {},
        "newest": None,
        "campaigns": {},
    }
    for share in shares:
        merged["partitions"] = sorted(set(merged["partitions"]) | set(share["partitions"]))
        _add_counts(merged["pv"], share["pv"])
        _add_counts(merged["pub"], share["pub"])
        _add_counts(merged["rec"], share["rec"])
        merged["bots"] += share["bots"]
        newest = share["newest"]
        if newest is not None and (merged["newest"] is None or newest > merged["newest"]):
            merged["newest"] = newest
        for label, row in share["campaigns"].items():
            _add_campaign(merged["campaigns"], label, row)
    return merged


def contract_totals(merged: Mapping[str, Any]) -> dict[str, Any]:
    """The `/api/v1/totals` document of CONTRACT.md."""
    banner_events = []
    donations = []
    amounts: dict[str, int] = {}
    for label in sorted(merged["campaigns"]):
        campaign_id, _, variant = label.partition("|")
        row = merged["campaigns"][label]
        for action in CAMPAIGN_COUNTS:
            if row[action]:
                banner_events.append(
                    {
                        "campaign_id": campaign_id,
                        "variant": variant,
                        "action": action,
                        "count": row[action],
                    }
                )
        for frequency in sorted(row["donations"]):
            donations.append(
                {
                    "campaign_id": campaign_id,
                    "variant": variant,
                    "frequency": frequency,
                    "count": row["donations"][frequency],
                }
            )
        _add_counts(amounts, row["amount"])
    records = []
    for label in sorted(merged["rec"]):
        stream, _, outcome = label.partition("|")
        records.append({"stream": stream, "outcome": outcome, "count": merged["rec"][label]})
    return {
        "page_views": {"by_section": dict(sorted(merged["pv"].items())), "bots": merged["bots"]},
        "articles_published": {"by_section": dict(sorted(merged["pub"].items()))},
        "banner_events": banner_events,
        "donations": donations,
        "donation_amount_minor": dict(sorted(amounts.items())),
        "records": records,
        "newest_event_time": _rfc3339(merged["newest"]),
        "partitions_reporting": len(merged["partitions"]),
    }


def _rfc3339(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    from datetime import UTC, datetime

    text = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
