"""Turn an ``optimizer`` parameter (name, class or instance) into a fresh optimizer."""

from __future__ import annotations

import difflib
from typing import Any

import keras

__all__ = ["OPTIMIZER_NAMES", "make_optimizer"]

# name -> (class, defaults). "momentum" and "nesterov" are the SGD variants of the
# tutorials, so that a search space can treat them as plain categorical choices.
_OPTIMIZERS: dict[str, tuple[type[keras.optimizers.Optimizer], dict[str, Any]]] = {
    "sgd": (keras.optimizers.SGD, {}),
    "momentum": (keras.optimizers.SGD, {"momentum": 0.9}),
    "nesterov": (keras.optimizers.SGD, {"momentum": 0.9, "nesterov": True}),
    "rmsprop": (keras.optimizers.RMSprop, {}),
    "adagrad": (keras.optimizers.Adagrad, {}),
    "adadelta": (keras.optimizers.Adadelta, {}),
    "adam": (keras.optimizers.Adam, {}),
    "adamw": (keras.optimizers.AdamW, {}),
    "adamax": (keras.optimizers.Adamax, {}),
    "nadam": (keras.optimizers.Nadam, {}),
    "ftrl": (keras.optimizers.Ftrl, {}),
    "lion": (keras.optimizers.Lion, {}),
}
OPTIMIZER_NAMES: tuple[str, ...] = tuple(_OPTIMIZERS)


def make_optimizer(
    optimizer: str | type | keras.optimizers.Optimizer,
    learning_rate: float | None,
    params: dict[str, Any] | None = None,
) -> keras.optimizers.Optimizer:
    """Return a new, unbuilt optimizer for one ``fit``.

    Parameters
    ----------
    optimizer : str, optimizer class or optimizer instance
        A name from ``OPTIMIZER_NAMES`` (case-insensitive), a subclass of
        ``keras.optimizers.Optimizer``, or an instance. An instance is copied
        through its config, because a Keras optimizer cannot be shared by two
        models.
    learning_rate : float or None
        Overrides the optimizer's learning rate; None keeps its own.
    params : dict, optional
        Extra constructor arguments (the ``optimizer__*`` parameters); an
        ``optimizer__learning_rate`` there wins over ``learning_rate``.

    Returns
    -------
    keras.optimizers.Optimizer
    """
    kwargs = dict(params or {})
    if learning_rate is not None:
        kwargs.setdefault("learning_rate", learning_rate)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        config = {**optimizer.get_config(), **kwargs}
        return type(optimizer).from_config(config)
    if isinstance(optimizer, type) and issubclass(optimizer, keras.optimizers.Optimizer):
        return optimizer(**kwargs)
    if isinstance(optimizer, str) and optimizer.lower() in _OPTIMIZERS:
        cls, defaults = _OPTIMIZERS[optimizer.lower()]
        return cls(**{**defaults, **kwargs})
    hint = ""
    if isinstance(optimizer, str):
        close = difflib.get_close_matches(optimizer.lower(), OPTIMIZER_NAMES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"Unknown optimizer. Received: optimizer={optimizer!r}.{hint} Use one of "
        f"{', '.join(OPTIMIZER_NAMES)}, a keras.optimizers.Optimizer subclass or "
        "an instance of one."
    )
