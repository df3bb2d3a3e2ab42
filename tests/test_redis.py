"""redis:// storages: an Optuna journal kept in a Redis server.

The server tests run when KERASOPT_TEST_REDIS_URL names a Redis database
(`source .ci/start-redis` starts a throw-away one).
"""

from __future__ import annotations

import json
import os
import uuid

import optuna
import pytest
from typer.testing import CliRunner

from kerasopt.cli import app
from kerasopt.exceptions import StorageError
from kerasopt.search import resolve_storage
from kerasopt.search._study import run_workers

pytest.importorskip("redis")
optuna.logging.set_verbosity(optuna.logging.WARNING)
REDIS = os.environ.get("KERASOPT_TEST_REDIS_URL")
needs_server = pytest.mark.skipif(
    not REDIS, reason="source .ci/start-redis (sets KERASOPT_TEST_REDIS_URL) to run"
)


def _objective(trial: optuna.trial.Trial) -> float:
    return trial.suggest_float("x", 0, 1)


def test_unreachable_redis_is_one_clear_error() -> None:
    with pytest.raises(StorageError, match="Redis server is running") as info:
        resolve_storage("redis://:hunter2@127.0.0.1:1/0")
    assert "redis://:***@127.0.0.1:1/0" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_misspelled_redis_scheme() -> None:
    with pytest.raises(StorageError, match="Did you mean 'redis'"):
        resolve_storage("redi://127.0.0.1/0")


@needs_server
def test_worker_processes_share_a_redis_study() -> None:
    storage = resolve_storage(REDIS)
    assert isinstance(storage, optuna.storages.JournalStorage)
    name = f"redis-{uuid.uuid4().hex[:8]}"
    study = optuna.create_study(storage=storage, study_name=name, direction="maximize")
    run_workers(
        study, _objective, storage=REDIS, n_trials=4, n_workers=2, timeout=None,
        sampler="random", seed=0, callbacks=None,
    )  # fmt: skip
    study = optuna.load_study(study_name=name, storage=resolve_storage(REDIS))
    assert 4 <= len(study.trials) <= 5
    result = CliRunner().invoke(app, ["show", name, "--storage", REDIS, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["states"]["COMPLETE"] == len(study.trials)
