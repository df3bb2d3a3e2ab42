"""The kerasopt command line: CliRunner for most, real subprocesses for the rest."""

from __future__ import annotations

import json
import os
import io
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from kerasopt.cli import app
from kerasopt.cli._common import default_study_name, parse_duration
from kerasopt.cli._render import TrialProgress
from kerasopt.search import resolve_storage
from kerasopt.search._study import (
    StudyProgress,
    fail_running_trials,
    fail_trials_that_never_beat,
    settle,
    watching,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)
runner = CliRunner()
#: Optuna's retry callback; named RetryFailedTrialCallback before Optuna 4.9.
RETRY = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None) or (
    optuna.storages.RetryFailedTrialCallback
)

SPACE = """\
hidden_layer_sizes: {type: layers, n_layers: [1, 1], units: [4, 8]}
learning_rate: {type: float, low: 1e-3, high: 1e-1, log: true}
epochs: {type: fixed, value: %d}
"""


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory with tiny penguin-like data and a tiny space."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KERASOPT_STORAGE", raising=False)
    rng = np.random.default_rng(0)
    n = 48
    frame = pd.DataFrame(
        {
            "bill": rng.normal(40, 5, n).round(1),
            "island": rng.choice(["Biscoe", "Dream", None], n),
            "mass": rng.normal(4000, 300, n).round(),
        }
    )
    frame["species"] = np.where(frame["bill"] > 40, "Gentoo", "Adelie")
    frame["weight"] = frame["mass"] / 1000 + rng.normal(0, 0.1, n)
    frame.loc[3, "bill"] = np.nan
    frame.to_csv(tmp_path / "penguins.csv", index=False)
    (tmp_path / "space.yaml").write_text(SPACE % 2)
    return tmp_path


def make_study(storage: str, name: str = "penguins-species") -> optuna.Study:
    study = optuna.create_study(storage=storage, study_name=name, direction="maximize")
    study.set_user_attr("target", "species")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    return study


