"""What a search prints: a progress bar, and Optuna's log lines only on request.

``verbose=0`` prints nothing but warnings; ``verbose=1`` shows Optuna's
progress bar (tqdm: a widget in notebooks, a line in terminals) with the
best value so far, the trials done and the time left; ``verbose>=2`` also
lets Optuna log one line per trial.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import optuna

__all__ = ["optuna_log_level"]


@contextlib.contextmanager
def optuna_log_level(verbose: int) -> Iterator[None]:
    """Set Optuna's log level for the search (INFO from ``verbose=2``), then restore it."""
    previous = optuna.logging.get_verbosity()
    level = optuna.logging.INFO if verbose >= 2 else optuna.logging.WARNING
    optuna.logging.set_verbosity(level)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)
