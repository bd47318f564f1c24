"""The running totals of folded events, in the /api/v1/totals document."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from folding import new_stores, table

from schemas import TOPIC_EVENT_TYPES
from schemas.examples import EXAMPLES
from streams.ingest.decode import Rejected, decode
from streams.ingest.fold import PartitionFolder, Stores
from streams.ingest.route import Routed, decode_routed, encode_invalid, encode_valid
from streams.totals import contract_totals, local_share, merge_shares

PV = "web.page-viewed"
BAN = "web.banner-events"
DON = "payments.donation-completed"
CMS = "cms.article-published"


def _fold_examples(partition: int) -> Stores:
    stores = new_stores()
    now = datetime(2026, 11, 27, 20, 0, tzinfo=UTC).timestamp()
    topic_of = {t: topic for topic, types in TOPIC_EVENT_TYPES.items() for t in types}
    batch: list[Routed] = []
    for kind, examples in EXAMPLES.items():
        for event in examples:
            raw = orjson.dumps(event)
            result = decode(topic_of[kind], raw, now, 600.0)
            assert not isinstance(result, Rejected)
            source = f"0:{len(batch)}"  # each example is its own input record
            _, value = encode_valid(topic_of[kind], result, raw, frozenset(), source)
            batch.append(decode_routed(value))
    # the first example again, from another input record: a duplicate
    first = EXAMPLES["article.published"][0]
    raw = orjson.dumps(first)
    result = decode(CMS, raw, now, 600.0)
    assert not isinstance(result, Rejected)
    batch.append(decode_routed(encode_valid(CMS, result, raw, frozenset(), "1:0")[1]))
    rejected = Rejected("not_json", "Invalid JSON: expected value at line 1 column 1")
    batch.append(decode_routed(encode_invalid(PV, 0, 3, rejected, b"\x00\x01", now)[1]))
    # the examples are hours apart: a grace that long keeps them all on time
    PartitionFolder(partition, stores, 3600.0, 50, grace=1e9).fold(list(enumerate(batch)), now)
    return stores


def test_folded_examples_in_the_contract_document() -> None:
    shares = []
    for p in (0, 1):
        stores = _fold_examples(p)
        shares.append(local_share(table(stores.totals), table(stores.campaigns), [p]))
    doc = contract_totals(merge_shares(shares))
    # Each worker folded every example once: two partitions, twice the counts.
    assert doc["page_views"] == {"by_section": {"none": 2, "world": 2}, "bots": 0}
    assert doc["articles_published"] == {"by_section": {"moskva": 2, "world": 2}}
    assert doc["donation_amount_minor"] == {"RUB": 300000, "USD": 1000}
    assert {(r["stream"], r["outcome"]): r["count"] for r in doc["records"]} == {
        (CMS, "accepted"): 4,
        (CMS, "duplicate"): 2,
        (PV, "accepted"): 4,
        (PV, "invalid"): 2,
        (BAN, "accepted"): 12,
        (DON, "accepted"): 4,
    }
    banner = {
        (r["campaign_id"], r["variant"], r["action"]): r["count"] for r in doc["banner_events"]
    }
    assert banner == {
        ("giving-tuesday-2026", "b_urgent", "shown"): 2,
        ("giving-tuesday-2026", "a_control", "shown"): 2,
        ("giving-tuesday-2026", "b_urgent", "clicked"): 2,
        ("zima-2026", "control", "clicked"): 2,
        ("giving-tuesday-2026", "a_control", "dismissed_close"): 2,
        ("giving-tuesday-2026", "b_urgent", "dismissed_remind_later"): 2,
    }
    donations = {
        (r["campaign_id"], r["variant"], r["frequency"]): r["count"] for r in doc["donations"]
    }
    assert donations == {
        ("giving-tuesday-2026", "b_urgent", "monthly"): 2,
        ("unattributed", "none", "one_time"): 2,
    }
