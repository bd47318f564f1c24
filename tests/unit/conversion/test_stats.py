import math

import pytest

from streams.conversion.stats import Z_95, leader, prob_b_beats_a, rate, wilson_interval


@pytest.mark.parametrize(
    ("successes", "trials", "expected"),
    [(0, 0, None), (0, 10, 0.0), (1, 4, 0.25), (7, 7, 1.0), (10, 100, 0.1)],
)
def test_rate(successes: int, trials: int, expected: float | None) -> None:
    assert rate(successes, trials) == expected


@pytest.mark.parametrize(
    ("successes", "trials", "z", "expected"),
    [
        (10, 100, Z_95, (0.0552, 0.1744)),
        (50, 100, Z_95, (0.4038, 0.5962)),
        (0, 10, Z_95, (0.0, 0.2775)),
        (10, 10, Z_95, (0.7225, 1.0)),
        (1, 1, Z_95, (0.2065, 1.0)),
        (30, 1000, Z_95, (0.0211, 0.0425)),
        (10, 100, 1.0, (0.0738, 0.1341)),  # a narrower, ~68 % interval
    ],
)
def test_wilson_known_values(
    successes: int, trials: int, z: float, expected: tuple[float, float]
) -> None:
    lower, upper = wilson_interval(successes, trials, z)
    assert round(lower, 4) == expected[0]
    assert round(upper, 4) == expected[1]


def test_wilson_default_is_95_percent() -> None:
    assert wilson_interval(10, 100) == wilson_interval(10, 100, 1.959963984540054)


def test_wilson_without_trials_knows_nothing() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("trials", [1, 2, 5, 10, 100, 10_000, 10**9])
@pytest.mark.parametrize("z", [0.5, Z_95, 3.0, 10.0])
def test_wilson_edges_stay_in_unit_interval(trials: int, z: float) -> None:
    low0, up0 = wilson_interval(0, trials, z)
    lown, upn = wilson_interval(trials, trials, z)
    assert low0 == 0.0
    assert 0.0 < up0 <= 1.0
    assert 0.0 <= lown < 1.0
    assert upn == 1.0
    # 0/n and n/n mirror each other
    assert math.isclose(up0, 1.0 - lown, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize(("successes", "trials"), [(1, 3), (3, 40), (500, 1000), (999, 1000)])
def test_wilson_contains_the_rate_and_narrows_with_z(successes: int, trials: int) -> None:
    lower, upper = wilson_interval(successes, trials)
    p = successes / trials
    assert 0.0 <= lower < p < upper <= 1.0
    narrow = wilson_interval(successes, trials, 1.0)
    assert lower < narrow[0] and narrow[1] < upper


@pytest.mark.parametrize(("successes", "trials"), [(-1, 10), (11, 10), (0, -1)])
def test_invalid_counts_raise(successes: int, trials: int) -> None:
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson_interval(successes, trials)
    with pytest.raises(ValueError, match="successes <= trials"):
        rate(successes, trials)
    with pytest.raises(ValueError, match="successes <= trials"):
        prob_b_beats_a(successes, trials, 1, 10)
    with pytest.raises(ValueError, match="successes <= trials"):
        prob_b_beats_a(1, 10, successes, trials)
    with pytest.raises(ValueError, match="successes <= trials"):
        leader({"a": (1, 10), "b": (successes, trials)})


@pytest.mark.parametrize(
    ("succ_a", "n_a", "succ_b", "n_b"),
    [(0, 0, 0, 0), (10, 100, 10, 100), (30, 1000, 30, 1000), (0, 5, 0, 5), (5, 5, 5, 5)],
)
def test_symmetric_counts_give_one_half(succ_a: int, n_a: int, succ_b: int, n_b: int) -> None:
    assert prob_b_beats_a(succ_a, n_a, succ_b, n_b) == 0.5


# Reference values: the exact P(p_b > p_a) for Beta(1 + s, 1 + n - s) posteriors
# (Evan Miller's closed-form sum), against which the normal approximation is checked.
@pytest.mark.parametrize(
    ("succ_a", "n_a", "succ_b", "n_b", "exact"),
    [
        (10, 100, 20, 100, 0.97517),
        (10, 100, 12, 100, 0.67072),
        (50, 1000, 65, 1000, 0.92448),
        (100, 10_000, 120, 10_000, 0.91201),
        (200, 2000, 180, 2000, 0.14069),
        (5, 50, 9, 60, 0.76927),
    ],
)
def test_prob_b_beats_a_near_exact(
    succ_a: int, n_a: int, succ_b: int, n_b: int, exact: float
) -> None:
    assert prob_b_beats_a(succ_a, n_a, succ_b, n_b) == pytest.approx(exact, abs=0.006)
    # swapping the variants gives the complement
    assert prob_b_beats_a(succ_b, n_b, succ_a, n_a) == pytest.approx(1.0 - exact, abs=0.006)


@pytest.mark.parametrize(
    ("succ_a", "n_a", "succ_b", "n_b"),
    [(0, 5, 5, 5), (0, 10**6, 10**6, 10**6), (0, 1, 1, 1), (0, 0, 10**6, 10**6)],
)
def test_prob_b_beats_a_stays_in_unit_interval(
    succ_a: int, n_a: int, succ_b: int, n_b: int
) -> None:
    forward = prob_b_beats_a(succ_a, n_a, succ_b, n_b)
    backward = prob_b_beats_a(succ_b, n_b, succ_a, n_a)
    assert 0.5 < forward <= 1.0
    assert 0.0 <= backward < 0.5


def test_more_evidence_means_more_confidence() -> None:
    small = prob_b_beats_a(10, 100, 15, 100)
    large = prob_b_beats_a(100, 1000, 150, 1000)
    assert 0.5 < small < large < 1.0


@pytest.mark.parametrize(
    ("variants", "expected_name"),
    [
        ({"a": (10, 100), "b": (20, 100)}, "b"),
        ({"a": (20, 100), "b": (10, 100)}, "a"),
        ({"a": (10, 100), "b": (20, 100), "c": (15, 100)}, "b"),
        ({"c": (15, 100), "b": (20, 100), "a": (10, 100)}, "b"),
        # posterior means, not raw rates: 1/1 is (1+1)/(2+1) = 0.67 < 61/91 = 0.67...
        ({"lucky": (1, 1), "solid": (60, 89)}, "solid"),
        # variants without trials are ignored
        ({"a": (1, 100), "b": (2, 100), "new": (0, 0)}, "b"),
    ],
)
def test_leader_name(variants: dict[str, tuple[int, int]], expected_name: str) -> None:
    result = leader(variants)
    assert result is not None
    assert result[0] == expected_name
    assert 0.5 <= result[1] <= 1.0


def test_leader_probability_is_against_the_runner_up() -> None:
    variants = {"a": (10, 100), "b": (20, 100), "c": (15, 100)}
    assert leader(variants) == ("b", prob_b_beats_a(15, 100, 20, 100))


def test_leader_tie_goes_to_first_name_with_even_odds() -> None:
    assert leader({"zeta": (10, 100), "alpha": (10, 100)}) == ("alpha", 0.5)
    # equal posterior means from different counts: (1+1)/(2+2) == (1+2)/(2+4)
    assert leader({"b": (1, 2), "a": (2, 4)}) == ("a", 0.5)


@pytest.mark.parametrize(
    "variants",
    [{}, {"a": (5, 10)}, {"a": (5, 10), "b": (0, 0)}, {"a": (0, 0), "b": (0, 0)}],
)
def test_no_leader_without_two_variants_with_trials(
    variants: dict[str, tuple[int, int]],
) -> None:
    assert leader(variants) is None
