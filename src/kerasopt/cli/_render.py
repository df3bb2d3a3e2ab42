"""Everything the CLI shows: messages, tables, the live progress bar.

The only module of kerasopt that imports rich. Tables and JSON go to stdout;
progress, notes and errors go to stderr, so ``kerasopt show x --json | jq``
stays clean.
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column, Table

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
        if column in ("study", "target"):  # names to copy: wrapped, never cut
            table.add_column(column, overflow="fold")
        else:
            table.add_column(column, justify="right", no_wrap=True)
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
    _print_whole(table)


def _print_whole(renderable: Any) -> None:
    """Print to stdout; off a terminal (a pipe, a file) as wide as it needs."""
    if _out.is_terminal:
        _out.print(renderable)
        return
    unbounded = _out.options.update(width=10_000)
    width = max(_out.width, Measurement.get(_out, unbounded, renderable).maximum)
    Console(file=_out.file, width=width, highlight=False).print(renderable)


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


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class TrialProgress:
    """The progress of ``kerasopt tune``, fed by the search's polling.

    Shows trials done (complete + pruned) out of the study's target, the time
    left, the running count, the best value so far and the pruned and failed
    counts. Counts are the whole study's, so trials of other workers sharing
    the storage show up too; the search refreshes them every second, during
    trials too (:func:`kerasopt.search._study.observing`).

    On a terminal it is a live bar whose numbers keep their width at any
    width (the description gives way). Elsewhere (output to a file, CI) it
    prints a plain line whenever a count changes, and a last line with the
    time spent.

    Parameters
    ----------
    enabled : bool, default=True
        ``False`` (``--quiet``) shows nothing.
    console : rich.console.Console, optional
        Where to show it; default: stderr.
    """

    def __init__(self, *, enabled: bool = True, console: Console | None = None) -> None:
        self.console = console or _err
        self.enabled = enabled
        self.live = enabled and self.console.is_terminal
        self._started = time.monotonic()
        self._last: StudyProgress | None = None
        self._shown: tuple[Any, ...] | None = None
        self._description = Column(no_wrap=True, overflow="ellipsis")
        fixed = Column(no_wrap=True)
        self._progress = Progress(
            SpinnerColumn(table_column=fixed),
            TextColumn("[bold]trials", table_column=fixed),
            BarColumn(bar_width=15, table_column=fixed),
            MofNCompleteColumn(table_column=fixed),
            TimeElapsedColumn(table_column=fixed),
            TextColumn("{task.description}", table_column=self._description),
            console=self.console,
            transient=False,
            disable=not self.live,
        )
        self._task = self._progress.add_task("", total=None)

    def start(self) -> None:
        """Show the bar (or, off a terminal, the lines to come)."""
        self._started = time.monotonic()
        self._progress.start()

    def stop(self) -> None:
        """Leave the last state on the screen, with the time spent."""
        self._progress.stop()
        if self.enabled and not self.live and self._last is not None:
            self.console.print(escape(self._line(self._last, final=True)))

    def _counts(self, progress: StudyProgress, *, left: bool) -> str:
        counts = progress.counts
        best = "-" if progress.best_value is None else _fmt(progress.best_value)
        parts = [
            f"running {counts['RUNNING']}",
            f"best {best}",
            f"pruned {counts['PRUNED']}",
            f"failed {counts['FAIL']}",
        ]
        if left and progress.seconds_left is not None:
            seconds = int(progress.seconds_left)
            parts.insert(0, f"{seconds // 60}m{seconds % 60:02d}s left")
        return " | ".join(parts)

    def _line(self, progress: StudyProgress, *, final: bool = False) -> str:
        total = "-" if progress.n_trials is None else progress.n_trials
        elapsed = _clock(time.monotonic() - self._started)
        return (
            f"trials {progress.done}/{total} | "
            f"{self._counts(progress, left=not final)} | {elapsed} elapsed"
        )

    def __call__(self, progress: StudyProgress) -> None:
        """Show where the study stands."""
        self._last = progress
        if self.live:
            # The numbers keep their width; the description takes what is left.
            self._description.max_width = max(10, self.console.width - 44)
            self._progress.update(
                self._task,
                total=progress.n_trials,
                completed=progress.done,
                description=self._counts(progress, left=True),
            )
            return
        shown = (progress.done, progress.n_trials, tuple(progress.counts.items()),
                 progress.best_value)  # fmt: skip
        if self.enabled and shown != self._shown:
            self._shown = shown
            self.console.print(escape(self._line(progress)))
