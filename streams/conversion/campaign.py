"""The running totals of one (campaign, variant) label in the `campaigns` table.

Shared by the folder's per-record path (fold.py) and its fast path (fastpath.py), which
must build it and name banner actions the same way.
"""

from __future__ import annotations

from typing import Any

from streams.store import Value

BANNER_ACTIONS = {"banner.shown": "shown", "banner.clicked": "clicked"}


def banner_action(e: dict[str, Any]) -> str:
    """The counter a banner event adds to: shown, clicked or dismissed_<reason>."""
    return BANNER_ACTIONS.get(e["event_type"]) or f"dismissed_{e['reason']}"


def new_campaign() -> Value:
    return {
        "o": -1,
        "shown": 0,
        "clicked": 0,
        "dismissed_close": 0,
        "dismissed_remind_later": 0,
        "donations": {},
        "amount": {},
    }
