"""Event-time windows: when a partition's minutes close, and the records they close with.

Records are built as in test_fold.py, with tests/support/folding.py: a real event is
validated by `decode`, encoded by the router and read back with `decode_routed`. Time is
explicit everywhere: event times are offsets (seconds) from T0, and `now` / the wall
clock are passed in, never read.

The rule under test (streams/windowing.py): the window [m, m+1) of epoch minutes closes
when the partition watermark (the newest event time folded) reaches (m+1)*60 + grace;
a record for a closed minute is `late`: in the running totals, out of the windows and
the per-minute series.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson
import pytest
from folding import (
    ARTICLES,
    BANNERS,
    CAMPAIGN,
    DONATIONS,
    GOOGLEBOT,
    NAMES,
    NOW,
    PAGE_VIEWS,
    T0,
    P,
    article,
    at,
    banner,
    changes,
    donation,
    folder,
    from_tables,
    invalid,
    new_stores,
    numbered,
    recovered,
    snapshot,
    state,
    table,
    total,
    view,
)

from streams.ingest.closing import Emission, window_id_of_record
from streams.ingest.fold import PartitionFolder, Stores
from streams.ingest.route import Routed
from streams.readership.queries import readers_estimate, span_sums
from streams.topics import FUNNEL, READERSHIP
from streams.windowing import idle_watermark

M0 = int(T0.timestamp() // 60)  # the epoch minute T0 starts
WEEK = 7 * 86400

# ---------------------------------------------------------------------------- builders


class Feed:
    """Consecutive batches of one partition of the routed topic (offsets run on)."""

    def __init__(self) -> None:
        self.offset = 0

    def __call__(self, records: Sequence[Routed | dict[str, Any]]) -> list[tuple[int, Routed]]:
        batch = numbered(records, self.offset)
        self.offset += len(batch)
        return batch


def closed_before(stores: Stores) -> int | None:
    value = stores.totals.get(f"{P}|closed")
    return None if value is None else value["m"]


def open_windows(stores: Stores) -> set[str]:
    """The windows held in state, as `kind|...|minute offset from M0`."""
    out = set()
    for key in table(stores.windows):
        assert key.startswith(f"{P}|w|"), key
        rest, minute = key[len(f"{P}|w|") :].rsplit("|", 1)
        out.add(f"{rest}|{int(minute) - M0}")
    return out


def series(stores: Stores, prefix: str, first: int, last: int) -> dict[str, int]:
    """Per-minute series sums over minutes [M0+first, M0+last]."""
    return span_sums(table(stores.series), f"{P}|{prefix}", M0 + first, M0 + last)


# ---------------------------------------------------------------------- the records


Out = tuple[str, str, dict[str, Any]]


def decoded(emissions: Sequence[Emission]) -> list[Out]:
    """(topic, key, record) of each emission; its window_id must name its record."""
    out = []
    for e in emissions:
        record = orjson.loads(e.value)
        assert window_id_of_record(e.topic, record) == e.window_id
        out.append((e.topic, e.key.decode(), record))
    return out


def readership(
    minute: int,
    article_id: str,
    section: str | None,
    views: int,
    readers: int,
    bot_views: int = 0,
) -> Out:
    """The expected `pulse.readership` record of minute M0 + `minute`."""
    return (
        READERSHIP,
        article_id,
        {
            "window_start": at(minute * 60),
            "window_end": at(minute * 60 + 60),
            "article_id": article_id,
            "section": section,
            "views": views,
            "readers": readers,
            "bot_views": bot_views,
        },
    )


def funnel(
    minute: int,
    campaign: str,
    variant: str,
    shown: int = 0,
    clicked: int = 0,
    dismissed_close: int = 0,
    dismissed_remind_later: int = 0,
    donations: int = 0,
    amount: dict[str, int] | None = None,
) -> Out:
    """The expected `pulse.funnel` record of minute M0 + `minute`."""
    return (
        FUNNEL,
        f"{campaign}|{variant}",
        {
            "window_start": at(minute * 60),
            "window_end": at(minute * 60 + 60),
            "campaign_id": campaign,
            "variant": variant,
            "shown": shown,
            "clicked": clicked,
            "dismissed_close": dismissed_close,
            "dismissed_remind_later": dismissed_remind_later,
            "donations": donations,
            "donation_amount_minor": amount or {},
        },
    )


def rdr(n: int) -> str:
    return f"rdr_{n:08d}"


# -------------------------------------------------------------- in-order closing


def test_windows_close_exactly_when_the_watermark_reaches_end_plus_grace() -> None:
    stores = new_stores()
    f = folder(stores)
    feed = Feed()

    tally = f.fold(
        feed(
            [
                article(1, "cms:1", "world", t=0),
                view(2, "cms:1", t=10, reader=rdr(1)),
                view(3, "cms:1", t=20, reader=rdr(2)),
                view(4, "cms:1", t=59.999, reader=rdr(1)),
                view(5, "cms:1", t=60, reader=rdr(3)),  # minute 1
            ]
        ),
        NOW,
    )
    assert tally.emissions == []
    assert open_windows(stores) == {"r|cms:1|0", "r|cms:1|1"}
    assert closed_before(stores) == M0 - 4  # (60 - 300) // 60

    # 1 ms before minute 0's end + grace: still open
    tally = f.fold(feed([view(6, "cms:2", t=359.999, reader=rdr(4))]), NOW)
    assert tally.emissions == []
    assert closed_before(stores) == M0
    assert f.watermark == pytest.approx(T0.timestamp() + 359.999, abs=1e-6)
    assert open_windows(stores) == {"r|cms:1|0", "r|cms:1|1", "r|cms:2|5"}

    # exactly at the boundary: minute 0 closes, and only minute 0
    tally = f.fold(feed([view(7, "cms:2", t=360, reader=rdr(5))]), NOW)
    assert decoded(tally.emissions) == [readership(0, "cms:1", "world", views=3, readers=2)]
    assert tally.emissions[0].window_id == f"r|cms:1|{M0}"
    assert decoded(tally.emissions)[0][2]["window_start"] == "2026-11-27T18:00:00.000Z"
    assert decoded(tally.emissions)[0][2]["window_end"] == "2026-11-27T18:01:00.000Z"
    assert closed_before(stores) == M0 + 1
    assert open_windows(stores) == {"r|cms:1|1", "r|cms:2|5", "r|cms:2|6"}

    # the same watermark again (an older event in an open minute) closes nothing more
    tally = f.fold(feed([view(8, "cms:1", t=61, reader=rdr(3))]), NOW)
    assert tally.emissions == []
    assert tally.counts[("rec", PAGE_VIEWS, "accepted")] == 1

    # far ahead: every window that ended 5 minutes ago closes, in minute order, once
    tally = f.fold(feed([view(9, "cms:3", t=721, reader=rdr(6))]), NOW)
    assert decoded(tally.emissions) == [
        readership(1, "cms:1", "world", views=2, readers=1),
        readership(5, "cms:2", None, views=1, readers=1),
        readership(6, "cms:2", None, views=1, readers=1),
    ]
    assert closed_before(stores) == M0 + 7
    assert open_windows(stores) == {"r|cms:3|12"}
    assert total(stores, f"rec|{PAGE_VIEWS}|late") is None


def test_each_window_is_emitted_once_whatever_the_batches() -> None:
    """Folding one record per batch or all at once closes the same windows, once each."""
    records = [article(1, "cms:1", "world", t=0)] + [
        view(10 + i, "cms:1", t=7.5 * i, reader=rdr(i % 3)) for i in range(120)
    ]
    expected = [readership(m, "cms:1", "world", views=8, readers=3) for m in range(9)]

    stores = new_stores()
    f = folder(stores)
    feed = Feed()
    one_by_one: list[Emission] = []
    for record in records:
        one_by_one += f.fold(feed([record]), NOW).emissions
    assert decoded(one_by_one) == expected

    stores = new_stores()
    assert decoded(folder(stores).fold(numbered(records), NOW).emissions) == expected
    assert open_windows(stores) == {f"r|cms:1|{m}" for m in range(9, 15)}
    assert closed_before(stores) == M0 + 9  # (892.5 - 300) // 60


def test_invalid_records_do_not_move_the_watermark() -> None:
    """A marker carries the router's clock, not an event time: it closes nothing."""
    stores = new_stores()
    f = folder(stores)
    feed = Feed()
    f.fold(feed([view(1, "cms:1", t=10)]), NOW)
    tally = f.fold(feed([invalid(PAGE_VIEWS, 7), invalid(BANNERS, 8, "invalid_field")]), NOW)
    assert tally.emissions == []
    assert f.watermark == T0.timestamp() + 10
    assert open_windows(stores) == {"r|cms:1|0"}


