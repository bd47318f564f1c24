"""CPU time and memory of a child process, read from /proc (Linux only, no psutil).

/proc/<pid>/stat's utime and stime cover every thread of the process, which is what a
worker with a web server, a consumer and a producer in one event loop spends.
"""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds the process has used so far."""
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces or parentheses: split after the last ')'.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / CLOCK_TICKS


def _status_kb(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise ValueError(f"no {name} in /proc/{pid}/status")


def rss_mb(pid: int) -> float:
    """Resident memory now (VmRSS), in MiB."""
    return _status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int) -> float:
    """The highest resident memory so far (VmHWM), in MiB."""
    return _status_kb(pid, "VmHWM") / 1024
