"""Write the JSON Schemas generated from the models: `python -m schemas.export [--check]`.

The committed files are what producers and the growth team read, so they are generated
(never hand-edited) and checked in CI. Per event type: `current.json` always follows the
models; `<version>.json` is the published baseline of the major version, written when
missing and then kept, so `current.json` may only grow from it additively.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from schemas.compat import breaking_changes
from schemas.events import EVENT_ADAPTER, EVENT_MODELS, SUPPORTED_SCHEMA_VERSION
from schemas.examples import EXAMPLES

SCHEMA_DIR = Path(__file__).resolve().parent / "jsonschema"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASELINE = f"{SUPPORTED_SCHEMA_VERSION}.json"
CURRENT = "current.json"


def build_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema of one event type, with `$id`, `title` and checked examples."""
    examples = EXAMPLES[event_type]
    for example in examples:
        event = EVENT_ADAPTER.validate_json(json.dumps(example))  # raises if invalid
        if event.event_type != event_type:
            raise ValueError(f"an example of {event_type} is a {event.event_type}")
    if len(examples) < 2:
        raise ValueError(f"{event_type} needs at least two examples")
    schema = EVENT_MODELS[event_type].model_json_schema(mode="validation")
    schema.update(
        {
            "$id": f"/{event_type}/{SUPPORTED_SCHEMA_VERSION}.json",
            "$schema": JSON_SCHEMA_DIALECT,
            "title": event_type,
            "examples": list(examples),
        }
    )
    return schema


def render(schema: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, 2-space indent, UTF-8 as is, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def current_files() -> dict[Path, str]:
    """`<event_type>/current.json` (relative path) -> text, for every event type."""
    return {Path(t, CURRENT): render(build_schema(t)) for t in sorted(EVENT_MODELS)}


def write(root: Path = SCHEMA_DIR) -> list[Path]:
    """Write `current.json` files and any missing baseline; return the paths written."""
    written: list[Path] = []
    for relative, text in current_files().items():
        for path in (root / relative, root / relative.parent / BASELINE):
            if path.name == BASELINE and path.exists():
                continue  # a published baseline is never rewritten
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                written.append(path)
    return written


def check(root: Path = SCHEMA_DIR) -> list[str]:
    """Problems with the committed files: drift from the models, or a breaking change."""
    problems: list[str] = []
    expected = current_files()
    for relative, text in expected.items():
        current, baseline = root / relative, root / relative.parent / BASELINE
        if not current.exists():
            problems.append(f"{current}: missing")
        elif current.read_text(encoding="utf-8") != text:
            problems.append(f"{current}: differs from the models")
        if not baseline.exists():
            problems.append(f"{baseline}: missing")
            continue
        old = json.loads(baseline.read_text(encoding="utf-8"))
        for change in breaking_changes(old, json.loads(text)):
            problems.append(f"{baseline} -> models: breaking change: {change}")
    known = {relative.parent.name for relative in expected}
    present = root.iterdir() if root.is_dir() else iter(())
    for stale in sorted(p for p in present if p.is_dir() and p.name not in known):
        problems.append(f"{stale}: no model has this event type")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Write the schemas, or with `--check` report drift and exit 1."""
    parser = argparse.ArgumentParser(prog="python -m schemas.export", description=__doc__)
    parser.add_argument("--check", action="store_true", help="verify, do not write")
    parser.add_argument("--root", type=Path, default=SCHEMA_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.check:
        for path in write(args.root):
            print(f"wrote {path}")
    problems = check(args.root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"{len(problems)} problem(s) with the JSON Schemas in {args.root}: regenerate with "
            "`python -m schemas.export`; a breaking change needs a new schema_version",
            file=sys.stderr,
        )
        return 1
    if args.check:
        print("JSON Schemas match the models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
