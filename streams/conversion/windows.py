"""The per-(campaign, variant, minute) funnel window: its state and its final record."""

from __future__ import annotations

from typing import Any

from streams.store import Value
from streams.windowing import rfc3339

KIND = "f"
ACTIONS = ("shown", "clicked", "dismissed_close", "dismissed_remind_later")


def window_key(partition: int, campaign_id: str, variant: str, minute: int) -> str:
    return f"{partition}|w|{KIND}|{campaign_id}|{variant}|{minute}"


def new_window() -> Value:
    return {"o": -1, **dict.fromkeys(ACTIONS, 0), "donations": 0, "amount": {}}


def final_record(campaign_id: str, variant: str, minute: int, value: Value) -> dict[str, Any]:
    """The contract's `pulse.funnel` record for a closed window."""
    return {
        "window_start": rfc3339(minute * 60),
        "window_end": rfc3339(minute * 60 + 60),
        "campaign_id": campaign_id,
        "variant": variant,
        **{action: value[action] for action in ACTIONS},
        "donations": value["donations"],
        "donation_amount_minor": dict(sorted(value["amount"].items())),
    }
