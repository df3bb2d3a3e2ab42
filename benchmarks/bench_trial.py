"""Trial cost: OptunaSearchCV's time per trial vs the training it runs, and memory.

Overhead is measured two ways, both in the same run:

* against a hand-written loop doing the same work (clone, set the trial's
  parameters, fit and score each fold) for the same parameters;
* inside one search, as wall time per trial minus the fit and score times
  each trial records.

Then 200 tiny trials (1 epoch on 1,000 rows, one split): the wall time of a
trial (its fixed cost, since one epoch of 1k rows is almost no work; target
<= 0.3 s), wall time over the fit and score time the trials record (target
<= 1.1x), and the resident set size (psutil) at trial 10 and trial 200, which
should stay flat. Target for the first comparison: overhead under 5%.
"""

from __future__ import annotations

import time
from typing import Any

from _common import Row, clear_keras, interleaved, row

NAME = "trial"


def _setup() -> tuple[Any, Any, Any, Any]:
    from optuna.distributions import CategoricalDistribution, IntDistribution
    from sklearn.datasets import load_iris
    from sklearn.model_selection import KFold

    from kerasopt import KerasClassifier

    X, y = load_iris(return_X_y=True)
    X = X.astype("float32")
    estimator = KerasClassifier(epochs=3, batch_size=32, random_state=0)
    space = {
        "hidden_layer_sizes": IntDistribution(4, 32, log=True),
        "activation": CategoricalDistribution(["relu", "tanh"]),
    }
    return X, y, estimator, (space, KFold(2, shuffle=True, random_state=0))


def _search(estimator: Any, space: Any, cv: Any, n_trials: int, **kwargs: Any) -> Any:
    from kerasopt import OptunaSearchCV

    return OptunaSearchCV(
        estimator, space, n_trials=n_trials, cv=cv, pruner="none", refit=False,
        random_state=0, **kwargs,
    )  # fmt: skip


def _by_hand(estimator: Any, X: Any, y: Any, cv: Any, params: list[dict]) -> None:
    """What each trial does, without Optuna: clone, set, fit and score folds."""
    from sklearn.base import clone

    for trial_params in params:
        for train, test in cv.split(X, y):
            model = clone(estimator).set_params(**trial_params)
            model.fit(X[train], y[train]).score(X[test], y[test])
        clear_keras()  # a long hand-written loop must free Keras' graphs too


def run(quick: bool = False) -> list[Row]:
    """Overhead vs a hand-written loop, then memory over many trials."""
    import psutil
    from sklearn.base import clone
    from sklearn.model_selection import ShuffleSplit

    X, y, estimator, (space, cv) = _setup()
    n_trials = 3 if quick else 5
    params = [
        dict(p)
        for p in _search(estimator, space, cv, n_trials).fit(X, y).cv_results_["params"]
    ]
    times = interleaved(
        {
            "by hand": lambda: _by_hand(estimator, X, y, cv, params),
            "search": lambda: _search(estimator, space, cv, n_trials).fit(X, y),
        },
        repeats=1 if quick else 2,
        warmup=0,
    )
    ratio = times["search"] / times["by hand"]
    rows = [
        row(
            NAME,
            f"{n_trials} trials x 2 folds, OptunaSearchCV vs hand-written loop",
            baseline_name="hand loop",
            baseline=times["by hand"] / n_trials,
            kerasopt=times["search"] / n_trials,
            unit="s per trial",
            ratio=ratio,
            target="< 1.05x",
            passed=ratio < 1.05,
        )  # fmt: skip
    ]

    n_long = 30 if quick else 200
    process = psutil.Process()
    rss: dict[int, float] = {}
    ends: list[float] = []

    def watch(study: Any, trial: Any) -> None:
        ends.append(time.perf_counter())
        rss[trial.number + 1] = process.memory_info().rss / 2**20

    from sklearn.datasets import make_classification

    X, y = make_classification(1000, 20, n_informative=10, random_state=0)
    X = X.astype("float32")
    tiny = clone(estimator).set_params(epochs=1)
    one_split = ShuffleSplit(1, test_size=0.3, random_state=0)
    start = time.perf_counter()
    search = _search(tiny, space, one_split, n_long, callbacks=[watch]).fit(X, y)
    wall = ends[-1] - start
    per_trial = sorted(b - a for a, b in zip([start, *ends[:-1]], ends))
    median = per_trial[len(per_trial) // 2]
    rows.append(
        row(
            NAME,
            f"tiny trial (1 epoch, 1k rows, one split), median of {n_long}",
            baseline_name="target",
            baseline=0.3,
            kerasopt=median,
            unit="s per trial",
            target="<= 0.3 s",
            passed=median <= 0.3,
        )  # fmt: skip
    )
    work = sum(
        sum(t.user_attrs["fit_times"]) + sum(t.user_attrs["score_times"])
        for t in search.study_.trials
    )
    ratio = wall / work
    rows.append(
        row(
            NAME,
            f"{n_long} trials, wall time vs recorded fit+score time",
            baseline_name="fit+score",
            baseline=work / n_long,
            kerasopt=wall / n_long,
            unit="s per trial",
            ratio=ratio,
            target="<= 1.1x",
            passed=ratio <= 1.1,
        )  # fmt: skip
    )
    early, last = rss[10], rss[n_long]
    growth = last / early
    rows.append(
        row(
            NAME,
            f"resident memory, trial 10 vs trial {n_long}",
            baseline_name="trial 10",
            baseline=early,
            kerasopt=last,
            unit="MB",
            ratio=growth,
            target="flat (< 1.10x)",
            passed=growth < 1.10,
            note=f"{(last - early) / (n_long - 10):+.2f} MB per trial",
        )  # fmt: skip
    )
    return rows
