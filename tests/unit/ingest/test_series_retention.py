"""The per-minute series (articles, sections, campaigns) are kept for a retention in
event time: older hourly keys are deleted through the store (a changelog tombstone),
and the counts that remain stay exact through replays and restarts."""

from __future__ import annotations

from typing import Any

import folding
from folding import (
    CAMPAIGN,
    HORIZON,
    NOW,
    T0,
    P,
    article,
    banner,
    changes,
    new_stores,
    numbered,
    recovered,
    table,
    view,
)

from streams.ingest.fold import SERIES_RETENTION_SECONDS, PartitionFolder, Stores
from streams.readership.queries import span_sums

DAY = 86400.0
HOUR = 3600


def folder(stores: Stores, retention: float = SERIES_RETENTION_SECONDS) -> PartitionFolder:
    return PartitionFolder(P, stores, HORIZON, 50, folding.GRACE, series_retention=retention)


def hour_of(t: float) -> int:
    """The hour (epoch hours) of event time `t`, in seconds from T0."""
    return int((T0.timestamp() + t) // HOUR)


def series_keys(stores: Stores) -> set[str]:
    return set(table(stores.series))


def state(stores: Stores) -> dict[str, Any]:
    """The tables but the dedup ids, which expire with the batches' cut (their own rule)."""
    data = folding.state(stores, watermark_history=False)
    del data["dedup_ids"]
    return data


def without_dedup(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {name: data for name, data in snapshot.items() if name != "dedup"}


def old_traffic(start: int = 0) -> list[tuple[int, Any]]:
    """Views, a banner and an article 20 days before T0, then 14 days before it."""
    return numbered(
        [
            article(1, "cms:1", "world", t=-20 * DAY),
            view(2, "cms:1", t=-20 * DAY + 60, reader="rdr_reader01"),
            banner(3, "shown", t=-20 * DAY + 90),
            view(4, "cms:1", t=-14 * DAY, reader="rdr_reader02"),
        ],
        start,
    )


def now_traffic(start: int) -> list[tuple[int, Any]]:
    return numbered([view(10, "cms:1", t=60, reader="rdr_reader03")], start)


def test_the_default_keeps_what_the_readers_look_back_to() -> None:
    # the engagement detector reads 14 days and 135 minutes back; the API 7 days
    assert SERIES_RETENTION_SECONDS >= 14 * DAY + 135 * 60 + HOUR


def test_hours_older_than_the_retention_are_deleted_with_a_tombstone() -> None:
    stores = new_stores()
    f = folder(stores)
    old = old_traffic()
    f.fold(old, NOW)
    old_hour, kept_hour = hour_of(-20 * DAY), hour_of(-14 * DAY)
    expired = {
        f"{P}|a|cms:1|{old_hour}",
        f"{P}|s|world|{old_hour}",
        f"{P}|c|{CAMPAIGN}|b_urgent|{old_hour}",
    }
    kept = {f"{P}|a|cms:1|{kept_hour}", f"{P}|s|world|{kept_hour}"}
    assert series_keys(stores) == expired | kept  # the watermark is 14 days back yet
    changes(stores)

    f.fold(now_traffic(len(old)), NOW)

    new = {f"{P}|a|cms:1|{hour_of(60)}", f"{P}|s|world|{hour_of(60)}"}
    assert series_keys(stores) == kept | new
    written, deleted = changes(stores)["series"]
    assert deleted == expired  # tombstones for the changelog
    assert set(written) == new
    # what is kept still reads the same; the running totals keep every view
    minute = hour_of(-14 * DAY) * 60
    assert span_sums(table(stores.series), f"{P}|a|cms:1", minute, minute + 59) == {"views": 1}
    art = stores.articles.get(f"{P}|cms:1")
    assert art is not None
    assert art["views"] == 3


def test_the_floor_is_the_hour_retention_before_the_watermark() -> None:
    stores = new_stores()
    f = folder(stores, retention=2 * HOUR)
    batch = numbered(
        [
            view(1, "cms:1", t=-3 * HOUR - 60, reader="rdr_reader01"),  # hour -4: gone
            view(2, "cms:1", t=-2 * HOUR - 60, reader="rdr_reader01"),  # hour -3: gone
            view(3, "cms:1", t=-2 * HOUR + 60, reader="rdr_reader01"),  # hour -2: kept
            view(4, "cms:1", t=30 * 60, reader="rdr_reader01"),  # the watermark
        ]
    )
    f.fold(batch, NOW)
    # watermark T0 + 30 min: the floor is the hour of T0 - 90 min, i.e. T0 - 2 h
    assert f.series_floor() == hour_of(-2 * HOUR)
    hours = sorted(int(k.rsplit("|", 1)[1]) - hour_of(0) for k in series_keys(stores))
    assert hours == [-2, -2, 0, 0]  # article and section series each


def test_a_replay_after_the_expiry_changes_nothing() -> None:
    stores = new_stores()
    old = old_traffic()
    new = now_traffic(len(old))
    folder(stores).fold(old, NOW)
    folder(stores).fold(new, NOW)
    changes(stores)
    before = without_dedup(folding.snapshot(stores))
    for restarted in (stores, recovered(stores)):
        f = folder(restarted)
        changes(restarted)
        f.fold(old, NOW)  # a crash before the offsets were committed, for example
        f.fold(old + new, NOW)
        assert without_dedup(folding.snapshot(restarted)) == before
        # not even a put and its tombstone (the dedup index expires on its own terms)
        assert set(changes(restarted)) <= {"dedup"}


def test_expiry_is_the_same_however_the_batches_were_cut() -> None:
    records = old_traffic() + now_traffic(len(old_traffic()))
    reference = new_stores()
    folder(reference).fold(records, NOW)

    stores = new_stores()
    f = folder(stores)
    for offset, rec in records:
        f.fold([(offset, rec)], NOW)
    assert state(stores) == state(reference)
    assert {int(k.rsplit("|", 1)[1]) for k in series_keys(stores)} == {
        hour_of(-14 * DAY),
        hour_of(60),
    }


def test_a_restarted_folder_expires_what_it_recovered() -> None:
    """State written without a retention (or a longer one) is trimmed after a restart."""
    stores = new_stores()
    old = old_traffic()
    f = folder(stores, retention=365 * DAY)
    f.fold(old + now_traffic(len(old)), NOW)
    assert hour_of(-20 * DAY) in {int(k.rsplit("|", 1)[1]) for k in series_keys(stores)}

    restarted = recovered(stores)
    f = folder(restarted)
    f.fold(numbered([view(11, "cms:1", t=120, reader="rdr_reader04")], len(old) + 1), NOW)
    hours = {int(k.rsplit("|", 1)[1]) for k in series_keys(restarted)}
    assert hours == {hour_of(-14 * DAY), hour_of(60)}
    assert {k for k in changes(restarted)["series"][1]} == {
        f"{P}|a|cms:1|{hour_of(-20 * DAY)}",
        f"{P}|s|world|{hour_of(-20 * DAY)}",
        f"{P}|c|{CAMPAIGN}|b_urgent|{hour_of(-20 * DAY)}",
    }


def test_other_partitions_keys_are_not_touched() -> None:
    stores = new_stores()
    other = f"{P + 1}|a|cms:9|{hour_of(-30 * DAY)}"
    stores.series.put(other, {"o": 0, "f": {"views": [1] + [0] * 59}})
    f = folder(stores)
    old = old_traffic()
    f.fold(old + now_traffic(len(old)), NOW)
    assert other in series_keys(stores)


def in_old_form(stores: Stores) -> Stores:
    """The stores as the code before the sparse series wrote them (60 counts a field)."""
    data = folding.snapshot(stores)
    for key, value in data["series"].items():
        fields = {}
        for name, pairs in value.items():
            if name != "o":
                fields[name] = [0] * 60
                for slot, n in zip(pairs[::2], pairs[1::2], strict=True):
                    fields[name][slot] += n
        data["series"][key] = {"o": value["o"], "f": fields}
    return folding.from_tables(data)


def test_old_form_values_take_new_records_replays_and_expiry_the_same() -> None:
    """After an upgrade the changelog gives back 60-slot values: a record folded into one
    counts once (a replay is still a no-op), and their hours expire as before."""
    old = old_traffic()
    more = numbered([view(11, "cms:1", t=-14 * DAY + 30, reader="rdr_reader05")], len(old))
    now = now_traffic(len(old) + 1)
    reference = new_stores()
    folder(reference, retention=365 * DAY).fold(old, NOW)
    upgraded = in_old_form(reference)
    assert all("f" in v for v in table(upgraded.series).values())

    for stores in (reference, upgraded):
        f = folder(stores)  # the default retention: the -20 day hour goes on the next batch
        changes(stores)
        f.fold(old + more, NOW)  # a replay of what was folded, and one more record
        f.fold(old + more + now, NOW)
    assert state(upgraded) == state(reference)
    minute = hour_of(-14 * DAY) * 60
    for stores in (reference, upgraded):
        sums = span_sums(table(stores.series), f"{P}|a|cms:1", minute, minute + 59)
        assert sums == {"views": 2}
        assert hour_of(-20 * DAY) not in {int(k.rsplit("|", 1)[1]) for k in series_keys(stores)}
