"""`ubr sharing`: the data-sharing agreements (config/sharing.yaml) and what they let through.

Register in ubr_cli/main.py:  `app.add_typer(sharing_app, name="sharing")`. Other commands of
this group (e.g. `provision`) import `sharing_app` and add themselves to it.
Secrets are read only to say whether they are set; their values are never printed.
"""

import hashlib
import os
from pathlib import Path

import typer
from rich.markup import escape

from ubr_cli.console import console, errors, fail, shorten, table
from ubr_cli.settings import SHARING_CONFIG_OPTION

sharing_app = typer.Typer(
    help="Data-sharing agreements: which rows and fields each consuming ministry receives, "
    "and how each field is treated (clear, masked, pseudonym, withheld).",
    no_args_is_help=True,
)



@sharing_app.command("check")
def check(
    config: Path | None = SHARING_CONFIG_OPTION,
    require_secrets: bool = typer.Option(
        False, "--require-secrets",
        help="Fail when an agreement with pseudonym fields has no secret in the environment "
        "(use before publishing)."),
) -> None:
    """Validate the agreements file and show one line per ministry: its purpose, rows,
    personal-information mode, how many fields get each treatment, and whether its secret
    environment variable is set and long enough (never its value). Fails on a secret shorter
    than 32 bytes or shared by two ministries."""
    from registry.sharing_agreement import ConfigError, Treatment, load_sharing, sharing_config_path
    from registry.sharing_policy import MIN_SECRET_BYTES, secret_problem

    path = sharing_config_path(config)
    try:
        sharing = load_sharing(path)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    rows, missing, weak = [], [], []
    digests: dict[str, list[str]] = {}
    for agreement in sharing.agreements:
        counts = ", ".join(f"{t.value} {len(agreement.fields_with(t))}" for t in Treatment)
        needs = bool(agreement.fields_with(Treatment.PSEUDONYM))
        value = os.environ.get(agreement.secret_env) if agreement.secret_env else None
        if value:
            problem = secret_problem(agreement)
            if problem:
                weak.append(problem)
                secret = f"{agreement.secret_env} TOO SHORT (under {MIN_SECRET_BYTES} bytes)"
            else:
                secret = f"{agreement.secret_env} set"
            digests.setdefault(hashlib.sha256(value.encode()).hexdigest(), []).append(agreement.id)
        elif agreement.secret_env:
            secret = f"{agreement.secret_env} NOT SET" if needs else f"{agreement.secret_env} unset"
        else:
            secret = "not needed"
        if needs and not value:
            missing.append(f"agreement '{agreement.id}': set {agreement.secret_env}")
        cells = [agreement.id, agreement.ministry, shorten(agreement.purpose, 60),
                 agreement.rows.describe(),
                 agreement.personal_information, counts, secret]
        rows.append([escape(cell) for cell in cells])
    title = f"Data-sharing agreements in {path} (keep {sharing.keep_publications} publications)"
    table(escape(title),
          ["id", "ministry", "purpose", "rows", "personal information", "fields", "secret"], rows)
    refused = [escape(problem) for problem in weak]
    shared = [", ".join(ids) for ids in digests.values() if len(ids) > 1]
    if shared:
        refused.append(f"agreements {'; '.join(shared)} have the same secret, so their "
                       "pseudonyms could be joined; give each ministry its own secret")
    if refused:
        raise fail("\n".join(refused))
    if require_secrets and missing:
        raise fail("secrets missing: " + "; ".join(missing))
    for problem in missing:
        errors.print(f"[bold yellow]secret missing:[/] {problem} before publishing")
    console.print(f"{len(sharing.agreements)} agreement(s) valid.")
