"""Quality on rows no model and no search has seen: kerasopt vs scikit-learn.

Sixteen public tables that ship inside PyPI packages (``benchmarks/_tables.py``):
ten small ones (1.3k-7k rows, subsampled to 2,500) and six large ones
(10k-340k rows, subsampled to 20,000: high-cardinality strings, dates,
skewed numbers, imbalanced classes). Each table is split once (seeded,
stratified for classifiers) into 75 % training rows and 25 % held-out rows.
Every contender is fitted on the training rows only and scored on the
held-out rows, the same rows for all:

- kerasopt defaults: ``make_tabular_pipeline(KerasClassifier())`` (or
  ``KerasRegressor``), nothing set but ``random_state``;
- the simple MLP of kerasopt 0.1 (``SIMPLE_MLP``), for the fit-time ratio
  (small tables only: on large ones it trains 200 full epochs);
- scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` defaults behind
  kerasopt's preprocessing (which differs from the kerasopt defaults' in one
  way: categories with >= 10 levels are one-hot encoded for sklearn's MLP,
  embedded for kerasopt);
- ``HistGradientBoosting*`` defaults on the raw table, text columns as pandas
  categories (those with more than 255 levels, beyond its native support, as
  integer codes);
- kerasopt tuned: ``OptunaSearchCV`` of ``N_TRIALS`` trials of the default
  space with ``ensemble_size=5`` (each member refit with 3 seeds, the
  default ``ensemble_seeds``), searching with 3-fold CV *inside the
  training rows*; its best single configuration (refit on the training rows,
  one seed) and its ensemble (``best_estimator_``) are scored on the
  held-out rows. The
  search's own cross-validated scores are reported too, labelled "chosen on
  these folds": they carry the optimism of model selection. Beside them, the
  defaults' score on the same inner folds says whether the search found
  anything better than where it started.

Scores: ROC AUC (binary: several tables are imbalanced), accuracy
(multiclass), R^2 (regression). Times: seconds of one fit on a shared machine
(ratios only mean something within one run).

``python benchmarks/bench_quality.py --ablation`` runs the ingredient
ablation of docs/user_guide/recipe.md instead, and ``--variants`` fits
candidate defaults (:data:`VARIANTS`: other numeric encodings, scalers and
dropout) beside the defaults and HistGradientBoosting on the same held-out
rows of every table (no search; each variant's score the mean over
:data:`VARIANT_SEEDS` seeds), written to benchmarks/variants.md, which
docs/user_guide/recipe.md includes.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path
from typing import Any

from _common import Row, clear_keras, row
from _tables import LARGE_MAX_ROWS, LARGE_TABLES, SCORING, TABLES, held_out_split

NAME = "quality"
INNER_FOLDS = 3
N_TRIALS = 30
#: Trials per search on the large tables: six 30-trial searches of 15,000
#: training rows do not fit a session on the 2-core reference machine.
LARGE_TRIALS = 10
ENSEMBLE_SIZE = 5
QUICK_TABLES = ("penguins", "diabetes")
#: The tables of the full run: those with categoricals or missing values.
FULL_TABLES = (
    *(t for t in TABLES if t not in ("digits", "diabetes")),
    *LARGE_TABLES,
)
#: Tables run side by side (one process each; 2 cores on the reference machine).
WORKERS = 2
#: HistGradientBoosting's native categorical support stops at this many levels.
HGB_MAX_LEVELS = 255

#: kerasopt 0.1's defaults: the plain MLP, 200 epochs, no early stopping.
SIMPLE_MLP: dict[str, Any] = {
    "numeric_embedding": None,
    "early_stopping": False,
    "weight_decay": 0.0,
    "batch_size": 200,
    "epochs": 200,
}
SIMPLE_MLP_CLASSIFIER = {**SIMPLE_MLP, "label_smoothing": 0.0}


def _hgb_frame(X: Any) -> Any:
    import pandas as pd

    X = X.copy()
    for column in X.columns:
        if not pd.api.types.is_numeric_dtype(X[column].dtype):
            codes = X[column].astype("category")
            if len(codes.cat.categories) > HGB_MAX_LEVELS:
                codes = codes.cat.codes.astype(float).where(codes.notna())
            X[column] = codes
    return X


def _contenders(task: str, large: bool) -> dict[str, Any]:
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from kerasopt import KerasClassifier, KerasRegressor, make_tabular_pipeline

    classifier = task != "regression"
    keras_class = KerasClassifier if classifier else KerasRegressor
    simple = SIMPLE_MLP_CLASSIFIER if classifier else SIMPLE_MLP
    hgb = HistGradientBoostingClassifier if classifier else HistGradientBoostingRegressor
    mlp = MLPClassifier if classifier else MLPRegressor
    contenders = {
        "kerasopt defaults": make_tabular_pipeline(keras_class(random_state=0)),
        "sklearn MLP": make_tabular_pipeline(mlp(random_state=0)),
        "HistGradientBoosting": make_pipeline(  # the raw table, text as categories
            FunctionTransformer(_hgb_frame),
            hgb(categorical_features="from_dtype", random_state=0),
        ),
    }
    if not large:
        contenders["kerasopt simple MLP"] = make_tabular_pipeline(
            keras_class(random_state=0, **simple), embed_categories=None
        )
    return contenders


def _held_out(model: Any, train: tuple, test: tuple, scoring: str) -> tuple[float, float]:
    """Fit on the training rows, score on the held-out rows: (score, fit seconds)."""
    from sklearn.metrics import get_scorer

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLP ConvergenceWarning, dropped columns
        fitted = model.fit(*train)
        seconds = time.perf_counter() - start
        score = float(get_scorer(scoring)(fitted, *test))
    clear_keras()
    return score, seconds


def _tuned(
    pipeline: Any, train: tuple, test: tuple, task: str, n_trials: int
) -> dict[str, float]:
    """Search on the training rows; score its choices on the held-out rows."""
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    from kerasopt import OptunaSearchCV
    from kerasopt.search import refit_best

    scoring = SCORING[task]
    splitter = KFold if task == "regression" else StratifiedKFold
    folds = splitter(INNER_FOLDS, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv_defaults = cross_val_score(pipeline, *train, cv=folds, scoring=scoring)
    search = OptunaSearchCV(
        pipeline, n_trials=n_trials, scoring=scoring, random_state=0, cv=folds,
        ensemble_size=ENSEMBLE_SIZE,
    )  # fmt: skip
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(*train)
        seconds = time.perf_counter() - start
        scorer = get_scorer(scoring)
        ensemble = float(scorer(search.best_estimator_, *test))
        single = refit_best(pipeline, search.study_, *train)
        tuned = float(scorer(single, *test))
    clear_keras()
    return {
        "ensemble": ensemble, "tuned": tuned, "seconds": seconds,
        "cv_tuned": float(search.best_score_),
        "cv_ensemble": float(search.ensemble_score_),
        "cv_defaults": float(cv_defaults.mean()),
    }  # fmt: skip


def _warm_up() -> None:
    """One tiny fit, so that no contender pays the process's Keras start-up."""
    import numpy as np

    from kerasopt import KerasClassifier

    rng = np.random.RandomState(0)
    KerasClassifier(epochs=1, random_state=0).fit(rng.rand(20, 3), np.arange(20) % 2)
    clear_keras()