# ------------------------------------------------------------------ helpers
@pytest.mark.parametrize(
    "text, seconds",
    [("600", 600), ("90s", 90), ("10m", 600), ("1h30m", 5400), ("1.5h", 5400)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_timeout_that_is_not_a_duration_is_a_usage_error(workdir):
    result = run("tune", "penguins.csv", "-t", "species", "--timeout", "soon")
    assert result.exit_code == 2, result.output
    assert "'soon' is not a duration" in result.output


def test_default_study_name():
    assert (
        default_study_name(Path("d/penguins.csv.gz"), "species") == "penguins-species"
    )


# --------------------------------------------------------- help and imports
@pytest.mark.parametrize(
    "command", ["tune", "studies", "show", "report", "export", "predict", "fail-stale"]
)
def test_every_command_has_help_with_examples(command):
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Examples" in result.output and "kerasopt " + command in result.output


def test_help_does_not_import_tensorflow():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from kerasopt.cli import app\n"
        "r = CliRunner().invoke(app, ['tune', '--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'optuna') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --------------------------------------------------------- inspect commands
def test_studies_show_report_on_default_storage(workdir):
    make_study("sqlite:///kerasopt.db")
    result = run("studies")
    assert result.exit_code == 0, result.output
    assert "penguins-species" in result.output and "kerasopt.db" in result.output
    listed = json.loads(run("studies", "--json").stdout)
    assert [s["study_name"] for s in listed] == ["penguins-species"]
    assert listed[0]["states"]["COMPLETE"] == 3
    shown = json.loads(run("show", "penguins-species", "--top", "2", "--json").stdout)
    assert len(shown["top_trials"]) == 2 and shown["best_params"].keys() == {"x"}
    result = run("show", "penguins-species")
    assert result.exit_code == 0 and "Best parameters" in result.output, result.output
    result = run("report", "penguins-species", "-o", "r.html")
    assert result.exit_code == 0, result.output
    assert "plotly.js v" in (workdir / "r.html").read_text()


def test_studies_shows_long_names_whole(workdir):
    long = "penguins-from-the-palmer-station-antarctica-lter-2007-2009-species"
    make_study("sqlite:///kerasopt.db", name=long)
    result = run("studies")  # not a terminal: as wide as the table needs
    assert result.exit_code == 0, result.output
    assert any(long in line for line in result.output.splitlines()), result.output


def test_studies_imports_neither_sklearn_nor_pandas(workdir):
    make_study("sqlite:///kerasopt.db")
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from kerasopt.cli import app\n"
        "r = CliRunner().invoke(app, ['studies'])\n"
        "assert r.exit_code == 0 and 'penguins-species' in r.output, r.output\n"
        "heavy = [m for m in ('sklearn', 'pandas', 'keras') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=workdir, timeout=60)


def test_read_commands_do_not_create_a_storage(workdir):
    result = run("studies")
    assert result.exit_code == 0, result.output
    assert "kerasopt.db does not exist" in result.output
    result = run("show", "penguins-species")
    assert result.exit_code == 1, result.output
    assert "No study named 'penguins-species'" in result.output
    assert not (workdir / "kerasopt.db").exists()


def test_storage_from_environment(workdir):
    make_study(f"sqlite:///{workdir / 'other.db'}", name="elsewhere")
    result = run("studies", env={"KERASOPT_STORAGE": str(workdir / "other.db")})
    assert result.exit_code == 0 and "elsewhere" in result.output, result.output


def test_unknown_study_lists_studies(workdir):
    make_study("sqlite:///kerasopt.db")
    result = run("show", "penguins-specie")
    assert result.exit_code == 1, result.output
    assert "No study named 'penguins-specie'" in result.output
    assert "Did you mean 'penguins-species'?" in result.output
    assert "Traceback" not in result.output


def test_debug_shows_traceback(workdir):
    make_study("sqlite:///kerasopt.db")
    result = run("--debug", "report", "nope")
    assert result.exit_code == 1 and "Traceback" in result.output, result.output


@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_password_never_printed(workdir, debug):
    url = "postgresql://ana:s3cr3t-pw@127.0.0.1:9/optuna"
    result = run(*debug, "studies", "--storage", url)
    assert result.exit_code == 1, result.output
    assert "s3cr3t" not in result.output
    assert "postgresql://ana:***@127.0.0.1:9/optuna" in result.output


# ---------------------------------------------------------- tune: errors
@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.csv", "-t", "species"], "Data file 'missing.csv' not found"),
        (["penguins.csv", "-t", "specie"], "Did you mean 'species'? Columns: bill"),
        (["penguins.csv", "-t", "species", "--space", "nope.yaml"], "nope.yaml"),
    ],
)
def test_tune_user_errors(workdir, args, message):
    result = run("tune", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "option, message",
    [
        (
            ["--metric", "acuracy"],
            "Unknown --metric 'acuracy'. Did you mean 'accuracy'?",
        ),
        (["--sampler", "tpee"], "Unknown sampler='tpee'. Did you mean 'tpe'?"),
        (["--pruner", "medain"], "Unknown pruner='medain'. Did you mean 'median'?"),
    ],
)
def test_tune_bad_names_write_no_study(workdir, option, message):
    result = run("tune", "penguins.csv", "-t", "species", *option)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not (workdir / "kerasopt.db").exists()


def test_tune_bad_space_file_names_the_key(workdir):
    (workdir / "bad.toml").write_text('[learning_rate]\ntype = "flot"\n')
    result = run("tune", "penguins.csv", "-t", "species", "--space", "bad.toml")
    assert result.exit_code == 1, result.output
    assert "'learning_rate'" in result.output and "'float'" in result.output


def test_tune_target_with_one_value(workdir):
    (workdir / "one.csv").write_text("a,y\n1,k\n2,k\n3,k\n")
    result = run("tune", "one.csv", "-t", "y")
    assert result.exit_code == 1 and "1 distinct value" in result.output, result.output


