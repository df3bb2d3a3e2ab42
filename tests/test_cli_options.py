"""CLI rough edges a new user meets: metric checks, delimiters, ID columns,
dropped columns, help at 80 columns, Ctrl-C, library log noise."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
import typer

from kerasopt.cli import app
from kerasopt.cli._common import quiet_libraries, resolve_metric
from kerasopt.search import resolve_storage

from test_cli import SPACE, run, runner, workdir  # noqa: F401, I001

optuna.logging.set_verbosity(optuna.logging.WARNING)

FOUR = pd.Series(["a", "b", "c", "d"] * 10)
YES_NO = pd.Series(["Y", "N", "N"] * 10)


# ------------------------------------------------------- mistyped paths
_HEAVY = (
    "import sys\n"
    "from typer.testing import CliRunner\n"
    "from kerasopt.cli import app\n"
    "result = CliRunner().invoke(app, sys.argv[1:])\n"
    "heavy = [m for m in ('keras', 'tensorflow', 'jax', 'optuna') if m in sys.modules]\n"
    "print(result.exit_code, heavy)\n"
    "print(result.output)\n"
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("tune missing.csv -t y", "Data file 'missing.csv' not found"),
        ("tune new.csv -t a --space nope.yaml", "Search space file 'nope.yaml' not"),
        ("export s -o m/ --data missing.csv", "Data file 'missing.csv' not found"),
        ("predict nope.kerasopt new.csv", "Model file 'nope.kerasopt' not found"),
        ("predict m.kerasopt missing.csv", "Data file 'missing.csv' not found"),
        ("predict m.kerasopt new.csv -o nowhere/p.csv", "folder 'nowhere' does not"),
    ],
)
def test_mistyped_paths_fail_before_the_slow_imports(
    tmp_path: Path, args: str, message: str
) -> None:
    (tmp_path / "m.kerasopt").write_bytes(b"not read")
    (tmp_path / "new.csv").write_text("a,b\n1,2\n")
    done = subprocess.run(
        [sys.executable, "-c", _HEAVY, *args.split()],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    status, _, output = done.stdout.partition("\n")
    assert status == "1 []", done.stdout + done.stderr
    assert message in output, output


def test_a_timeout_that_ends_tune_is_said_in_the_commands_words(capsys) -> None:
    import warnings

    from kerasopt.cli._common import warnings_as_notes
    from kerasopt.search._study import TimeoutReached

    with warnings_as_notes("6m"):
        warnings.warn(TimeoutReached(finished=1, asked=2, stopped=1))
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "--timeout 6m reached: the study holds 1 finished trial of the 2 asked (1 "
        "stopped at the deadline, recorded as PRUNED). Run the same command to "
        "continue."
    ) in err, err


# ------------------------------------------------------ imbalanced targets
def test_class_weight_reaches_the_classifier(
    workdir, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    seen = {}

    def capture(self, X, y=None, **kwargs):
        seen["estimator"] = self.estimator
        raise KeyboardInterrupt

    monkeypatch.setattr("kerasopt.search.OptunaSearchCV.fit", capture)
    run("tune", "penguins.csv", "-t", "species", "--class-weight", "balanced")
    assert seen["estimator"][-1].class_weight == "balanced"
    result = run("tune", "penguins.csv", "-t", "weight", "--class-weight", "balanced")
    assert result.exit_code == 2, result.output
    assert "is for classification" in result.output


def test_a_best_score_no_better_than_the_majority_is_said(capsys) -> None:
    from kerasopt.cli._tune import _say_if_no_better_than_a_constant

    y = pd.Series(["no"] * 95 + ["yes"] * 5)
    summary = {"best_value": 0.95}
    _say_if_no_better_than_a_constant(summary, "accuracy", "accuracy", y, "classification")
    err = " ".join(capsys.readouterr().err.split())
    assert "accuracy (0.95) does not beat predicting the majority class" in err, err
    assert "--class-weight balanced" in err
    summary["best_value"] = 0.97
    _say_if_no_better_than_a_constant(summary, "accuracy", "accuracy", y, "classification")
    assert capsys.readouterr().err == ""


# ------------------------------------------------------- misleading hints
def test_classification_of_a_continuous_target_suggests_regression(workdir):  # noqa: F811
    result = run("tune", "penguins.csv", "-t", "weight", "--task", "classification")
    assert result.exit_code == 1, result.output
    assert "Use --task regression" in result.output
    assert "--metric" not in result.output


@pytest.mark.slow
def test_predict_on_text_in_a_numeric_column_gives_the_commands_fix(
    workdir,  # noqa: F811
) -> None:
    import kerasopt
    from kerasopt import KerasClassifier, make_tabular_pipeline

    frame = pd.read_csv(workdir / "penguins.csv")
    X, y = frame[["bill", "mass"]], frame["species"]
    model = make_tabular_pipeline(KerasClassifier(epochs=1, random_state=0)).fit(X, y)
    kerasopt.save(model, workdir / "m.kerasopt")
    new = X.astype(object)
    new.loc[2, "bill"] = "unknown"
    new.to_csv(workdir / "new.csv", index=False)
    result = run("predict", "m.kerasopt", "new.csv")
    assert result.exit_code == 1, result.output
    assert "Column 'bill' must hold numbers" in result.output
    assert "categorical=" not in result.output


# ------------------------------------------------------------------ folds
@pytest.mark.parametrize(
    ("target", "splitter"), [("species", "StratifiedKFold"), ("weight", "KFold")]
)
def test_tune_shuffles_its_folds_with_the_seed(
    workdir, monkeypatch: pytest.MonkeyPatch, target: str, splitter: str  # noqa: F811
) -> None:
    seen = {}

    def capture(self, X, y=None, **kwargs):
        seen["cv"] = self.cv
        raise KeyboardInterrupt

    monkeypatch.setattr("kerasopt.search.OptunaSearchCV.fit", capture)
    run("tune", "penguins.csv", "-t", target, "--cv", "4", "--seed", "7")
    cv = seen["cv"]
    assert type(cv).__name__ == splitter and cv.n_splits == 4
    assert cv.shuffle and cv.random_state == 7


@pytest.mark.parametrize(
    ("args", "expected"),
    [((), "portfolio"), (("--initial-trials", "estimator"), "estimator"),
     (("--initial-trials", "none"), None)],
)  # fmt: skip
def test_initial_trials_reach_the_search(
    workdir, monkeypatch: pytest.MonkeyPatch, args, expected  # noqa: F811
) -> None:
    seen = {}

    def capture(self, X, y=None, **kwargs):
        seen["initial_trials"] = self.initial_trials
        raise KeyboardInterrupt

    monkeypatch.setattr("kerasopt.search.OptunaSearchCV.fit", capture)
    run("tune", "penguins.csv", "-t", "species", *args)
    assert seen == {"initial_trials": expected}


def test_folds_of_a_sorted_file_are_not_blocks() -> None:
    from kerasopt.cli._tune import make_cv

    y = pd.Series(np.arange(30.0))  # a file sorted by its target
    for _, test in make_cv(3, None, "regression", None).split(np.zeros((30, 1)), y):
        assert y[test].min() < 10 and y[test].max() >= 20, list(test)


# --------------------------------------------------------------- --metric
def test_roc_auc_on_several_classes_means_one_vs_rest() -> None:
    assert resolve_metric("roc_auc", "classification", FOUR, None) == (
        "roc_auc_ovr", "roc_auc_ovr",
    )  # fmt: skip


def test_defaults_and_a_fitting_metric_pass() -> None:
    assert resolve_metric(None, "classification", FOUR, None) == ("accuracy",) * 2
    numbers = pd.Series(np.arange(30.0))
    assert resolve_metric(None, "regression", numbers, None)[1] == "r2"
    assert resolve_metric("f1_macro", "classification", FOUR, None)[1] == "f1_macro"


def test_pos_label_builds_a_scorer_for_string_labels() -> None:
    scoring, name = resolve_metric("f1", "classification", YES_NO, "Y")
    assert name == "f1" and callable(scoring)
    assert scoring._kwargs == {"pos_label": "Y"}


@pytest.mark.parametrize(
    ("metric", "y", "task", "pos_label", "message"),
    [
        ("f1", YES_NO, "classification", None,
         r"--metric f1 cannot score .* pass --pos-label with the positive "
         r"class \(N, Y\)"),
        ("f1", FOUR, "classification", None, "Fix: use --metric f1_macro"),
        ("accuracy", pd.Series(np.linspace(0, 1, 30)), "regression", None,
         "--metric accuracy cannot score this regression target"),
        ("f1", YES_NO, "classification", "y", r"--pos-label 'y' is not a label.*Y"),
        ("accuracy", YES_NO, "classification", "Y", "Drop --pos-label"),
        ("acuracy", YES_NO, "classification", None, "Did you mean 'accuracy'"),
    ],
)  # fmt: skip
def test_metric_that_cannot_score_the_target(metric, y, task, pos_label, message):
    with pytest.raises(ValueError, match=message):
        resolve_metric(metric, task, y, pos_label)


def test_tune_checks_the_metric_before_any_trial(workdir):  # noqa: F811
    result = run("tune", "penguins.csv", "-t", "species", "--metric", "f1")
    assert result.exit_code == 1, result.output
    assert "pass --pos-label with the positive class (Adelie, Gentoo)" in result.output
    assert "Traceback" not in result.output
    assert not (workdir / "kerasopt.db").exists()  # no study written


# ------------------------------------------------------- columns and files
def test_drop_and_id_column_name_real_columns(workdir):  # noqa: F811
    result = run("tune", "penguins.csv", "-t", "species", "--drop", "bil")
    assert result.exit_code == 1, result.output
    assert "--drop 'bil' is not a column of the data. Did you mean 'bill'?" in (
        result.output
    )
    result = run("tune", "penguins.csv", "-t", "species", "--id-column", "nope")
    assert result.exit_code == 1 and "--id-column 'nope'" in result.output, (
        result.output
    )


def test_export_without_the_data_file_hints_at_data(workdir):  # noqa: F811
    study = optuna.create_study(
        storage="sqlite:///kerasopt.db", study_name="gone", direction="maximize"
    )
    attrs = {"target": "species", "task": "classification", "epochs": 1,
             "data": str(workdir / "moved.csv")}  # fmt: skip
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    result = run("export", "gone", "-o", "m/")
    assert result.exit_code == 1, result.output
    assert "moved.csv" in result.output and "pass --data" in result.output


# -------------------------------------------------------------------- help
def _commands() -> list:
    group = typer.main.get_command(app)
    return list(group.commands.values())  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c.name)
def test_help_shows_full_option_names_at_80_columns(command) -> None:
    result = runner.invoke(app, [command.name, "--help"], env={"COLUMNS": "80"},
                           terminal_width=80)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    for line in result.output.splitlines():
        assert len(line) <= 80, line
    for param in command.params:
        for name in param.opts:
            if name.startswith("-"):
                assert name in result.output, (name, result.output)


# ------------------------------------------------------------ quiet, Ctrl-C
def test_quiet_libraries_keeps_user_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setenv("GRPC_VERBOSITY", "DEBUG")
    quiet_libraries()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert os.environ["GRPC_VERBOSITY"] == "DEBUG"
    assert logging.getLogger("tensorflow").level == logging.ERROR


def test_optuna_does_not_log_the_traceback_of_a_ctrl_c(
    caplog: pytest.LogCaptureFixture,
) -> None:
    quiet_libraries()

    def interrupted(trial: optuna.trial.Trial) -> float:
        raise KeyboardInterrupt

    def failing(trial: optuna.trial.Trial) -> float:
        raise ValueError("a real failure")

    logger = logging.getLogger("optuna")
    logger.addHandler(caplog.handler)  # Optuna does not propagate to the root
    try:
        with pytest.raises(KeyboardInterrupt):
            optuna.create_study().optimize(interrupted, n_trials=1)
        optuna.create_study().optimize(failing, n_trials=1, catch=(ValueError,))
    finally:
        logger.removeHandler(caplog.handler)
    assert "KeyboardInterrupt" not in caplog.text
    assert "a real failure" in caplog.text  # other failures still show


def test_ctrl_c_is_one_line_and_exit_130(
    workdir, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    def interrupt(self, X, y=None, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("kerasopt.search.OptunaSearchCV.fit", interrupt)
    result = run("tune", "penguins.csv", "-t", "species", "--space", "space.yaml")
    assert result.exit_code == 130, result.output
    assert "interrupted after 0 trials; run the same command to resume" in (
        result.output
    )
    assert "Error" not in result.output  # stopping is the user's choice
    assert "Traceback" not in result.output


# -------------------------------------------------------------- end to end
@pytest.mark.slow
def test_sep_drop_and_id_column_from_tune_to_predict(workdir):  # noqa: F811
    frame = pd.read_csv(workdir / "penguins.csv")
    frame.insert(0, "row_id", [f"r{i:03d}" for i in range(len(frame))])
    frame["notes"] = ["n"] * len(frame)
    frame.to_csv(workdir / "semi.csv", sep=";", index=False)
    args = ["tune", "semi.csv", "-t", "species", "--sep", ";", "--space",
            "space.yaml", "--validation-fraction", "0.3", "-n", "1", "--seed", "0",
            "--drop", "notes", "--id-column", "row_id", "--pruner", "none"]  # fmt: skip
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "Not used as features: 'notes' (--drop), 'row_id' (--id-column)." in (
        result.output
    )
    study = optuna.load_study(study_name="semi-species",
                              storage=resolve_storage("kerasopt.db"))  # fmt: skip
    assert study.user_attrs["features"] == ["bill", "island", "mass", "weight"]
    result = run("export", "semi-species", "-o", "model/")
    assert result.exit_code == 0, result.output
    new = frame.drop(columns=["species"]).iloc[:5]
    new.to_csv(workdir / "new.csv", sep=";", index=False)
    result = run("predict", "model", "new.csv", "--sep", ";", "--id-column",
                 "row_id", "-o", "out.csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    out = pd.read_csv(workdir / "out.csv")
    assert list(out.columns) == ["row_id", "prediction"]
    assert list(out["row_id"]) == list(new["row_id"])


def test_a_ctrl_c_python_dropped_still_stops_the_search(capsys):
    # A Ctrl-C raises KeyboardInterrupt wherever Python is. In a garbage-
    # collection callback (SQLAlchemy has some), Python prints "Exception
    # ignored" and goes on: `kerasopt tune` ran every remaining trial.
    import weakref

    from kerasopt.cli._common import _on_sigint, interrupt_guard, stop_if_interrupted

    class Collected:
        pass

    def objective(trial: optuna.trial.Trial) -> float:
        if trial.number == 1:
            doomed = Collected()
            keep = weakref.ref(doomed, lambda _: _on_sigint(signal.SIGINT, None))
            del doomed  # the callback runs here and its interrupt is dropped
            assert keep() is None
        return trial.suggest_float("x", 0, 1)

    study = optuna.create_study()
    with interrupt_guard(), pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=10, callbacks=[stop_if_interrupted])
    assert len(study.trials) == 2  # stopped once the trial it landed in ended
    assert "KeyboardInterrupt" not in capsys.readouterr().err
    stop_if_interrupted(study, study.trials[-1])  # the guard's exit forgot it


def test_a_ctrl_c_inside_optunas_bookkeeping_is_still_an_interrupt(
    workdir, monkeypatch
):
    # Landing while Optuna stores a trial's result, a Ctrl-C surfaced as
    # Optuna's own UnboundLocalError: a traceback and exit status 1.
    from kerasopt.search import OptunaSearchCV

    def fit(self, X, y=None, **params):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise UnboundLocalError("cannot access local variable 'updated_state'")

    monkeypatch.setattr(OptunaSearchCV, "fit", fit)
    (workdir / "space.yaml").write_text(SPACE % 1)
    result = run("tune", "penguins.csv", "-t", "species", "--space", "space.yaml",
                 "-n", "2")  # fmt: skip
    assert result.exit_code == 130, result.output
    assert "run the same command to resume" in result.output


@pytest.mark.slow
def test_ctrl_c_in_a_real_run(workdir):  # noqa: F811
    (workdir / "space.yaml").write_text(SPACE % 5)
    env = {**os.environ}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the CLI must quiet the backend itself
    worker = subprocess.Popen(
        [sys.executable, "-m", "kerasopt", "tune", "penguins.csv", "-t", "species",
         "--space", "space.yaml", "-n", "50", "--pruner", "none", "--seed", "0"],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    storage = resolve_storage("kerasopt.db")
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            time.sleep(0.3)
            try:
                study = optuna.load_study(
                    study_name="penguins-species", storage=storage
                )
            except KeyError:
                continue
            if study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
                break
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 130, output
    assert "run the same command to resume" in output, output
    lines = [line for line in output.splitlines() if "interrupted after" in line]
    assert len(lines) == 1, output
    for noise in ("Traceback", "UserWarning", "KeyboardInterrupt", "cuInit",
                  "oneDNN", "retracing", "absl"):  # fmt: skip
        assert noise not in output, output
    summary = json.loads(
        subprocess.run(
            [sys.executable, "-m", "kerasopt", "show", "penguins-species", "--json"],
            cwd=workdir, capture_output=True, text=True, timeout=120, check=True,
        ).stdout
    )  # fmt: skip
    assert summary["states"]["RUNNING"] == 0