def _table_rows(
    name: str, quick: bool, n_trials: int | None
) -> tuple[list[Row], dict[str, float]]:
    _warm_up()
    large = name in LARGE_TABLES
    train, test, task = held_out_split(name, quick)
    X_train, X_test = train[0], test[0]
    scoring = SCORING[task]
    scores: dict[str, float] = {}
    times: dict[str, float] = {}
    for label, model in _contenders(task, large).items():
        scores[label], times[label] = _held_out(model, train, test, scoring)
    if n_trials is None:
        n_trials = LARGE_TRIALS if large else N_TRIALS
    tuned = _tuned(
        _contenders(task, large)["kerasopt defaults"], train, test, task, n_trials
    )
    hgb = scores["HistGradientBoosting"]
    rows_note = (
        f"subsampled to {LARGE_MAX_ROWS:,} rows; " if large and not quick else ""
    )
    note = (
        f"{task}, {rows_note}{len(X_train)} training / {len(X_test)} held-out rows "
        f"x {X_train.shape[1]} columns; sklearn MLP {scores['sklearn MLP']:.4f}; "
        f"fit seconds: defaults {times['kerasopt defaults']:.1f}, sklearn MLP "
        f"{times['sklearn MLP']:.1f}, HGB {times['HistGradientBoosting']:.1f}"
    )
    size = "large" if large else "small"
    rows = [
        row(NAME, f"{name} ({size}): defaults vs HistGradientBoosting, held out ({scoring})",
            baseline_name="HistGradientBoosting", baseline=hgb,
            kerasopt=scores["kerasopt defaults"], unit=scoring,
            ratio=scores["kerasopt defaults"] - hgb, note=note),
        row(NAME, f"{name} ({size}): tuned ({n_trials} trials) + ensemble of "
            f"{ENSEMBLE_SIZE}, held out",
            baseline_name="HistGradientBoosting", baseline=hgb,
            kerasopt=tuned["ensemble"], unit=scoring, ratio=tuned["ensemble"] - hgb,
            passed=tuned["ensemble"] > hgb,
            note=f"tuned single model {tuned['tuned']:.4f} held out; chosen on these "
            f"folds (inner {INNER_FOLDS}-fold CV, optimistic): single "
            f"{tuned['cv_tuned']:.4f}, ensemble {tuned['cv_ensemble']:.4f}, "
            f"defaults on the same folds {tuned['cv_defaults']:.4f}; "
            f"search {tuned['seconds']:.0f} s"),
    ]  # fmt: skip
    summary = {
        "large": float(large),
        "gap": scores["kerasopt defaults"] - hgb,
        "ahead": float(tuned["ensemble"] > hgb),
        "tuned_ahead": float(tuned["tuned"] > hgb),
        "search_below": float(tuned["cv_tuned"] < tuned["cv_defaults"]),
        "ensemble_gain": tuned["ensemble"] - tuned["tuned"],
        "fit_ratio": times["kerasopt defaults"] / times["sklearn MLP"],
    }
    if not large:
        rows.append(
            row(NAME, f"{name}: default fit time vs the simple MLP",
                baseline_name="simple MLP", baseline=times["kerasopt simple MLP"],
                kerasopt=times["kerasopt defaults"], unit="s", target="<= 1.5")
        )  # fmt: skip
        summary["time_ratio"] = times["kerasopt defaults"] / times["kerasopt simple MLP"]
    return rows, summary


