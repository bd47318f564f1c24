"""The run's record: one JSON document, a Markdown table and a chart, plus latest.* copies.

Ratios are computed here from numbers of the same run, never across runs: a shared
machine's load shifts all of them, their ratios much less. The machine (cores, CPU,
memory, load average) and the commit travel with the numbers for the same reason.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("limit_events_per_s", "limit: read + JSON-decode only", "events/s"),
    ("naive_events_per_s", "naive baseline: Faust agent, per event", "events/s"),
    ("pulse_events_per_s", "Newsroom Pulse, 1 worker, offset 0 to zero lag", "events/s"),
    ("ratio_pulse_to_limit", "pulse / limit", ""),
    ("ratio_pulse_to_naive", "pulse / naive", ""),
    ("pulse_cpu_seconds_per_million", "pulse CPU per million events", "s"),
    ("naive_cpu_seconds_per_million", "naive CPU per million events", "s"),
    ("scaleout_events_per_s", "Newsroom Pulse, 2 workers", "events/s"),
    ("ratio_scaleout_to_pulse", "2 workers / 1 worker", ""),
    ("latency_offered_events_per_s", "latency run: offered load", "events/s"),
    ("latency_p50_s", "produce to /metrics, p50", "s"),
    ("latency_p99_s", "produce to /metrics, p99", "s"),
    ("memory_peak_rss_mb", "peak RSS (memory_articles, memory_readers)", "MiB"),
    ("soak_rss_mb_start", "soak RSS once the dedup horizon is full", "MiB"),
    ("soak_rss_mb_end", "soak RSS at the end", "MiB"),
)


def ratios(results: dict[str, Any]) -> dict[str, float]:
    """pulse/limit, pulse/naive and 2 workers/1 worker, where both sides were measured."""
    out = {}
    for key, top, bottom in (
        ("ratio_pulse_to_limit", "pulse_events_per_s", "limit_events_per_s"),
        ("ratio_pulse_to_naive", "pulse_events_per_s", "naive_events_per_s"),
        ("ratio_scaleout_to_pulse", "scaleout_events_per_s", "pulse_events_per_s"),
    ):
        if results.get(top) and results.get(bottom):
            out[key] = results[top] / results[bottom]
    return out


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    for path, field, key in (
        ("/proc/cpuinfo", "model name", "cpu_model"),
        ("/proc/meminfo", "MemTotal", "memory_total_mb"),
    ):
        try:
            line = next(x for x in Path(path).read_text().splitlines() if x.startswith(field))
        except (OSError, StopIteration):
            continue
        value = line.split(":", 1)[1].strip()
        info[key] = int(value.split()[0]) // 1024 if key == "memory_total_mb" else value
    return info


def git_commit() -> dict[str, Any]:
    """The commit measured, and whether the working tree had changes (read-only git)."""

    def git(*args: str) -> str:
        out = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30, check=False
        )
        return out.stdout.strip() if out.returncode == 0 else ""

    status = git("status", "--porcelain", "--untracked-files=no")
    return {"git_commit": git("rev-parse", "HEAD") or None, "git_dirty": bool(status)}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return "n/a" if value is None else str(value)


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"# Newsroom Pulse benchmark, {result['started_at']}",
        "",
        f"{result['events']:,} events; commit `{result.get('git_commit')}`"
        f"{' (with local changes)' if result.get('git_dirty') else ''}; "
        f"{m.get('nproc')} CPUs ({m.get('cpu_model', '?')}), {m.get('memory_total_mb')} MiB; "
        f"load average {m.get('loadavg')} at the start, {result.get('loadavg_end')} at the end.",
        "",
        "| measurement | value | unit |",
        "| --- | ---: | --- |",
    ]
    lines += [f"| {label} | {_fmt(result.get(key))} | {unit} |" for key, label, unit in HEADLINE]
    if result.get("errors"):
        lines += ["", "Stages that failed:", ""]
        lines += [f"- {stage}: {msg.splitlines()[0]}" for stage, msg in result["errors"].items()]
    lines += ["", f"Command: `{' '.join(result['command'])}`", ""]
    return "\n".join(lines)


def write(result: dict[str, Any], out_dir: Path, stamp: str) -> list[Path]:
    """`<stamp>.json`, `<stamp>.md`, `<stamp>.png` and their `latest.*` copies."""
    from benchmarks.chart import draw

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, write_to in (
        ("json", lambda p: p.write_text(json.dumps(result, indent=1) + "\n", "utf-8")),
        ("md", lambda p: p.write_text(markdown(result), "utf-8")),
        ("png", lambda p: draw(result, p)),
    ):
        final = out_dir / f"{stamp}.{ext}"
        tmp = out_dir / f"{stamp}.{ext}.tmp"  # a half-written result is never "latest"
        write_to(tmp)
        tmp.replace(final)
        shutil.copyfile(final, out_dir / f"latest.{ext}")
        paths.append(final)
    return paths