def test_duplicates_and_front_pages_stay_out_of_windows() -> None:
    stores = new_stores()
    f = folder(stores)
    feed = Feed()
    first = view(1, "cms:1", t=10, reader=rdr(1))
    f.fold(feed([first, view(2, None, t=11, reader=rdr(2))]), NOW)
    tally = f.fold(
        feed(
            [
                first,  # the same event from another input record: a duplicate
                view(3, "cms:1", t=20, reader=rdr(3)),
                view(4, None, t=30, reader=rdr(4)),
                view(5, None, t=400, reader=rdr(5)),
            ]
        ),
        NOW,
    )
    assert tally.counts[("rec", PAGE_VIEWS, "duplicate")] == 1
    assert decoded(tally.emissions) == [readership(0, "cms:1", None, views=2, readers=2)]
    assert open_windows(stores) == set()  # front pages (no article) have no window


# -------------------------------------------------------------- out of order, late


def test_an_event_within_grace_lands_in_its_window() -> None:
    stores = new_stores()
    f = folder(stores)
    feed = Feed()
    f.fold(feed([view(1, "cms:1", t=365, reader=rdr(1)), view(2, "cms:2", t=600)]), NOW)
    assert closed_before(stores) == M0 + 5
    # 4 minutes older than the watermark (600 s): minute 6 ends at 420 + 300 > 600
    tally = f.fold(feed([view(3, "cms:1", t=360, reader=rdr(2))]), NOW)
    assert tally.counts == Counter(
        {("rec", PAGE_VIEWS, "accepted"): 1, ("pv", "unknown", "search", "mobile"): 1}
    )
    assert tally.emissions == []
    tally = f.fold(feed([view(4, "cms:2", t=720)]), NOW)
    assert decoded(tally.emissions) == [readership(6, "cms:1", None, views=2, readers=2)]
    assert series(stores, "a|cms:1", 6, 6) == {"views": 2}
    assert total(stores, f"rec|{PAGE_VIEWS}|late") is None