def _terminal(width: int) -> Console:
    return Console(
        file=io.StringIO(), width=width, force_terminal=True, color_system=None
    )


def _state(**counts: int) -> StudyProgress:
    full = dict.fromkeys(("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"), 0)
    return StudyProgress({**full, **counts}, 0.9123, n_trials=20, seconds_left=312.0)


def test_progress_keeps_its_numbers_whole_at_80_columns():
    console = _terminal(80)
    progress = TrialProgress(console=console)
    progress(_state(COMPLETE=9, PRUNED=1, FAIL=10, RUNNING=4))
    (task,) = progress._progress.tasks
    task.start_time = progress._progress.get_time() - 83  # 1 min 23 s of tuning
    console.print(progress._progress.make_tasks_table([task]))
    line = console.file.getvalue().splitlines()[-1]
    assert "10/20" in line and "0:01:23" in line, line
    assert "5m12s left | running 4" in line, line  # what moves during a trial
    assert len(line) <= 80


def test_progress_off_a_terminal_prints_a_line_per_change():
    console = Console(file=io.StringIO(), width=200)  # output to a file
    progress = TrialProgress(console=console)
    progress.start()
    progress(_state(RUNNING=1))
    progress(_state(RUNNING=1))  # only the time left moved: no new line
    progress(_state(COMPLETE=1))
    progress.stop()
    lines = console.file.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("trials 0/20 | 5m12s left | running 1 | best 0.9123")
    assert lines[1].startswith("trials 1/20 | 5m12s left | running 0")
    assert "left" not in lines[2] and lines[2].endswith("elapsed"), lines[2]


def test_progress_counts_trials_of_the_study():
    study = optuna.create_study(direction="maximize")

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 1:
            raise optuna.TrialPruned()
        return float("nan") if trial.number == 2 else x

    progress = TrialProgress(console=_terminal(80))
    with watching(study, [progress], n_trials=5, deadline=time.time() + 125):
        study.optimize(objective, n_trials=4)
    (task,) = progress._progress.tasks
    assert task.completed == 3 and task.total == 5  # complete + pruned
    assert "pruned 1 | failed 1" in task.description
    assert f"best {study.best_value:.4g}" in task.description
    assert re.search(r"\dm\d\ds left", task.description), task.description


def test_progress_follows_trials_run_elsewhere(tmp_path):
    storage = resolve_storage(tmp_path / "j.log")
    study = optuna.create_study(storage=storage, study_name="s")
    elsewhere = optuna.load_study(study_name="s", storage=storage)
    progress = TrialProgress(console=_terminal(80))
    polled = threading.Event()

    def view(state):
        progress(state)
        if state.done == 2:
            polled.set()

    with watching(study, [view], n_trials=3, deadline=None, interval=0.05):
        (task,) = progress._progress.tasks
        assert task.completed == 0 and task.total == 3
        elsewhere.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        # The polling thread sees them; the timeout only bounds a failure.
        assert polled.wait(timeout=60)
    assert task.completed == 2


