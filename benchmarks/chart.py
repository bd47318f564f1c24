"""The run's chart: throughput, latency and soak RSS side by side (matplotlib, a dev
dependency, imported only here and only when a result is written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draw(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    fig, (thr, lat, mem) = plt.subplots(1, 3, figsize=(15, 4.8))
    bars = [
        (name, result.get(key))
        for name, key in (
            ("limit", "limit_events_per_s"),
            ("naive", "naive_events_per_s"),
            ("pulse", "pulse_events_per_s"),
            ("pulse x2", "scaleout_events_per_s"),
        )
    ]
    bars = [(name, value) for name, value in bars if value]
    drawn = thr.bar([n for n, _ in bars], [v for _, v in bars], color="#3b6ea5")
    thr.bar_label(drawn, labels=[f"{v:,.0f}" for _, v in bars])
    thr.set_title("throughput from offset zero")
    thr.set_ylabel("events/s")

    series = result.get("latency_series") or []
    if series:
        lat.plot([t for t, _ in series], [v for _, v in series], lw=0.8, color="#999999")
    for q, style in (("p50", "-"), ("p99", "--")):
        value = result.get(f"latency_{q}_s")
        if value:
            lat.axhline(value, ls=style, color="#c0392b", label=f"{q} {value:.3f} s")
    lat.set_title(f"produce to /metrics at {result.get('latency_offered_events_per_s', 0):,.0f}/s")
    lat.set_xlabel("s into the run")
    lat.set_ylabel("latency, s")
    if lat.get_legend_handles_labels()[0]:
        lat.legend()

    samples = result.get("soak_rss_samples") or []
    if samples:
        mem.plot([t for t, _ in samples], [mb for _, mb in samples], color="#27ae60")
        mem.axvline(result.get("soak_start_at_s", 0), ls=":", color="#555555")
    mem.set_title("worker RSS at steady load (dotted: horizon full)")
    mem.set_xlabel("s into the run")
    mem.set_ylabel("MiB")
    mem.set_ylim(bottom=0)

    fig.suptitle(
        f"Newsroom Pulse {result.get('started_at')}, {result.get('events'):,} events, "
        f"{result['machine'].get('nproc')} CPUs, commit {str(result.get('git_commit'))[:10]}"
    )
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)
