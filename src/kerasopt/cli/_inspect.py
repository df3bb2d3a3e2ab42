"""``kerasopt studies``, ``show``, ``report`` and ``fail-stale``: stored studies.

All but ``fail-stale`` read a storage and change nothing. ``fail-stale``
serves storages without heartbeat (journal files, Redis): a killed worker
leaves its trial RUNNING there, not counted toward the budget, until this
command marks it FAILED. (RDB storages fail and re-run such trials
themselves: see ``kerasopt tune --grace-period``.) Kept simple on purpose: a
journal file serves processes of one machine, whose owner can see which of
them still run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import _render
from ._common import (
    JsonOpt,
    StorageOpt,
    StudyArg,
    open_storage,
    open_study,
    parse_duration,
)

__all__ = ["fail_stale", "report", "show", "studies"]


def studies(storage: StorageOpt = None, json_: JsonOpt = False) -> None:
    """List the studies in the storage with trial counts and best scores.

    Examples:

      kerasopt studies

      kerasopt studies --storage postgresql://user@host/db --json
    """
    from ..reporting import list_studies

    store, label = open_storage(storage)
    summaries = list_studies(store)
    if json_:
        return _render.print_json(summaries)
    _render.studies_table(summaries, label)


def show(
    study_name: StudyArg,
    top: Annotated[
        int, typer.Option(min=1, help="Number of best trials to list.")
    ] = 10,
    storage: StorageOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show the best parameters and the top trials of a study.

    Examples:

      kerasopt show penguins-species --top 5
    """
    from ..reporting import study_summary, trials_frame

    study, _ = open_study(storage, study_name)
    summary = study_summary(study)
    frame = trials_frame(study, top=top)
    if not json_:
        return _render.study_view(summary, frame)
    _render.print_json({**summary, "top_trials": frame.to_dict(orient="records")})


def report(
    study_name: StudyArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="HTML file to write.")
    ] = Path("report.html"),
    storage: StorageOpt = None,
) -> None:
    """Write one self-contained HTML report of a study.

    Optimization history, parameter importances, parallel coordinates, slice
    plots, the best trials' learning curves and the best parameters; opens
    offline. For a live view, `optuna-dashboard <storage>` opens the same
    storage (pip install optuna-dashboard).

    Examples:

      kerasopt report penguins-species -o report.html
    """
    from .._atomic import atomic_write_text
    from ..reporting import html_report

    study, label = open_study(storage, study_name)
    atomic_write_text(output, html_report(study, storage_label=label))
    _render.note(f"Wrote {output}.")


def fail_stale(
    study_name: StudyArg,
    older_than: Annotated[
        str,
        typer.Option(
            help="Fail trials running longer than this: 0, 90s, 10m, 2h. Pick more "
            "than your longest trial: a live worker's trial would be failed too.",
        ),
    ],
    storage: StorageOpt = None,
) -> None:
    """Mark FAILED the trials left RUNNING by killed workers.

    RDB storages (SQLite, PostgreSQL, MySQL) do this themselves through
    heartbeats (see `kerasopt tune --grace-period`); a journal file (.log)
    keeps no heartbeat, so a killed process leaves its trial RUNNING until
    this command clears it.

    Examples:

      kerasopt fail-stale penguins-species --storage study.log --older-than 1h
    """
    from ..search._study import fail_running_trials

    seconds = parse_duration(older_than, option="--older-than", allow_zero=True)
    study, _ = open_study(storage, study_name)
    numbers = fail_running_trials(study, seconds or 0.0)
    if numbers:
        listed = ", ".join(map(str, numbers))
        _render.note(f"Failed trial(s) {listed} of {study_name!r}.")
    else:
        _render.note(f"No trial of {study_name!r} has been running that long.")