# ------------------------------------------------------- heartbeat, budget
def _heartbeat_storage(tmp_path: Path) -> optuna.storages.RDBStorage:
    return resolve_storage(
        tmp_path / "h.db", heartbeat_interval=1, grace_period=2
    )


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_settle_fails_a_stale_trial_and_queues_it_again(tmp_path):
    storage = _heartbeat_storage(tmp_path)
    study = optuna.create_study(storage=storage)
    dead = study.ask()
    dead.suggest_float("x", 0, 1)
    storage.record_heartbeat(dead._trial_id)  # then its worker died
    # A deadline already past: one look, while the beat is fresher than the grace.
    assert settle(study, storage, deadline=0, poll=0.1) == 0
    assert study.trials[dead.number].state.name == "RUNNING"
    assert settle(study, storage, deadline=None, poll=0.1) == 1
    assert study.trials[dead.number].state.name == "FAIL"
    (retry,) = study.get_trials(states=(optuna.trial.TrialState.WAITING,))
    assert retry.params == dead.params
    retried = RETRY.retried_trial_number
    assert retried(retry) == dead.number


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_a_trial_that_never_beat_goes_stale_after_the_grace_period(tmp_path):
    # Optuna's first beat comes from a thread started after the sampler drew
    # the parameters, and it never fails a trial without one: a worker that
    # died before (CI: PostgreSQL restarted then) left it RUNNING for good,
    # and every later run waited for it.
    storage = _heartbeat_storage(tmp_path)  # grace period: 2 s
    study = optuna.create_study(storage=storage)
    alive, dead = study.ask(), study.ask()
    assert settle(study, storage, deadline=0, poll=0.1) == 0  # both too young
    assert [t.state.name for t in study.trials] == ["RUNNING", "RUNNING"]
    time.sleep(2.2)
    storage.record_heartbeat(alive._trial_id)  # old, but beating
    assert settle(study, storage, deadline=None, poll=0.1) == 1
    assert [t.state.name for t in study.trials][:2] == ["RUNNING", "FAIL"]
    (retry,) = study.get_trials(states=(optuna.trial.TrialState.WAITING,))
    assert RETRY.retried_trial_number(retry) == dead.number
    assert fail_trials_that_never_beat(study, storage) == []  # failed once


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_only_the_worker_that_failed_a_stale_trial_runs_it_again(tmp_path):
    # Two workers (two storages on one database) settle after a third died:
    # one fails its trial and queues it again; had both counted that re-run,
    # both would top up the budget by one and the study would exceed it.
    first, second = _heartbeat_storage(tmp_path), _heartbeat_storage(tmp_path)
    study = optuna.create_study(storage=first, study_name="shared")
    dead = study.ask()
    first.record_heartbeat(dead._trial_id)  # then its worker died
    assert settle(study, first, deadline=None, poll=0.1) == 1
    elsewhere = optuna.load_study(study_name="shared", storage=second)
    assert len(elsewhere.get_trials(states=(optuna.trial.TrialState.WAITING,))) == 1
    assert settle(elsewhere, second, deadline=None, poll=0.1) == 0
    assert settle(study, first, deadline=None, poll=0.1) == 1


@pytest.mark.parametrize(
    "error",
    [
        ValueError("Cannot tell a COMPLETE trial."),  # both took it from the queue
        optuna.exceptions.UpdateFinishedTrialError("failed by another worker"),
    ],
)
def test_a_trial_another_worker_ended_is_a_warning_not_an_error(monkeypatch, error):
    # Two `kerasopt tune` on one SQLite file (no row locks) may both take a
    # queued trial; the second to finish got Optuna's "Cannot tell a COMPLETE
    # trial." and the command exited 1.
    import kerasopt.search._study as study_module

    calls = []

    def optimize(self, objective, **kwargs):
        calls.append(kwargs["n_trials"])
        if len(calls) == 1:
            raise error

    monkeypatch.setattr(optuna.Study, "optimize", optimize)
    study = optuna.create_study()
    with pytest.warns(UserWarning, match="its result stands"):
        study_module._run_until_settled(
            study, lambda t: 0.0, n_trials=4, deadline=None, storage=None,
            callbacks=[], n_workers=1, worker_storage=None, sampler=None, seed=0,
            show_progress_bar=False,
        )  # fmt: skip
    assert calls == [4, 4]

    def invalid(self, objective, **kwargs):
        raise ValueError("bad parameter")  # any other error stays an error

    monkeypatch.setattr(optuna.Study, "optimize", invalid)
    with pytest.raises(ValueError, match="bad parameter"):
        study_module._optimize_tolerating_takeovers(
            study, lambda t: 0.0, n_trials=4, timeout=None, callbacks=[]
        )


