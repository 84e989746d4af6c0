"""The legal forms of Canadian businesses, English and French, kept as data.

No library knows 'S.E.N.C.R.L.' or 'Ltée', so the table lives in `legal_forms.yaml`; this
module loads it once, normalises the variants with the name rules (so the YAML can be written
the way the registers write), and exposes the regular-expression alternations the vectorised
name standardiser needs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from matching.text import punctuation_to_spaces

DATA_FILE = Path(__file__).with_name("legal_forms.yaml")
_ALLOWED = set("abcdefghijklmnopqrstuvwxyz0123456789 ")


@dataclass(frozen=True)
class LegalFormTable:
    """Normalised variants mapped to canonical codes, ready for regex alternation."""

    code_by_variant: dict[str, str]
    family_by_code: dict[str, str]
    jurisdiction_by_variant: dict[str, str]

    @property
    def forms_pattern(self) -> str:
        """Alternation of every form variant, longest first so that the longest wins."""
        return _alternation(self.code_by_variant)

    @property
    def jurisdictions_pattern(self) -> str:
        """Alternation of every numbered-company jurisdiction variant."""
        return _alternation(self.jurisdiction_by_variant)


def _alternation(variants: dict[str, str]) -> str:
    ordered = sorted(variants, key=lambda v: (-len(v), v))
    return "|".join(ordered)


def load_table(
    normalise: Callable[[pd.Series], pd.Series], path: Path = DATA_FILE
) -> LegalFormTable:
    """Read and validate the YAML table, normalising variants with `normalise`."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict) or "forms" not in raw:
        raise ValueError(f"{path}: expected a mapping with a 'forms' key")
    code_by_variant: dict[str, str] = {}
    family_by_code: dict[str, str] = {}
    for code, entry in raw["forms"].items():
        if not isinstance(entry, dict) or "variants" not in entry or "family" not in entry:
            raise ValueError(f"{path}: forms.{code} needs 'family' and 'variants'")
        family_by_code[code] = str(entry["family"])
        _add_variants(code_by_variant, code, entry["variants"], normalise, path, f"forms.{code}")
    jurisdiction_by_variant: dict[str, str] = {}
    for code, variants in (raw.get("numbered_company_jurisdictions") or {}).items():
        _add_variants(
            jurisdiction_by_variant,
            code,
            variants,
            normalise,
            path,
            f"numbered_company_jurisdictions.{code}",
        )
    return LegalFormTable(code_by_variant, family_by_code, jurisdiction_by_variant)


def _add_variants(
    target: dict[str, str],
    code: str,
    variants: list[str],
    normalise: Callable[[pd.Series], pd.Series],
    path: Path,
    key: str,
) -> None:
    not_text = [v for v in [code, *variants] if not isinstance(v, str)]
    if not_text:
        raise ValueError(
            f"{path}: {key}: {not_text} are not strings (quote ON, NO, YES in YAML)"
        )
    normalised = normalise(pd.Series(variants, dtype="string"))
    for original, variant in zip(variants, normalised, strict=True):
        if pd.isna(variant) or not variant or not set(variant) <= _ALLOWED:
            raise ValueError(f"{path}: {key}: variant {original!r} normalises to {variant!r}")
        previous = target.setdefault(variant, code)
        if previous != code:
            raise ValueError(f"{path}: {key}: variant {original!r} already belongs to {previous!r}")


@lru_cache(maxsize=1)
def default_table() -> LegalFormTable:
    """The packaged table, loaded once per process."""
    return load_table(punctuation_to_spaces)


def legal_form_family(code: str | None) -> str | None:
    """Family of a canonical code (corporation, partnership, ...), for compatibility rules."""
    if code is None or pd.isna(code):
        return None
    return default_table().family_by_code.get(code)
