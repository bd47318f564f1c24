"""Every reader of series and article values answers the same for the state the folder
writes now (sparse series, packed metadata), for that state read back from the
changelog, and for the same state in the old forms (60 slots a field, metadata as a
dict) that a changelog may still hold after an upgrade."""

from __future__ import annotations

import copy
import sys
from typing import Any

import orjson
import pytest
from folding import CAMPAIGN, NOW, T0, P, article, banner, donation, folder, new_stores, numbered
from folding import view as page_view

from streams.alerts.history import local_section_minutes
from streams.codec import JsonText, dumps_stored
from streams.conversion.queries import local_campaign_spans
from streams.readership.live import local_pulse, local_sections, minute_views
from streams.readership.meta import unpack
from streams.readership.queries import article_row, article_series, local_top, span_sums

TABLES = ("articles", "series", "campaigns", "windows", "totals")
END = int((T0.timestamp() + 4000) // 60)  # the newest minute of the traffic


def traffic() -> list[dict[str, Any]]:
    """Three articles over two hours (one updated, one never published), banners and
    donations, several minutes a series."""
    views = [
        ("cms:1", 60, "a"),
        ("cms:1", 65, "b"),
        ("cms:2", 130, "c"),
        ("cms:3", 140, "d"),
        ("cms:1", 700, "e"),
        ("cms:2", 1900, "f"),
        ("cms:1", 3590, "g"),
        ("cms:2", 3610, "h"),
        ("cms:1", 4000, "i"),
    ]
    events = [
        article(1, "cms:1", "world", t=0, authors=["Helen Carter", "Daniel Brooks"]),
        article(2, "cms:2", "climate", t=10, title="Кино недели"),
        banner(3, "shown", t=20),
        banner(4, "clicked", t=30),
        donation(5, 1500, currency="EUR", campaign=CAMPAIGN, variant="b_urgent", t=200),
        article(6, "cms:2", "science", t=500, title="Corrected title", tags=["film"]),
        banner(7, "shown", t=3700),
        donation(8, 700, currency="USD", t=3800),
    ]
    events += [
        page_view(100 + i, a, t=t, reader=f"rdr_reader{r}00000")
        for i, (a, t, r) in enumerate(views)
    ]
    return sorted(events, key=lambda e: e["occurred_at"])


@pytest.fixture(scope="module")
def state() -> dict[str, dict[str, Any]]:
    stores = new_stores()
    folder(stores).fold(numbered(traffic()), NOW)
    return {name: dict(getattr(stores, name).data) for name in TABLES}


def dense(pairs: list[int]) -> list[int]:
    """The old form of a field: 60 counts (written here, not with the helpers tested)."""
    row = [0] * 60
    for slot, n in zip(pairs[::2], pairs[1::2], strict=True):
        row[slot] += n
    return row


def old_forms(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The same state as the code before the sparse and packed forms wrote it."""
    out = copy.deepcopy(tables)
    for key, value in out["series"].items():
        fields = {k: dense(v) for k, v in value.items() if k != "o"}
        out["series"][key] = {"o": value["o"], "f": fields}
    for value in out["articles"].values():
        if value["meta"] is not None:
            value["meta"] = unpack(value["meta"])
    return out


def recovered(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What a restarted worker reads back from the changelogs."""
    return {name: orjson.loads(dumps_stored(data)) for name, data in tables.items()}


def answers(t: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What every reader makes of the tables."""
    arts, series, parts = t["articles"], t["series"], [P]
    out: dict[str, Any] = {}
    for minutes in (1, 30, 60, 120):
        for section in (None, "world", "science", "climate"):
            out[f"top {minutes} {section}"] = local_top(
                arts, series, parts, END, minutes, 10, section
            )
        out[f"pulse {minutes}"] = local_pulse(
            arts, series, t["windows"], t["totals"], parts, END, minutes
        )
        out[f"sections {minutes}"] = local_sections(arts, series, parts, END, minutes)
        first = END - minutes + 1
        out[f"section minutes {minutes}"] = local_section_minutes(series, parts, first, END)
        out[f"campaigns {minutes}"] = local_campaign_spans(
            t["campaigns"], series, parts, first, END
        )
    for key, value in arts.items():
        article_id = key.split("|", 1)[1]
        out[f"row {key}"] = article_row(article_id, value)
        for since in (END - 200, END - 30, END):
            out[f"series {key} {since}"] = article_series(series, key, since, END)
            prefix = f"{P}|a|{article_id}"
            out[f"sums {key} {since}"] = span_sums(series, prefix, since, END)
            out[f"minutes {key} {since}"] = minute_views(series, prefix, since, END)
    return out


def test_the_folder_writes_the_new_forms(state: dict[str, dict[str, Any]]) -> None:
    assert state["series"]
    for value in state["series"].values():
        assert "f" not in value
        assert all(len(v) % 2 == 0 for k, v in value.items() if k != "o")
    metas = [v["meta"] for v in state["articles"].values()]
    assert sum(isinstance(m, JsonText) for m in metas) == 2 and metas.count(None) == 1


def test_readers_answer_the_same_for_every_stored_form(state: dict[str, dict[str, Any]]) -> None:
    new = answers(state)
    as_json = orjson.OPT_NON_STR_KEYS  # tuples and lists alike, as the API sends them
    assert orjson.dumps(answers(recovered(state)), option=as_json) == orjson.dumps(
        new, option=as_json
    )
    assert answers(recovered(state)) == new
    assert answers(old_forms(state)) == new
    assert answers(recovered(old_forms(state))) == new


def test_the_answers_are_not_empty(state: dict[str, dict[str, Any]]) -> None:
    """The comparison above means something: the traffic shows in every reader."""
    new = answers(state)
    top = new["top 120 None"]
    assert [(r["article_id"], r["views"]) for r in top] == [
        ("cms:1", 5),
        ("cms:2", 3),
        ("cms:3", 1),
    ]
    assert top[1]["title"] == "Corrected title" and top[1]["section"] == "science"
    assert top[1]["tags"] == ["film"] and top[0]["authors"] == ["Helen Carter", "Daniel Brooks"]
    assert top[2]["known"] is False and top[2]["title"] is None
    assert sum(new["pulse 120"]["views"]) == 9
    assert new["sections 120"]["current"] == {"world": 5, "science": 3, "unknown": 1}
    assert sum(sum(m.values()) for m in new["section minutes 120"].values()) == 9
    row = new["campaigns 120"][f"{CAMPAIGN}|b_urgent"]
    assert (row["shown"], row["clicked"], row["amount"]) == (2, 1, {"EUR": 1500})
    assert len(new[f"series {P}|cms:1 {END - 200}"]) == 4  # two views in its first minute


@pytest.mark.parametrize("form", ["recovered", "old"])
def test_a_new_folder_compacts_recovered_articles(
    state: dict[str, dict[str, Any]], form: str
) -> None:
    tables = recovered(state) if form == "recovered" else recovered(old_forms(state))
    before = answers(tables)
    stores = new_stores()
    for name in TABLES:
        getattr(stores, name).data.update(tables[name])
    folder(stores)  # what a worker builds for a partition after recovering it
    arts = stores.articles.data
    metas = [v["meta"] for v in arts.values() if v["meta"] is not None]
    assert len(metas) == 2 and all(isinstance(m, JsonText) for m in metas)
    sections = [name for v in arts.values() for _, name in v["sections"]]
    assert all(name is sys.intern(name) for name in sections)
    assert answers(tables) == before
    assert stores.articles.take_changes() == ({}, set())  # the same values: nothing to write