def late_setup() -> tuple[Stores, PartitionFolder, Feed]:
    """Minute 0 of cms:1 closed by a watermark 1 s past its end + grace."""
    stores = new_stores()
    f = folder(stores)
    feed = Feed()
    first = f.fold(
        feed(
            [
                article(1, "cms:1", "world", t=0),
                view(2, "cms:1", t=10, reader=rdr(1)),
                view(3, "cms:1", t=20, reader=rdr(2)),
                banner(4, "shown", t=30),
                view(5, "cms:2", t=70, reader=rdr(1)),
            ]
        ),
        NOW,
    )
    assert first.emissions == []
    closing = f.fold(feed([view(6, "cms:2", t=361, reader=rdr(1))]), NOW)
    assert decoded(closing.emissions) == [
        funnel(0, CAMPAIGN, "b_urgent", shown=1),
        readership(0, "cms:1", "world", views=2, readers=2),
    ]
    assert closed_before(stores) == M0 + 1
    return stores, f, feed


@pytest.mark.parametrize("t", [0, 30, 59.999])
def test_a_page_view_past_grace_is_late_in_totals_not_in_windows(t: float) -> None:
    stores, f, feed = late_setup()
    tally = f.fold(feed([view(7, "cms:1", t=t, reader=rdr(3))]), NOW)
    assert tally.emissions == []
    assert tally.counts == Counter(
        {("rec", PAGE_VIEWS, "late"): 1, ("pv", "world", "search", "mobile"): 1}
    )
    # running totals: counted
    assert total(stores, f"rec|{PAGE_VIEWS}|late") == 1
    assert total(stores, f"rec|{PAGE_VIEWS}|accepted") == 4
    assert total(stores, "pv|world") == 3
    art = stores.articles.get(f"{P}|cms:1")
    assert art is not None
    assert art["views"] == 3
    assert readers_estimate(art) == 3
    # windows and series: not
    assert open_windows(stores) == {"r|cms:2|1", "r|cms:2|6"}
    assert series(stores, "a|cms:1", 0, 59) == {"views": 2}
    # and minute 0 is not emitted again when later windows close
    tally = f.fold(feed([view(8, "cms:2", t=780, reader=rdr(1))]), NOW)
    assert decoded(tally.emissions) == [
        readership(1, "cms:2", None, views=1, readers=1),
        readership(6, "cms:2", None, views=1, readers=1),
    ]


@pytest.mark.parametrize("cuts", [(), (1,), (2,), (1, 2)], ids=["one", "1|2", "2|1", "1|1|1"])
def test_lateness_does_not_depend_on_how_records_are_batched(cuts: tuple[int, ...]) -> None:
    """The watermark is the newest event time folded *before* a record, whatever batch the
    consumer happened to put it in: once a record has moved it past minute 0's end +
    grace, a later record for minute 0 is late, in the same batch or the next."""
    records = numbered(
        [
            view(1, "cms:1", t=10, reader=rdr(1)),
            view(2, "cms:2", t=361, reader=rdr(2)),  # closes minute 0
            view(3, "cms:1", t=30, reader=rdr(3)),  # late
        ]
    )
    stores = new_stores()
    f = folder(stores)
    tallies = [f.fold(records[a:b], NOW) for a, b in zip((0, *cuts), (*cuts, 3), strict=True)]
    assert [d for t in tallies for d in decoded(t.emissions)] == [
        readership(0, "cms:1", None, views=1, readers=1)
    ]
    assert sum((t.counts for t in tallies), Counter()) == Counter(
        {
            ("rec", PAGE_VIEWS, "accepted"): 2,
            ("rec", PAGE_VIEWS, "late"): 1,
            ("pv", "unknown", "search", "mobile"): 3,
        }
    )
    assert series(stores, "a|cms:1", 0, 0) == {"views": 1}


