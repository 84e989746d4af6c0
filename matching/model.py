"""The declarative match model: settings read from YAML, and the trained model saved as JSON.

Kept apart from the engine (as Splink does) so that a model is data: it can be reviewed,
versioned, hashed into the run record and reloaded to score new records the same way.
"""

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from canonical.config_files import load_yaml_model

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "matching.yaml"

Scorer = Literal[
    "exact", "ratio", "token_sort_ratio", "token_set_ratio", "partial_ratio",
    "jaro_winkler", "levenshtein",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LevelSettings(_Strict):
    """One comparison level: satisfied when `scorer` >= `min` on `using` and `same` agree."""

    label: str
    scorer: Scorer | None = None
    min: float | None = None
    using: list[str] | None = None  # columns the scorer reads; default: the comparison columns
    same: list[str] = Field(default_factory=list)  # columns that must be equal and non-null
    m: float = 0.5  # starting m probability for EM

    @model_validator(mode="after")
    def _needs_condition(self) -> "LevelSettings":
        if self.scorer is None and not self.same:
            raise ValueError(f"level {self.label!r} needs a scorer or a 'same' list")
        if self.scorer not in (None, "exact") and self.min is None:
            raise ValueError(f"level {self.label!r}: scorer {self.scorer!r} needs 'min'")
        return self


class ComparisonSettings(_Strict):
    """A comparison with ordered levels, best first; 'null' and 'else' levels are implicit."""

    name: str
    columns: list[str]
    cross: bool = True  # compare every left column with every right column, keep the best
    levels: list[LevelSettings]
    else_m: float = 0.05
    term_frequency: bool = False  # adjust the exact level by how common the shared value is
    # null (no evidence) where either record sits at a shared office: a registered office that
    # many firms give says nothing about where, or which, a business is
    null_at_shared_office: bool = False


class BlockingRuleSettings(_Strict):
    name: str
    keys: list[str]  # record columns; 'name_token' expands to one key per name token
    max_block_size: int | None = Field(None, ge=2)  # overrides blocking.max_block_size


class BlockingSettings(_Strict):
    max_block_size: int = Field(300, ge=2)
    name_tokens_per_record: int = Field(3, ge=1)  # rarest name words used as name_token keys
    rules: list[BlockingRuleSettings]


class EMSettings(_Strict):
    u_sample_pairs: int = Field(1_000_000, ge=1000)
    # of which string similarity is scored on this many (exact levels use all of them)
    u_similarity_pairs: int = Field(250_000, ge=1000)
    max_iterations: int = Field(50, ge=1)
    tolerance: float = Field(1e-5, gt=0)
    max_pairs_per_session: int = Field(2_000_000, ge=1000)
    seed: int = 42
    # Blocking rules whose pairs train m (one EM session each); None: every rule. Pick rules on
    # identifying keys: a coarse key (a shared word) lets EM mistake "same key" for "match".
    training_rules: list[str] | None = None
    # labelled pairs (steward decisions, `ubr dedupe --labels`): EM's m counts as this many
    # labelled matches next to the real ones (matching/labels.py)
    label_strength: float = Field(20.0, gt=0)


class RuleSettings(_Strict):
    same_bn_is_match: bool = True
    different_bn_cannot_link: bool = True
    different_numbered_company_cannot_link: bool = True
    franchise_min_records: int = Field(3, ge=2)
    franchise_min_addresses: int = Field(3, ge=2)
    # a place (address line and postal code) where at least this many different legal names
    # are registered is a shared office (a law firm's or accountant's registered office), not
    # one business that several registers list
    shared_office_min_names: int = Field(8, ge=2)
    # unlike names are never linked on a shared office alone: where both records sit at one
    # and the name level is one of unlike_name_levels, a match needs an identifier
    # comparison at 'exact'
    different_names_need_identifier: bool = True
    # a term-frequency identifier's value held by at least this many records (an office's
    # switchboard phone) identifies no one there
    shared_office_min_records: int = Field(10, ge=2)
    unlike_name_levels: list[str] = Field(default_factory=lambda: ["else"])
    identifier_comparisons: list[str] = Field(
        default_factory=lambda: ["business_number", "phone", "email"])


class ThresholdSettings(_Strict):
    auto_match: float = Field(0.8, gt=0, lt=1)
    review: float = Field(0.5, gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> "ThresholdSettings":
        if self.review > self.auto_match:
            raise ValueError("review must not exceed auto_match")
        return self


class ClusterSettings(_Strict):
    min_average_probability: float = Field(0.5, ge=0, le=1)
    max_dense_component: int = Field(500, ge=3)
    # components up to this size have the pairs blocking did not propose scored before the
    # chain guard weighs them (matching/component_pairs.py); below 3: never
    complete_components_up_to: int = Field(50, ge=0)


class CollapseSettings(_Strict):
    enabled: bool = True
    # collapse only when at least this share of the records are identical copies: below it
    # the saving is small and not worth a different training sample
    min_share: float = Field(0.05, ge=0, le=1)


class MatchSettings(_Strict):
    blocking: BlockingSettings
    comparisons: list[ComparisonSettings]
    em: EMSettings = Field(default_factory=EMSettings)
    rules: RuleSettings = Field(default_factory=RuleSettings)
    thresholds: ThresholdSettings = Field(default_factory=ThresholdSettings)
    clustering: ClusterSettings = Field(default_factory=ClusterSettings)
    collapse: CollapseSettings = Field(default_factory=CollapseSettings)

    @model_validator(mode="after")
    def _training_rules_exist(self) -> "MatchSettings":
        names = {r.name for r in self.blocking.rules}
        unknown = sorted(set(self.em.training_rules or []) - names)
        if unknown:
            raise ValueError(f"em.training_rules names unknown blocking rules {unknown}; "
                             f"allowed: {sorted(names)}")
        return self

    @model_validator(mode="after")
    def _unlike_name_levels_exist(self) -> "MatchSettings":
        name = next((c for c in self.comparisons if c.name == "name"), None)
        if name is None:
            return self
        labels = {"else", *(level.label for level in name.levels)}
        unknown = sorted(set(self.rules.unlike_name_levels) - labels)
        if unknown:
            raise ValueError(f"rules.unlike_name_levels names levels the name comparison does "
                             f"not have {unknown}; allowed: {sorted(labels)}")
        return self

    def config_hash(self) -> str:
        """SHA-256 of the settings, so a saved model names the configuration that made it."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


class SettingsError(ValueError):
    """A configuration file that cannot be used; the message names file and key."""


def load_settings(path: str | Path | None = None) -> MatchSettings:
    """Read and validate the match settings; errors name the file and the offending key."""
    return load_yaml_model(path if path is not None else DEFAULT_CONFIG, MatchSettings,
                           error=SettingsError)


class TrainedModel(BaseModel):
    """What training learnt: enough to score new pairs and to audit how it was made."""

    probability_two_random_records_match: float
    m: dict[str, dict[str, float]]  # comparison -> level label -> m probability
    u: dict[str, dict[str, float]]
    thresholds: ThresholdSettings
    config_hash: str
    n_records: int
    n_blocked_pairs: int
    u_sample_pairs: int
    em_sessions: list[dict[str, float | int | str]] = Field(default_factory=list)
    tf_summary: dict[str, dict[str, float]] = Field(default_factory=dict)  # top values
    # where lambda came from: "em" (the population fixed point) or "exact_agreement" (the
    # floor of matching/lambda_floor.py, when EM collapsed below it); and the floor itself
    lambda_source: Literal["em", "exact_agreement"] = "em"
    lambda_em: float | None = None
    exact_agreement_pairs: float | None = None
    # when lambda_source is exact_agreement: the share of true pairs agreeing exactly (from m)
    exact_agreement_recall: float | None = None
    # what labelled pairs did: how many, matches, threshold they chose (matching/labels.py)
    labels: dict[str, Any] = Field(default_factory=dict)
    # the model's own estimate of its auto-matches' precision and recall on the run that
    # trained it (matching/estimated_quality.py); empty until the pairs are scored
    estimated_quality: dict[str, float] = Field(default_factory=dict)
    # every scored pair in match-weight bins with the matches expected among them, per
    # blocking rule too (matching/score_summary.py): what the model report draws
    score_summary: dict[str, Any] = Field(default_factory=dict)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.model_dump_json(indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "TrainedModel":
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))
