"""Unsupervised Fellegi-Sunter parameters: u by random sampling, m and lambda by EM.

Following Splink: u (level frequencies among non-matches) comes from random record pairs,
which are nearly all non-matches; m comes from EM over blocked pairs in sessions, one per
blocking rule, where a comparison the rule blocked on is held fixed (all its pairs agree on
it by construction, so its m cannot be learnt there). Unlike Splink we compress pairs to
their distinct gamma patterns first, so an EM iteration costs the number of patterns
(hundreds), not the number of pairs (millions).
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class EMResult:
    m: list[np.ndarray]  # per comparison, indexed by gamma
    lam: float
    iterations: int
    converged: bool


def patterns(gammas: np.ndarray,
             weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct gamma rows and how many pairs have each (a row counts `weights` pairs: a pair
    of representatives stands for every pair of the identical records they represent)."""
    if len(gammas) == 0:
        return gammas.reshape(0, gammas.shape[1]), np.empty(0)
    # One int64 per row (mixed radix over gamma + 1), so np.unique sorts a vector, not rows.
    # Column by column, never a full int64 copy of the matrix (tens of millions of pairs).
    radix = gammas.max(axis=0).astype(np.int64) + 2
    key = np.zeros(len(gammas), np.int64)
    for c in range(gammas.shape[1]):
        key *= radix[c]
        key += gammas[:, c]
        key += 1
    space = int(np.prod(radix.astype(float)))
    if space <= 20_000_000:  # few possible patterns: count them, no sort
        counts = np.bincount(key, weights=weights, minlength=space)
        unique_keys = np.flatnonzero(np.bincount(key, minlength=space))
        counts = counts[unique_keys]
    else:
        unique_keys, inverse = np.unique(key, return_inverse=True)
        counts = np.bincount(inverse, weights=weights, minlength=len(unique_keys))
    unique = np.empty((len(unique_keys), gammas.shape[1]), np.int64)
    rest = unique_keys.copy()
    for c in range(gammas.shape[1] - 1, -1, -1):
        unique[:, c] = rest % radix[c] - 1
        rest //= radix[c]
    return unique, counts.astype(float)


def estimate_u(gammas: np.ndarray, n_levels: list[int]) -> list[np.ndarray]:
    """Level frequencies among (random, so almost surely non-matching) pairs.

    A level never seen in the sample gets half a pair's worth, so no u is ever zero.
    """
    result = []
    for c, k in enumerate(n_levels):
        column = gammas[:, c]
        counts = np.bincount(column[column >= 0].astype(np.int64), minlength=k)[:k].astype(float)
        counts = np.maximum(counts, 0.5)
        result.append(counts / counts.sum())
    return result


def estimate_u_stratified(full: np.ndarray, partial: np.ndarray,
                          n_levels: list[int]) -> list[np.ndarray]:
    """u from a large sample whose string-similarity levels were scored on a sub-sample only.

    `full` rows have every level; `partial` rows have the cheap levels (exact values, equal
    columns) and -2 where a similarity level would have decided. Cheap levels are counted on
    all rows; the share left over is split in the proportions the full rows show.
    Unbiased, and the similarity scorers (most of the cost) run on a fraction of the pairs.
    """
    if len(partial) == 0:
        return estimate_u(full, n_levels)
    result = []
    for c, k in enumerate(n_levels):
        part = partial[:, c]
        cheap = np.unique(part[part >= 0]).astype(np.int64)
        both = np.concatenate([full[:, c], part])
        nonnull = both[both != -1]
        counts = np.bincount(nonnull[np.isin(nonnull, cheap)].astype(np.int64),
                             minlength=k)[:k].astype(float)
        u = counts / max(len(nonnull), 1)
        rest = 1.0 - u.sum()
        f = full[:, c]
        f = f[(f >= 0) & ~np.isin(f, cheap)].astype(np.int64)
        other = np.bincount(f, minlength=k)[:k].astype(float)
        if other.sum() > 0:
            u += rest * other / other.sum()
        floor = 0.5 / max(len(nonnull), 1)
        u = np.maximum(u, floor)
        result.append(u / u.sum())
    return result


def log_bayes_factors(
    pats: np.ndarray, m: list[np.ndarray], u: list[np.ndarray], active: list[bool] | None = None
) -> np.ndarray:
    """Sum over comparisons of log(m/u) at each pattern's level; null levels add nothing."""
    total = np.zeros(len(pats))
    for c in range(pats.shape[1]):
        if active is not None and not active[c]:
            continue
        g = pats[:, c].astype(np.int64)
        ok = g >= 0
        ratio = np.log(m[c]) - np.log(u[c])
        total[ok] += ratio[g[ok]]
    return total


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -700, 700)))


def run_em(
    gammas: np.ndarray,
    n_levels: list[int],
    m_start: list[np.ndarray],
    u: list[np.ndarray],
    lam_start: float = 0.1,
    active: list[bool] | None = None,
    max_iterations: int = 50,
    tolerance: float = 1e-5,
    weights: np.ndarray | None = None,
) -> EMResult:
    """EM for m (of the active comparisons) and lambda, with u held fixed."""
    pats, counts = patterns(gammas, weights)
    active = active if active is not None else [True] * len(n_levels)
    m = [np.asarray(v, float).copy() for v in m_start]
    lam = float(lam_start)
    converged, iterations = False, 0
    while iterations < max_iterations:
        iterations += 1
        logit = np.log(lam) - np.log1p(-lam) + log_bayes_factors(pats, m, u, active)
        post = _sigmoid(logit) * counts
        lam_new = float(np.clip(post.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        delta = abs(lam_new - lam)
        for c, k in enumerate(n_levels):
            if not active[c]:
                continue
            g = pats[:, c].astype(np.int64)
            ok = g >= 0
            mass = np.bincount(g[ok], weights=post[ok], minlength=k)[:k]
            if mass.sum() <= 0:
                continue
            new = np.maximum(mass / mass.sum(), 1e-6)
            new /= new.sum()
            delta = max(delta, float(np.abs(new - m[c]).max()))
            m[c] = new
        lam = lam_new
        if delta < tolerance:
            converged = True
            break
    return EMResult(m=m, lam=lam, iterations=iterations, converged=converged)


def population_lambda(
    blocked_gammas: np.ndarray, m: list[np.ndarray], u: list[np.ndarray], total_pairs: float,
    iterations: int = 200, weights: np.ndarray | None = None,
) -> float:
    """Probability that two random records match, as a fixed point over the blocked pairs.

    lambda = (expected matches among blocked pairs) / (all pairs), where each pair's
    posterior uses that same lambda; pairs blocking never produced are taken as non-matches.
    """
    pats, counts = patterns(blocked_gammas, weights)
    if len(pats) == 0 or total_pairs <= 0:
        return 1e-6
    bf = log_bayes_factors(pats, m, u)
    lam = min(max(1.0 / total_pairs, 1e-12), 0.5)  # within the bounds the update keeps
    for _ in range(iterations):
        post = _sigmoid(np.log(lam) - np.log1p(-lam) + bf)
        new = float(np.clip((post * counts).sum() / total_pairs, 1e-12, 0.5))
        if abs(new - lam) <= 1e-9 * max(lam, 1e-12):
            return new
        lam = new
    return lam
