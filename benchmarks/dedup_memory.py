"""`python -m benchmarks.dedup_memory`: the dedup index alone, at the soak's pace.

The soak (benchmarks/memory.py) runs 5,000 events/s with its event clock 8x the wall
clock, so one dedup horizon (1 hour of event time) holds ~2.25 million ids. This feeds
`DedupIndex` the same pace in-process (no broker, no Faust), two hours of event time,
and prints RSS every 10 minutes of event time: it shows whether the index plateaus once
the horizon is full, or keeps growing.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import uuid

from benchmarks.procstat import rss_mb
from streams.ingest.dedup import DedupIndex
from streams.malloc import pin_mmap_threshold
from streams.store import DictStore

T0 = 1_795_888_800.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.dedup_memory", description=__doc__)
    p.add_argument("--ids-per-second", type=int, default=625, help="of event time")
    p.add_argument("--seconds", type=int, default=7200, help="event time covered")
    p.add_argument(
        "--dynamic-mmap-threshold",
        action="store_true",
        help="leave glibc's mmap threshold dynamic (the worker pins it; streams/malloc.py)",
    )
    args = p.parse_args(argv)
    if not args.dynamic_mmap_threshold:
        pin_mmap_threshold()  # as `pulse worker` does
    rng = random.Random(1)
    store, index, n = DictStore(), DedupIndex(0, 3600.0), 0
    for second in range(args.seconds):
        for j in range(args.ids_per_second):
            t = T0 + second + j / args.ids_per_second
            identity = str(uuid.UUID(int=rng.getrandbits(128)))
            index.check(identity, n, f"web.page-viewed/0/{n}", t, t)
            n += 1
        if second % 8 == 7:  # a batch of about 5,000 records, as the worker folds them
            index.flush(store)
            index.expire(store, T0 + second)
            store.take_changes()
        if second % 600 == 599:
            held, rss = f"ids held {len(index):9,d}", rss_mb(os.getpid())
            print(f"event time {second + 1:5d} s  {held}  RSS {rss:6.1f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
