"""Optuna samplers and pruners from a short name (or an Optuna object)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import optuna

from .._naming import did_you_mean

__all__ = ["PRUNER_NAMES", "SAMPLER_NAMES", "make_pruner", "make_sampler"]


def _tpe(seed: int | None) -> optuna.samplers.BaseSampler:
    return optuna.samplers.TPESampler(seed=seed)


def _random(seed: int | None) -> optuna.samplers.BaseSampler:
    return optuna.samplers.RandomSampler(seed=seed)


def _cmaes(seed: int | None) -> optuna.samplers.BaseSampler:
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


def _qmc(seed: int | None) -> optuna.samplers.BaseSampler:
    return optuna.samplers.QMCSampler(
        seed=seed,
        scramble=True,
        independent_sampler=optuna.samplers.RandomSampler(seed=seed),
        warn_independent_sampling=False,
        warn_asynchronous_seeding=False,
    )


_SAMPLERS: dict[str, Callable[[int | None], optuna.samplers.BaseSampler]] = {
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
    sampler: str | optuna.samplers.BaseSampler | None, seed: int | None = None
) -> optuna.samplers.BaseSampler:
    """Return an Optuna sampler from a name or an Optuna sampler.

    Parameters
    ----------
    sampler : {"tpe", "random", "cmaes", "qmc"}, optuna sampler or None
        A name (case-insensitive) or a ready sampler, returned unchanged.
        ``None`` means ``"tpe"``.
    seed : int or None, default=None
        Seed of a sampler built from a name.

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
    return factory(seed)


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
