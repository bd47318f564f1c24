"""Running totals: a worker's share of its partitions, merged, in the contract's shape.

Imports nothing from `schemas`: tests/unit/schemas/ (no __init__.py) shadows that
package as a namespace package when this file runs on its own from tests/unit.
Folded events in the document: tests/unit/ingest/test_fold_totals.py.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from streams.totals import contract_totals, local_share, merge_shares

PV = "web.page-viewed"
DON = "payments.donation-completed"
NEWEST = datetime(2026, 11, 27, 18, 4, 5, 123000, tzinfo=UTC).timestamp()


def c(n: int) -> dict[str, Any]:
    return {"o": 7, "n": n}


def campaign(**counts: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "o": 9,
        "shown": 0,
        "clicked": 0,
        "dismissed_close": 0,
        "dismissed_remind_later": 0,
        "donations": {},
        "amount": {},
    }
    row.update(counts)
    return row


def outcomes(**counts: int) -> dict[str, int]:
    """A stream's record-outcome counter (all outcomes in one key)."""
    return {"o": 0, "accepted": 0, "late": 0, "duplicate": 0, "invalid": 0, **counts}


TOTALS: dict[str, Any] = {
    "0|pv|world": c(10),
    "0|pv|unknown": c(2),
    "0|pv|none": c(4),
    "0|bot": c(3),
    "0|pub|world": c(1),
    f"0|rec|{PV}": outcomes(accepted=19, duplicate=1),
    "0|wm": {"o": 40, "t": NEWEST - 30},
    "0|labels": {"o": 3, "pairs": [["gt", "a"]]},
    "1|pv|world": c(5),
    "1|pv|sport": c(6),
    "1|bot": c(1),
    "1|pub|sport": c(2),
    f"1|rec|{PV}": outcomes(accepted=12),
    f"1|rec|{DON}": outcomes(invalid=2),
    "1|wm": {"o": 12, "t": NEWEST},
    "1|gone": None,  # a tombstone
    # partition 2 belongs to another worker
    "2|pv|world": c(1000),
    "2|bot": c(1000),
    "2|pub|world": c(1000),
    f"2|rec|{PV}": outcomes(accepted=1000),
    "2|wm": {"o": 1, "t": NEWEST + 3600},
}
CAMPAIGNS: dict[str, Any] = {
    "0|gt|a": campaign(shown=100, clicked=7, donations={"monthly": 2}, amount={"USD": 1000}),
    "1|gt|a": campaign(shown=50, dismissed_close=4, amount={"EUR": 300}, donations={"annual": 1}),
    "1|unattributed|none": campaign(donations={"one_time": 3}, amount={"RUB": 450000}),
    "1|gone|gone": None,
    "2|gt|a": campaign(shown=1000, clicked=1000),
}


def test_local_share_sums_the_owned_partitions_only() -> None:
    share = local_share(TOTALS, CAMPAIGNS, [1, 0])
    assert share == {
        "partitions": [0, 1],
        "pv": {"world": 15, "unknown": 2, "none": 4, "sport": 6},
        "bots": 4,
        "pub": {"world": 1, "sport": 2},
        "rec": {f"{PV}|accepted": 31, f"{PV}|duplicate": 1, f"{DON}|invalid": 2},
        "newest": NEWEST,
        "campaigns": {
            "gt|a": {
                "shown": 150,
                "clicked": 7,
                "dismissed_close": 4,
                "dismissed_remind_later": 0,
                "donations": {"monthly": 2, "annual": 1},
                "amount": {"USD": 1000, "EUR": 300},
            },
            "unattributed|none": {
                "shown": 0,
                "clicked": 0,
                "dismissed_close": 0,
                "dismissed_remind_later": 0,
                "donations": {"one_time": 3},
                "amount": {"RUB": 450000},
            },
        },
    }


def test_local_share_of_no_partitions_is_empty() -> None:
    share = local_share(TOTALS, CAMPAIGNS, [])
    assert share["pv"] == {}
    assert share["bots"] == 0
    assert share["newest"] is None
    assert share["campaigns"] == {}


def test_local_share_does_not_alias_the_tables() -> None:
    totals, campaigns = copy.deepcopy(TOTALS), copy.deepcopy(CAMPAIGNS)
    share = local_share(totals, campaigns, [0, 1])
    share["campaigns"]["gt|a"]["amount"]["USD"] += 1
    share["campaigns"]["gt|a"]["shown"] += 1
    assert totals == TOTALS
    assert campaigns == CAMPAIGNS


