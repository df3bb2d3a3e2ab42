"""Which dimensions of a wide search space matter: the calibration of the default space.

``python benchmarks/calibrate_space.py run [--trials N] [--tables ...]`` runs,
for each table, an Optuna study of ``N`` trials (36 by default) over
``WIDE_SPACE`` (the default space of kerasopt 0.2) with a ``RandomSampler``,
so that every region is sampled alike, after the four initial trials of the
default portfolio (the estimator's own configuration, RealMLP-TD-like,
TabM-mini-like, periodic embeddings). Each trial is scored by 3-fold CV on the
table's training rows (the 75 % that ``bench_quality.py`` trains on; its
held-out rows are never seen). Studies are stored in
``benchmarks/calibration.db`` (SQLite) and resumed when run again.

``python benchmarks/calibrate_space.py report`` prints, from the stored
studies, the fANOVA importance of each parameter per table (Optuna's
``FanovaImportanceEvaluator``), and for each value (or quartile) of each
parameter the mean rank of its trials within their table (0 = worst, 1 =
best) and their median seconds. docs/user_guide/tuning.md shows its output.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STORAGE = f"sqlite:///{HERE / 'calibration.db'}"
TABLES = ("churn", "oj", "credit", "attrition", "hmda", "chile", "wage", "gapminder")


def wide_space(classifier: bool) -> Any:
    """The default search space of kerasopt 0.2, before its calibration."""
    from optuna.distributions import (
        CategoricalDistribution as Cat,
    )
    from optuna.distributions import (
        FloatDistribution as Float,
    )
    from optuna.distributions import (
        IntDistribution as Int,
    )

    from kerasopt.search import Fixed, LayerSizes, SearchSpace

    return SearchSpace({
        "hidden_layer_sizes": LayerSizes(1, 4, 8, 256, log=True),
        "activation": Cat(("relu", "tanh", "elu", "selu", "gelu", "leaky_relu")),
        "optimizer": Cat(("adam", "adamw", "nadam", "rmsprop", "momentum")),
        "learning_rate": Float(1e-4, 1e-1, log=True),
        "batch_size": Cat((16, 32, 64, 128, 256)),
        "epochs": Int(50, 200, log=True),
        "early_stopping": Fixed(True),
        "dropout": Float(0.0, 0.5),
        "l2": Float(1e-7, 1e-2, log=True),
        "numeric_embedding": Cat((None, "periodic")),
        "weight_decay": Float(1e-6, 1e-1, log=True),
        **({"label_smoothing": Float(0.0, 0.2)} if classifier else {}),
    })  # fmt: skip


#: The portfolio of kerasopt 0.2 in ``WIDE_SPACE`` (see kerasopt.search.PORTFOLIO).
WIDE_PORTFOLIO: dict[str, dict[str, Any]] = {
    "realmlp_td": {
        "hidden_layer_sizes": (256, 256, 256), "activation": "selu",
        "optimizer": "adam", "learning_rate": 2.5e-3, "batch_size": 256,
        "dropout": 0.15, "l2": 1e-7, "weight_decay": 2e-2,
        "numeric_embedding": "periodic", "label_smoothing": 0.1,
    },
    "tabm_mini": {
        "hidden_layer_sizes": (256, 256), "activation": "relu",
        "optimizer": "adamw", "learning_rate": 2e-3, "batch_size": 256,
        "dropout": 0.1, "l2": 1e-7, "weight_decay": 3e-4,
        "numeric_embedding": "periodic", "label_smoothing": 0.0,
    },
    "periodic": {"numeric_embedding": "periodic"},
}  # fmt: skip


def _study(name: str, space: Any, estimator: Any) -> Any:
    """The table's study; a new one starts with the estimator's own configuration
    and :data:`WIDE_PORTFOLIO`, as kerasopt 0.2's default search did."""
    import optuna

    study = optuna.create_study(
        storage=STORAGE, study_name=name, direction="maximize", load_if_exists=True,
        sampler=optuna.samplers.RandomSampler(seed=1),
    )  # fmt: skip
    if not study.trials:
        own = {key: getattr(estimator, key) for key in space.names}
        for label, values in (("estimator", {}), *WIDE_PORTFOLIO.items()):
            params = space.fixed_params({**own, **values})
            study.enqueue_trial(params, user_attrs={"initial": label})
    return study


