"""Shared helpers of the benchmarks: timing, result rows, environment facts.

Benchmarks compare kerasopt with a baseline *in the same run*: the machines
are shared and noisy, so only ratios of interleaved, repeated measurements
mean anything. Timings are medians of repeats, warm-ups excluded.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

Row = dict[str, Any]


def interleaved(
    fns: Mapping[str, Callable[[], Any]], repeats: int, warmup: int = 1
) -> dict[str, float]:
    """Median seconds of each function, run round-robin after ``warmup`` rounds.

    Round-robin order spreads the machine's load changes over all contenders
    instead of penalizing whichever happened to run during a busy minute.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def row(
    benchmark: str,
    case: str,
    *,
    baseline_name: str,
    baseline: float,
    kerasopt: float,
    unit: str,
    target: str = "",
    passed: bool | None = None,
    ratio: float | None = None,
    note: str = "",
) -> Row:
    """One result, printed as it is made: baseline, kerasopt and their ratio.

    ``ratio`` defaults to ``kerasopt / baseline``; each benchmark says in
    ``unit`` / ``target`` which way is better.
    """
    if ratio is None:
        ratio = kerasopt / baseline if baseline else float("nan")
    result: Row = {
        "benchmark": benchmark,
        "case": case,
        "baseline_name": baseline_name,
        "baseline": baseline,
        "kerasopt": kerasopt,
        "unit": unit,
        "ratio": ratio,
        "target": target,
        "passed": passed,
        "note": note,
    }
    verdict = "" if passed is None else ("  PASS" if passed else "  MISS")
    print(
        f"[{benchmark}] {case}: {baseline_name}={_fmt(baseline)} "
        f"kerasopt={_fmt(kerasopt)} {unit}; ratio={_fmt(ratio)}"
        f"{' (target ' + target + ')' if target else ''}{verdict}",
        flush=True,
    )
    return result


def _fmt(value: float | None) -> str:
    if value is None or value != value:  # NaN
        return "n/a"
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    return f"{value:.3e}"


fmt = _fmt


def environment() -> dict[str, Any]:
    """Versions, CPU count, machine and load average, for the results file."""
    import importlib.metadata as md

    versions = {}
    for name in (
        "kerasopt", "keras", "jax", "tensorflow", "scikit-learn", "optuna",
        "numpy", "pandas", "keras-tuner",
    ):  # fmt: skip
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = None
    import keras

    return {
        "backend": keras.backend.backend(),
        "src_tree": _src_tree(),
        "python": platform.python_version(),
        "versions": versions,
        "cpu_count": os.cpu_count(),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "processor": platform.processor() or _cpu_model(),
        "load_average": list(os.getloadavg()),
        "time": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _src_tree() -> str | None:
    """Git's hash of the measured ``src/`` tree ("+changes" if it differs).

    Unlike a commit, it survives rebases: ``git rev-parse <commit>:src`` gives
    it for any commit.
    """
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True,
            cwd=os.path.dirname(os.path.abspath(__file__)),
        ).stdout.strip()  # fmt: skip

    try:
        tree = git("rev-parse", "HEAD:src")[:10]
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ":/src")
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        return None
    return tree + ("+changes" if changed else "")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and the backend the way a hand-written script would.

    ``keras.utils.set_random_seed`` imports TensorFlow whenever it is
    installed, so off TensorFlow the two generators Keras draws from (Python's
    and NumPy's) are seeded directly.
    """
    import random

    import keras
    import numpy as np

    if keras.backend.backend() == "tensorflow":
        keras.utils.set_random_seed(seed)
    else:
        random.seed(seed)
        np.random.seed(seed)


def clear_keras() -> None:
    """Free the graphs of the last fits so that memory does not build up."""
    import keras

    keras.backend.clear_session()  # collects garbage too


def mixed_table(n_samples: int = 1500, seed: int = 0) -> tuple[Any, Any]:
    """A synthetic table like real ones: numerics with gaps, categoricals, strings.

    Six numeric columns (two with missing values, one skewed), three categorical
    ones (3, 6 and 15 levels, one with missing values) and a binary string
    target that depends on both kinds non-linearly, with 10% label noise.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    num = rng.normal(size=(n_samples, 6))
    num[:, 5] = np.exp(num[:, 5])  # skewed
    colour = rng.choice(["red", "green", "blue"], n_samples)
    shape = rng.choice([f"shape{i}" for i in range(6)], n_samples)
    city = rng.choice([f"city{i}" for i in range(15)], n_samples)
    effect = {f"city{i}": v for i, v in enumerate(rng.normal(0, 1, 15))}
    logit = (
        np.sin(2 * num[:, 0]) + num[:, 1] * num[:, 2] + 0.5 * np.log(num[:, 5])
        + (colour == "red") - 0.5 * (shape == "shape3")
        + np.vectorize(effect.get)(city)
    )  # fmt: skip
    label = np.where(logit + rng.logistic(0, 0.5, n_samples) > 0, "yes", "no")
    flip = rng.random(n_samples) < 0.1
    label[flip] = np.where(label[flip] == "yes", "no", "yes")
    frame = pd.DataFrame(num, columns=[f"x{i}" for i in range(6)])
    frame.loc[rng.random(n_samples) < 0.1, "x3"] = np.nan
    frame.loc[rng.random(n_samples) < 0.05, "x4"] = np.nan
    colour = colour.astype(object)
    colour[rng.random(n_samples) < 0.05] = None
    frame["colour"], frame["shape"], frame["city"] = colour, shape, city
    return frame, pd.Series(label, name="label")
