"""Optuna samplers and pruners from a short name (or an Optuna object)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import optuna

from .._utils import did_you_mean

__all__ = [
    "PRUNER_NAMES",
    "SAMPLER_NAMES",
    "make_pruner",
    "make_sampler",
    "startup_trials",
]


def startup_trials(n_trials: int | None) -> int:
    """Random trials before TPE models the results: ``min(10, max(3, n // 3))``.

    Optuna's 10 would make every trial of a budget of 10 or fewer random. On
    two test functions (Branin, and a 5-parameter tuning-like surface), 40
    seeds each, a third of the budget (at least 3) found better or equal
    best values than 10 at 8 and 16 trials and the same at 30; at 4 trials
    all rules are within noise.
    """
    if n_trials is None:
        return 10
    return min(10, max(3, n_trials // 3))


def _tpe(seed: int | None, n_trials: int | None) -> optuna.samplers.BaseSampler:
    return optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=startup_trials(n_trials)
    )


def _random(seed: int | None, n_trials: int | None) -> optuna.samplers.BaseSampler:
    return optuna.samplers.RandomSampler(seed=seed)


def _cmaes(seed: int | None, n_trials: int | None) -> optuna.samplers.BaseSampler:
    if importlib.util.find_spec("cmaes") is None:
        raise ImportError(
            "sampler='cmaes' needs the `cmaes` package, which is not installed. "
            "Install it with `pip install cmaes`, or choose another sampler."
        )
    # CMA-ES only handles float/int parameters; the categorical ones of the
    # default space go to a seeded random sampler without a warning per trial.
    return optuna.samplers.CmaEsSampler(
        seed=seed,
        independent_sampler=optuna.samplers.RandomSampler(seed=seed),
        warn_independent_sampling=False,
    )


def _qmc(seed: int | None, n_trials: int | None) -> optuna.samplers.BaseSampler:
    return optuna.samplers.QMCSampler(
        seed=seed,
        scramble=True,
        independent_sampler=optuna.samplers.RandomSampler(seed=seed),
        warn_independent_sampling=False,
        warn_asynchronous_seeding=False,
    )


_SAMPLERS: dict[
    str, Callable[[int | None, int | None], optuna.samplers.BaseSampler]
] = {
    "tpe": _tpe,
    "random": _random,
    "cmaes": _cmaes,
    "qmc": _qmc,
}

_PRUNERS: dict[str, Callable[[], optuna.pruners.BasePruner]] = {
    # Five complete trials before pruning starts, and never before epoch 5:
    # the first epochs of a network say little about where it ends up.
    "median": lambda: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5),
    "hyperband": lambda: optuna.pruners.HyperbandPruner(min_resource=1),
    "successive_halving": lambda: optuna.pruners.SuccessiveHalvingPruner(),
    "none": lambda: optuna.pruners.NopPruner(),
}

SAMPLER_NAMES: tuple[str, ...] = tuple(_SAMPLERS)
PRUNER_NAMES: tuple[str, ...] = tuple(_PRUNERS)


def make_sampler(
    sampler: str | optuna.samplers.BaseSampler | None,
    seed: int | None = None,
    n_trials: int | None = None,
) -> optuna.samplers.BaseSampler:
    """Return an Optuna sampler from a name or an Optuna sampler.

    Parameters
    ----------
    sampler : {"tpe", "random", "cmaes", "qmc"}, optuna sampler or None
        A name (case-insensitive) or a ready sampler, returned unchanged.
        ``None`` means ``"tpe"``.
    seed : int or None, default=None
        Seed of a sampler built from a name.
    n_trials : int or None, default=None
        The study's trial budget: ``"tpe"`` then starts with
        ``min(10, max(3, n_trials // 3))`` random trials instead of Optuna's
        10, so that small budgets are not all random.

    Returns
    -------
    optuna.samplers.BaseSampler

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    ImportError
        For ``"cmaes"`` when the optional ``cmaes`` package is missing.
    TypeError
        If ``sampler`` is neither a string nor an Optuna sampler.
    """
    if sampler is None:
        sampler = "tpe"
    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    factory = _by_name("sampler", sampler, _SAMPLERS, "optuna.samplers.BaseSampler")
    return factory(seed, n_trials)


def make_pruner(
    pruner: str | optuna.pruners.BasePruner | None,
) -> optuna.pruners.BasePruner:
    """Return an Optuna pruner from a name or an Optuna pruner.

    Parameters
    ----------
    pruner : {"median", "hyperband", "successive_halving", "none"}, optuna \
pruner or None
        A name (case-insensitive) or a ready pruner, returned unchanged.
        ``None`` and ``"none"`` mean no pruning (:class:`optuna.pruners.NopPruner`).
        ``"median"`` is ``MedianPruner(n_startup_trials=5, n_warmup_steps=5)``.

    Returns
    -------
    optuna.pruners.BasePruner

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    TypeError
        If ``pruner`` is neither a string nor an Optuna pruner.
    """
    if pruner is None:
        pruner = "none"
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    return _by_name("pruner", pruner, _PRUNERS, "optuna.pruners.BasePruner")()


def _by_name(kind: str, value: Any, table: dict[str, Any], base: str) -> Any:
    """The entry of ``table`` named ``value`` (case-insensitive), or a clear error."""
    if not isinstance(value, str):
        raise TypeError(
            f"`{kind}` must be a name or an {base}, but got "
            f"{type(value).__name__} ({value!r})."
        )
    key = value.lower()
    if key not in table:
        raise ValueError(
            f"Unknown {kind}={value!r}.{did_you_mean(key, table)} Valid names: "
            f"{', '.join(table)}; or pass an {base}."
        )
    return table[key]