def test_the_next_minute_at_the_same_watermark_is_not_late() -> None:
    stores, f, feed = late_setup()
    tally = f.fold(feed([view(7, "cms:1", t=60, reader=rdr(3))]), NOW)
    assert tally.counts[("rec", PAGE_VIEWS, "accepted")] == 1
    assert ("rec", PAGE_VIEWS, "late") not in tally.counts
    assert open_windows(stores) == {"r|cms:1|1", "r|cms:2|1", "r|cms:2|6"}


def test_a_late_banner_event_counts_in_totals_not_in_the_funnel_window() -> None:
    stores, f, feed = late_setup()
    tally = f.fold(feed([banner(7, "clicked", t=40)]), NOW)
    assert tally.counts == Counter(
        {("rec", BANNERS, "late"): 1, ("ban", CAMPAIGN, "b_urgent", "clicked"): 1}
    )
    row = stores.campaigns.get(f"{P}|{CAMPAIGN}|b_urgent")
    assert row is not None
    assert (row["shown"], row["clicked"]) == (1, 1)
    assert series(stores, f"c|{CAMPAIGN}|b_urgent", 0, 59) == {"shown": 1}
    assert not any(w.startswith("f|") for w in open_windows(stores))
    assert f.fold(feed([view(8, "cms:2", t=780)]), NOW).emissions[0].topic == READERSHIP


def test_a_late_donation_counts_in_totals_not_in_the_series() -> None:
    stores, f, feed = late_setup()
    tally = f.fold(feed([donation(7, 500, t=50, campaign=CAMPAIGN, variant="b_urgent")]), NOW)
    assert tally.counts == Counter(
        {
            ("rec", DONATIONS, "late"): 1,
            ("don", CAMPAIGN, "b_urgent", "one_time"): 1,
            ("amt", "USD"): 500,
        }
    )
    row = stores.campaigns.get(f"{P}|{CAMPAIGN}|b_urgent")
    assert row is not None
    assert (row["donations"], row["amount"]) == ({"one_time": 1}, {"USD": 500})
    # late records are left out of the per-minute series
    assert series(stores, f"c|{CAMPAIGN}|b_urgent", 0, 59) == {"shown": 1}


# -------------------------------------------------------------------------- replay


def test_a_replay_of_last_week_closes_its_own_windows_and_nothing_is_late() -> None:
    """Event times a week old, the processor's clock now: only event time counts."""
    w = -WEEK
    records = [article(1, "cms:old", "world", t=w)] + [
        view(10 + i, "cms:old", t=w + 5 + 30 * i, reader=rdr(i)) for i in range(28)
    ]  # two views a minute, minutes 0..13 of a week ago
    week_ago = -WEEK // 60
    stores = new_stores()
    f = folder(stores)
    feed = Feed()

    first = f.fold(feed(records[:11]), NOW)  # to w + 275: nothing has ended 300 s ago
    assert first.emissions == []
    second = f.fold(feed(records[11:21]), NOW)  # to w + 575: minutes 0..3
    assert decoded(second.emissions) == [
        readership(week_ago + m, "cms:old", "world", views=2, readers=2) for m in range(4)
    ]
    third = f.fold(feed(records[21:]), NOW)  # to w + 815: minutes 4..7
    assert decoded(third.emissions) == [
        readership(week_ago + m, "cms:old", "world", views=2, readers=2) for m in range(4, 8)
    ]
    assert closed_before(stores) == M0 + week_ago + 8
    assert open_windows(stores) == {f"r|cms:old|{week_ago + m}" for m in range(8, 14)}

    assert total(stores, f"rec|{PAGE_VIEWS}|accepted") == 28
    assert total(stores, f"rec|{ARTICLES}|accepted") == 1
    assert total(stores, f"rec|{PAGE_VIEWS}|late") is None
    assert total(stores, "pv|world") == 28
    assert total(stores, "pub|world") == 1
    art = stores.articles.get(f"{P}|cms:old")
    assert art is not None
    assert (art["views"], readers_estimate(art)) == (28, 28)
    assert series(stores, "a|cms:old", week_ago, week_ago + 13) == {"views": 28}
    assert series(stores, "a|cms:old", week_ago + 13, week_ago + 13) == {"views": 2}
    for tally in (first, second, third):
        assert ("rec", PAGE_VIEWS, "late") not in tally.counts


# -------------------------------------------------------------------------- idle


def idle_setup() -> tuple[Stores, PartitionFolder, Feed]:
    stores = new_stores()
    f = folder(stores)
    feed = Feed()
    tally = f.fold(
        feed(
            [
                article(1, "cms:1", "world", t=0),
                view(2, "cms:1", t=10, reader=rdr(1)),
                view(3, "cms:1", t=70, reader=rdr(2)),
                banner(4, "shown", t=80),
            ]
        ),
        NOW,
    )
    assert tally.emissions == []
    return stores, f, feed


