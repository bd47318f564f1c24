"""Scale-out: two workers in one consumer group on their own copy of the dataset.

The same records and the same drain as the single-worker stage; the group splits the
partitions, and either worker's `/api/v1/totals` answers for both.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import Bench
from benchmarks.produce import dataset
from benchmarks.pulse import drain_workers

WORKERS = 2


def run(bench: Bench) -> dict[str, Any]:
    prefix = dataset(bench, "scaleout")
    workers = [bench.worker("scaleout", prefix, i) for i in range(1, WORKERS + 1)]
    numbers = drain_workers(workers, bench.sizes.events)
    out = {f"scaleout_{name}": value for name, value in numbers.items()}
    out["scaleout_workers"] = WORKERS
    return out
