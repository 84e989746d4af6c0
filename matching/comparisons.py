"""Comparisons with ordered levels (the Splink idea), as data the engine executes.

A comparison turns a pair of records into one level, chosen as the first satisfied level in a
best-first list. Level codes ("gamma") follow Splink: -1 is null (a side is missing: weight 0),
0 is 'else', and higher is better, so the exact level has the highest code.
"""

from dataclasses import dataclass

from matching.model import ComparisonSettings, LevelSettings

NULL_LABEL = "null"
ELSE_LABEL = "else"


@dataclass(frozen=True)
class Comparison:
    """A compiled comparison: the settings plus the gamma <-> label mapping."""

    settings: ComparisonSettings

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def levels(self) -> list[LevelSettings]:
        return self.settings.levels

    @property
    def n_levels(self) -> int:
        """Non-null levels: the listed ones plus 'else'."""
        return len(self.settings.levels) + 1

    def gamma_of(self, level_index: int) -> int:
        """Gamma of the level at `level_index` in the best-first list."""
        return self.n_levels - 1 - level_index

    @property
    def labels(self) -> list[str]:
        """Labels indexed by gamma (0 = else ... best)."""
        return [ELSE_LABEL] + [lv.label for lv in reversed(self.settings.levels)]

    def label(self, gamma: int) -> str:
        return NULL_LABEL if gamma < 0 else self.labels[gamma]

    @property
    def exact_gammas(self) -> list[int]:
        """Gammas of the exact-value levels (term-frequency adjustment applies to them)."""
        return [self.gamma_of(index) for index, level in enumerate(self.settings.levels)
                if level.scorer == "exact"]

    def tf_u(self, u: dict[str, float]) -> list[float]:
        """By gamma, the u a term-frequency adjustment replaces (Splink's rule): the plain
        exact level's, for every exact level. A level that also asks for agreement elsewhere
        ('the same name and the same legal form') is rarer than the name alone, but how
        common the shared name is says the same about it: measured against its own u the
        adjustment would count the extra agreement against the pair."""
        plain = [lv.label for lv in self.settings.levels
                 if lv.scorer == "exact" and not lv.same and not lv.using]
        base = u[plain[0]] if plain else None
        exact = set(self.exact_gammas)
        return [base if base is not None and gamma in exact else u[label]
                for gamma, label in enumerate(self.labels)]

    @property
    def starting_m(self) -> list[float]:
        """Starting m by gamma, normalised to sum to one."""
        raw = [self.settings.else_m] + [lv.m for lv in reversed(self.settings.levels)]
        total = sum(raw)
        return [v / total for v in raw]

    @property
    def record_columns(self) -> set[str]:
        """Every record column this comparison reads."""
        cols = set(self.settings.columns)
        for level in self.settings.levels:
            cols.update(level.using or [])
            cols.update(level.same)
        if self.settings.null_at_shared_office:
            cols.add("shared_office")
        return cols


def compile_comparisons(settings: list[ComparisonSettings]) -> list[Comparison]:
    """Compile and check that comparison and level names are unique."""
    names = [c.name for c in settings]
    if len(set(names)) != len(names):
        raise ValueError(f"comparison names must be unique: {names}")
    for comp in settings:
        labels = [lv.label for lv in comp.levels]
        if len(set(labels)) != len(labels) or {NULL_LABEL, ELSE_LABEL} & set(labels):
            raise ValueError(f"comparison {comp.name!r}: level labels must be unique, "
                             f"and not 'null' or 'else': {labels}")
    return [Comparison(c) for c in settings]


# A small library of ready comparisons, for code that builds settings without YAML.
def exact_comparison(name: str, column: str, m_exact: float = 0.9) -> ComparisonSettings:
    """Exact agreement or not (phone, BN root, numbered-company number)."""
    return ComparisonSettings(
        name=name, columns=[column], else_m=1 - m_exact,
        levels=[LevelSettings(label="exact", scorer="exact", m=m_exact)],
    )


def name_comparison(columns: list[str], term_frequency: bool = True) -> ComparisonSettings:
    """Legal and operating names compared across each other, exact down to fuzzy."""
    return ComparisonSettings(
        name="name", columns=columns, cross=True, term_frequency=term_frequency, else_m=0.07,
        levels=[
            LevelSettings(label="exact_legal", scorer="exact", same=["name_legal_form"], m=0.3),
            LevelSettings(label="exact", scorer="exact", m=0.3),
            LevelSettings(label="jw_0.95", scorer="jaro_winkler", min=0.95, m=0.15),
            LevelSettings(label="token_set_90", scorer="token_set_ratio", min=90, m=0.15),
            LevelSettings(label="token_sort_80", scorer="token_sort_ratio", min=80, m=0.08),
            LevelSettings(label="token_set_65", scorer="token_set_ratio", min=65, m=0.05),
        ],
    )