def test_merge_shares_adds_the_workers_up() -> None:
    a = local_share(TOTALS, CAMPAIGNS, [0])
    b = local_share(TOTALS, CAMPAIGNS, [1])
    c2 = local_share(TOTALS, CAMPAIGNS, [2])
    kept = copy.deepcopy([a, b, c2])
    merged = merge_shares([a, b, c2])
    assert merged == local_share(TOTALS, CAMPAIGNS, [0, 1, 2])
    assert merged["partitions"] == [0, 1, 2]
    assert merged["bots"] == 1004
    assert merged["pv"]["world"] == 1015
    assert merged["newest"] == NEWEST + 3600
    assert merged["campaigns"]["gt|a"]["shown"] == 1150
    assert [a, b, c2] == kept  # the inputs are not modified


def test_merge_shares_is_order_free_and_has_an_identity() -> None:
    shares = [local_share(TOTALS, CAMPAIGNS, [p]) for p in (0, 1, 2)]
    assert merge_shares(shares) == merge_shares(list(reversed(shares)))
    assert merge_shares([merge_shares(shares[:2]), shares[2]]) == merge_shares(shares)
    empty = merge_shares([])
    assert empty["partitions"] == []
    assert empty["newest"] is None
    assert merge_shares([empty, shares[0]]) == merge_shares([shares[0]])


CONTRACT_KEYS = {
    "page_views",
    "articles_published",
    "banner_events",
    "donations",
    "donation_amount_minor",
    "records",
    "newest_event_time",
}


def test_contract_totals_values() -> None:
    doc = contract_totals(merge_shares([local_share(TOTALS, CAMPAIGNS, [0, 1])]))
    assert doc["page_views"] == {
        "by_section": {"none": 4, "sport": 6, "unknown": 2, "world": 15},
        "bots": 4,
    }
    assert doc["articles_published"] == {"by_section": {"sport": 2, "world": 1}}
    assert doc["banner_events"] == [
        {"campaign_id": "gt", "variant": "a", "action": "shown", "count": 150},
        {"campaign_id": "gt", "variant": "a", "action": "clicked", "count": 7},
        {"campaign_id": "gt", "variant": "a", "action": "dismissed_close", "count": 4},
    ]
    assert doc["donations"] == [
        {"campaign_id": "gt", "variant": "a", "frequency": "annual", "count": 1},
        {"campaign_id": "gt", "variant": "a", "frequency": "monthly", "count": 2},
        {"campaign_id": "unattributed", "variant": "none", "frequency": "one_time", "count": 3},
    ]
    assert doc["donation_amount_minor"] == {"EUR": 300, "RUB": 450000, "USD": 1000}
    assert doc["records"] == [
        {"stream": DON, "outcome": "invalid", "count": 2},
        {"stream": PV, "outcome": "accepted", "count": 31},
        {"stream": PV, "outcome": "duplicate", "count": 1},
    ]
    assert doc["newest_event_time"] == "2026-11-27T18:04:05.123Z"
    assert json.loads(json.dumps(doc)) == doc  # JSON-able as is


def test_contract_totals_has_exactly_the_contract_fields() -> None:
    """CONTRACT.md lists the /api/v1/totals document field by field; the README adds
    `partitions_reporting` (and the view adds `partial`)."""
    doc = contract_totals(merge_shares([local_share(TOTALS, CAMPAIGNS, [0, 1])]))
    assert set(doc) == CONTRACT_KEYS | {"partitions_reporting"}
    assert doc["partitions_reporting"] == 2
    assert set(doc["page_views"]) == {"by_section", "bots"}
    assert set(doc["articles_published"]) == {"by_section"}
    for row in doc["banner_events"]:
        assert set(row) == {"campaign_id", "variant", "action", "count"}
        assert row["action"] in ("shown", "clicked", "dismissed_close", "dismissed_remind_later")
    for row in doc["donations"]:
        assert set(row) == {"campaign_id", "variant", "frequency", "count"}
    for row in doc["records"]:
        assert set(row) == {"stream", "outcome", "count"}
        assert row["outcome"] in ("accepted", "invalid", "duplicate", "late")


def test_contract_totals_when_nothing_was_seen() -> None:
    doc = contract_totals(merge_shares([]))
    assert doc["page_views"] == {"by_section": {}, "bots": 0}
    assert doc["articles_published"] == {"by_section": {}}
    assert doc["banner_events"] == []
    assert doc["donations"] == []
    assert doc["donation_amount_minor"] == {}
    assert doc["records"] == []
    assert doc["newest_event_time"] is None
    assert doc["partitions_reporting"] == 0


@pytest.mark.parametrize(
    ("epoch", "text"),
    [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (NEWEST, "2026-11-27T18:04:05.123Z"),
        (1_795_888_800.5, "2026-11-28T18:00:00.500Z"),
    ],
)
def test_newest_event_time_is_rfc3339_utc(epoch: float, text: str) -> None:
    share = merge_shares([])
    share["newest"] = epoch
    assert contract_totals(share)["newest_event_time"] == text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text)
