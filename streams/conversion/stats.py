"""Small statistics for banner funnels: rates, intervals, and which variant leads.

Pure, synchronous and allocation-light; no scipy. Counts are plain ints: ``successes``
(clicks, donations) out of ``trials`` (banners shown). A negative count, or more
successes than trials, is a caller's bug and raises :class:`ValueError`; callers whose
numerator and denominator come from different windows must clamp first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

__all__ = ["Z_95", "leader", "prob_b_beats_a", "rate", "wilson_interval"]

Z_95: Final = 1.959963984540054
"""The two-sided 95 % standard-normal quantile."""

_SQRT2: Final = math.sqrt(2.0)


def _check(successes: int, trials: int) -> None:
    if trials < 0 or successes < 0 or successes > trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")


def rate(successes: int, trials: int) -> float | None:
    """``successes / trials``, or ``None`` when there were no trials."""
    _check(successes, trials)
    if trials == 0:
        return None
    return successes / trials


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion, within ``[0, 1]``.

    ``z`` is the standard-normal quantile (the default gives a 95 % interval). With no
    trials nothing is known and the interval is ``(0.0, 1.0)``. The bound on the
    observed side is exact at the edges: ``0/n`` gives a lower bound of ``0.0`` and
    ``n/n`` an upper bound of ``1.0``.
    """
    _check(successes, trials)
    if trials == 0:
        return (0.0, 1.0)
    n = float(trials)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half_width = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    lower = 0.0 if successes == 0 else max(0.0, centre - half_width)
    upper = 1.0 if successes == trials else min(1.0, centre + half_width)
    return (lower, upper)


def _posterior(successes: int, trials: int) -> tuple[float, float]:
    """Mean and variance of the Beta(1 + s, 1 + n - s) posterior (uniform prior)."""
    alpha = 1.0 + successes
    total = 2.0 + trials  # alpha + beta
    mean = alpha / total
    return mean, mean * (1.0 - mean) / (total + 1.0)


def prob_b_beats_a(succ_a: int, n_a: int, succ_b: int, n_b: int) -> float:
    """The probability that b's true rate exceeds a's, in ``[0, 1]``.

    Each rate has a Beta(1 + s, 1 + n - s) posterior (a uniform prior updated by the
    counts). P(p_b > p_a) is approximated by treating the difference of the two
    posteriors as normal with the Beta means and variances:
    ``Phi((mean_b - mean_a) / sqrt(var_a + var_b))``. It is exact (``0.5``) for equal
    counts and within about a percentage point of the exact Beta integral once each
    variant has a few dozen trials; with only a handful of trials, or rates very close
    to 0 or 1, treat it as a rough guide. It costs a few float operations and one
    ``erf``, which is why it is used instead of the exact sum.
    """
    _check(succ_a, n_a)
    _check(succ_b, n_b)
    mean_a, var_a = _posterior(succ_a, n_a)
    mean_b, var_b = _posterior(succ_b, n_b)
    diff = mean_b - mean_a
    if diff == 0.0:
        return 0.5
    return 0.5 * (1.0 + math.erf(diff / (math.sqrt(var_a + var_b) * _SQRT2)))


def leader(variants: Mapping[str, tuple[int, int]]) -> tuple[str, float] | None:
    """The leading variant and the probability that it beats the runner-up.

    ``variants`` maps a variant to ``(successes, trials)``. Variants without trials are
    ignored; with fewer than two left, there is no leader (``None``). The leader has the
    highest posterior mean ``(1 + s) / (2 + n)``; ties go to the name that sorts first,
    and then the probability is ``0.5``.
    """
    best: tuple[float, str, int, int] | None = None
    second: tuple[float, str, int, int] | None = None
    for name, (successes, trials) in variants.items():
        _check(successes, trials)
        if trials == 0:
            continue
        entry = ((1.0 + successes) / (2.0 + trials), name, successes, trials)
        if best is None or _ahead(entry, best):
            best, second = entry, best
        elif second is None or _ahead(entry, second):
            second = entry
    if best is None or second is None:
        return None
    _, name, succ_best, n_best = best
    _, _, succ_second, n_second = second
    return name, prob_b_beats_a(succ_second, n_second, succ_best, n_best)


def _ahead(x: tuple[float, str, int, int], y: tuple[float, str, int, int]) -> bool:
    return x[0] > y[0] or (x[0] == y[0] and x[1] < y[1])