def run(quick: bool = False, n_trials: int | None = None, tables: Any = None) -> list[Row]:
    """Every contender on every table, then the summary rows with the targets."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    names = tuple(tables or (QUICK_TABLES if quick else FULL_TABLES))
    n_trials = n_trials or (3 if quick else None)
    context = multiprocessing.get_context("spawn")
    # The large tables first, so that no worker is left alone with one at the end.
    order = sorted(names, key=lambda name: name not in LARGE_TABLES)
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        futures = {n: pool.submit(_table_rows, n, quick, n_trials) for n in order}
        done = [futures[name].result() for name in names]
    rows: list[Row] = [r for table_rows, _ in done for r in table_rows]
    return rows + summary_rows([summary for _, summary in done])


#: Candidate defaults: (make_tabular_pipeline options, estimator parameters;
#: names with ``__`` are the pipeline's, set with ``set_params``).
VARIANTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "defaults": ({}, {}),
    "numbers as they are": ({}, {"numeric_embedding": None}),
    "quantile": ({"scaler": "quantile"}, {}),
    "robust": ({"scaler": "robust"}, {}),
    "periodic": ({}, {"numeric_embedding": "periodic"}),
    "quantile knots": ({}, {"numeric_embedding": "piecewise"}),
    "no dropout": ({}, {"dropout": 0.0}),
    "dropout 0.15": ({}, {"dropout": 0.15}),
    "every level": ({}, {"preprocessor__categorical__encode__min_frequency": None}),
}
#: Seeds of each variant's network (``random_state``) in a variants run: each
#: score is the mean over them, so that a variant is not judged on one draw.
VARIANT_SEEDS = 3


def _variant_scores(
    name: str, quick: bool, seeds: int = VARIANT_SEEDS
) -> dict[str, tuple[float, float]]:
    """(held-out score, fit seconds) of HistGradientBoosting and each variant, the
    variants' as means over ``seeds`` seeds of the network."""
    import numpy as np

    from kerasopt import KerasClassifier, KerasRegressor, make_tabular_pipeline

    _warm_up()
    train, test, task = held_out_split(name, quick)
    classifier = task != "regression"
    hgb = _contenders(task, large=True)["HistGradientBoosting"]
    results = {"HistGradientBoosting": _held_out(hgb, train, test, SCORING[task])}
    keras_class = KerasClassifier if classifier else KerasRegressor
    for label, (options, params) in VARIANTS.items():
        own = {k: v for k, v in params.items() if "__" not in k}
        models = [
            make_tabular_pipeline(keras_class(random_state=seed, **own), **options)
            .set_params(**{k: v for k, v in params.items() if k not in own})
            for seed in range(seeds)
        ]
        runs = [_held_out(model, train, test, SCORING[task]) for model in models]
        score, seconds = np.mean(runs, axis=0)
        results[label] = (float(score), float(seconds))
    return results


