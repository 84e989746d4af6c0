"""The IO manager of the job: step outputs kept beside the registry, not in DAGSTER_HOME.

Dagster's default IO manager pickles every output into the instance's storage (mode 644,
raw rows and personal values included). This one hands them to `registry.stage_files`:
Parquet per DataFrame under `UBR_HOME/stage/<asset>`, owner-only. One run at a time holds
the registry (the run lock), so one folder per asset is enough.
"""

from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.memory import release_unused_memory

STAGE_FOLDER = "stage"


class RegistryStageIOManager(dg.ConfigurableIOManager):
    """Step outputs as Parquet under UBR_HOME/stage (folders 0700, files 0600)."""

    home: str = ""  # default: UBR_HOME, else ./.ubr

    def _folder(self, key: dg.AssetKey) -> Path:
        from registry.database import ubr_home

        root = Path(self.home) if self.home else ubr_home()
        return root / STAGE_FOLDER / "__".join(key.path)

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:  # noqa: ANN401
        from registry.stage_files import save_stage

        if obj is None:
            return
        save_stage(obj, self._folder(context.asset_key))
        release_unused_memory()  # what the step freed, before the next step allocates

    def load_input(self, context: dg.InputContext) -> Any:  # noqa: ANN401
        from registry.stage_files import StageFileError, load_stage

        release_unused_memory()
        try:
            return load_stage(self._folder(context.asset_key))
        except StageFileError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
