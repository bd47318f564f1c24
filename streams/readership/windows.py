"""The per-(article, minute) readership window: its state and its final record."""

from __future__ import annotations

from typing import Any

from streams.readership.readers import load
from streams.store import Value
from streams.windowing import rfc3339

KIND = "r"


def window_key(partition: int, article_id: str, minute: int) -> str:
    return f"{partition}|w|{KIND}|{article_id}|{minute}"


def new_window() -> Value:
    return {"o": -1, "views": 0, "bots": 0, "r": None}


def final_record(article_id: str, minute: int, value: Value, section: str | None) -> dict[str, Any]:
    """The contract's `pulse.readership` record for a closed window."""
    encoded = value.get("r")
    return {
        "window_start": rfc3339(minute * 60),
        "window_end": rfc3339(minute * 60 + 60),
        "article_id": article_id,
        "section": section,
        "views": value["views"],
        "readers": round(load(encoded).get_estimate()) if encoded else 0,
        "bot_views": value["bots"],
    }
