"""``--ensemble K`` of ``kerasopt tune`` / ``export``, and the members in show/report."""

from __future__ import annotations

import json

import optuna
import pandas as pd
from sklearn.ensemble import VotingClassifier
from test_cli import run, workdir  # noqa: F401  (the fixture)

import kerasopt

ARGS = ["penguins.csv", "-t", "species", "--space", "space.yaml", "--seed", "0"]


def test_tune_ensemble_output_show_report_export(workdir):  # noqa: F811
    result = run("tune", *ARGS, "-n", "4", "--ensemble", "2", "-o", "out", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    study = optuna.load_study(
        study_name="penguins-species", storage="sqlite:///kerasopt.db"
    )
    complete = [t.number for t in study.trials if t.state.name == "COMPLETE"]
    weights = summary["user_attrs"]["ensemble"]["weights"]
    assert 1 <= len(weights) <= 2 and {int(k) for k in weights} <= set(complete)
    assert abs(sum(weights.values()) - 1) < 1e-9
    # One prediction file per complete trial, beside the storage file.
    folder = workdir / "kerasopt.db.oof" / "penguins-species"
    assert len(list(folder.glob("trial_*.npy"))) == len(complete)
    model = kerasopt.load(workdir / "out" / "model" / "model.kerasopt")
    assert isinstance(model, VotingClassifier)
    # Each member refit with three seeds of its network (ensemble_seeds=3).
    assert [f"trial_{k}{s}" for k in weights for s in ("", "_seed2", "_seed3")] == (
        list(model.named_estimators_)
    )

    result = run("show", "penguins-species")
    assert result.exit_code == 0 and "ensemble: trials" in result.output, result.output
    result = run("report", "penguins-species", "-o", "report.html")
    assert result.exit_code == 0, result.output
    page = (workdir / "report.html").read_text()
    assert "<h2>Ensemble</h2>" in page and "attr: ensemble" not in page
    assert all(f"trial {k}" in page for k in weights)

    result = run("export", "penguins-species", "--ensemble", "2", "-o", "ens/")
    assert result.exit_code == 0 and "an ensemble of trials" in result.output
    # Trials and their whole weights, not each seed's share.
    assert "_seed" not in result.output and " fits)" in result.output, result.output
    new = pd.read_csv(workdir / "penguins.csv").drop(columns=["species"])
    new.to_csv(workdir / "new.csv", index=False)
    result = run("predict", "ens", "new.csv", "-o", "pred.csv", "--proba")
    assert result.exit_code == 0, result.output
    predictions = pd.read_csv(workdir / "pred.csv")
    assert len(predictions) == len(new)
    assert set(predictions["prediction"]) <= {"Adelie", "Gentoo"}


def test_export_ensemble_of_a_study_tuned_without_it(workdir):  # noqa: F811
    result = run("tune", *ARGS, "-n", "1", "--study-name", "plain", "--quiet")
    assert result.exit_code == 0, result.output
    result = run("export", "plain", "--ensemble", "3", "-o", "m/")
    assert result.exit_code == 1, result.output
    assert "kept no out-of-fold predictions" in result.output
    assert "--ensemble" in result.output and "Traceback" not in result.output
    assert not (workdir / "m").exists()
