"""Clustering under cannot-link rules and the chain guard; one row per record."""

import numpy as np
import pandas as pd

from matching.clustering import cluster_positions, clusters_frame
from matching.model import ClusterSettings

SETTINGS = ClusterSettings(min_average_probability=0.5)


def _pairs(edges: list[tuple[int, int, float]], auto: float = 0.95) -> pd.DataFrame:
    frame = pd.DataFrame(edges, columns=["i", "j", "match_probability"])
    frame["decision"] = np.where(frame["match_probability"] >= auto, "match", "non_match")
    frame["rule"] = ""
    return frame


def test_two_valid_bn_roots_never_share_a_cluster_even_through_strong_chain() -> None:
    # 0 (BN 111) - 1 - 2 - 3 (BN 222): every link strong, all pairs scored high.
    edges = [(a, b, 0.99) for a in range(4) for b in range(a + 1, 4)]
    bn = np.array(["111111111", None, None, "222222222"], dtype=object)
    labels = cluster_positions(4, _pairs(edges), [bn], SETTINGS)
    assert labels[0] != labels[3]
    assert len(set(labels)) == 2


def test_different_numbered_company_numbers_never_clustered() -> None:
    edges = [(0, 1, 0.999), (1, 2, 0.999), (0, 2, 0.999)]
    numbers = np.array(["3301234", "3301235", None], dtype=object)
    labels = cluster_positions(3, _pairs(edges), [numbers], SETTINGS)
    assert labels[0] != labels[1]


def test_chain_of_weak_links_is_split() -> None:
    # Two tight groups {0,1,2} and {3,4,5} joined by one strong bridge 2-3; the other
    # cross pairs were scored and are clear non-matches.
    edges = [(0, 1, 0.99), (0, 2, 0.99), (1, 2, 0.99), (3, 4, 0.99), (3, 5, 0.99),
             (4, 5, 0.99), (2, 3, 0.97)]
    edges += [(a, b, 0.01) for a in (0, 1, 2) for b in (3, 4, 5) if (a, b) != (2, 3)]
    labels = cluster_positions(6, _pairs(edges), [], SETTINGS)
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1
    assert labels[0] != labels[3]


def test_path_without_support_does_not_chain() -> None:
    # a-b strong, b-c strong, a-c known non-match: c must not join a and b together.
    labels = cluster_positions(3, _pairs([(0, 1, 0.99), (1, 2, 0.96), (0, 2, 0.001)]), [],
                               SETTINGS)
    assert not (labels[0] == labels[1] == labels[2])


def test_complete_component_is_kept_and_output_has_one_row_per_record() -> None:
    edges = [(0, 1, 0.99), (0, 2, 0.98), (1, 2, 0.97), (3, 4, 0.99)]
    labels = cluster_positions(6, _pairs(edges), [], SETTINGS)
    frame = clusters_frame(pd.Series([f"r{k}" for k in range(6)]), labels)
    assert len(frame) == 6 and frame["record_key"].is_unique
    assert frame.set_index("record_key").loc[["r0", "r1", "r2"], "cluster_id"].nunique() == 1
    assert frame.set_index("record_key").loc["r2", "cluster_id"] == "r0"
    assert frame.set_index("record_key").loc["r5", "cluster_size"] == 1


def test_same_bn_pair_is_full_support_whatever_its_score() -> None:
    # registered office vs site: the same BN root, but the score alone is low
    pairs = _pairs([(0, 1, 0.02), (1, 2, 0.99), (0, 2, 0.6)])
    pairs.loc[0, ["rule", "decision"]] = ["same_bn", "match"]
    labels = cluster_positions(3, pairs, [], SETTINGS)
    assert labels[0] == labels[1] == labels[2]
