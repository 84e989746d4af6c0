"""Population statistics: what a record's matching columns depend on beyond the record.

Three matching columns are not functions of one record: its rarest name words (`name_token`,
ranked by how many records use each word), whether its name is a chain's brand
(`chain_name`: a name without a legal form held by many records at several places) and
whether it sits at a shared office (`shared_office`: an address held by many records).
`PopulationStatistics.of` counts them once over the population; `apply` sets the columns of
any records from those counts, the population's own or one more record's, so a record that
arrives later is prepared exactly as if it had been there (the match state keeps them).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.name_words import NameWords


@dataclass(frozen=True)
class PopulationStatistics:
    """Counts over the population, and the settings that turn them into flags."""

    token_records: pd.Series  # name word -> records whose names use it
    name_places: pd.DataFrame  # legal name (index) -> n records, places (distinct)
    office_records: pd.Series  # standardised address -> records at it
    name_tokens_per_record: int = 3
    franchise_min_records: int = 3
    franchise_min_addresses: int = 3
    shared_office_min_records: int = 10

    @classmethod
    def of(cls, records: pd.DataFrame, name_tokens_per_record: int = 3,
           franchise_min_records: int = 3, franchise_min_addresses: int = 3,
           shared_office_min_records: int = 10) -> "PopulationStatistics":
        """Count over `records` (standardised: name_std, operating_name_std, address_std,
        postal_code_std, phone_e164)."""
        token_records = _name_words(records).records_per_word()
        # places are told apart by postal code (typos in a street line must not make a chain)
        place = records["postal_code_std"].fillna(records["address_std"]).fillna(
            records["phone_e164"])
        stats = pd.DataFrame({"name": records["name_std"], "place": place}).dropna(
            subset=["name"])
        name_places = stats.groupby("name").agg(n=("name", "size"),
                                                places=("place", "nunique"))
        offices = records["address_std"].value_counts()
        return cls(token_records, name_places, offices, name_tokens_per_record,
                   franchise_min_records, franchise_min_addresses, shared_office_min_records)

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
        held = out["address_std"].map(self.office_records).fillna(0) + own
        held = held.where(out["address_std"].notna())
        out["shared_office"] = (held >= self.shared_office_min_records).fillna(False).to_numpy(
            bool)
        # a registered legal name ('... Limited') names one corporation, never a chain of them
        out["chain_name"] = (out["name_std"].isin(set(self.chain_names))
                             & out["name_legal_form"].isna()).to_numpy(bool)
        return out

    def frames(self) -> dict[str, pd.DataFrame]:
        """The counts as tables (for Parquet)."""
        return {
            "name_tokens": pd.DataFrame({"token": self.token_records.index.astype(str),
                                         "records": self.token_records.to_numpy(np.int64)}),
            "names": self.name_places.rename_axis("name").reset_index(),
            "offices": pd.DataFrame({"address_std": self.office_records.index.astype(str),
                                     "records": self.office_records.to_numpy(np.int64)}),
        }

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame],
                    **settings: int) -> "PopulationStatistics":
        tokens = frames["name_tokens"]
        offices = frames["offices"]
        return cls(pd.Series(tokens["records"].to_numpy(), index=tokens["token"].to_numpy(
            object)), frames["names"].set_index("name"),
            pd.Series(offices["records"].to_numpy(), index=offices["address_std"].to_numpy(
                object)), **settings)

    def settings(self) -> dict[str, int]:
        return {"name_tokens_per_record": self.name_tokens_per_record,
                "franchise_min_records": self.franchise_min_records,
                "franchise_min_addresses": self.franchise_min_addresses,
                "shared_office_min_records": self.shared_office_min_records}


def _name_words(records: pd.DataFrame) -> NameWords:
    """Each record's distinct name words, legal and operating names together."""
    return NameWords.of(records["name_std"].reset_index(drop=True),
                        records["operating_name_std"].reset_index(drop=True))
