"""PartitionFolder: what a batch counts, and that it counts it exactly once.

Records are built the way the worker builds them (tests/support/folding.py): a real
event is validated by `decode`, encoded by the router (`encode_valid`/`encode_invalid`)
and read back with `decode_routed`. State lives in DictStores; a "recovered" copy goes
through JSON, as the changelog does.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import folding
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
    banner,
    changes,
    donation,
    eid,
    folder,
    from_tables,
    invalid,
    new_stores,
    numbered,
    recovered,
    routed,
    snapshot,
    table,
    total,
    view,
)

from streams.ingest.fold import Stores, Tally
from streams.ingest.route import Routed
from streams.readership.article import current_section, new_article
from streams.readership.meta import meta_field
from streams.readership.queries import readers_estimate, span_sums
from streams.store import DictStore


def state(stores: Stores) -> dict[str, Any]:
    """`folding.state` less the watermark's per-batch history: the runs compared here
    cut their batches at different records."""
    return folding.state(stores, watermark_history=False)


def state_of(data: dict[str, Any]) -> dict[str, Any]:
    """`state` of a snapshot."""
    return state(from_tables(data))


def assert_empty(tally: Tally) -> None:
    assert tally.counts == Counter()
    assert tally.dead_letters == []
    assert tally.lags == {}
    assert tally.newest == {}


# ------------------------------------------------------------------------ what counts


def test_page_views_by_section() -> None:
    stores = new_stores()
    batch = numbered(
        [
            view(1, "cms:1", reader="rdr_aaaaaaaa"),  # before publication: unknown
            view(2, None, referrer=None, device="desktop"),  # a front page: none
            article(3, "cms:1", "world", t=90),
            view(4, "cms:1", t=120, reader="rdr_bbbbbbbb"),
            view(5, "cms:1", t=180, reader="rdr_aaaaaaaa", device="tablet"),
        ]
    )
    tally = folder(stores).fold(batch, NOW)
    assert total(stores, "pv|unknown") == 1
    assert total(stores, "pv|none") == 1
    assert total(stores, "pv|world") == 2
    assert total(stores, "pub|world") == 1
    assert total(stores, f"rec|{PAGE_VIEWS}|accepted") == 4
    assert total(stores, f"rec|{ARTICLES}|accepted") == 1
    assert tally.counts == Counter(
        {
            ("pv", "unknown", "search", "mobile"): 1,
            ("pv", "none", "direct", "desktop"): 1,
            ("pv", "world", "search", "mobile"): 1,
            ("pv", "world", "search", "tablet"): 1,
            ("pub", "world"): 1,
            ("rec", PAGE_VIEWS, "accepted"): 4,
            ("rec", ARTICLES, "accepted"): 1,
        }
    )
    art = stores.articles.get(f"{P}|cms:1")
    assert art is not None
    assert art["views"] == 3
    assert art["bots"] == 0
    assert meta_field(art["meta"], "section") == "world"
    assert readers_estimate(art) == 2
    minute = int(T0.timestamp() // 60)
    assert span_sums(table(stores.series), f"{P}|a|cms:1", minute, minute + 59) == {"views": 3}
    assert span_sums(table(stores.series), f"{P}|a|cms:1", minute + 2, minute + 2) == {"views": 1}
    assert stores.articles.get(f"{P}|None") is None  # front pages have no article state


def test_bots_are_counted_apart_and_never_as_readership() -> None:
    stores = new_stores()
    batch = numbered(
        [
            article(1, "cms:2", "culture"),
            view(2, "cms:2", user_agent=GOOGLEBOT, reader="rdr_crawler1"),
            view(3, None, user_agent="curl/8.5.0", reader="rdr_crawler2"),
            view(4, "cms:2", reader="rdr_human001"),
        ]
    )
    tally = folder(stores).fold(batch, NOW)
    assert total(stores, "bot") == 2
    assert total(stores, "pv|culture") == 1
    assert total(stores, "pv|none") is None
    assert tally.counts[("bot",)] == 2
    assert sum(n for k, n in tally.counts.items() if k[0] == "pv") == 1
    art = stores.articles.get(f"{P}|cms:2")
    assert art is not None
    assert (art["views"], art["bots"]) == (1, 1)
    assert readers_estimate(art) == 1  # the crawler is not a reader
    minute = int(T0.timestamp() // 60)
    assert span_sums(table(stores.series), f"{P}|a|cms:2", minute, minute + 59) == {"views": 1}
    assert total(stores, f"rec|{PAGE_VIEWS}|accepted") == 3  # bots are accepted records


def test_a_new_article_counts_once_and_an_update_not_at_all() -> None:
    stores = new_stores()
    batch = numbered(
        [
            article(1, "cms:3", "world", title="First title"),
            article(2, "cms:3", "climate", t=30, title="Corrected title"),
            article(3, "cms:4", "world", t=40),
        ]
    )
    tally = folder(stores).fold(batch, NOW)
    assert total(stores, "pub|world") == 2
    assert total(stores, "pub|climate") is None
    assert tally.counts[("pub", "world")] == 2
    assert ("pub", "climate") not in tally.counts
    assert tally.counts[("rec", ARTICLES, "accepted")] == 3
    art = stores.articles.get(f"{P}|cms:3")
    assert art is not None
    assert meta_field(art["meta"], "title") == "Corrected title"
    assert meta_field(art["meta"], "section") == current_section(art) == "climate"
    # A later batch with another update: still not new.
    tally = folder(stores).fold(numbered([article(4, "cms:3", "world", t=50)], 3), NOW)
    assert total(stores, "pub|world") == 2
    assert ("pub", "world") not in tally.counts
    assert meta_field(art["meta"], "section") == current_section(art) == "world"
    # the metadata's section where the history is missing (a value from before it)
    assert current_section({**art, "sections": []}) == "world"
    assert current_section(new_article()) is None


def test_an_article_first_seen_through_its_views_is_still_new_when_published() -> None:
    stores = new_stores()
    f = folder(stores)
    f.fold(numbered([view(1, "cms:5")]), NOW)
    tally = f.fold(numbered([article(2, "cms:5", "sport")], 1), NOW)
    assert total(stores, "pub|sport") == 1
    assert tally.counts[("pub", "sport")] == 1
    assert total(stores, "pv|unknown") == 1
    assert total(stores, "pv|sport") is None  # views are not re-labelled afterwards


@pytest.mark.parametrize(
    ("kind", "reason", "action"),
    [
        ("shown", None, "shown"),
        ("clicked", None, "clicked"),
        ("dismissed", "close", "dismissed_close"),
        ("dismissed", "remind_later", "dismissed_remind_later"),
    ],
)
def test_each_banner_action(kind: str, reason: str | None, action: str) -> None:
    stores = new_stores()
    tally = folder(stores).fold(numbered([banner(1, kind, reason=reason)]), NOW)
    assert tally.counts == Counter(
        {("ban", CAMPAIGN, "b_urgent", action): 1, ("rec", BANNERS, "accepted"): 1}
    )
    row = stores.campaigns.get(f"{P}|{CAMPAIGN}|b_urgent")
    assert row is not None
    for name in ("shown", "clicked", "dismissed_close", "dismissed_remind_later"):
        assert row[name] == (1 if name == action else 0)
    minute = int(T0.timestamp() // 60) + 1
    assert span_sums(table(stores.series), f"{P}|c|{CAMPAIGN}|b_urgent", minute, minute) == {
        action: 1
    }


def test_banner_funnel_per_variant() -> None:
    stores = new_stores()
    batch = numbered(
        [
            banner(1, "shown"),
            banner(2, "shown", variant="a_control"),
            banner(3, "shown"),
            banner(4, "clicked"),
            banner(5, "dismissed", variant="a_control", reason="close"),
        ]
    )
    folder(stores).fold(batch, NOW)
    b = stores.campaigns.get(f"{P}|{CAMPAIGN}|b_urgent")
    a = stores.campaigns.get(f"{P}|{CAMPAIGN}|a_control")
    assert b is not None
    assert a is not None
    assert (b["shown"], b["clicked"], b["dismissed_close"]) == (2, 1, 0)
    assert (a["shown"], a["clicked"], a["dismissed_close"]) == (1, 0, 1)


def test_donations_attributed_and_unattributed() -> None:
    stores = new_stores()
    batch = numbered(
        [
            donation(1, 500, "USD", "monthly", CAMPAIGN, "b_urgent"),
            donation(2, 150000, "RUB", "one_time"),
            donation(3, 1000, "EUR", "annual", "spring-appeal"),  # a campaign, no variant
            donation(4, 250, "USD", "one_time", variant="b_urgent"),  # a variant alone
        ]
    )
    tally = folder(stores).fold(batch, NOW)
    attributed = stores.campaigns.get(f"{P}|{CAMPAIGN}|b_urgent")
    unattributed = stores.campaigns.get(f"{P}|unattributed|none")
    no_variant = stores.campaigns.get(f"{P}|spring-appeal|none")
    assert attributed is not None
    assert unattributed is not None
    assert no_variant is not None
    assert attributed["donations"] == {"monthly": 1}
    assert attributed["amount"] == {"USD": 500}
    assert unattributed["donations"] == {"one_time": 2}
    assert unattributed["amount"] == {"RUB": 150000, "USD": 250}
    assert no_variant["donations"] == {"annual": 1}
    assert no_variant["amount"] == {"EUR": 1000}
    assert tally.counts == Counter(
        {
            ("don", CAMPAIGN, "b_urgent", "monthly"): 1,
            ("don", "unattributed", "none", "one_time"): 2,
            ("don", "spring-appeal", "none", "annual"): 1,
            ("amt", "USD"): 750,
            ("amt", "RUB"): 150000,
            ("amt", "EUR"): 1000,
            ("rec", DONATIONS, "accepted"): 4,
        }
    )
    minute = int(T0.timestamp() // 60) + 2
    assert span_sums(table(stores.series), f"{P}|c|unattributed|none", minute, minute) == {
        "donations": 2,
        "amount:RUB": 150000,
        "amount:USD": 250,
    }


def test_duplicates_count_only_as_duplicates() -> None:
    first = view(1, "cms:6")
    gift = donation(2, 500, campaign=CAMPAIGN, variant="b_urgent")
    upper = {**first, "event_id": first["event_id"].upper()}
    stores = new_stores()
    batch = numbered([first, gift, first, upper, gift, article(3, "cms:6", "world")])
    tally = folder(stores).fold(batch, NOW)
    assert total(stores, f"rec|{PAGE_VIEWS}|accepted") == 1
    assert total(stores, f"rec|{PAGE_VIEWS}|duplicate") == 2
    assert total(stores, f"rec|{DONATIONS}|accepted") == 1
    assert total(stores, f"rec|{DONATIONS}|duplicate") == 1
    assert total(stores, "pv|unknown") == 1
    art = stores.articles.get(f"{P}|cms:6")
    assert art is not None
    assert art["views"] == 1
    row = stores.campaigns.get(f"{P}|{CAMPAIGN}|b_urgent")
    assert row is not None
    assert row["donations"] == {"one_time": 1}
    assert row["amount"] == {"USD": 500}
    assert tally.counts[("amt", "USD")] == 500
    assert tally.counts[("rec", PAGE_VIEWS, "duplicate")] == 2
    assert tally.counts[("rec", DONATIONS, "duplicate")] == 1
    # A later batch, another process: still a duplicate.
    later = folder(recovered(stores))
    tally = later.fold(numbered([first], 100), NOW)
    assert tally.counts == Counter({("rec", PAGE_VIEWS, "duplicate"): 1})


def test_invalid_markers_count_as_invalid_and_nothing_else() -> None:
    stores = new_stores()
    batch = numbered(
        [
            invalid(PAGE_VIEWS, 10, "not_json"),
            invalid(PAGE_VIEWS, 11, "future_timestamp"),
            invalid(DONATIONS, 3, "invalid_field"),
        ]
    )
    f = folder(stores)
    tally = f.fold(batch, NOW)
    assert tally.counts == Counter(
        {("rec", PAGE_VIEWS, "invalid"): 2, ("rec", DONATIONS, "invalid"): 1}
    )
    assert tally.lags == {}
    assert tally.newest == {}
    assert [(r.identity, r.reason) for r in tally.dead_letters] == [
        (f"{PAGE_VIEWS}/0/10", "not_json"),
        (f"{PAGE_VIEWS}/0/11", "future_timestamp"),
        (f"{DONATIONS}/0/3", "invalid_field"),
    ]
    assert total(stores, f"rec|{PAGE_VIEWS}|invalid") == 2
    assert total(stores, f"rec|{DONATIONS}|invalid") == 1
    assert f.watermark == 0.0  # the router's clock is not event time
    assert table(stores.articles) == {}
    assert table(stores.campaigns) == {}
    assert table(stores.series) == {}


def test_lags_newest_and_watermark() -> None:
    stores = new_stores()
    f = folder(stores)
    tally = f.fold(
        numbered([view(1, "cms:7", t=100), view(2, "cms:7", t=40), banner(3, "shown", t=70)]), NOW
    )
    t0 = T0.timestamp()
    assert tally.newest == {PAGE_VIEWS: t0 + 100, BANNERS: t0 + 70}
    assert sorted(tally.lags[PAGE_VIEWS]) == [NOW - t0 - 100, NOW - t0 - 40]
    assert f.watermark == t0 + 100
    assert folder(stores).watermark == t0 + 100  # durable


# ----------------------------------------------------------------- exactness under replay


def rich_batch() -> list[Routed | dict[str, Any]]:
    """Every kind of record, duplicates and invalid ones among them."""
    pv = view(10, "cms:100", t=65, reader="rdr_reader01")
    gift = donation(20, 500, "USD", "monthly", CAMPAIGN, "b_urgent", t=130)
    return [
        pv,
        view(11, None, t=66, referrer=None, device="desktop"),
        article(12, "cms:100", "world", t=70),
        view(13, "cms:100", t=75, reader="rdr_reader02", device="tablet"),
        view(14, "cms:100", t=80, user_agent=GOOGLEBOT, reader="rdr_crawler1"),
        invalid(PAGE_VIEWS, 77, "not_json"),
        pv,  # duplicate
        banner(15, "shown", t=90),
        banner(16, "shown", t=91, variant="a_control"),
        banner(17, "clicked", t=95),
        banner(18, "dismissed", t=96, variant="a_control", reason="close"),
        banner(19, "dismissed", t=150, reason="remind_later"),
        gift,
        donation(21, 150000, "RUB", "one_time", t=190),
        gift,  # duplicate
        article(22, "cms:100", "climate", t=200, title="Updated"),
        view(23, "cms:100", t=230, reader="rdr_reader01"),
        view(24, "cms:101", t=240, reader="rdr_reader03"),
        invalid(DONATIONS, 5, "too_deep"),
        article(25, "cms:101", "culture", t=250),
    ]


def tail() -> list[Routed | dict[str, Any]]:
    """Records after the batch: new ones and repeats of records early in the batch."""
    return [
        view(30, "cms:101", t=300, reader="rdr_reader04"),
        view(10, "cms:100", t=65, reader="rdr_reader01"),  # a repeat of the first record
        donation(31, 700, "USD", "monthly", CAMPAIGN, "b_urgent", t=310),
        banner(16, "shown", t=91, variant="a_control"),  # a repeat
        invalid(BANNERS, 9, "unknown_event_type"),
        banner(32, "clicked", t=320, variant="a_control"),
    ]


def summed(*tallies: Tally) -> Counter[tuple[str, ...]]:
    out: Counter[tuple[str, ...]] = Counter()
    for t in tallies:
        out.update(t.counts)
    return out


def test_the_rich_batch_counts_what_it_should() -> None:
    stores = new_stores()
    tally = folder(stores).fold(numbered(rich_batch()), NOW)
    assert total(stores, "pv|unknown") == 2  # cms:100 and cms:101 before publication
    assert total(stores, "pv|none") == 1
    assert total(stores, "pv|world") == 1
    assert total(stores, "pv|climate") == 1
    assert total(stores, "bot") == 1
    assert total(stores, "pub|world") == 1
    assert total(stores, "pub|culture") == 1
    assert total(stores, "pub|climate") is None
    assert tally.counts[("rec", PAGE_VIEWS, "accepted")] == 6
    assert tally.counts[("rec", PAGE_VIEWS, "duplicate")] == 1
    assert tally.counts[("rec", PAGE_VIEWS, "invalid")] == 1
    assert tally.counts[("rec", DONATIONS, "duplicate")] == 1
    assert tally.counts[("amt", "USD")] == 500


def test_replaying_a_batch_changes_nothing() -> None:
    stores = new_stores()
    f = folder(stores)
    batch = numbered(rich_batch())
    f.fold(batch, NOW)
    changes(stores)
    before = snapshot(stores)
    tally = f.fold(batch, NOW + 60)
    assert_empty(tally)
    assert snapshot(stores) == before
    assert changes(stores) == {}  # nothing to write to the changelogs either


@pytest.mark.parametrize("start", [0, 1, 7, 14, 19])
@pytest.mark.parametrize("restart", ["same-folder", "new-folder", "recovered-stores"])
def test_an_overlapping_replay_is_exact(start: int, restart: str) -> None:
    """Fold a batch, then a batch from `start` on plus new records: as if folded once."""
    batch = numbered(rich_batch())
    extra = numbered(tail(), len(batch))

    reference = new_stores()
    expected = folder(reference).fold(batch + extra, NOW)

    stores = new_stores()
    f = folder(stores)
    first = f.fold(batch, NOW)
    if restart == "new-folder":
        f = folder(stores)
    elif restart == "recovered-stores":
        stores = recovered(stores)
        f = folder(stores)
    changes(stores)
    replay = f.fold(batch[start:], NOW)
    assert_empty(replay)
    assert changes(stores) == {}
    second = f.fold(batch[start:] + extra, NOW)

    assert state(stores) == state(reference)
    assert summed(first, second) == expected.counts
    assert second.counts[("rec", PAGE_VIEWS, "duplicate")] == 1
    assert second.counts[("rec", BANNERS, "duplicate")] == 1
    assert second.counts[("rec", BANNERS, "invalid")] == 1


@pytest.mark.parametrize("restart", ["new-folder", "recovered-stores"])
def test_a_restarted_folder_replaying_the_batch_changes_nothing(restart: str) -> None:
    stores = new_stores()
    batch = numbered(rich_batch())
    folder(stores).fold(batch, NOW)
    before = snapshot(stores)
    if restart == "recovered-stores":
        stores = recovered(stores)
    changes(stores)
    f = folder(stores)
    assert_empty(f.fold(batch, NOW + 600))
    assert_empty(f.fold(batch[5:12], NOW + 600))
    assert snapshot(stores) == before
    assert changes(stores) == {}


def second_batch() -> list[Routed | dict[str, Any]]:
    """A batch after `rich_batch`: every kind of change again, and a repeat of it."""
    return [
        article(40, "cms:102", "sport", t=400),
        view(41, "cms:102", t=410, reader="rdr_reader05"),
        view(42, "cms:100", t=420, reader="rdr_reader06"),
        view(43, "cms:102", t=425, user_agent=GOOGLEBOT, reader="rdr_crawler1"),
        view(10, "cms:100", t=65, reader="rdr_reader01"),  # a repeat from the first batch
        banner(44, "shown", t=430),
        banner(45, "dismissed", t=431, reason="remind_later"),
        donation(46, 2500, "EUR", "annual", CAMPAIGN, "a_control", t=440),
        donation(47, 300, "USD", "one_time", t=445),
        invalid(DONATIONS, 6, "invalid_field"),
    ]


PERSISTED = {
    "nothing": (),
    "everything": NAMES,
    "dedup-only": ("dedup",),
    "totals-only": ("totals",),
    "articles-only": ("articles",),
    "all-but-articles": ("totals", "campaigns", "series", "dedup"),
    "all-but-campaigns": ("totals", "articles", "series", "dedup"),
    "all-but-series": ("totals", "articles", "campaigns", "dedup"),
    "all-but-totals": ("articles", "campaigns", "series", "dedup"),
    "totals-record-counts-only": ("totals|rec",),
}


@pytest.mark.parametrize("persisted", list(PERSISTED.values()), ids=list(PERSISTED))
def test_a_partly_persisted_batch_replays_exactly(persisted: tuple[str, ...]) -> None:
    """A crash between a batch's changelog writes, then the replay of that batch.

    The tables' changelogs are separate topic partitions written without a transaction
    (at-least-once), so a crash can leave some of a batch's writes in Kafka and not
    others; the input offsets are not committed, so the batch is replayed onto what was
    recovered. Each key remembers its own offset: the replay must complete exactly what
    is missing, whatever subset made it.
    """
    first = numbered(rich_batch())
    second = numbered(second_batch(), len(first))
    stores = new_stores()
    f = folder(stores)
    f.fold(first, NOW)
    before = snapshot(stores)
    f.fold(second, NOW)
    after = snapshot(stores)
    assert before != after
    expected = state(stores)

    data = {name: after[name] if name in persisted else before[name] for name in NAMES}
    if "totals|rec" in persisted:
        rec = {k: v for k, v in after["totals"].items() if k.startswith(f"{P}|rec|")}
        data["totals"] = {**before["totals"], **rec}
    restarted = Stores(**{name: DictStore(data[name]) for name in NAMES})
    folder(restarted).fold(second, NOW)
    assert state(restarted) == expected


def test_readers_stay_distinct_across_a_restart() -> None:
    stores = new_stores()
    folder(stores).fold(numbered([view(1, "cms:8", reader="rdr_reader01")]), NOW)
    stores = recovered(stores)
    f = folder(stores)
    f.fold(
        numbered(
            [view(2, "cms:8", reader="rdr_reader01"), view(3, "cms:8", reader="rdr_reader02")],
            1,
        ),
        NOW,
    )
    art = stores.articles.get(f"{P}|cms:8")
    assert art is not None
    assert art["views"] == 3
    assert readers_estimate(art) == 2


def test_a_marker_the_router_sent_twice_counts_once() -> None:
    """The router is at-least-once: after a crash it re-sends the same input record.

    An invalid record comes back as the same marker (same identity and source: the
    input record's topic/partition/offset), which must not be counted, nor
    dead-lettered, a second time.
    """
    stores = new_stores()
    f = folder(stores)
    first = f.fold([(0, invalid(PAGE_VIEWS, 42, "not_json"))], NOW)
    again = f.fold([(1, invalid(PAGE_VIEWS, 42, "not_json"))], NOW + 5)
    assert first.counts == Counter({("rec", PAGE_VIEWS, "invalid"): 1})
    assert len(first.dead_letters) == 1
    assert_empty(again)
    assert total(stores, f"rec|{PAGE_VIEWS}|invalid") == 1
    assert total(stores, f"rec|{PAGE_VIEWS}|duplicate") is None


@pytest.mark.parametrize("restart", [False, True])
def test_a_valid_record_the_router_sent_twice_is_not_an_event(restart: bool) -> None:
    """Same event, same input record, new routed offset: a copy, neither counted nor a duplicate."""
    stores = new_stores()
    original = routed(view(1, "cms:9"), "3:77")
    folder(stores).fold([(0, original), (1, routed(banner(2, "shown"), "3:78"))], NOW)
    before = snapshot(stores)
    f = folder(recovered(stores)) if restart else folder(stores)
    copies = [(2, routed(view(1, "cms:9"), "3:77")), (3, routed(banner(2, "shown"), "3:78"))]
    tally = f.fold(copies, NOW)
    assert_empty(tally)
    assert state(f.stores) == state_of(before)
    # ...while the same event from another input record is a duplicate
    tally = f.fold([(4, routed(view(1, "cms:9"), "3:90"))], NOW)
    assert tally.counts == Counter({("rec", PAGE_VIEWS, "duplicate"): 1})


def test_the_same_event_id_on_two_topics_is_never_dropped_silently() -> None:
    """Sources are "topic/partition/offset" of the input record: offsets are per topic.

    A client that reuses one event_id for a page view and a banner event (a known kind of
    client bug) can have both at the same partition and offset of their two topics
    (offset 0 of partition 0 on a fresh cluster). The second is a duplicate of the first
    by the contract (one count per event_id) and must be counted as such: taking it for
    a router copy drops a record without counting it.
    """
    shared = eid(500)
    pv = {**view(1, None), "event_id": shared}
    shown = {**banner(2, "shown"), "event_id": shared}
    stores = new_stores()
    sources = (f"{PAGE_VIEWS}/0/0", f"{BANNERS}/0/0")
    tally = folder(stores).fold([(0, routed(pv, sources[0])), (1, routed(shown, sources[1]))], NOW)
    assert tally.counts[("rec", PAGE_VIEWS, "accepted")] == 1
    assert tally.counts[("rec", BANNERS, "duplicate")] == 1


# ----------------------------------------------------------------------------- labels


def test_the_label_cap_folds_new_pairs_into_other() -> None:
    stores = new_stores()
    batch = numbered(
        [
            banner(1, "shown", campaign="c1", variant="a"),
            banner(2, "shown", campaign="c1", variant="b"),
            banner(3, "shown", campaign="c2", variant="a"),  # third pair: other
            donation(4, 900, "USD", "annual", "c3", "x"),  # fourth pair: other
            donation(5, 300, "GBP"),  # unattributed takes no slot
            banner(6, "clicked", campaign="c1", variant="a"),
        ]
    )
    tally = folder(stores, label_cap=2).fold(batch, NOW)
    assert tally.counts[("ban", "c1", "a", "shown")] == 1
    assert tally.counts[("ban", "c1", "b", "shown")] == 1
    assert tally.counts[("ban", "other", "other", "shown")] == 1
    assert tally.counts[("ban", "c1", "a", "clicked")] == 1
    assert tally.counts[("don", "other", "other", "annual")] == 1
    assert tally.counts[("don", "unattributed", "none", "one_time")] == 1
    assert not any(k[1] in ("c2", "c3") for k in tally.counts if k[0] in ("ban", "don"))
    labels = {k.split("|", 1)[1] for k in table(stores.campaigns)}
    assert labels == {"c1|a", "c1|b", "other|other", "unattributed|none"}
    other = stores.campaigns.get(f"{P}|other|other")
    assert other is not None
    assert other["shown"] == 1
    assert other["amount"] == {"USD": 900}

    # The decision is partition state: a new folder (a restart) keeps it.
    for restarted in (folder(stores, label_cap=2), folder(recovered(stores), label_cap=2)):
        more = numbered(
            [
                banner(7, "shown", campaign="c2", variant="a"),
                banner(8, "shown", campaign="c1", variant="b"),
                banner(9, "shown", campaign="c4", variant="z"),
            ],
            len(batch),
        )
        tally = restarted.fold(more, NOW)
        assert tally.counts == Counter(
            {
                ("ban", "other", "other", "shown"): 2,
                ("ban", "c1", "b", "shown"): 1,
                ("rec", BANNERS, "accepted"): 3,
            }
        )
