"""Everything the CLI shows: messages, tables, the live progress bar.

The only module of kerasopt that imports rich. Tables and JSON go to stdout;
progress, notes and errors go to stderr, so ``kerasopt show x --json | jq``
stays clean.
"""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

    from ..search._study import StudyProgress

__all__ = [
    "TrialProgress",
    "error",
    "interrupted",
    "note",
    "unused_columns",
    "print_json",
    "study_view",
    "studies_table",
]

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _short(name: str) -> str:
    # One rule for `show` and the HTML report (kerasopt.reporting.short_name).
    from ..reporting import short_name

    return short_name(name)


def error(message: str) -> None:
    """Print a one-line error to stderr."""
    _err.print(f"[bold red]Error:[/] {escape(message)}")


def interrupted(message: str) -> None:
    """Print the one line of a Ctrl-C to stderr: the user's choice, not an error."""
    _err.print(f"[bold yellow]{escape(message)}[/]")


def note(message: str) -> None:
    """Print an informative line to stderr."""
    _err.print(escape(message), style="dim")


def unused_columns(reasons: dict[str, str]) -> None:
    """One line naming the columns no trial learns from, and why."""
    if reasons:
        listed = ", ".join(f"{name!r} ({why})" for name, why in reasons.items())
        note(f"Not used as features: {listed}.")


def print_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (plain, no colours, one document)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def studies_table(summaries: list[dict[str, Any]], storage_label: str) -> None:
    """A table with one row per study."""
    table = Table(title=f"Studies in {escape(storage_label)}")
    for column in ("study", "trials", "complete", "pruned", "failed", "best", "target"):
        table.add_column(
            column, justify="left" if column in ("study", "target") else "right"
        )
    for s in summaries:
        states = s["states"]
        table.add_row(
            escape(s["study_name"]),
            str(s["n_trials"]),
            str(states["COMPLETE"]),
            str(states["PRUNED"]),
            str(states["FAIL"]),
            _fmt(s["best_value"]),
            escape(str(s["user_attrs"].get("target", "-"))),
        )
    if not summaries:
        _err.print(f"No study in {escape(storage_label)}.")
        return
    _out.print(table)


def study_view(summary: dict[str, Any], top: pd.DataFrame) -> None:
    """Best parameters and the top trials of one study."""
    states = summary["states"]
    attrs = summary["user_attrs"]
    _out.print(f"[bold]Study {escape(summary['study_name'])}[/]")
    for key in ("data", "target", "task", "metric"):
        if key in attrs:
            _out.print(f"  {key}: {escape(str(attrs[key]))}")
    _out.print(
        f"  trials: {summary['n_trials']} ({states['COMPLETE']} complete, "
        f"{states['PRUNED']} pruned, {states['FAIL']} failed, "
        f"{states['RUNNING']} running)"
    )
    if summary["best_trial"] is None:
        _out.print("  no complete trial yet")
        return
    _out.print(
        f"  best: trial {summary['best_trial']}, value {_fmt(summary['best_value'])}"
    )
    ensemble = attrs.get("ensemble")
    if isinstance(ensemble, dict) and ensemble.get("weights"):
        members = ", ".join(f"{k} ({w:.2f})" for k, w in ensemble["weights"].items())
        _out.print(
            f"  ensemble: trials {members}; out-of-fold value "
            f"{_fmt(ensemble.get('score'))}"
        )
    params = Table(title="Best parameters")
    params.add_column("parameter")
    params.add_column("value")
    for name, value in summary["best_params"].items():
        params.add_row(escape(_short(str(name))), escape(_fmt(value)))
    _out.print(params)
    trials = Table(title=f"Top {len(top)} trials")
    fixed = [c for c in top.columns if c in ("number", "state", "value", "duration_s")]
    for column in fixed:
        trials.add_column(escape(str(column)), no_wrap=True)
    # All parameters in one wrapping column: readable at any terminal width.
    trials.add_column("parameters", ratio=1)
    for _, row in top.iterrows():
        params = ", ".join(
            f"{_short(str(c))}={_fmt(row[c])}" for c in top.columns if c not in fixed
        )
        trials.add_row(*(escape(_fmt(row[c])) for c in fixed), escape(params))
    _out.print(trials)


class TrialProgress:
    """The live progress bar of ``kerasopt tune``, fed by the search's polling.

    Shows trials done (complete + pruned) out of the study's target, the best
    value so far, the pruned, failed and running counts and the time left.
    Counts are the whole study's, so trials of other workers sharing the
    storage show up too. Called with a
    :class:`kerasopt.search._study.StudyProgress` (see
    :func:`kerasopt.search._study.observing`).

    Parameters
    ----------
    enabled : bool, default=True
        ``False`` (``--quiet``) shows nothing.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]trials"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=_err,
            transient=False,
            disable=not enabled,
        )
        self._task = self._progress.add_task("", total=None)

    def start(self) -> None:
        """Show the bar."""
        self._progress.start()

    def stop(self) -> None:
        """Leave the bar's last state on the screen."""
        self._progress.stop()

    def __call__(self, progress: StudyProgress) -> None:
        """Show where the study stands."""
        counts = progress.counts
        best = f"best {_fmt(progress.best_value)}"
        if progress.best_value is None:
            best = "best -"
        if progress.seconds_left is not None:
            left = int(progress.seconds_left)
            best = f"{left // 60}m{left % 60:02d}s left | {best}"
        self._progress.update(
            self._task,
            total=progress.n_trials,
            completed=progress.done,
            description=(
                f"{best} | pruned {counts['PRUNED']} | failed {counts['FAIL']} | "
                f"running {counts['RUNNING']}"
            ),
        )
