"""Population statistics: what a record's matching columns depend on beyond the record.

Three matching columns are not functions of one record: its rarest name words (`name_token`,
ranked by how many records use each word), whether its name is a chain's brand
(`chain_name`: a name without a legal form held by many records at several places) and
whether it sits at a shared office (`shared_office`: a place where many different names are
registered: a law firm's registered office, not a business that several registers list).
`PopulationStatistics.of` counts them once over the population; `apply` sets the columns of
any records from those counts, the population's own or one more record's, so a record that
arrives later is prepared exactly as if it had been there (the match state keeps them).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.model import MatchSettings
from matching.name_words import NameWords


@dataclass(frozen=True)
class PopulationStatistics:
    """Counts over the population, and the settings that turn them into flags."""

    token_records: pd.Series  # name word -> records whose names use it
    name_places: pd.DataFrame  # legal name (index) -> n records, places (distinct)
    office_names: pd.Series  # place (office_key) -> distinct legal names at it
    # (office, name_std) at the places one name short of a shared office: whether
    # a record arriving there brings a new name
    office_edge: pd.DataFrame
    name_tokens_per_record: int = 3
    franchise_min_records: int = 3
    franchise_min_addresses: int = 3
    shared_office_min_names: int = 8

    @classmethod
    def of(cls, records: pd.DataFrame, name_tokens_per_record: int = 3,
           franchise_min_records: int = 3, franchise_min_addresses: int = 3,
           shared_office_min_names: int = 8) -> "PopulationStatistics":
        """Count over `records` (standardised: name_std, operating_name_std, address_std, city_std,
        postal_code_std, phone_e164)."""
        token_records = _name_words(records).records_per_word()
        # places are told apart by postal code (typos in a street line must not make a chain)
        place = records["postal_code_std"].fillna(records["address_std"]).fillna(
            records["phone_e164"])
        stats = pd.DataFrame({"name": records["name_std"], "place": place}).dropna(
            subset=["name"])
        name_places = stats.groupby("name").agg(n=("name", "size"),
                                                places=("place", "nunique"))
        at = pd.DataFrame({"office": office_keys(records),
                           "name_std": records["name_std"]}).dropna().drop_duplicates()
        offices = at["office"].value_counts()
        edge = offices.index[offices == shared_office_min_names - 1]
        return cls(token_records, name_places, offices,
                   at[at["office"].isin(edge)].reset_index(drop=True),
                   name_tokens_per_record, franchise_min_records, franchise_min_addresses,
                   shared_office_min_names)

    @classmethod
    def for_settings(cls, records: pd.DataFrame,
                     settings: MatchSettings) -> "PopulationStatistics":
        """`of` with the counts' thresholds from the match settings."""
        rules = settings.rules
        return cls.of(records, settings.blocking.name_tokens_per_record,
                      rules.franchise_min_records, rules.franchise_min_addresses,
                      rules.shared_office_min_names)

    @property
    def chain_names(self) -> pd.Index:
        """Names held by at least franchise_min_records records at franchise_min_addresses
        places."""
        per_name = self.name_places
        return per_name.index[(per_name["n"] >= self.franchise_min_records)
                              & (per_name["places"] >= self.franchise_min_addresses)]

    def apply(self, records: pd.DataFrame, counted: bool = True) -> pd.DataFrame:
        """Set name_token, chain_name and shared_office on `records` from these counts.

        `counted`: the records are part of the population counted (a full run); otherwise each
        also counts itself, as it would have had it been there.
        """
        out = records
        own = 0 if counted else 1
        out["name_token"] = _name_words(out).rarest(self.token_records,
                                                    self.name_tokens_per_record, own)
        office = office_keys(out)
        names = office.map(self.office_names).fillna(0).to_numpy(float)
        if not counted:  # a name not yet registered at the place adds one
            names = names + (~self.is_known(office, out["name_std"])
                             & out["name_std"].notna().to_numpy(bool))
        out["shared_office"] = office.notna().to_numpy(bool) & (
            names >= self.shared_office_min_names)
        # a registered legal name ('... Limited') names one corporation, never a chain of them
        out["chain_name"] = (out["name_std"].isin(set(self.chain_names))
                             & out["name_legal_form"].isna()).to_numpy(bool)
        return out

    def is_known(self, offices: pd.Series, names: pd.Series) -> np.ndarray:
        """Whether each (place, name) is already counted, where it could matter: at a place
        one name short of a shared office (elsewhere one more name changes nothing, so the
        answer there is True)."""
        edge = offices.isin(self.office_edge["office"]).to_numpy(bool)
        known = ~edge
        if edge.any():
            counted = pd.MultiIndex.from_frame(self.office_edge)
            pairs = pd.MultiIndex.from_arrays([offices[edge], names[edge]])
            known[edge] = pairs.isin(counted)
        return known

    def frames(self) -> dict[str, pd.DataFrame]:
        """The counts as tables (for Parquet)."""
        return {
            "name_tokens": pd.DataFrame({"token": self.token_records.index.astype(str),
                                         "records": self.token_records.to_numpy(np.int64)}),
            "names": self.name_places.rename_axis("name").reset_index(),
            "offices": pd.DataFrame({"office": self.office_names.index.astype(str),
                                     "names": self.office_names.to_numpy(np.int64)}),
            "office_edge": self.office_edge.astype(str),
        }

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame],
                    **settings: int) -> "PopulationStatistics":
        tokens = frames["name_tokens"]
        offices = frames["offices"]
        return cls(pd.Series(tokens["records"].to_numpy(), index=tokens["token"].to_numpy(
            object)), frames["names"].set_index("name"),
            pd.Series(offices["names"].to_numpy(), index=offices["office"].to_numpy(
                object)), frames["office_edge"], **settings)

    def settings(self) -> dict[str, int]:
        return {"name_tokens_per_record": self.name_tokens_per_record,
                "franchise_min_records": self.franchise_min_records,
                "franchise_min_addresses": self.franchise_min_addresses,
                "shared_office_min_names": self.shared_office_min_names}


def office_keys(records: pd.DataFrame) -> pd.Series:
    """Each record's place: its address line with its postal code, or its city without one
    (the same street line in two towns is two places); missing without an address line."""
    where = records["postal_code_std"].fillna(records["city_std"]).fillna("")
    return records["address_std"] + "|" + where


def office_key(address: str | None, postal_code: str | None, city: str | None) -> str | None:
    """office_keys of one record."""
    return None if address is None else f"{address}|{postal_code or city or ''}"


def _name_words(records: pd.DataFrame) -> NameWords:
    """Each record's distinct name words, legal and operating names together."""
    return NameWords.of(records["name_std"].reset_index(drop=True),
                        records["operating_name_std"].reset_index(drop=True))
