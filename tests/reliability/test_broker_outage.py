"""A broker gone for a long while: the worker waits for it, without spinning, and recovers.

A broker that stops cleanly first hands its partitions' leadership away (to nobody, on a
single node) and can say so to a worker that is still sending. aiokafka then refreshes
its metadata again and again until a leader shows up, and with the broker gone each
attempt is refused at once: the worker spun a core for as long as the broker stayed
away (see `back_off_failed_metadata` in streams/ingest/transport.py). So the broker is
stopped while the worker drains a backlog, with produce requests in flight.

Waiting costs a few percent of a core (the clients retry every 100 ms); the spin cost
all of it. The budget is far from both, so that a busy machine does not fail the test. The
retries' repeated errors are collapsed in the worker's log (streams/logrepeat.py).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections import Counter
from pathlib import Path

from newsroom import wait_for
from scenarios import send, traffic
from test_failures import finish_and_check, worker

from streams.localkafka import LocalKafka
from streams.logrepeat import WINDOW_SECONDS
from streams.simulate.run import ensure_topics

PARTITIONS = 4
BACKLOG = 30_000
#: the batch in hand when the broker went may still be folding
SETTLE_SECONDS = 2.0
OUTAGE_SECONDS = 15.0
#: worker CPU while its broker is away, as a share of the wall time (one core = 1.0):
#: measured 0.02-0.03 waiting, 0.98-0.99 spinning
CPU_BUDGET = 0.30
HELD_BACK = re.compile(r" \[\d+ more like this in the last [\d.]+ s\]")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process, all its threads (proc(5) fields 14, 15)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_worker_waits_for_a_stopped_broker_without_spinning(
    unique_name: str, tmp_path: Path
) -> None:
    broker = LocalKafka(tmp_path / "kafka")
    broker.start()
    prefix = f"{unique_name}."
    records = traffic(BACKLOG)
    asyncio.run(ensure_topics(broker.bootstrap, PARTITIONS, prefix=prefix))
    send(broker.bootstrap, prefix, records)
    w = worker(broker.bootstrap, unique_name, tmp_path / "w")
    launched = time.monotonic()
    try:
        w.start()  # ready: it has its partitions and starts on the backlog
        broker.stop()  # cleanly (SIGTERM), while the worker drains and sends
        assert w.proc is not None
        time.sleep(SETTLE_SECONDS)
        cpu0, t0 = cpu_seconds(w.proc.pid), time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        used, wall = cpu_seconds(w.proc.pid) - cpu0, time.monotonic() - t0
        print(f"worker CPU with its broker gone: {used:.2f} s in {wall:.1f} s ({used / wall:.0%})")
        assert w.proc.poll() is None  # waiting, not dead
        assert used < CPU_BUDGET * wall, (
            f"the worker used {used:.1f} CPU-s in {wall:.1f} s with its broker gone "
            f"(budget {CPU_BUDGET:.0%} of a core): it spins instead of waiting"
        )
        broker.start()
        wait_for(lambda: w.request("GET", "/readyz")[0] == 200, timeout=120, what="ready again")
        finish_and_check(w, broker.bootstrap, prefix, "broker gone", records)
        assert_repeats_collapsed(w.log_path.read_text(), time.monotonic() - launched)
    finally:
        w.stop()
        broker.stop()


def assert_repeats_collapsed(log: str, seconds: float) -> None:
    """Each client logs an error every retry (100 ms) while the broker is away: 30 to 60
    lines a second before logrepeat.py. Now one line a message per window, the next one
    saying how many were held back."""
    lines = [line for line in log.splitlines() if "[ERROR]" in line or "[WARNING]" in line]
    messages = Counter(HELD_BACK.sub("", line.split("] ", 2)[-1]) for line in lines)
    assert any(HELD_BACK.search(line) for line in lines), "no repeats held back"
    most = 1 + int(seconds // WINDOW_SECONDS) + 1  # the first, one a window, and a spare
    message, count = messages.most_common(1)[0]
    assert count <= most, f"{message!r} logged {count} times in {seconds:.0f} s"
