"""The `ubr` command line: one face over sources, validation, matching and the registry.

Commands live in their own modules in this package and are registered here, so that the
domain packages never depend on the command line.
"""

import typer

from registry.private_files import restrict_new_files

# Every file a `ubr` command writes (the store, exports, reports, lineage) is owner-only.
restrict_new_files()

app = typer.Typer(
    name="ubr",
    help="Unified Business Registry: ingest ministry registers, validate, match, publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

# Each command lives in its own module; imports stay light so `ubr --help` answers at once.
from ubr_cli.dedupe import dedupe  # noqa: E402
from ubr_cli.demo_data import demo_data  # noqa: E402
from ubr_cli.export_cmd import access_log, export, publications  # noqa: E402
from ubr_cli.lineage_cmd import explain, trace  # noqa: E402
from ubr_cli.model_report_cmd import model_report  # noqa: E402
from ubr_cli.provision_cmd import provision  # noqa: E402
from ubr_cli.quarantine_cmd import quarantine_app  # noqa: E402
from ubr_cli.report_cmd import report_app  # noqa: E402
from ubr_cli.review_cmd import review_app  # noqa: E402
from ubr_cli.run import run  # noqa: E402
from ubr_cli.serve_cmd import serve  # noqa: E402
from ubr_cli.sharing_cmd import sharing_app  # noqa: E402
from ubr_cli.sources_cmd import sources  # noqa: E402

# Data engineers
app.command("run")(run)
app.command("sources")(sources)
app.command("demo-data")(demo_data)
app.add_typer(quarantine_app, name="quarantine")
# Matching and stewards
app.command("dedupe")(dedupe)
app.add_typer(review_app, name="review")
# Publication to the ministries
app.command("publications")(publications)
app.command("export")(export)
app.command("access-log")(access_log)
sharing_app.command("provision")(provision)
app.add_typer(sharing_app, name="sharing")
# Auditors and partners
app.command("explain")(explain)
app.command("trace")(trace)
app.command("serve")(serve)
report_app.command("model")(model_report)
app.add_typer(report_app, name="report")
