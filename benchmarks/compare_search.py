"""Which sampler and pruner a default search should use: searches side by side.

``python benchmarks/compare_search.py [--trials 30] [--tables ...]`` runs, on
each table, one ``OptunaSearchCV`` per configuration of :data:`CONFIGS` (a
sampler and a pruner) over the default search space, with the default start
(the estimator's own configuration, then the portfolio), 3-fold CV on the
training rows of ``bench_quality.py`` (its held-out quarter is never seen by
the search). For each search it records the best CV score after 10 trials and
after all of them, the held-out score of the best configuration refit on the
training rows, and the wall time. Tables run two at a time (one process
each). Each search's figures are appended to ``search_comparison.jsonl`` as
it ends; ``--report`` prints the Markdown table of that file (mean ranks
count tied scores as tied) and writes it to ``search_comparison.md``, which
docs/user_guide/tuning.md includes. One seed per search: differences within
about 0.005 are noise.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

from _tables import SCORING, held_out_split

HERE = Path(__file__).resolve().parent
TABLES = ("churn", "credit", "wage", "ames")
RESULTS = HERE / "search_comparison.jsonl"


def _configs(n_trials: int) -> dict[str, tuple[Any, Any]]:
    """(sampler, pruner) by label; the first is kerasopt's default."""
    import optuna

    from kerasopt.search._study import startup_trials  # the default TPE's own rule

    startup = startup_trials(n_trials)
    return {
        "TPE + median (default)": (
            optuna.samplers.TPESampler(seed=0, n_startup_trials=startup), "median"
        ),
        "multivariate TPE + median": (
            optuna.samplers.TPESampler(
                seed=0, n_startup_trials=startup, multivariate=True, group=True
            ),
            "median",
        ),
        "random + median": (optuna.samplers.RandomSampler(seed=0), "median"),
        "TPE + Hyperband": (
            optuna.samplers.TPESampler(seed=0, n_startup_trials=startup), "hyperband"
        ),
        "TPE, no pruning": (
            optuna.samplers.TPESampler(seed=0, n_startup_trials=startup), "none"
        ),
    }


def _table(name: str, n_trials: int) -> dict[str, dict[str, float]]:
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold, StratifiedKFold

    from kerasopt import (
        KerasClassifier,
        KerasRegressor,
        OptunaSearchCV,
        make_tabular_pipeline,
    )
    from kerasopt.search import refit_best

    (X_train, y_train), (X_test, y_test), task = held_out_split(name)
    classifier = task != "regression"
    estimator = (KerasClassifier if classifier else KerasRegressor)(random_state=0)
    pipeline = make_tabular_pipeline(estimator)
    folds = (StratifiedKFold if classifier else KFold)(3, shuffle=True, random_state=0)
    scorer = get_scorer(SCORING[task])
    results = {}
    for label, (sampler, pruner) in _configs(n_trials).items():
        search = OptunaSearchCV(
            pipeline, n_trials=n_trials, cv=folds, scoring=SCORING[task],
            sampler=sampler, pruner=pruner, refit=False, random_state=0,
        )  # fmt: skip
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            best = refit_best(pipeline, search.study_, X_train, y_train)
            held_out = float(scorer(best, X_test, y_test))
        values = [
            t.value if t.value is not None and t.state.name == "COMPLETE" else None
            for t in search.study_.trials
        ]
        result = {"held_out": held_out, "seconds": seconds}
        for k in (10, n_trials):
            done = [v for v in values[:k] if v is not None]
            result[f"best@{k}"] = max(done) if done else float("nan")
        result["pruned"] = sum(t.state.name == "PRUNED" for t in search.study_.trials)
        results[label] = result
        record = {"table": name, "configuration": label, "trials": n_trials, **result}
        with RESULTS.open("a") as file:
            file.write(json.dumps(record) + "\n")
        print(record, flush=True)
    return results


def _markdown(done: dict[str, dict[str, dict[str, float]]], n_trials: int) -> str:
    labels = list(next(iter(done.values())))
    head = (
        f"| table | configuration | best CV @10 | best CV @{n_trials} | "
        f"held out | pruned | seconds |"
    )
    lines = [head, "|---|---|---|---|---|---|---|"]
    for name, results in done.items():
        for label in labels:
            r = results[label]
            lines.append(
                f"| {name} | {label} | {r['best@10']:.4f} "
                f"| {r[f'best@{n_trials}']:.4f} | {r['held_out']:.4f} "
                f"| {r['pruned']} | {r['seconds']:.0f} |"
            )
    # Mean rank of each configuration per table (1 = best), on each measure.
    lines += ["", "| configuration | mean rank, CV @10 | mean rank, CV @"
              f"{n_trials} | mean rank, held out | total seconds |",
              "|---|---|---|---|---|"]  # fmt: skip
    ranks: dict[str, list[list[float]]] = {label: [[], [], []] for label in labels}
    for results in done.values():
        for m, key in enumerate(("best@10", f"best@{n_trials}", "held_out")):
            for label in labels:  # 1 + those ahead + half of those tied
                value = results[label][key]
                ahead = sum(results[other][key] > value for other in labels)
                tied = sum(results[other][key] == value for other in labels) - 1
                ranks[label][m].append(1 + ahead + tied / 2)
    for label in labels:
        means = [sum(r) / len(r) for r in ranks[label]]
        total = sum(results[label]["seconds"] for results in done.values())
        cells = " | ".join(f"{m:.1f}" for m in means)
        lines.append(f"| {label} | {cells} | {total:.0f} |")
    return "\n".join(lines)


def main() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--tables", nargs="+", default=list(TABLES))
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    if not args.report:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(2, mp_context=context) as pool:
            list(pool.map(_table, args.tables, [args.trials] * len(args.tables)))
    done: dict[str, dict[str, dict[str, float]]] = {}
    for line in RESULTS.read_text().splitlines():
        record = json.loads(line)
        if record["trials"] == args.trials:  # a later search replaces an earlier
            done.setdefault(record["table"], {})[record["configuration"]] = record
    table = _markdown(done, args.trials)
    print(table)
    (HERE / "search_comparison.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