def run(n_trials: int, tables: tuple[str, ...]) -> None:
    """One random-sampler study per table, stored in :data:`STORAGE`."""
    from _tables import SCORING, held_out_split
    from sklearn.model_selection import KFold, StratifiedKFold

    from kerasopt import (
        KerasClassifier,
        KerasRegressor,
        OptunaSearchCV,
        make_tabular_pipeline,
    )

    for name in tables:
        (X_train, y_train), _, task = held_out_split(name)
        classifier = task != "regression"
        estimator = (KerasClassifier if classifier else KerasRegressor)(random_state=0)
        splitter = StratifiedKFold if classifier else KFold
        folds = splitter(3, shuffle=True, random_state=0)
        space = wide_space(classifier)
        search = OptunaSearchCV(
            make_tabular_pipeline(estimator), space, n_trials=n_trials, cv=folds,
            scoring=SCORING[task], refit=False, initial_trials=None, pruner=None,
            study=_study(name, space, estimator), random_state=0,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X_train, y_train)
        print(f"{name}: best {search.best_score_:.4f}", flush=True)


def _markdown(frame: Any) -> str:
    """A DataFrame as a Markdown table (pandas' to_markdown needs tabulate)."""
    lines = [
        "| " + " | ".join([str(frame.index.name or ""), *map(str, frame.columns)]),
        "|---" * (len(frame.columns) + 1),
    ]
    lines += [
        "| " + " | ".join([str(index), *(f"{v:g}" for v in values)])
        for index, values in zip(frame.index, frame.to_numpy(), strict=True)
    ]
    return "\n".join(line + " |" for line in lines)


def report() -> str:
    """Importances and ranks of the stored studies, as Markdown."""
    import numpy as np
    import optuna
    import pandas as pd

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    rows, importances = [], {}
    for summary in optuna.get_all_study_summaries(STORAGE):
        study = optuna.load_study(study_name=summary.study_name, storage=STORAGE)
        done = [
            t for t in study.trials
            if t.state == optuna.trial.TrialState.COMPLETE and math.isfinite(t.value)
        ]  # fmt: skip
        if len(done) < 10:
            continue
        values = np.array([t.value for t in done])
        for t in done:
            rows.append({
                **t.params, "table": summary.study_name, "value": t.value,
                "rank": float(np.mean(values < t.value)) / (1 - 1 / len(values)),
                "seconds": (t.datetime_complete - t.datetime_start).total_seconds(),
                "initial": t.user_attrs.get("initial", "(sampler)"),
            })  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importances[f"{summary.study_name} ({len(done)})"] = (
                optuna.importance.get_param_importances(
                    study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)
                )
            )
    frame = pd.DataFrame(rows)
    imp = pd.DataFrame(importances).fillna(0.0)
    imp.insert(0, "mean", imp.mean(axis=1))
    ranked = imp.sort_values("mean", ascending=False).round(2)
    out = ["fANOVA importance (trials per table in brackets):", "",
           _markdown(ranked), ""]  # fmt: skip
    stats = {"mean rank": ("rank", "mean"), "trials": ("rank", "size"),
             "median s": ("seconds", "median")}  # fmt: skip
    for column in frame.columns.drop(["table", "value", "rank", "seconds"]):
        values = frame[column]
        if values.dtype.kind in "if" and values.nunique() > 8:
            values = pd.qcut(values, 4, duplicates="drop")  # quartiles, in order
        else:
            values = values.map(str)  # None (a choice) is a value here
        grouped = frame.groupby(values, observed=True).agg(**stats)
        out += [f"`{column}`:", "", _markdown(grouped.round(3)), ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("run", "report"))
    parser.add_argument("--trials", type=int, default=36)
    parser.add_argument("--tables", nargs="+", default=TABLES)
    args = parser.parse_args()
    if args.step == "run":
        run(args.trials, tuple(args.tables))
    else:
        print(report())
