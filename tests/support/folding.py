"""Builders and state helpers for the unit tests that fold batches with PartitionFolder
(test_fold.py, test_windows.py, test_fold_totals.py, test_pulse_metrics.py): one copy,
so that they all build records and read state the same way.

Records are built the way the worker builds them: a real event is validated by `decode`,
encoded by the router (`encode_valid`/`encode_invalid`) and read back with
`decode_routed`. Event times are offsets (seconds) from T0; `now` is passed in, never
read. State lives in DictStores; a "recovered" copy goes through JSON, as the changelog
does.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from schemas import TOPIC_EVENT_TYPES
from schemas.examples import EXAMPLES
from streams.codec import dumps_stored
from streams.ingest.decode import Rejected, decode
from streams.ingest.dedup import segment_entries
from streams.ingest.fold import PartitionFolder, Stores
from streams.ingest.packing import position
from streams.ingest.route import Routed, decode_routed, encode_invalid, encode_valid
from streams.readership.readers import load
from streams.simulate.generate import generate
from streams.simulate.world import build_world
from streams.store import DictStore, Store

P = 1
HORIZON = 3600.0
GRACE = 300.0
T0 = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
NOW = (T0 + timedelta(hours=1)).timestamp()
SITE = frozenset({"news.example.org"})
TOPIC_OF = {t: topic for topic, types in TOPIC_EVENT_TYPES.items() for t in types}
ARTICLES = "cms.article-published"
PAGE_VIEWS = "web.page-viewed"
BANNERS = "web.banner-events"
DONATIONS = "payments.donation-completed"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CAMPAIGN = "giving-tuesday-2026"
NAMES = ("totals", "articles", "campaigns", "series", "dedup", "windows")

# ---------------------------------------------------------------------------- events


def eid(n: int) -> str:
    return f"5e1d0000-0000-4000-8000-{n:012d}"


def at(seconds: float) -> str:
    return (
        (T0 + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _event(kind: str, n: int, t: float, **fields: Any) -> dict[str, Any]:
    event = copy.deepcopy(EXAMPLES[kind][0])
    event.pop("sent_at", None)
    event.update(event_id=eid(n), occurred_at=at(t))
    for name, value in fields.items():
        if value is None:
            event.pop(name, None)
        else:
            event[name] = value
    return event


def article(n: int, article_id: str, section: str, t: float = 0, **more: Any) -> dict[str, Any]:
    return _event(
        "article.published",
        n,
        t,
        article_id=article_id,
        section=section,
        url=f"https://news.example.org/{section}/{article_id.replace(':', '-')}",
        **more,
    )


def view(
    n: int,
    article_id: str | None,
    t: float = 60,
    reader: str = "rdr_7Qm2xV9kLp3T",
    referrer: str | None = "https://www.google.com/",
    device: str = "mobile",
    user_agent: str | None = None,
) -> dict[str, Any]:
    return _event(
        "page.viewed",
        n,
        t,
        article_id=article_id,
        url=f"https://news.example.org/a/{article_id or ''}",
        reader_id=reader,
        referrer=referrer,
        device=device,
        user_agent=user_agent or EXAMPLES["page.viewed"][0]["user_agent"],
    )


def banner(
    n: int,
    kind: str,
    t: float = 60,
    campaign: str = CAMPAIGN,
    variant: str = "b_urgent",
    reason: str | None = None,
) -> dict[str, Any]:
    event = _event("banner.shown", n, t, campaign_id=campaign, variant=variant)
    event["event_type"] = f"banner.{kind}"
    if reason is not None:
        event["reason"] = reason
    return event


def donation(
    n: int,
    amount: int,
    currency: str = "USD",
    frequency: str = "one_time",
    campaign: str | None = None,
    variant: str | None = None,
    t: float = 120,
) -> dict[str, Any]:
    return _event(
        "donation.completed",
        n,
        t,
        amount_minor=amount,
        currency=currency,
        frequency=frequency,
        campaign_id=campaign,
        variant=variant,
    )


# ------------------------------------------------------------------- routed records


def routed(event: dict[str, Any], source: str) -> Routed:
    """The routed record of `event`, read from input record `source` ("partition:offset")."""
    topic = TOPIC_OF[event["event_type"]]
    raw = orjson.dumps(event)
    result = decode(topic, raw, NOW, 600.0)
    assert not isinstance(result, Rejected), result
    _, value = encode_valid(topic, result, raw, SITE, source)
    return decode_routed(value)


def invalid(topic: str, in_offset: int, reason: str = "not_json") -> Routed:
    """A marker for an invalid input record: its time is the router's clock (NOW)."""
    rejected = Rejected(reason, f"{reason}: refused by the router")
    _, value = encode_invalid(topic, 0, in_offset, rejected, b"\x00not an event", NOW)
    return decode_routed(value)


def numbered(
    records: Sequence[Routed | dict[str, Any]], start: int = 0
) -> list[tuple[int, Routed]]:
    """(routed offset, record) pairs from `start`; each event is its own input record."""
    return [
        (start + i, r if isinstance(r, Routed) else routed(r, f"0:{start + i}"))
        for i, r in enumerate(records)
    ]


# --------------------------------------------------------------------------- state


def table(store: Store) -> dict[str, Any]:
    """The data behind a DictStore."""
    assert isinstance(store, DictStore)
    return dict(store.data)


def new_stores() -> Stores:
    return Stores(**{name: DictStore() for name in NAMES})


def snapshot(stores: Stores) -> dict[str, Any]:
    """Every table's content as JSON would keep it (deep, independent of the stores)."""
    return {name: orjson.loads(dumps_stored(dict(getattr(stores, name).data))) for name in NAMES}


