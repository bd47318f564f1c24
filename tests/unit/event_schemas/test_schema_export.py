"""The committed JSON Schemas: no drift from the models, valid examples, additive only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from schemas import EVENT_ADAPTER, EVENT_TYPES, SUPPORTED_SCHEMA_VERSION, export
from schemas.compat import breaking_changes
from schemas.examples import EXAMPLES

COMMITTED = sorted(export.SCHEMA_DIR.glob("*/*.json"))


def load(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def test_every_event_type_has_a_baseline_and_a_current_schema() -> None:
    expected = {
        export.SCHEMA_DIR / t / name
        for t in EVENT_TYPES
        for name in (f"{SUPPORTED_SCHEMA_VERSION}.json", "current.json")
    }
    assert set(COMMITTED) == expected


def test_committed_schemas_equal_a_fresh_export() -> None:
    for relative, text in export.current_files().items():
        assert (export.SCHEMA_DIR / relative).read_text(encoding="utf-8") == text, relative
    assert export.check() == []


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_current_differs_from_the_baseline_only_additively(event_type: str) -> None:
    folder = export.SCHEMA_DIR / event_type
    baseline = load(folder / f"{SUPPORTED_SCHEMA_VERSION}.json")
    assert breaking_changes(baseline, load(folder / "current.json")) == []


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_schema_header_and_examples(path: Path) -> None:
    schema = load(path)
    event_type = path.parent.name
    assert schema["title"] == event_type
    assert schema["$id"] == f"/{event_type}/{SUPPORTED_SCHEMA_VERSION}.json"
    assert schema["additionalProperties"] is False
    assert len(schema["examples"]) >= 2
    for example in schema["examples"]:
        event = EVENT_ADAPTER.validate_json(json.dumps(example, ensure_ascii=False).encode())
        assert event.event_type == event_type


def test_examples_include_a_russian_title_and_a_home_page_view() -> None:
    articles = load(export.SCHEMA_DIR / "article.published" / "current.json")["examples"]
    assert any(a["language"] == "ru" and "Москва" in a["title"] for a in articles)
    views = load(export.SCHEMA_DIR / "page.viewed" / "current.json")["examples"]
    assert any("article_id" not in v and v["url"] == "https://news.example.org/" for v in views)


def test_output_is_deterministic_text() -> None:
    text = (export.SCHEMA_DIR / "article.published" / "current.json").read_text("utf-8")
    assert text.endswith("}\n") and '\n  "$id"' in text
    assert "Москва" in text  # UTF-8 as is, not \u escapes
    assert export.render(json.loads(text)) == text


def test_export_writes_into_an_empty_folder_then_is_stable(tmp_path: Path) -> None:
    assert export.main(["--root", str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.glob("*/*.json"))
    assert written == [p.relative_to(export.SCHEMA_DIR) for p in COMMITTED]
    for relative in written:
        committed = (export.SCHEMA_DIR / relative).read_bytes()
        assert (tmp_path / relative).read_bytes() == committed
    assert export.write(tmp_path) == []


def test_check_fails_on_drift_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(export.SCHEMA_DIR, tmp_path, dirs_exist_ok=True)
    assert export.main(["--check", "--root", str(tmp_path)]) == 0
    current = tmp_path / "donation.completed" / "current.json"
    current.write_text(current.read_text("utf-8").replace("1000000000", "5"), "utf-8")
    (tmp_path / "page.viewed" / "1.json").unlink()
    (tmp_path / "page.scrolled").mkdir()
    assert export.main(["--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{current}: differs from the models" in err
    assert "page.viewed/1.json: missing" in err
    assert "page.scrolled: no model has this event type" in err
    assert "python -m schemas.export" in err


def test_a_published_baseline_is_kept_and_guards_breaking_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(export.SCHEMA_DIR, tmp_path, dirs_exist_ok=True)
    baseline = tmp_path / "donation.completed" / "1.json"
    old = load(baseline)
    old["properties"]["gift_aid"] = {"type": "boolean"}  # a field the models dropped
    baseline.write_text(export.render(old), "utf-8")
    assert export.main(["--root", str(tmp_path)]) == 1
    assert load(baseline) == old  # not rewritten
    err = capsys.readouterr().err
    assert "breaking change: $.gift_aid: property removed" in err


def test_an_invalid_example_is_never_published(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {**EXAMPLES["banner.shown"][0], "variant": "Not A Slug"}
    monkeypatch.setitem(EXAMPLES, "banner.shown", (bad, bad))
    with pytest.raises(ValueError, match="variant"):
        export.build_schema("banner.shown")
