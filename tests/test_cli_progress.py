"""Progress bars of the long commands (issue 17): drawn on a terminal with the stage lines
above them, absent from piped output, and `ubr run`'s bar follows the job's steps."""

import io
from types import SimpleNamespace

from rich.console import Console

import ubr_cli.console as console_module
import ubr_cli.progress as progress_module
from ubr_cli.progress import progress_bar
from ubr_cli.run import _follow_steps


def _use(monkeypatch, terminal: bool) -> io.StringIO:
    out = io.StringIO()
    shared = Console(file=out, force_terminal=terminal, width=100, highlight=False)
    monkeypatch.setattr(console_module, "console", shared)
    monkeypatch.setattr(progress_module, "console", shared)
    return out


def test_on_a_terminal_the_bar_counts_steps_under_the_lines(monkeypatch):
    out = _use(monkeypatch, terminal=True)
    with progress_bar("working", total=2) as steps:
        steps.say("read 1,000 rows [rjsc]")
        steps.doing("step two")
        steps.advance(2)
    text = out.getvalue()
    assert "read 1,000 rows [rjsc]" in text  # printed as is, brackets not taken for markup
    assert "2/2" in text and "━" in text


def test_piped_output_has_the_lines_and_no_bar(monkeypatch):
    out = _use(monkeypatch, terminal=False)
    with progress_bar("working") as steps:
        steps.say("prepared 3 records")
        steps.advance()
    assert out.getvalue() == "prepared 3 records\n"


def _entry(kind: str | None, step: str = "s") -> SimpleNamespace:
    if kind is None:
        return SimpleNamespace(dagster_event=None)  # a plain log message
    flags = {f"is_step_{k}": k == kind for k in ("start", "success", "failure", "skipped")}
    return SimpleNamespace(dagster_event=SimpleNamespace(step_key=step, **flags))


def test_the_run_bar_names_the_running_step_and_counts_every_ended_one():
    calls: list[tuple[str, object]] = []
    steps = SimpleNamespace(doing=lambda what: calls.append(("doing", what)),
                            advance=lambda n=1: calls.append(("advance", n)))
    follow = _follow_steps(steps)  # type: ignore[arg-type]
    for entry in (_entry(None), _entry("start", "record_matches"), _entry("success"),
                  _entry("failure"), _entry("skipped")):
        follow(entry)
    assert calls == [("doing", "step record_matches"), ("advance", 1), ("advance", 1),
                     ("advance", 1)]
