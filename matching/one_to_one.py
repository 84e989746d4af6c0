"""Match probabilities when each record has at most one match in every other file.

A pair's Fellegi-Sunter probability weighs its own evidence against lambda, the chance that
two random records match. Between lists each free of duplicates (`--link-only --one-to-one`)
more is known: record a has one match in file F at most, with prior probability
pi = lambda * |F| (capped at 0.99), so its candidates in F compete for it:

    P(a = b) = odds(a, b) / ((1 - pi) + sum of odds(a, b') over a's candidates b' in F)

(odds = p / (1 - p); the posterior of a one-to-one linkage, as in Sadinle's bipartite model
and fastLink, with the match assumed among the candidates when there is one). A record whose
only plausible candidate is b, in a list whose records mostly have a match, makes b likely;
two look-alike candidates share the belief. The pair keeps the smaller of its two sides'
probabilities. Pairs a deterministic rule decided keep that decision.
"""

import numpy as np

MAX_SHARE = 0.99  # a record is never taken as certain to have a match in another file


def _one_side(record: np.ndarray, other_file: np.ndarray, odds: np.ndarray,
              file_sizes: np.ndarray, lam: float) -> np.ndarray:
    """Each pair's probability as `record`'s candidates in the other file compete for it."""
    group = record.astype(np.int64) * len(file_sizes) + other_file
    _, slot = np.unique(group, return_inverse=True)
    competing = np.bincount(slot, weights=odds)[slot]
    share = np.minimum(lam * file_sizes[other_file], MAX_SHARE)
    return odds / ((1.0 - share) + competing)


def one_to_one_probabilities(i: np.ndarray, j: np.ndarray, probability: np.ndarray,
                             file_of: np.ndarray, lam: float) -> np.ndarray:
    """The one-to-one posterior of each candidate pair (positions i, j; `file_of`: each
    record's file number)."""
    p = np.clip(np.asarray(probability, float), 1e-12, 1 - 1e-12)
    odds = p / (1 - p)
    sizes = np.bincount(file_of).astype(float)
    return np.minimum(_one_side(i, file_of[j], odds, sizes, lam),
                      _one_side(j, file_of[i], odds, sizes, lam))