def state(stores: Stores, *, watermark_history: bool = True) -> dict[str, Any]:
    """The snapshot, with the ids remembered rather than how they were cut into segments
    (one segment per batch and minute: the cut depends on where batches began).

    With `watermark_history=False` the watermark keeps only its time and minute: its
    per-batch history also depends on where batches began.
    """
    data = snapshot(stores)
    ids: dict[str, tuple[Any, ...]] = {}
    for key, value in data.pop("dedup").items():
        bucket = key.split("|")[2]
        for identity, *where in segment_entries(value):
            ids[identity] = (bucket, *where)
    data["dedup_ids"] = ids
    if not watermark_history:
        for key, value in data["totals"].items():
            if key.endswith("|wm"):
                data["totals"][key] = {"t": value["t"], "m": value["m"]}
    return data


def from_tables(data: dict[str, Any]) -> Stores:
    """Stores holding (a deep copy of) these tables."""
    return Stores(**{name: DictStore(copy.deepcopy(data[name])) for name in NAMES})


def recovered(stores: Stores) -> Stores:
    """What a restarted worker rebuilds from the changelogs: the same keys and values."""
    return from_tables(snapshot(stores))


def changes(stores: Stores) -> dict[str, tuple[dict[str, Any], set[str]]]:
    out: dict[str, tuple[dict[str, Any], set[str]]] = {}
    for name in NAMES:
        changed, deleted = getattr(stores, name).take_changes()
        if changed or deleted:
            out[name] = (changed, deleted)
    return out


# -------------------------------------------------------------------------- folding


def folder(
    stores: Stores, grace: float = GRACE, emitted: set[str] | None = None, label_cap: int = 50
) -> PartitionFolder:
    return PartitionFolder(P, stores, HORIZON, label_cap, grace, emitted)


def total(stores: Stores, key: str) -> int | None:
    """A counter, or a record outcome for `rec|stream|outcome` (outcomes share a key)."""
    if key.startswith("rec|"):
        _, stream, outcome = key.split("|")
        value = stores.totals.get(f"{P}|rec|{stream}")
        return None if value is None or not value[outcome] else value[outcome]
    value = stores.totals.get(f"{P}|{key}")
    return None if value is None else value["n"]


def fold_in_batches(f: PartitionFolder, records: list[tuple[int, Routed]], cuts: list[int]) -> None:
    """Fold `records` in batches cut at the given (relative) positions."""
    bounds = sorted({0, len(records), *(c for c in cuts if 0 < c < len(records))})
    for a, b in itertools.pairwise(bounds):
        f.fold(records[a:b], NOW)


# ------------------------------------------------------------- a simulated log


def simulated_log(
    events: int, encoder: Callable[[int], Callable[..., tuple[bytes, bytes]]] | None = None
) -> list[tuple[int, Routed]]:
    """A realistic routed log of one partition: the simulator's mix at 4 events a second
    (windows close as it goes), with duplicates and malformed records; every 29th page
    view two minutes behind (late, past a 30 s grace), every 31st 70 s behind (out of
    order: late too with 30 s, in time with 90 s), and a donation every 23 records.
    `encoder(offset)` picks the router's encoding of each valid record (default: today's)."""
    start = T0 + timedelta(minutes=5)
    world = build_world(11, start, articles=12, readers=60)
    raws: list[tuple[str, bytes]] = []
    for i, sim in enumerate(generate(world, events, start, 4.0, 0.05, 0.03)):
        value = sim.value
        behind = 120 if i % 29 == 0 else 70 if i % 31 == 0 else 0
        if sim.topic == PAGE_VIEWS and sim.kind == "event" and behind:
            event = orjson.loads(value)
            event["occurred_at"] = at(300 + i / 4.0 - behind)
            value = orjson.dumps(event)
        raws.append((sim.topic, value))
        if i % 23 == 0:
            campaign = ("year-end-2026", "urgent") if i % 2 else (None, None)
            t = 300 + i / 4
            event = donation(10_000 + i, 100 + i, "EUR", "monthly", *campaign, t=t)
            raws.append((DONATIONS, orjson.dumps(event)))
    out = []
    for offset, (topic, raw) in enumerate(raws):
        result = decode(topic, raw, NOW, 600.0)
        if isinstance(result, Rejected):
            _, value = encode_invalid(topic, 0, offset, result, raw, NOW)
        else:
            source = f"{topic}/0/{offset}"
            encode = encode_valid if encoder is None else encoder(offset)
            _, value = encode(topic, result, raw, SITE, source)
        out.append((offset, decode_routed(value)))
    return out


def sketched_state(stores: Stores) -> dict[str, Any]:
    """The state, with each reader sketch as its estimate: a sketch that took the same
    readers in another order serializes to other bytes."""
    data = state(stores, watermark_history=False)
    for name in ("articles", "windows"):
        for value in data[name].values():
            if value.get("r"):
                value["r"] = load(value["r"]).get_estimate()
    return data


def packed_log(
    records: list[tuple[int, Routed]], legacy: int, sizes: Sequence[int]
) -> tuple[list[tuple[int, Routed]], list[int]]:
    """`records` as the folder sees them after an upgrade to packed routing: the first
    `legacy` one a message (position: the offset), the rest packed into messages of
    `sizes` records (cycled), at the offsets that follow. Returns the re-positioned
    records and the indices where a message starts (Kafka never splits one)."""
    out = [(offset, rec) for offset, (_, rec) in enumerate(records[:legacy])]
    starts = list(range(legacy))
    offset, i = legacy, legacy
    for size in itertools.cycle(sizes):
        if i >= len(records):
            break
        starts.append(i)
        chunk = records[i : i + size]
        out.extend((position(offset, j), rec) for j, (_, rec) in enumerate(chunk))
        offset, i = offset + 1, i + len(chunk)
    return out, starts
