"""What a study holds, as plain data: summaries, trial tables and an HTML report.

Nothing here prints: the CLI renders these dicts and frames (``kerasopt
studies``, ``show``, ``report``, ``--json``), and so can a notebook.
"""

from __future__ import annotations

import datetime
import html
import json
import math
import re
import warnings
from collections import Counter
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna
    import pandas as pd

__all__ = [
    "best_params",
    "html_report",
    "list_studies",
    "short_name",
    "study_summary",
    "trials_frame",
]

_STATES = ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")
# The step names make_tabular_pipeline gives kerasopt's estimators.
_ESTIMATOR_PREFIX = re.compile(r"\b(?:kerasclassifier|kerasregressor)__")
#: Width of the report's content, in CSS pixels: fits a 1280-px screen.
PAGE_WIDTH = 1100
#: Parameters per row of slice plots (each one about 270 px wide).
SLICES_PER_ROW = 4


def short_name(name: str) -> str:
    """A parameter name without the estimator step's prefix.

    ``kerasclassifier__learning_rate`` reads ``learning_rate``: the Keras
    step's parameters are what users tune. Other prefixes (``preprocessor__``)
    are kept.
    """
    prefix = _ESTIMATOR_PREFIX.match(name)
    return name[prefix.end() :] if prefix else name


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def best_params(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    """The estimator parameters of ``trial``.

    :class:`~kerasopt.OptunaSearchCV` records them (names resolved, layer
    sizes assembled) in the trial's ``params`` user attribute; trials of other
    studies fall back to Optuna's raw ``trial.params``.
    """
    return dict(trial.user_attrs.get("params", trial.params))


def _top_trials(study: optuna.Study, top: int) -> list[optuna.trial.FrozenTrial]:
    complete = [
        t
        for t in study.get_trials(deepcopy=False)
        if t.state.name == "COMPLETE" and t.value is not None
    ]
    maximize = study.directions[0].name == "MAXIMIZE"
    complete.sort(key=lambda t: float(t.value), reverse=maximize)  # type: ignore[arg-type]
    return complete[:top]


def _best_trial(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    if len(study.directions) != 1:
        return None
    try:
        return study.best_trial
    except ValueError:  # no complete trial yet
        return None


def study_summary(study: optuna.Study) -> dict[str, Any]:
    """Summarize a study as a JSON-serializable dict.

    Parameters
    ----------
    study : optuna.Study

    Returns
    -------
    dict
        ``study_name``, ``direction``, ``n_trials`` (all states),
        ``states`` (counts of COMPLETE, PRUNED, FAIL, RUNNING, WAITING),
        ``best_trial`` (number or None), ``best_value``, ``best_params``
        and ``user_attrs`` (what ``kerasopt tune`` recorded: data file,
        target, task, metric).
    """
    trials = study.get_trials(deepcopy=False)
    counts = Counter(t.state.name for t in trials)
    best = _best_trial(study)
    return {
        "study_name": study.study_name,
        "direction": "/".join(d.name.lower() for d in study.directions),
        "n_trials": len(trials),
        "states": {state: counts.get(state, 0) for state in _STATES},
        "best_trial": None if best is None else best.number,
        "best_value": None if best is None else _finite(best.value),
        "best_params": {} if best is None else best_params(best),
        "user_attrs": dict(study.user_attrs),
    }


def trials_frame(study: optuna.Study, top: int | None = None) -> pd.DataFrame:
    """One row per trial: number, state, value, duration and parameters.

    Parameters
    ----------
    study : optuna.Study
    top : int or None, default=None
        Keep the ``top`` complete trials with the best values (best first);
        ``None`` keeps every trial in order of their numbers.

    Returns
    -------
    pandas.DataFrame
        Columns ``number``, ``state``, ``value``, ``duration_s`` and one
        column per parameter name (see :func:`best_params`).
    """
    trials = (
        study.get_trials(deepcopy=False) if top is None else _top_trials(study, top)
    )
    rows = []
    for trial in trials:
        duration = (
            trial.duration.total_seconds() if trial.duration is not None else None
        )
        row: dict[str, Any] = {
            "number": trial.number,
            "state": trial.state.name,
            "value": _finite(trial.value) if trial.value is not None else None,
            "duration_s": duration,
        }
        for name, value in best_params(trial).items():
            row[name] = (
                value if isinstance(value, (int, float, str, bool)) else str(value)
            )
        rows.append(row)
    import pandas as pd  # only here: `kerasopt studies` lists without it

    return pd.DataFrame(rows, columns=None if rows else ["number", "state", "value"])


def list_studies(storage: optuna.storages.BaseStorage) -> list[dict[str, Any]]:
    """One summary dict per study in ``storage`` (see :func:`study_summary`)."""
    import optuna

    return [
        study_summary(optuna.load_study(study_name=name, storage=storage))
        for name in optuna.get_all_study_names(storage)
    ]


# --------------------------------------------------------------------- HTML
def _learning_curves(study: optuna.Study, top: int) -> Any:
    """Per-epoch values of the best trials (what the pruning callback reported)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for trial in _top_trials(study, top):
        if trial.intermediate_values:
            steps = sorted(trial.intermediate_values)
            figure.add_trace(
                go.Scatter(
                    x=steps,
                    y=[trial.intermediate_values[s] for s in steps],
                    mode="lines+markers",
                    name=f"trial {trial.number}",
                )
            )
    if not figure.data:
        return None
    figure.update_layout(
        title=f"Learning curves of the {len(figure.data)} best trials",
        xaxis_title="epoch",
        yaxis_title="reported value (-val_loss: higher is better)",
    )
    return figure


def _figures(study: optuna.Study) -> list[tuple[str, Any, str | None]]:
    """(title, figure or None, note) for each section of the report."""
    import optuna.visualization as vis

    names = sorted({n for t in study.get_trials(deepcopy=False) for n in t.params})
    rows = [names[i : i + SLICES_PER_ROW] for i in range(0, len(names), SLICES_PER_ROW)]
    makers: list[tuple[str, Any]] = [
        ("Optimization history", vis.plot_optimization_history),
        ("Parameter importances", vis.plot_param_importances),
        ("Parallel coordinates", vis.plot_parallel_coordinate),
        # Optuna draws all slices in one row, 300 px each: one figure per row.
        *(
            ("Slice plots", partial(vis.plot_slice, params=row))
            for row in rows or [None]
        ),
    ]
    sections: list[tuple[str, Any, str | None]] = []
    for title, make in makers:
        try:
            with warnings.catch_warnings():
                # "too few trials": the figure is still drawn, and says so.
                warnings.simplefilter("ignore", UserWarning)
                sections.append((title, make(study), None))
        except Exception as exc:  # too few trials, a constant space, ...
            sections.append((title, None, f"Not available: {exc}"))
    curves = _learning_curves(study, top=5)
    note = (
        None
        if curves is not None
        else "No per-epoch values were recorded (they are reported when a pruner is "
        "active: --pruner median)."
    )
    sections.append(("Learning curves of the best trials", curves, note))
    return sections


def _ensemble_section(study: optuna.Study, ensemble: Any) -> list[str]:
    """The members ``kerasopt tune --ensemble`` chose: weight, score, parameters."""
    if not isinstance(ensemble, dict) or not ensemble.get("weights"):
        return []
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    rows = []
    for number, weight in ensemble["weights"].items():
        trial = trials.get(int(number))
        params = {} if trial is None else best_params(trial)
        value = None if trial is None else trial.value
        described = ", ".join(f"{short_name(k)}={v}" for k, v in params.items())
        rows.append((f"trial {number}", f"weight {weight:.2f}; value {value}; {described}"))
    score = ensemble.get("score")
    return [
        "<h2>Ensemble</h2>",
        f"<p>Weighted soft voting of {len(rows)} trials; out-of-fold score "
        f"{html.escape(str(score))} (optimistic: chosen on the same rows).</p>",
        _table(rows),
    ]


def _table(rows: list[tuple[Any, Any]]) -> str:
    cells = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    return f"<table>{cells}</table>"


def _fitted(figure: Any) -> str:
    """The figure as an HTML fragment as wide as the page, names shortened."""
    figure.update_layout(width=None, autosize=True)
    fragment = figure.to_html(
        full_html=False, include_plotlyjs=False, default_width="100%",
        config={"responsive": True, "displaylogo": False},
    )  # fmt: skip
    # Parameter names sit in axis titles, tick labels and hover texts alike.
    return _ESTIMATOR_PREFIX.sub("", fragment)


def html_report(
    study: optuna.Study, *, storage_label: str = "", include_json: bool = False
) -> str:
    """A self-contained HTML page describing ``study``.

    Sections: summary, best parameters, optimization history, parameter
    importances, parallel coordinates, slice plots and the best trials'
    learning curves. The page fits a 1280-px screen (slice plots come
    ``SLICES_PER_ROW`` to a row) and names parameters as ``kerasopt show``
    does, without the ``kerasclassifier__`` / ``kerasregressor__`` prefix
    (:func:`short_name`). plotly.js is inlined once, so the file opens
    offline. Every string that comes from the user (study name, parameter
    names and values, column names) is HTML-escaped.

    Parameters
    ----------
    study : optuna.Study
    storage_label : str, default=""
        How to name the storage in the page; pass a URL through
        :func:`kerasopt.search.mask_password` first.
    include_json : bool, default=False
        Append the :func:`study_summary` dict as JSON at the bottom of the
        page, for tools that scrape it.

    Returns
    -------
    str
        The HTML document.
    """
    summary = study_summary(study)
    name = html.escape(summary["study_name"])
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>kerasopt report: {name}</title>",
        f"<style>body{{font-family:sans-serif;max-width:{PAGE_WIDTH}px;margin:auto;"
        "padding:0 8px}table{border-collapse:collapse;max-width:100%}"
        "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left;"
        "overflow-wrap:anywhere}</style></head><body>",
        f"<h1>Study {name}</h1>",
        _table(
            [
                ("storage", storage_label),
                ("direction", summary["direction"]),
                ("trials", summary["n_trials"]),
                *summary["states"].items(),
                ("best trial", summary["best_trial"]),
                ("best value", summary["best_value"]),
                *(
                    (f"attr: {k}", v)
                    for k, v in summary["user_attrs"].items()
                    if k != "ensemble"
                ),
            ]
        ),
        "<h2>Best parameters</h2>",
        _table([(short_name(k), v) for k, v in summary["best_params"].items()]),
        *_ensemble_section(study, summary["user_attrs"].get("ensemble")),
    ]
    import plotly.offline

    parts.append(f"<script>{plotly.offline.get_plotlyjs()}</script>")
    previous = None
    for title, figure, note in _figures(study):
        if title != previous:  # slice plots come in several figures
            parts.append(f"<h2>{html.escape(title)}</h2>")
            previous = title
        if figure is None:
            parts.append(f"<p>{html.escape(note or '')}</p>")
            continue
        # Plotly escapes the JSON it embeds (titles, axis labels come from
        # parameter names), so the figure div is safe as it is.
        parts.append(_fitted(figure))
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    dump = (
        f" Summary: <code>{html.escape(json.dumps(summary, default=str))}</code>"
        if include_json
        else ""
    )
    parts.append(f"<p><small>Generated by kerasopt at {stamp}.{dump}</small></p>")
    parts.append("</body></html>")
    return "\n".join(parts)