def test_an_idle_partition_closes_nothing_before_its_idle_time() -> None:
    stores, f, _ = idle_setup()
    wm = f.watermark
    # quiet for long enough to close everything, but not yet idle (idle: 600 s)
    watermark = idle_watermark(wm, NOW, NOW + 599.999, 600)
    assert watermark == wm
    assert f.close(watermark) == []
    assert open_windows(stores) == {"r|cms:1|0", "r|cms:1|1", f"f|{CAMPAIGN}|b_urgent|1"}


def test_an_idle_partition_closes_its_windows_once_idle() -> None:
    stores, f, feed = idle_setup()
    wm = f.watermark
    watermark = idle_watermark(wm, NOW, NOW + 600, 600)
    assert watermark == wm + 600
    assert decoded(f.close(watermark)) == [
        readership(0, "cms:1", "world", views=1, readers=1),
        funnel(1, CAMPAIGN, "b_urgent", shown=1),
        readership(1, "cms:1", "world", views=1, readers=1),
    ]
    assert open_windows(stores) == set()
    assert closed_before(stores) == M0 + 6  # (80 + 600 - 300) // 60
    assert f.watermark == wm  # the folded watermark is still the newest event time
    assert f.close(watermark) == []  # closing again sends nothing again

    # afterwards: an event for a closed minute is late, even one newer than the watermark
    tally = f.fold(
        feed(
            [
                view(5, "cms:1", t=65, reader=rdr(3)),
                view(6, "cms:1", t=300, reader=rdr(3)),
                view(7, "cms:1", t=360, reader=rdr(3)),
            ]
        ),
        NOW + 601,
    )
    assert tally.counts[("rec", PAGE_VIEWS, "late")] == 2
    assert tally.counts[("rec", PAGE_VIEWS, "accepted")] == 1
    assert tally.emissions == []
    assert open_windows(stores) == {"r|cms:1|6"}
    assert total(stores, "pv|world") == 5


@pytest.mark.parametrize(
    ("quiet", "closed"),
    [(59.999, []), (60, []), (289.999, []), (290, [0]), (349.999, [0]), (350, [0, 1])],
)
def test_idle_windows_close_at_end_plus_grace_of_the_moved_watermark(
    quiet: float, closed: list[int]
) -> None:
    """Default idle time (60 s): the watermark moves on with the wall clock once idle."""
    stores = new_stores()
    f = folder(stores)
    f.fold(
        numbered([view(1, "cms:1", t=10, reader=rdr(1)), view(2, "cms:1", t=70, reader=rdr(2))]),
        NOW,
    )
    emissions = f.close(idle_watermark(f.watermark, NOW, NOW + quiet, 60))
    assert decoded(emissions) == [readership(m, "cms:1", None, 1, 1) for m in closed]
    assert open_windows(stores) == {f"r|cms:1|{m}" for m in (0, 1) if m not in closed}


# ------------------------------------------------------------------------ restarts