def _ended_elsewhere_first(trial: optuna.trial.Trial) -> float:
    """Objective whose first trial another worker ends while it runs."""
    if trial.number == 0:
        trial.study.tell(trial.number, 0.5)
    return trial.suggest_float("x", 0, 1)


def test_a_worker_whose_trial_another_ended_goes_on_and_stops_no_other(tmp_path):
    # Two workers of one search took the same queued trial from a SQLite
    # study: the second to finish raised out of its joblib task, joblib killed
    # the other worker process in the middle of its trial, and that trial
    # stayed RUNNING for good (CI: 3 trials stored, 2 in cv_results_).
    from kerasopt.search._study import run_workers

    storage = f"sqlite:///{tmp_path / 's.db'}"
    study = optuna.create_study(storage=storage, study_name="s", direction="maximize")
    run_workers(
        study, _ended_elsewhere_first, storage=storage, n_trials=4, n_workers=2,
        timeout=None, sampler="random", seed=0, callbacks=None,
    )  # fmt: skip
    states = [t.state.name for t in study.get_trials(deepcopy=False)]
    assert "RUNNING" not in states and 4 <= states.count("COMPLETE") <= 5, states


def test_settle_returns_at_once_when_nothing_runs_or_no_heartbeat(
    tmp_path, monkeypatch
):
    def never(seconds):
        raise AssertionError(f"settle waited {seconds} s")

    storage = _heartbeat_storage(tmp_path)
    study = optuna.create_study(storage=storage)
    journal = resolve_storage(tmp_path / "j.log")
    other = optuna.create_study(storage=journal)
    other.ask()
    monkeypatch.setattr(time, "sleep", never)
    assert settle(study, storage, deadline=None) == 0
    assert settle(other, journal, deadline=None) == 0


def test_fail_running_uses_the_start_time(tmp_path):
    study = optuna.create_study(storage=resolve_storage(tmp_path / "j.log"))
    old, new = study.ask(), study.ask()
    time.sleep(0.3)
    assert fail_running_trials(study, older_than=3600) == []
    assert fail_running_trials(study, older_than=0.2) == [old.number, new.number]
    assert {t.state.name for t in study.trials} == {"FAIL"}


def test_fail_stale_command(workdir):
    study = optuna.create_study(storage=resolve_storage("study.log"), study_name="s")
    study.ask()
    result = run("fail-stale", "s", "--storage", "study.log", "--older-than", "1h")
    assert result.exit_code == 0 and "No trial of 's'" in result.output, result.output
    result = run("fail-stale", "s", "--storage", "study.log", "--older-than", "0")
    assert result.exit_code == 0 and "Failed trial(s) 0" in result.output, result.output
    result = run("fail-stale", "s", "--storage", "study.log", "--older-than", "x")
    assert result.exit_code == 2 and "--older-than" in result.output, result.output


