"""The pairs inside a match component that blocking never proposed are scored before the chain
guard weighs the component (matching/component_pairs.py)."""

import numpy as np
import pandas as pd

from matching.component_pairs import cluster_completed, unscored_component_pairs
from matching.model import ClusterSettings


def _pairs(edges: list[tuple[int, int, float]], auto: float = 0.8) -> pd.DataFrame:
    frame = pd.DataFrame(edges, columns=["i", "j", "match_probability"])
    frame["decision"] = np.where(frame["match_probability"] >= auto, "match", "non_match")
    frame["rule"] = ""
    return frame


# an original (0) and three copies of it (1, 2, 3), each changed in another field: blocking
# proposed only the original's pairs; 4-5 are a separate, complete pair; 6 stands alone
STAR = [(0, 1, 0.99), (0, 2, 0.99), (0, 3, 0.99), (4, 5, 0.99), (5, 6, 0.01)]


def _scorer(probability: float, calls: list):
    def score(extra: pd.DataFrame) -> pd.DataFrame:
        calls.append(extra.copy())
        return _pairs([(int(i), int(j), probability)
                       for i, j in zip(extra["i"], extra["j"], strict=True)])
    return score


def test_only_the_unproposed_pairs_of_components_the_guard_rebuilds() -> None:
    missing = unscored_component_pairs(7, _pairs(STAR), max_size=50)
    assert sorted(zip(missing["i"], missing["j"], strict=True)) == [(1, 2), (1, 3), (2, 3)]
    assert unscored_component_pairs(7, _pairs(STAR), max_size=3).empty  # the star holds 4
    assert unscored_component_pairs(7, _pairs(STAR), max_size=0).empty


def test_copies_that_resemble_each_other_somewhat_stay_together() -> None:
    calls: list = []
    settings = ClusterSettings(min_average_probability=0.5, complete_components_up_to=50)
    labels, components, scored = cluster_completed(7, _pairs(STAR), [], settings,
                                                   _scorer(0.3, calls))
    assert scored == 3 and len(calls) == 1
    assert len(set(labels[:4])) == 1 and labels[4] == labels[5] != labels[0]
    assert len(set(labels)) == 3
    assert components[0] == components[3] != components[4]

    # unscored, the copies' pairs count as 0 and the guard splits the star
    off = ClusterSettings(min_average_probability=0.5, complete_components_up_to=0)
    labels, _, scored = cluster_completed(7, _pairs(STAR), [], off, _scorer(0.3, []))
    assert scored == 0 and len(set(labels[:4])) > 1


def test_copies_the_model_scores_as_clear_non_matches_are_split() -> None:
    settings = ClusterSettings(min_average_probability=0.5, complete_components_up_to=50)
    labels, _, _ = cluster_completed(7, _pairs(STAR), [], settings, _scorer(0.0, []))
    assert len(set(labels[:4])) > 1


def test_pairs_within_one_file_stay_unscored_when_linking_only() -> None:
    # records 1, 2, 3 come from one file, the original 0 from another: declared distinct
    files = np.array([0, 1, 1, 1, 0, 1, 0])
    missing = unscored_component_pairs(7, _pairs(STAR), max_size=50, link_only=files)
    assert missing.empty
    files = np.array([0, 1, 2, 1, 0, 1, 0])
    missing = unscored_component_pairs(7, _pairs(STAR), max_size=50, link_only=files)
    assert sorted(zip(missing["i"], missing["j"], strict=True)) == [(1, 2), (2, 3)]
