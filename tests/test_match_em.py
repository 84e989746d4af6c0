"""EM recovers known m, u and lambda from synthetic comparison vectors."""

import numpy as np

from matching.em import estimate_u, population_lambda, run_em

TRUE_M = [np.array([0.05, 0.15, 0.80]), np.array([0.10, 0.90]), np.array([0.2, 0.3, 0.5])]
TRUE_U = [np.array([0.90, 0.08, 0.02]), np.array([0.95, 0.05]), np.array([0.7, 0.2, 0.1])]
LEVELS = [3, 2, 3]


def _draw(n: int, probs: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    return np.stack([rng.choice(len(p), size=n, p=p) for p in probs], axis=1).astype(np.int8)


def test_em_recovers_known_m_and_lambda() -> None:
    rng = np.random.default_rng(7)
    n_match, n_non = 20_000, 80_000
    gammas = np.concatenate([_draw(n_match, TRUE_M, rng), _draw(n_non, TRUE_U, rng)])
    gammas[rng.random(len(gammas)) < 0.05, 2] = -1  # some nulls, which must be ignored
    start = [np.full(k, 1.0 / k) for k in LEVELS]
    result = run_em(gammas, LEVELS, start, TRUE_U, lam_start=0.5, max_iterations=200,
                    tolerance=1e-7)
    assert result.converged
    assert abs(result.lam - 0.2) < 0.02
    for got, want in zip(result.m, TRUE_M, strict=True):
        assert np.allclose(got, want, atol=0.03)


def test_u_from_random_pairs_recovers_known_u() -> None:
    rng = np.random.default_rng(3)
    u = estimate_u(_draw(200_000, TRUE_U, rng), LEVELS)
    for got, want in zip(u, TRUE_U, strict=True):
        assert np.allclose(got, want, atol=0.005)


def test_unseen_level_never_gets_zero_u() -> None:
    gammas = np.zeros((1000, 1), np.int8)
    (u,) = estimate_u(gammas, [2])
    assert u[1] > 0


def test_fixed_comparison_is_left_alone() -> None:
    rng = np.random.default_rng(1)
    gammas = np.concatenate([_draw(5000, TRUE_M, rng), _draw(20000, TRUE_U, rng)])
    start = [np.full(k, 1.0 / k) for k in LEVELS]
    result = run_em(gammas, LEVELS, start, TRUE_U, active=[True, False, True])
    assert np.allclose(result.m[1], start[1])


def test_population_lambda_counts_expected_matches() -> None:
    rng = np.random.default_rng(5)
    gammas = np.concatenate([_draw(1000, TRUE_M, rng), _draw(200, TRUE_U, rng)])
    strong_m = [np.array([1e-4, 1e-4, 1 - 2e-4]), np.array([1e-4, 1 - 1e-4]),
                np.array([0.2, 0.3, 0.5])]
    lam = population_lambda(gammas, strong_m, TRUE_U, total_pairs=1_000_000)
    assert 1e-4 < lam < 2e-3


def test_stratified_u_matches_full_u() -> None:
    """Cheap levels counted on all rows, similarity levels on a sub-sample: same u."""
    rng = np.random.default_rng(11)
    full = _draw(400_000, TRUE_U, rng)
    partial = _draw(600_000, TRUE_U, rng)
    # in the partial rows, level 2 (say 'exact') is known; levels 0-1 need similarity
    for c in range(len(LEVELS)):
        column = partial[:, c]
        column[column < LEVELS[c] - 1] = -2
    from matching.em import estimate_u_stratified

    u = estimate_u_stratified(full, partial, LEVELS)
    for got, want in zip(u, TRUE_U, strict=True):
        assert np.allclose(got, want, atol=0.005)
