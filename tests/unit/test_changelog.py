"""Changelog records: what Faust's recovery reads back into the same table state."""

from __future__ import annotations

import orjson

from streams.changelog import changelog_records
from streams.store import DictStore


def test_changed_keys_become_json_records_and_deleted_keys_tombstones() -> None:
    store = DictStore({"0|gone": {"o": 1}})
    store.put("0|a|cms:1", {"o": 7, "views": 3, "title": "Саммит"})
    store.put("0|a|cms:2", {"o": 8, "views": 1})
    store.delete("0|gone")
    count, lazy = changelog_records(store, 0)
    records = list(lazy)
    assert count == len(records) == 3
    assert {p for p, _, _ in records} == {0}
    written = {orjson.loads(k): (orjson.loads(v) if v is not None else None) for _, k, v in records}
    assert written == {
        "0|a|cms:1": {"o": 7, "views": 3, "title": "Саммит"},
        "0|a|cms:2": {"o": 8, "views": 1},
        "0|gone": None,
    }
    count, lazy = changelog_records(store, 0)
    assert (count, list(lazy)) == (0, [])  # taken: the next batch starts clean


def test_replaying_the_records_rebuilds_the_store() -> None:
    live = DictStore({"0|old": {"o": 0}})
    for i in range(5):
        live.put(f"0|k{i}", {"o": i, "n": i * i})
    live.delete("0|old")
    recovered: dict[str, object] = {"0|old": {"o": 0}}
    for _, key, value in changelog_records(live, 0)[1]:
        if value is None:
            recovered.pop(orjson.loads(key), None)
        else:
            recovered[orjson.loads(key)] = orjson.loads(value)
    assert recovered == dict(live.data)
