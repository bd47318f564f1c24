"""Keep glibc from growing the heap in steps under the worker's allocation pattern.

The worker keeps replacing large blocks of about the same size (segment strings of a
batch's ids, the dedup arrays after an insertion). glibc raises its mmap threshold to
the size of each large block it frees, so the next ones come from the heap instead,
where freed blocks fragment it and RSS creeps up. A fixed threshold keeps large blocks
in mmap, returned to the system when freed: measured with `python -m
benchmarks.dedup_memory`, 277 → 327 MiB over an hour at a full horizon without it,
221 → 228 MiB with it (242 → 258 MiB with 4 MiB, 239 → 258 MiB with 8 MiB). The price
is a fresh mapping for every large buffer (Kafka fetches, record batches): one worker's
drain measured 56 to 58 CPU-s per million events pinned against 49 to 54 unpinned, within
this machine's run-to-run noise but probably real.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value, kept fixed


def pin_mmap_threshold(size: int = THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold (which also stops its dynamic adjustment); False where
    the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, size))
