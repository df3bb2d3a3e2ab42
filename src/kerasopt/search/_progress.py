"""What a search prints: a progress bar, and Optuna's log lines only on request.

``verbose=0`` prints nothing but warnings; ``verbose=1`` shows a progress
bar (tqdm: a widget in notebooks, a line in terminals) with the best value
so far, the trials done and the time left (Optuna's own with ``n_jobs=1``,
:func:`worker_progress` otherwise); ``verbose>=2`` also lets Optuna log one
line per trial.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

import optuna
from optuna.trial import TrialState

__all__ = ["log_level", "optuna_log_level", "polling", "worker_progress"]

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def log_level(verbose: int) -> int:
    """Optuna's log level for ``verbose``: INFO from 2, WARNING below."""
    return optuna.logging.INFO if verbose >= 2 else optuna.logging.WARNING


@contextlib.contextmanager
def optuna_log_level(verbose: int) -> Iterator[None]:
    """Set Optuna's log level for the search (see :func:`log_level`), then restore it."""
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(log_level(verbose))
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)


@contextlib.contextmanager
def polling(refresh: Callable[[], None], interval: float = 1.0) -> Iterator[None]:
    """Call ``refresh`` every ``interval`` seconds from a thread while the block runs.

    For views of a study that other processes fill; an error in ``refresh``
    (a storage hiccup) skips that refresh only.
    """
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(interval):
            with contextlib.suppress(Exception):
                refresh()

    thread = threading.Thread(target=watch, name="kerasopt-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextlib.contextmanager
def worker_progress(
    study: optuna.Study, n_trials: int | None, *, enabled: bool, interval: float = 1.0
) -> Iterator[None]:
    """A progress bar over ``study``'s finished trials while workers run them.

    Optuna's own bar lives in the process that runs the trials; with
    ``n_jobs > 1`` this one runs in the search's process instead, reading the
    shared storage every ``interval`` seconds from a thread.
    """
    if not enabled:
        yield
        return
    from tqdm.auto import tqdm

    def finished() -> list[optuna.trial.FrozenTrial]:
        return study.get_trials(deepcopy=False, states=_FINISHED)

    start = len(finished())
    bar = tqdm(total=n_trials, initial=0, unit="trial")

    def refresh() -> None:
        trials = finished()
        done = max(0, len(trials) - start)
        bar.n = done if n_trials is None else min(done, n_trials)
        values = [t.value for t in trials if t.state.name == "COMPLETE"]
        if values:
            bar.set_postfix_str(f"best value: {max(values):.4g}", refresh=False)
        bar.refresh()

    try:
        with polling(refresh, interval):
            yield
    finally:
        with contextlib.suppress(Exception):
            refresh()
        bar.close()