def variants(
    quick: bool = False, tables: Any = None, seeds: int = VARIANT_SEEDS
) -> str:
    """Each variant on each table, as a Markdown table of held-out scores (means
    over ``seeds`` seeds of the network; HistGradientBoosting: one fit)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    names = tuple(tables or (QUICK_TABLES if quick else FULL_TABLES))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        scores = list(
            pool.map(_variant_scores, names, [quick] * len(names), [seeds] * len(names))
        )
    done = dict(zip(names, scores, strict=True))
    labels = ["HistGradientBoosting", *VARIANTS]
    lines = ["| table | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for name, results in done.items():
        size = "large" if name in LARGE_TABLES else "small"
        cells = [f"{results[k][0]:.4f} ({results[k][1]:.0f} s)" for k in labels]
        lines.append(f"| {name} ({size}) | " + " | ".join(cells) + " |")
    for size in ("small", "large"):
        chosen = [
            {k: score - r["HistGradientBoosting"][0] for k, (score, _) in r.items()}
            for n, r in done.items()
            if (n in LARGE_TABLES) == (size == "large")
        ]
        if chosen:
            cells = [
                f"{sum(g[k] for g in chosen) / len(chosen):+.4f} "
                f"(worst {min(g[k] for g in chosen):+.4f})"
                for k in VARIANTS
            ]
            head = f"| mean - HGB, {len(chosen)} {size} | | "
            lines.append(head + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    if not quick:  # docs/user_guide/recipe.md includes it
        (Path(__file__).parent / "variants.md").write_text(table + "\n")
    return table


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def summary_rows(summaries: list[dict[str, float]]) -> list[Row]:
    """The rows with the targets, from each table's summary."""
    rows: list[Row] = []
    for size, chosen in (
        ("small", [s for s in summaries if not s["large"]]),
        ("large", [s for s in summaries if s["large"]]),
    ):
        if not chosen:
            continue
        n = len(chosen)
        gap = sum(s["gap"] for s in chosen) / n
        worst = min(s["gap"] for s in chosen)
        rows += [
            row(NAME, f"mean over {n} {size} tables: defaults - HistGradientBoosting, "
                "held out", baseline_name="HistGradientBoosting", baseline=0.0,
                kerasopt=gap, unit="score difference", ratio=gap, target=">= 0",
                passed=gap >= 0, note=f"worst table {worst:+.4f}"),
        ]  # fmt: skip
    n = len(summaries)
    ahead = sum(s["ahead"] for s in summaries)
    worst = min(s["gap"] for s in summaries)
    rows += [
        row(NAME, "worst table: defaults - HistGradientBoosting, held out",
            baseline_name="HistGradientBoosting", baseline=0.0, kerasopt=worst,
            unit="score difference", ratio=worst, target=">= -0.02",
            passed=worst >= -0.02),
        row(NAME, f"tables where tuned + ensemble beats HistGradientBoosting held out "
            f"(of {n})", baseline_name="80 %", baseline=0.8 * n, kerasopt=ahead,
            unit="tables", target=">= 80 %", passed=ahead >= 0.8 * n,
            note=f"tuned single model ahead on "
            f"{sum(s['tuned_ahead'] for s in summaries):.0f}"),
        row(NAME, "searches whose best CV score is below the defaults' on the same "
            f"folds (of {n})", baseline_name="target", baseline=0.0,
            kerasopt=sum(s["search_below"] for s in summaries), unit="tables",
            target="0", passed=not any(s["search_below"] for s in summaries)),
        row(NAME, "ensemble - tuned single model, held out (mean over tables)",
            baseline_name="tuned single model", baseline=0.0,
            kerasopt=sum(s["ensemble_gain"] for s in summaries) / n,
            unit="score difference",
            note=f"ensemble ahead on "
            f"{sum(s['ensemble_gain'] > 0 for s in summaries)} of {n} tables"),
        row(NAME, "default fit time / sklearn MLP fit time (geometric mean)",
            baseline_name="sklearn MLP", baseline=1.0,
            kerasopt=_geomean([s["fit_ratio"] for s in summaries]), unit="x"),
    ]  # fmt: skip
    small = [s["time_ratio"] for s in summaries if "time_ratio" in s]
    if small:
        ratio = _geomean(small)
        rows.append(
            row(NAME, "default fit time / simple MLP fit time (geometric mean, small "
                "tables)", baseline_name="simple MLP", baseline=1.0, kerasopt=ratio,
                unit="x", ratio=ratio, target="<= 1.5", passed=ratio <= 1.5)
        )  # fmt: skip
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--variants", action="store_true")
    parser.add_argument("--trials", type=int, help=f"trials per search ({N_TRIALS})")
    parser.add_argument("--tables", nargs="+", help="tables to run (default: all)")
    parser.add_argument(
        "--seeds", type=int, default=VARIANT_SEEDS,
        help=f"seeds per variant and table, --variants only ({VARIANT_SEEDS})",
    )  # fmt: skip
    args = parser.parse_args()
    if args.ablation:
        from _ablation import ablation

        ablation(quick=args.quick)
    elif args.variants:
        variants(quick=args.quick, tables=args.tables, seeds=args.seeds)
    else:
        run(quick=args.quick, n_trials=args.trials, tables=args.tables)
