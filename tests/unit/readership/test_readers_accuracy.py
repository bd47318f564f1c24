"""Distinct readers: the HyperLogLog estimate against the true count, through the folder.

The error is printed (run with -s to see it) and asserted within 2 %, for totals and for
a window, on a generated stream of up to 100,000 readers.
"""

from __future__ import annotations

import random

import orjson
import pytest

from streams.ingest.decode import decode
from streams.ingest.fold import PartitionFolder, Stores
from streams.ingest.route import decode_routed, encode_valid
from streams.readership.queries import readers_estimate
from streams.readership.readers import load, merged_estimate
from streams.store import DictStore

T0 = 1_795_000_000.0 - 1_795_000_000.0 % 60
NOW = T0 + 3600


def page_view(i: int, reader: str, at: float) -> bytes:
    return orjson.dumps(
        {
            "event_id": f"00000000-0000-4000-8000-{i:012d}",
            "event_type": "page.viewed",
            "schema_version": 1,
            "occurred_at": f"{_iso(at)}",
            "article_id": "big-story",
            "url": "https://pulse-news.example/a/big-story",
            "reader_id": reader,
            "session_id": f"s-{reader}",
            "device": "mobile",
        }
    )


def _iso(epoch: float) -> str:
    from datetime import UTC, datetime

    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


@pytest.mark.parametrize("readers", [10, 1_000, 20_000, 100_000])
def test_readers_estimate_within_two_percent(readers: int) -> None:
    rng = random.Random(readers)
    pool = [f"r-{rng.getrandbits(64):016x}" for _ in range(readers)]
    views = [pool[i % readers] for i in range(readers)] + rng.choices(pool, k=readers // 2)
    rng.shuffle(views)
    stores = Stores(*(DictStore() for _ in range(6)))
    folder = PartitionFolder(0, stores, 3600.0, 50, grace=1e9)
    batch = []
    for i, reader in enumerate(views):
        raw = page_view(i, reader, T0 + 5 + (i % 50))  # all in one minute's window
        event = decode("web.page-viewed", raw, NOW, 600.0)
        value = encode_valid("web.page-viewed", event, raw, frozenset(), f"t/0/{i}")[1]  # type: ignore[arg-type]
        batch.append((i, decode_routed(value)))
    for start in range(0, len(batch), 5000):
        folder.fold(batch[start : start + 5000], NOW)

    total = readers_estimate(stores.articles.get("0|big-story") or {})
    window = next(v for k, v in stores.windows.data.items() if "|w|r|big-story|" in k)
    in_window = load(window["r"]).get_estimate()
    merged = merged_estimate([stores.articles.data["0|big-story"]["r"], window["r"]])
    for name, estimate in (("total", total), ("window", in_window), ("merged", merged)):
        error = abs(estimate - readers) / readers
        print(f"readers={readers} {name}: estimate {estimate:.0f}, error {error:.3%}")
        assert error <= 0.02
    if readers <= 1_000:
        assert total == readers  # small articles are counted exactly
