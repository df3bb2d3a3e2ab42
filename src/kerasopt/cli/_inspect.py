"""``kerasopt studies``, ``show`` and ``report``: read a storage, change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import _render
from ._common import JsonOpt, StorageOpt, StudyArg, open_storage, open_study

__all__ = ["report", "show", "studies"]


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
        _render.print_json(summaries)
    else:
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

    store, label = open_storage(storage)
    study = open_study(store, label, study_name)
    summary = study_summary(study)
    frame = trials_frame(study, top=top)
    if json_:
        summary["top_trials"] = frame.to_dict(orient="records")
        _render.print_json(summary)
    else:
        _render.study_view(summary, frame)


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

    store, label = open_storage(storage)
    study = open_study(store, label, study_name)
    atomic_write_text(output, html_report(study, storage_label=label))
    _render.note(f"Wrote {output}.")
