"""The benchmark harness, smoke-run: a tiny `python -m benchmarks --quick` on the session
broker writes a well-formed result.

Never a timing: the numbers of a tiny run on a shared machine mean nothing. What is
checked is that every stage ran and measured something, and that the files the full
run is read from (JSON, Markdown, chart, and their latest.* copies) are all there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MEASUREMENTS = (
    "limit_events_per_s",
    "naive_events_per_s",
    "pulse_events_per_s",
    "pulse_cpu_seconds_per_million",
    "naive_cpu_seconds_per_million",
    "ratio_pulse_to_limit",
    "ratio_pulse_to_naive",
    "latency_p50_s",
    "latency_p99_s",
    "latency_offered_events_per_s",
    "memory_peak_rss_mb",
    "soak_rss_mb_start",
    "soak_rss_mb_end",
    "scaleout_events_per_s",
)


def test_quick_run_writes_a_well_formed_result(kafka_bootstrap: str, tmp_path: Path) -> None:
    out = tmp_path / "results"
    cmd = [sys.executable, "-m", "benchmarks", "--quick", "--bootstrap", kafka_bootstrap]
    proc = subprocess.run(
        [*cmd, "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]

    stamped = sorted(out.glob("2*.json"))
    assert len(stamped) == 1
    result = json.loads(stamped[0].read_text())
    assert json.loads((out / "latest.json").read_text()) == result
    assert result["errors"] == {}
    for key in MEASUREMENTS:
        value = result[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), key
        assert value > 0, (key, value)
    assert result["events"] == 3_000
    assert result["machine"]["nproc"] >= 1
    assert {"cpu_model", "memory_total_mb", "loadavg"} <= result["machine"].keys()
    assert {"git_commit", "command", "started_at"} <= result.keys()

    stem = stamped[0].with_suffix("")
    table = stem.with_suffix(".md").read_text()
    assert "| pulse / naive |" in table
    assert (out / "latest.md").read_text() == table
    for png in (stem.with_suffix(".png"), out / "latest.png"):
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