def restart_records() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Minute 0 of cms:1 in two parts, the second also closing it."""
    part1 = [
        article(1, "cms:1", "world", t=0),
        view(2, "cms:1", t=5, reader=rdr(1)),
        view(3, "cms:1", t=20, reader=rdr(2)),
        banner(4, "shown", t=25),
    ]
    part2 = [
        view(5, "cms:1", t=40, reader=rdr(1)),  # a repeat reader
        view(6, "cms:1", t=50, reader=rdr(3)),
        view(7, "cms:1", t=55, reader="rdr_crawler1", user_agent=GOOGLEBOT),
        banner(8, "clicked", t=58),
        view(9, "cms:2", t=400, reader=rdr(4)),  # closes minute 0
    ]
    return part1, part2


MINUTE_0 = [
    funnel(0, CAMPAIGN, "b_urgent", shown=1, clicked=1),
    readership(0, "cms:1", "world", views=4, readers=3, bot_views=1),
]


@pytest.mark.parametrize("restart", ["same-folder", "new-folder", "recovered-stores"])
def test_a_window_spanning_a_restart_is_emitted_once_with_full_counts(restart: str) -> None:
    part1, part2 = restart_records()
    stores = new_stores()
    f = folder(stores)
    feed = Feed()
    assert f.fold(feed(part1), NOW).emissions == []
    if restart == "new-folder":
        f = folder(stores)
    elif restart == "recovered-stores":
        stores = recovered(stores)
        f = folder(stores)
    tally = f.fold(feed(part2), NOW)
    assert decoded(tally.emissions) == MINUTE_0
    assert f.fold(feed([view(10, "cms:2", t=401, reader=rdr(4))]), NOW).emissions == []
    assert open_windows(stores) == {"r|cms:2|6"}

    reference = new_stores()
    assert decoded(folder(reference).fold(numbered(part1 + part2), NOW).emissions) == MINUTE_0


def test_replaying_a_closing_batch_after_a_restart_emits_and_changes_nothing() -> None:
    part1, part2 = restart_records()
    stores = new_stores()
    feed = Feed()
    folder(stores).fold(feed(part1), NOW)
    closing = feed(part2)
    assert decoded(folder(stores).fold(closing, NOW).emissions) == MINUTE_0
    before = snapshot(stores)

    stores = recovered(stores)
    f = folder(stores)
    tally = f.fold(closing, NOW + 60)
    assert tally.emissions == []
    assert tally.counts == Counter()
    assert changes(stores) == {}
    assert snapshot(stores) == before


def crash_batches() -> tuple[list[tuple[int, Routed]], list[tuple[int, Routed]]]:
    """A first batch, and a second that adds to minutes 0 and 1 and closes 0, 1 and 2."""
    feed = Feed()
    first = feed(
        [
            article(1, "cms:1", "world", t=0),
            view(2, "cms:1", t=10, reader=rdr(1)),
            banner(3, "shown", t=20),
            view(4, "cms:1", t=70, reader=rdr(2)),
            view(5, "cms:2", t=130, reader=rdr(3)),
        ]
    )
    second = feed(
        [
            view(6, "cms:1", t=50, reader=rdr(4)),  # minute 0, closed by this batch
            banner(7, "clicked", t=55),
            view(8, "cms:1", t=100, reader=rdr(1)),  # minute 1, closed by this batch
            banner(9, "dismissed", t=140, variant="a_control", reason="close"),
            view(10, "cms:2", t=480, reader=rdr(5)),
        ]
    )
    return first, second


CLOSED_BY_SECOND = [
    funnel(0, CAMPAIGN, "b_urgent", shown=1, clicked=1),
    readership(0, "cms:1", "world", views=2, readers=2),
    readership(1, "cms:1", "world", views=2, readers=2),
    funnel(2, CAMPAIGN, "a_control", dismissed_close=1),
    readership(2, "cms:2", None, views=1, readers=1),
]


@pytest.mark.parametrize("sent", [0, 1, 2, 4])
def test_windows_sent_before_a_crash_are_not_sent_again(sent: int) -> None:
    """Records sent, state not saved: the restart reads back what was sent (`emitted`)."""
    first, second = crash_batches()
    stores = new_stores()
    f = folder(stores)
    f.fold(first, NOW)
    before = snapshot(stores)
    emissions = f.fold(second, NOW).emissions
    assert decoded(emissions) == CLOSED_BY_SECOND
    expected = state(stores)

    emitted = {e.window_id for e in emissions[:sent]}
    restarted = from_tables(before)
    g = folder(restarted, emitted=emitted)
    again = g.fold(second, NOW)
    assert again.emissions == emissions[sent:]
    assert state(restarted) == expected
    assert g.emitted == set()  # the read-back ids are done with once their windows close


PERSISTED = {
    "nothing": (),
    "everything": NAMES,
    "windows-only": ("windows",),
    "totals-only": ("totals",),
    "all-but-windows": ("totals", "articles", "campaigns", "series", "dedup"),
    "all-but-totals": ("articles", "campaigns", "series", "dedup", "windows"),
    "all-but-series": ("totals", "articles", "campaigns", "dedup", "windows"),
    "totals-and-windows": ("totals", "windows"),
}


@pytest.mark.parametrize("persisted", list(PERSISTED.values()), ids=list(PERSISTED))
def test_a_closing_batch_partly_persisted_replays_exactly(persisted: tuple[str, ...]) -> None:
    """Records sent (and read back), then a crash between the tables' changelog writes.

    The replay must send nothing again and complete exactly the state a crash-free run
    has: in particular the records the batch put in the windows it closed were
    accepted, not late, and stay in the per-minute series.
    """
    first, second = crash_batches()
    stores = new_stores()
    f = folder(stores)
    f.fold(first, NOW)
    before = snapshot(stores)
    emissions = f.fold(second, NOW).emissions
    after = snapshot(stores)
    expected = state(stores)

    restarted = from_tables({n: after[n] if n in persisted else before[n] for n in NAMES})
    g = folder(restarted, emitted={e.window_id for e in emissions})
    assert g.fold(second, NOW).emissions == []
    assert state(restarted) == expected


def test_closed_minutes_stay_closed_after_a_restart() -> None:
    stores = new_stores()
    feed = Feed()
    f = folder(stores)
    f.fold(feed([view(1, "cms:1", t=10, reader=rdr(1)), view(2, "cms:1", t=70)]), NOW)
    assert decoded(f.fold(feed([view(3, "cms:2", t=400)]), NOW).emissions) == [
        readership(0, "cms:1", None, views=1, readers=1)
    ]

    stores = recovered(stores)
    g = folder(stores)
    assert g.closer.closed_before == M0 + 1
    assert g.watermark == T0.timestamp() + 400
    tally = g.fold(
        feed(
            [
                view(4, "cms:1", t=30, reader=rdr(2)),  # minute 0: closed before the restart
                view(5, "cms:1", t=61, reader=rdr(3)),  # minute 1: still open
                view(6, "cms:2", t=500),
            ]
        ),
        NOW,
    )
    assert tally.counts[("rec", PAGE_VIEWS, "late")] == 1
    assert tally.counts[("rec", PAGE_VIEWS, "accepted")] == 2
    assert decoded(tally.emissions) == [
        readership(1, "cms:1", None, views=2, readers=2),
    ]
    assert open_windows(stores) == {"r|cms:2|6", "r|cms:2|8"}
    assert series(stores, "a|cms:1", 0, 0) == {"views": 1}


def test_a_closed_window_whose_deletion_was_not_saved_is_dropped_not_sent() -> None:
    """`p|closed` saved, the windows table not: the restart purges the closed windows."""
    stores = new_stores()
    feed = Feed()
    f = folder(stores)
    f.fold(feed([view(1, "cms:1", t=10), view(2, "cms:1", t=70, reader=rdr(2))]), NOW)
    before = snapshot(stores)
    closing = feed([view(3, "cms:2", t=400)])
    assert len(f.fold(closing, NOW).emissions) == 1
    after = snapshot(stores)

    restarted = from_tables({**after, "windows": before["windows"]})
    g = folder(restarted)
    assert open_windows(restarted) == {"r|cms:1|1"}  # minute 0 purged
    assert g.fold(closing, NOW).emissions == []
    assert state(restarted) == state(from_tables(after))
    tally = g.fold(feed([view(4, "cms:2", t=500)]), NOW)
    assert decoded(tally.emissions) == [readership(1, "cms:1", None, views=1, readers=1)]


# -------------------------------------------------------------------------- readers


def test_readers_per_window_are_distinct_and_bots_are_apart() -> None:
    stores = new_stores()
    batch = numbered(
        [
            article(1, "cms:1", "culture", t=0),
            view(2, "cms:1", t=1, reader=rdr(1)),
            view(3, "cms:1", t=2, reader=rdr(1)),
            view(4, "cms:1", t=3, reader=rdr(2)),
            view(5, "cms:1", t=4, reader=rdr(1)),
            view(6, "cms:1", t=5, reader=rdr(3)),
            view(7, "cms:1", t=6, reader="rdr_crawler1", user_agent=GOOGLEBOT),
            view(8, "cms:1", t=7, reader="rdr_crawler2", user_agent="curl/8.5.0"),
            view(9, "cms:bots", t=8, reader="rdr_crawler1", user_agent=GOOGLEBOT),
            view(10, "cms:1", t=61, reader=rdr(1)),  # minute 1: a reader again
            view(11, "cms:2", t=420, reader=rdr(9)),
        ]
    )
    tally = folder(stores).fold(batch, NOW)
    assert decoded(tally.emissions) == [
        readership(0, "cms:1", "culture", views=5, readers=3, bot_views=2),
        readership(0, "cms:bots", None, views=0, readers=0, bot_views=1),
        readership(1, "cms:1", "culture", views=1, readers=1),
    ]
    assert total(stores, "bot") == 3


@pytest.mark.parametrize("n", [1, 2, 9, 100, 1000])
def test_readers_per_window_are_exact_for_small_windows(n: int) -> None:
    views = [view(i + 1, "cms:1", t=i * 50 / n, reader=rdr(i)) for i in range(n)]
    repeats = [view(n + 1 + i, "cms:1", t=55, reader=rdr(i)) for i in range(min(n, 5))]
    batch = numbered([*views, *repeats, view(2 * n + 10, "cms:2", t=360)])
    tally = folder(new_stores()).fold(batch, NOW)
    assert decoded(tally.emissions) == [
        readership(0, "cms:1", None, views=n + min(n, 5), readers=n)
    ]


def test_readers_per_window_are_within_two_percent_for_large_windows() -> None:
    n = 5000
    records = [view(i + 1, "cms:1", t=i * 59 / n, reader=rdr(i)) for i in range(n)]
    stores = new_stores()
    f = folder(stores)
    feed = Feed()
    for start in range(0, n, 1000):  # several batches: the sketch is saved between them
        assert f.fold(feed(records[start : start + 1000]), NOW).emissions == []
    [(_, _, record)] = decoded(f.fold(feed([view(n + 1, "cms:2", t=360)]), NOW).emissions)
    assert record["views"] == n
    assert abs(record["readers"] - n) <= 0.02 * n


# --------------------------------------------------------------------------- section


def test_section_is_null_until_known_and_taken_when_the_window_closes() -> None:
    stores = new_stores()
    f = folder(stores)
    feed = Feed()
    f.fold(
        feed(
            [
                view(1, "cms:1", t=60, reader=rdr(1)),  # before its publication
                article(2, "cms:1", "world", t=70),
                view(3, "cms:2", t=61, reader=rdr(1)),  # never published
                view(4, "cms:3", t=62, reader=rdr(1)),  # published after minute 1 closed
            ]
        ),
        NOW,
    )
    tally = f.fold(feed([article(5, "cms:1", "climate", t=100), view(6, None, t=420)]), NOW)
    assert decoded(tally.emissions) == [
        readership(1, "cms:1", "climate", views=1, readers=1),
        readership(1, "cms:2", None, views=1, readers=1),
        readership(1, "cms:3", None, views=1, readers=1),
    ]
    f.fold(feed([article(7, "cms:3", "sport", t=430), view(8, "cms:3", t=440)]), NOW)
    tally = f.fold(feed([view(9, None, t=780)]), NOW)
    assert decoded(tally.emissions) == [readership(7, "cms:3", "sport", views=1, readers=1)]


# ---------------------------------------------------------------------------- funnel


def test_funnel_windows_count_banner_actions_per_variant_and_minute() -> None:
    batch = numbered(
        [
            banner(1, "shown", t=60),
            banner(2, "shown", t=70),
            banner(3, "clicked", t=75),
            banner(4, "dismissed", t=80, reason="close"),
            banner(5, "dismissed", t=85, reason="remind_later"),
            banner(6, "dismissed", t=86, reason="remind_later"),
            banner(7, "shown", t=90, variant="a_control"),
            banner(8, "shown", t=130),
            banner(9, "shown", t=500, campaign="spring-appeal"),  # closes minutes 1 and 2
        ]
    )
    stores = new_stores()
    tally = folder(stores).fold(batch, NOW)
    assert decoded(tally.emissions) == [
        funnel(1, CAMPAIGN, "a_control", shown=1),
        funnel(
            1, CAMPAIGN, "b_urgent", shown=2, clicked=1, dismissed_close=1, dismissed_remind_later=2
        ),
        funnel(2, CAMPAIGN, "b_urgent", shown=1),
    ]
    assert tally.emissions[0].key == f"{CAMPAIGN}|a_control".encode()
    assert tally.emissions[0].window_id == f"f|{CAMPAIGN}|a_control|{M0 + 1}"
    assert open_windows(stores) == {"f|spring-appeal|b_urgent|8"}


def test_funnel_windows_of_capped_labels_are_under_other() -> None:
    batch = numbered(
        [
            banner(1, "shown", t=0, campaign="c1", variant="a"),
            banner(2, "shown", t=1, campaign="c2", variant="a"),
            banner(3, "clicked", t=2, campaign="c3", variant="b"),
            banner(4, "shown", t=400, campaign="c1", variant="a"),
        ]
    )
    tally = folder(new_stores(), label_cap=1).fold(batch, NOW)
    assert decoded(tally.emissions) == [
        funnel(0, "c1", "a", shown=1),
        funnel(0, "other", "other", shown=1, clicked=1),
    ]


def test_funnel_windows_count_donations_with_amounts_per_currency() -> None:
    batch = numbered(
        [
            banner(1, "shown", t=60),
            donation(2, 500, t=65, frequency="monthly", campaign=CAMPAIGN, variant="b_urgent"),
            donation(3, 1000, t=70, currency="EUR", campaign=CAMPAIGN, variant="b_urgent"),
            donation(4, 250, t=75, frequency="annual", campaign=CAMPAIGN, variant="b_urgent"),
            donation(5, 1000, t=90, currency="EUR", campaign="spring-appeal"),  # no variant
            donation(6, 700, t=130, campaign=CAMPAIGN, variant="b_urgent"),
            view(7, "cms:1", t=500),  # closes minutes 1 and 2
        ]
    )
    tally = folder(new_stores()).fold(batch, NOW)
    assert decoded(tally.emissions) == [
        funnel(1, CAMPAIGN, "b_urgent", shown=1, donations=3, amount={"EUR": 1000, "USD": 750}),
        funnel(1, "spring-appeal", "none", donations=1, amount={"EUR": 1000}),
        funnel(2, CAMPAIGN, "b_urgent", donations=1, amount={"USD": 700}),
    ]


def test_unattributed_donations_have_their_funnel_window() -> None:
    batch = numbered(
        [
            donation(1, 150000, t=10, currency="RUB"),
            donation(2, 300, t=20, frequency="monthly"),
            donation(3, 250, t=30, variant="b_urgent"),  # a variant alone: unattributed
            view(4, "cms:1", t=400),
        ]
    )
    tally = folder(new_stores()).fold(batch, NOW)
    assert decoded(tally.emissions) == [
        funnel(0, "unattributed", "none", donations=3, amount={"RUB": 150000, "USD": 550}),
    ]
    assert tally.emissions[0].key == b"unattributed|none"
