"""The worker pins glibc's mmap threshold (see streams/malloc.py for why)."""

from __future__ import annotations

import inspect
import platform

from streams import worker
from streams.malloc import pin_mmap_threshold


def test_glibc_accepts_the_fixed_threshold() -> None:
    assert platform.libc_ver()[0] == "glibc"  # the machines we run on; elsewhere it is a no-op
    assert pin_mmap_threshold() is True


def test_the_worker_pins_it_before_it_allocates_its_state() -> None:
    source = inspect.getsource(worker.run_worker)
    assert source.index("pin_mmap_threshold()") < source.index("build_worker(")
