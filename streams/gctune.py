"""Collect cyclic garbage less often than CPython's defaults, for the worker's allocation rate.

CPython starts a young-generation collection every 700 container allocations. The worker
allocates several containers per event (parsed JSON, routed records, batch lists) and
keeps millions of long-lived ones (its tables), so at its rates a young collection ran
every hundred or so events and the older generations were traversed often. Measured with
`python -m benchmarks --only pulse` (two runs each, packed routing): 38 CPU-seconds a
million events with the defaults, 34 to 35 with `THRESHOLDS`. Almost nothing the worker
allocates is cyclic, so the delay holds little garbage; the soak benchmark keeps RSS flat.
"""

from __future__ import annotations

import gc

#: young collections every 50,000 net allocations, middle every 20, oldest every 100
THRESHOLDS = (50_000, 20, 100)


def tune_gc(thresholds: tuple[int, int, int] = THRESHOLDS) -> tuple[int, int, int]:
    """Set the collector's thresholds; returns the ones they replace."""
    before = gc.get_threshold()
    gc.set_threshold(*thresholds)
    return before
