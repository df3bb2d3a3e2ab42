"""OptunaSearchCV on a Dask cluster, as docs/walkthroughs/distributed.md shows it.

A ``dask.distributed.LocalCluster`` of two worker processes runs the search
through ``joblib.parallel_config(backend="dask")``; the study lives in a
journal file that both workers reach (on a real cluster: a database).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import joblib
import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from sklearn.datasets import make_blobs

from kerasopt import KerasClassifier, OptunaSearchCV
from kerasopt.search import resolve_storage

optuna.logging.set_verbosity(optuna.logging.WARNING)

N_TRIALS = 6


def _record_worker(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
    """Study callback, run in the worker after each trial: who ran it."""
    study.set_user_attr(f"pid of trial {trial.number}", os.getpid())


@pytest.mark.slow
def test_search_on_a_dask_cluster_of_two_workers(tmp_path: Path) -> None:
    import cloudpickle
    from dask.distributed import Client, LocalCluster

    X, y = make_blobs(n_samples=80, centers=2, random_state=0)
    X = X.astype(np.float32)
    storage = str(tmp_path / "study.log")
    search = OptunaSearchCV(
        KerasClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0),
        {"learning_rate": FloatDistribution(1e-3, 1e-1, log=True)},
        n_trials=N_TRIALS, n_jobs=2, cv=2,
        storage=storage, study_name="dask", pruner="none", refit=False,
        callbacks=[_record_worker], random_state=0,
    )  # fmt: skip
    # The workers cannot import this test module: the callback travels by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
            Client(cluster) as client,
        ):
            workers = set(client.run(os.getpid).values())
            with joblib.parallel_config(backend="dask"):
                search.fit(X, y)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])

    study = optuna.load_study(study_name="dask", storage=resolve_storage(storage))
    # Each worker stops once the study holds N_TRIALS started trials, checked
    # after each of its trials; its first trial always runs. So one worker whose
    # first trial starts after the other started trial N_TRIALS - 1 adds one.
    assert N_TRIALS <= len(study.trials) <= N_TRIALS + 1
    assert {t.state.name for t in study.trials} == {"COMPLETE"}
    assert search.n_trials_ == len(study.trials) == len(search.cv_results_["state"])
    ran_by = {
        int(name.rsplit(" ", 1)[1]): pid
        for name, pid in study.user_attrs.items()
        if name.startswith("pid of trial ")
    }
    assert sorted(ran_by) == [t.number for t in study.trials]
    assert set(ran_by.values()) == workers  # both workers ran trials, none else
    assert os.getpid() not in workers
