"""Study summaries, trial tables and the HTML report (kerasopt.reporting)."""

from __future__ import annotations

import math

import optuna
import pytest

from kerasopt.reporting import (
    html_report,
    list_studies,
    study_summary,
    trials_frame,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)

EVIL = "<script>alert('x')</script>"


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -2.0, 2.0)
    kind = trial.suggest_categorical("kind", ["a", EVIL])
    trial.set_user_attr("params", {"clf__x": x, "clf__kind": kind})
    for step in range(3):
        trial.report(-((x - 0.5) ** 2) - step, step)
    if trial.number == 3:
        raise optuna.TrialPruned()
    if trial.number == 4:
        return math.nan  # a failed trial
    return -((x - 0.5) ** 2)


@pytest.fixture
def study() -> optuna.Study:
    study = optuna.create_study(
        study_name=f"s{EVIL}",
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    study.set_user_attr("target", EVIL)
    study.optimize(_objective, n_trials=8)
    return study


def test_study_summary_counts_and_best(study):
    summary = study_summary(study)
    assert summary["n_trials"] == 8
    assert summary["states"] == {
        "COMPLETE": 6,
        "PRUNED": 1,
        "FAIL": 1,
        "RUNNING": 0,
        "WAITING": 0,
    }
    best = max(
        (t for t in study.trials if t.state.name == "COMPLETE"), key=lambda t: t.value
    )
    assert summary["best_trial"] == best.number
    assert summary["best_value"] == pytest.approx(best.value)
    # The estimator parameters recorded by OptunaSearchCV, not Optuna's raw draws.
    assert summary["best_params"] == best.user_attrs["params"]
    assert summary["user_attrs"] == {"target": EVIL}


def test_study_summary_without_complete_trial():
    study = optuna.create_study()
    summary = study_summary(study)
    assert summary["best_trial"] is None and summary["best_value"] is None
    assert summary["best_params"] == {} and summary["n_trials"] == 0


def test_trials_frame_all_and_top(study):
    frame = trials_frame(study)
    assert list(frame["number"]) == list(range(8))
    assert {"number", "state", "value", "duration_s", "clf__x", "clf__kind"} <= set(
        frame.columns
    )
    top = trials_frame(study, top=3)
    assert len(top) == 3 and set(top["state"]) == {"COMPLETE"}
    assert list(top["value"]) == sorted(top["value"], reverse=True)
    assert top["value"].iloc[0] == pytest.approx(study.best_value)


def test_trials_frame_minimize_sorts_ascending():
    study = optuna.create_study(direction="minimize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    top = trials_frame(study, top=2)
    assert top["value"].iloc[0] == pytest.approx(study.best_value)
    assert top["value"].iloc[0] <= top["value"].iloc[1]


def test_list_studies(tmp_path):
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'x.db'}")
    for name, n in (("one", 1), ("two", 2)):
        optuna.create_study(storage=storage, study_name=name).optimize(
            lambda t: t.suggest_float("x", 0, 1), n_trials=n
        )
    summaries = {s["study_name"]: s for s in list_studies(storage)}
    assert set(summaries) == {"one", "two"}
    assert summaries["two"]["states"]["COMPLETE"] == 2


def test_html_report_is_self_contained_and_escaped(study):
    page = html_report(study, storage_label="postgresql://ana:***@db/optuna")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # plotly.js inlined exactly once, no script loaded from the network.
    assert page.count("plotly.js v") == 1
    assert "<script src=" not in page and "cdn.plot.ly/plotly" not in page
    assert EVIL not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    for title in (
        "Best parameters",
        "Optimization history",
        "Parameter importances",
        "Parallel coordinates",
        "Slice plots",
        "Learning curves of the best trials",
    ):
        assert f"<h2>{title}</h2>" in page
    assert "Not available" not in page
    assert "postgresql://ana:***@db/optuna" in page


def test_html_report_with_one_trial_explains_missing_figures():
    study = optuna.create_study(direction="maximize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    page = html_report(study)
    assert "<h2>Parameter importances</h2>" in page
    assert "No per-epoch values were recorded" in page
    assert page.count("plotly.js v") == 1


@pytest.fixture
def wide_study() -> optuna.Study:
    """Nine parameters named as make_tabular_pipeline names them."""

    def objective(trial: optuna.Trial) -> float:
        values = [trial.suggest_float(f"kerasclassifier__p{i}", 0, 1) for i in range(9)]
        trial.set_user_attr("params", dict(trial.params))
        return sum(values)

    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0)
    )
    study.optimize(objective, n_trials=12)
    return study


def test_html_report_fits_a_1280px_page(wide_study):
    import re

    from kerasopt.reporting import PAGE_WIDTH

    page = html_report(wide_study)
    widths = [int(w) for w in re.findall(r'"width":\s*(\d+)', page)]
    assert max(widths) <= PAGE_WIDTH  # Optuna's slice plot alone asks 9 x 300 px
    assert f"max-width:{PAGE_WIDTH}px" in page
    # history, importances, parallel coordinates and 3 rows of 4, 4 and 1 slices
    assert page.count('class="plotly-graph-div"') == 6
    assert page.count("<h2>Slice plots</h2>") == 1


def test_html_report_names_parameters_as_show_does(wide_study):
    page = html_report(wide_study)
    assert "kerasclassifier__" not in page
    assert "<tr><th>p0</th>" in page


def test_html_report_json_dump_only_on_request(wide_study):
    assert "Summary: <code>" not in html_report(wide_study)
    assert "Summary: <code>{" in html_report(wide_study, include_json=True)


@pytest.mark.parametrize(
    ("name", "short"),
    [("kerasclassifier__learning_rate", "learning_rate"),
     ("kerasregressor__model__dropout", "model__dropout"),
     ("preprocessor__scaler", "preprocessor__scaler"),
     ("epochs", "epochs")],
)  # fmt: skip
def test_short_name(name, short):
    from kerasopt.reporting import short_name

    assert short_name(name) == short
