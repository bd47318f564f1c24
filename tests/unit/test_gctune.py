"""The worker's collector thresholds are set, and raise the young generation's."""

from __future__ import annotations

import gc

from streams.gctune import THRESHOLDS, tune_gc


def test_tune_gc_sets_the_thresholds_and_returns_the_old_ones() -> None:
    original = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        assert tune_gc() == (700, 10, 10)
        assert gc.get_threshold() == THRESHOLDS
        assert THRESHOLDS[0] > 700  # fewer young collections than CPython's default
        assert gc.isenabled()  # cyclic garbage is still collected
    finally:
        gc.set_threshold(*original)
