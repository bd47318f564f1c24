"""The stored value of one article in the `articles` table, and its section over time.

Shared by the folder's per-record path (fold.py) and its page-view fast path
(fastpath.py), which must build and read it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streams.readership.meta import meta_field
from streams.store import Value


def new_article() -> Value:
    """`first`: offset of the record that first published it; `sections`: [[offset, s]]."""
    return {
        "o": -1,
        "meta": None,
        "first": None,
        "sections": [],
        "views": 0,
        "bots": 0,
        "r": None,
    }


def section_at(article: Value, offset: int) -> str:
    """The article's section as of routed offset `offset` (same answer on replay)."""
    section = "unknown"
    for since, name in article["sections"]:
        if since >= offset:
            break
        section = name
    return section


def current_section(article: Mapping[str, Any]) -> str | None:
    """The section its latest `article.published` gave it (None if never published).

    `sections` ends with it (the folder appends the section whenever it changes, with
    the metadata), so this reads one interned string, not the stored metadata: the live
    sections view asks it of every article of a partition."""
    sections = article.get("sections")
    if sections:
        name: str = sections[-1][1]
        return name
    section: str | None = meta_field(article.get("meta"), "section")
    return section