# ----------------------------------------------------- tune, resume, export
@pytest.mark.slow
def test_tune_resume_export_predict(workdir):
    args = ["tune", "penguins.csv", "-t", "species", "--space", "space.yaml"]
    args += ["--validation-fraction", "0.3", "--seed", "0"]
    result = run(*args, "-n", "1", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["study_name"] == "penguins-species"
    assert summary["states"]["COMPLETE"] == 1
    assert summary["storage"] == "kerasopt.db" and (workdir / "kerasopt.db").is_file()
    assert summary["user_attrs"]["task"] == "classification"
    # Same command with a larger target: resumes, runs one more.
    result = run(*args, "-n", "2", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    study = optuna.load_study(
        study_name="penguins-species", storage="sqlite:///kerasopt.db"
    )
    assert len(study.trials) == 2
    # Again: the study is complete, nothing runs; --output refits and saves.
    result = run(*args, "-n", "2", "--output", "out")
    assert result.exit_code == 0 and "Best parameters" in result.output, result.output
    assert len(study.trials) == 2
    written = json.loads((workdir / "out" / "summary.json").read_text())
    assert written["n_trials"] == 2 and written["best_value"] == study.best_value
    assert len(pd.read_csv(workdir / "out" / "trials.csv")) == 2
    assert (workdir / "out" / "model" / "model.kerasopt").is_file()
    result = run("export", "penguins-species", "-o", "model/")
    assert result.exit_code == 0, result.output
    assert "Refitting the best pipeline of 'penguins-species' on 48 rows" in (
        result.output
    )  # said before the long part
    assert (workdir / "model" / "model.kerasopt").is_file()
    # In its own process, where saving imports TensorFlow (when installed).
    done = subprocess.run(
        [sys.executable, "-m", "kerasopt", "export", "penguins-species", "-o",
         "model2/", "--quiet"],
        cwd=workdir, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    new = pd.read_csv(workdir / "penguins.csv").drop(columns=["species"]).iloc[::-1]
    new.to_csv(workdir / "new.csv", index=False)
    result = run("predict", "model", "new.csv", "-o", "pred.csv", "--proba")
    assert result.exit_code == 0, result.output
    predictions = pd.read_csv(workdir / "pred.csv")
    assert len(predictions) == len(new)
    assert list(predictions.columns) == ["prediction", "proba_Adelie", "proba_Gentoo"]
    np.testing.assert_allclose(
        predictions[["proba_Adelie", "proba_Gentoo"]].sum(axis=1), 1, rtol=1e-5
    )
    assert set(predictions["prediction"]) <= {"Adelie", "Gentoo"}
    # The --output folder of tune, as it is (its model is out/model/).
    result = run("predict", "out", "new.csv", "-o", "pred_out.csv")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(workdir / "pred_out.csv")) == len(new)
    new.drop(columns=["island"]).to_csv(workdir / "bad.csv", index=False)
    result = run("predict", "model", "bad.csv")
    assert result.exit_code == 1, result.output
    assert "lacks 1 column(s)" in result.output and "island" in result.output


@pytest.mark.slow
def test_tune_regression_with_validation_fraction(workdir):
    result = run(
        "tune", "penguins.csv", "-t", "weight", "--space", "space.yaml", "-n", "1",
        "--validation-fraction", "0.25", "--metric", "neg_mean_absolute_error",
        "--study-name", "w", "--pruner", "none", "--seed", "1", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["user_attrs"]["task"] == "regression"
    assert summary["user_attrs"]["metric"] == "neg_mean_absolute_error"
    assert summary["best_value"] <= 0


# ----------------------------------------- several workers, one of them killed
#: `kerasopt ...` whose Keras fit number $KERASOPT_TEST_STALL_AT never returns: it
#: touches ./stalled-<pid> and sleeps, so that a kill always lands mid-trial.
STALLING_KERASOPT = """
import os, sys, time
from sklearn.pipeline import Pipeline
from kerasopt.cli import main

# Each trial (or fold) of `kerasopt tune` fits a clone of its pipeline: on any
# backend, whichever loop then trains the network.
fit, calls = Pipeline.fit, []


def fit_or_stall(self, *args, **kwargs):
    calls.append(1)
    if len(calls) == int(os.environ["KERASOPT_TEST_STALL_AT"]):
        open(f"stalled-{os.getpid()}", "w").close()
        time.sleep(3600)
    return fit(self, *args, **kwargs)


Pipeline.fit = fit_or_stall
main()
"""


def kerasopt_process(
    args: list[str], cwd: Path, stall_at: int | None = None
) -> subprocess.Popen:
    """`python -m kerasopt *args` in ``cwd``; one that stalls in fit ``stall_at``."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_NUM_INTRAOP_THREADS": "1"}
    command = [sys.executable, "-m", "kerasopt"]
    if stall_at is not None:
        env["KERASOPT_TEST_STALL_AT"] = str(stall_at)
        command = [sys.executable, "-c", STALLING_KERASOPT]
    return subprocess.Popen(
        command + args, cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_until_stalled(process: subprocess.Popen, cwd: Path) -> None:
    """Return once a stalling ``process`` sits in its fit (a trial is RUNNING)."""
    deadline = time.monotonic() + 240  # bounds a failure only
    while not (cwd / f"stalled-{process.pid}").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(
                f"the process never reached its fit:\n{process.communicate()[0]}"
            )
        time.sleep(0.1)


def _worker(
    storage: str, name: str, workdir: Path, stall_at: int | None = None
) -> subprocess.Popen:
    args = (
        "tune penguins.csv -t species --space space.yaml --validation-fraction 0.3 "
        "-n 4 --pruner none --quiet --heartbeat-interval 1 --grace-period 5"
    ).split()
    return kerasopt_process(
        [*args, "--storage", storage, "--study-name", name], workdir, stall_at
    )


def _three_workers_one_killed(storage: str, workdir: Path) -> optuna.Study:
    """Kill one of three workers mid-trial; the two others finish the study.

    The victim starts first and stalls in its first trial's fit, so the kill
    always lands mid-trial, before the others start: their waits for running
    trials (`settle`) all come after it.
    """
    (workdir / "space.yaml").write_text(SPACE % 5)
    name = f"shared-{uuid.uuid4().hex[:8]}"
    store = resolve_storage(storage)
    workers = [_worker(storage, name, workdir, stall_at=1)]
    try:
        wait_until_stalled(workers[0], workdir)
        workers[0].kill()
        assert workers[0].wait(timeout=30) == -signal.SIGKILL
        workers += [_worker(storage, name, workdir) for _ in range(2)]
        for worker in workers[1:]:
            output, _ = worker.communicate(timeout=300)
            assert worker.returncode == 0, output
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    return optuna.load_study(study_name=name, storage=store)


def _show(name: str, storage: str, workdir: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "kerasopt", "show", name, "--storage", storage,
         "--json"],  # fmt: skip
        cwd=workdir, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["states"]


@pytest.mark.slow
def test_three_workers_on_a_journal_file(workdir):
    # No heartbeat in a journal file: the killed trial stays RUNNING (not
    # counted), the others meet the budget, and `fail-stale` clears it.
    storage = str(workdir / "study.log")
    study = _three_workers_one_killed(storage, workdir)
    states = _show(study.study_name, storage, workdir)
    assert 4 <= states["COMPLETE"] + states["PRUNED"] <= 4 + 2, states
    assert states["RUNNING"] == 1 and states["FAIL"] == 0, states
    result = run("fail-stale", study.study_name, "--storage", storage,
                 "--older-than", "0")  # fmt: skip
    assert result.exit_code == 0, result.output
    states = _show(study.study_name, storage, workdir)
    assert states["RUNNING"] == 0 and states["FAIL"] == 1, states


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("KERASOPT_TEST_POSTGRES_URL"),
    reason="set KERASOPT_TEST_POSTGRES_URL to a PostgreSQL database to run",
)
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_three_workers_on_postgresql(workdir):
    # Optuna's heartbeat: the killed trial is failed after the grace period and
    # run again with its parameters; none is left RUNNING or WAITING.
    storage = os.environ["KERASOPT_TEST_POSTGRES_URL"]
    study = _three_workers_one_killed(storage, workdir)
    states = _show(study.study_name, storage, workdir)
    assert 4 <= states["COMPLETE"] + states["PRUNED"] <= 4 + 2, states
    assert states["RUNNING"] == states["WAITING"] == 0, states
    (failed,) = [t for t in study.trials if t.state.name == "FAIL"]
    retried = RETRY.retried_trial_number
    (retry,) = [t for t in study.trials if retried(t) is not None]
    assert retried(retry) == failed.number
    assert retry.state.name == "COMPLETE"
    # The retry reuses what the killed trial had drawn before it died.
    assert failed.params.items() <= retry.params.items()
