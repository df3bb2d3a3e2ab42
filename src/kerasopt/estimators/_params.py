"""Estimator parameters: declared once, routed by prefix, checked at fit.

Parameters are declared in one ``__init__`` (``BaseKerasEstimator``'s). A
subclass whose ``__init__`` takes ``**kwargs`` and passes them up (kerasopt's
own classes, and the pattern scikeras documents) gets a merged signature, so
scikit-learn's ``get_params`` / ``set_params`` / ``clone`` / ``repr`` see every
parameter. Extra keyword arguments are kept as parameters too: routed ones
(``model__units``) and, as in scikeras, bare ones that the model-building
function, ``Model.compile`` or ``Model.fit`` takes.
"""

from __future__ import annotations

import difflib
import inspect
from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator

from ._mlp import check_activation
from ._optimizers import make_optimizer
from ._recipe import check_recipe_params
from ._outputs import output_widths
from ._routing import ROUTING_PREFIXES, instantiate, names, routed
from ._seeding import draw_seed

__all__ = ["KerasParams"]

_COMPILE_NAMES = names(keras.Model.compile)[0] - {"self"}
_FIT_NAMES = names(keras.Model.fit)[0] - {"self", "x", "y"}


def _merge_signature(cls: type) -> None:
    """Give ``cls.__init__`` a signature naming its parents' parameters too.

    Only for an ``__init__`` of the class itself that takes ``**kwargs`` and
    passes them up: its own parameters come first, then the parent's (keyword
    only), then ``**kwargs``.
    """
    init = cls.__dict__.get("__init__")
    if init is None:
        return
    own = inspect.signature(init)
    if not any(p.kind is p.VAR_KEYWORD for p in own.parameters.values()):
        return
    parent = inspect.signature(super(cls, cls).__init__)  # type: ignore[misc]
    mine = [p for p in own.parameters.values() if p.kind is not p.VAR_KEYWORD]
    taken = {p.name for p in mine}
    inherited = [
        p.replace(kind=p.KEYWORD_ONLY)
        for p in parent.parameters.values()
        if p.name not in taken and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]
    var_keyword = [p for p in own.parameters.values() if p.kind is p.VAR_KEYWORD]
    init.__signature__ = own.replace(parameters=[*mine, *inherited, *var_keyword])

class KerasParams(BaseEstimator):
    """The parameter layer of :class:`BaseKerasEstimator`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _merge_signature(cls)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of the estimator, routed and extra ones included.

        Returns
        -------
        dict
        """
        params = super().get_params(deep=deep)
        for name, value in vars(self).items():
            if name not in params and not name.startswith("_") and not name.endswith("_"):
                params[name] = value
        return params

    def set_params(self, **params: Any) -> KerasParams:
        """Set parameters, including routed ones such as ``model__units``.

        Returns
        -------
        self
        """
        known = self.get_params(deep=False)
        for name, value in params.items():
            if name not in known and not self._is_extra(name):
                raise ValueError(self._unknown_param_message(name))
            setattr(self, name, value)
        return self

    def _is_extra(self, name: str) -> bool:
        """Whether ``name`` is a valid parameter beyond the signature."""
        if "__" in name:
            return name.split("__", 1)[0] in ROUTING_PREFIXES
        builder = self.model if self.model is not None else getattr(self, "_keras_build_fn", None)
        if callable(builder) and not isinstance(builder, keras.Model):
            accepted, var_keyword = names(builder)
            if name in accepted or var_keyword:
                return True
        return name in _COMPILE_NAMES or name in _FIT_NAMES

    def _unknown_param_message(self, name: str) -> str:
        known = [n for n in self._get_param_names()]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return (
            f"{type(self).__name__} got an unexpected parameter {name!r}.{hint} "
            f"Routed parameters need a prefix ({', '.join(p + '__' for p in ROUTING_PREFIXES)}"
            "), e.g. model__units=32 for an argument of your model-building function."
        )

    def _check_params(self) -> None:
        """Validate hyper-parameters before any data is touched."""
        declared = set(self._get_param_names())
        for name in self.get_params(deep=False):
            if name not in declared and not self._is_extra(name):
                raise TypeError(self._unknown_param_message(name))
        if self.model is None:
            check_activation(self.activation)
            sizes = self.hidden_layer_sizes
            if isinstance(sizes, (int, np.integer)):
                sizes = (sizes,)
            if not all(isinstance(u, (int, np.integer)) and u > 0 for u in sizes):
                raise ValueError(
                    "hidden_layer_sizes must be a sequence of positive integers. "
                    f"Received: hidden_layer_sizes={self.hidden_layer_sizes!r}."
                )
            if not 0.0 <= self.dropout < 1.0:
                raise ValueError(
                    f"dropout must be in [0, 1). Received: dropout={self.dropout!r}."
                )
        elif not (isinstance(self.model, keras.Model) or callable(self.model)):
            raise TypeError(
                "model must be None, a callable returning a keras.Model, or a "
                f"keras.Model. Received: model={self.model!r}."
            )
        self._optimizer()
        check_recipe_params(self)
        value = self.validation_fraction
        if value is not None and not 0.0 <= value < 1.0:
            raise ValueError(
                "validation_fraction must be in [0.0, 1.0). "
                f"Received: validation_fraction={value!r}."
            )
        for name in ("epochs", "patience"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(
                    f"{name} must be a positive integer. Received: {name}={value!r}."
                )
        if self.batch_size is not None and (
            not isinstance(self.batch_size, (int, np.integer))
            or (self.batch_size < 1 and self.batch_size != -1)
        ):
            raise ValueError(
                "batch_size must be a positive integer, -1 (all rows) or None. "
                f"Received: batch_size={self.batch_size!r}."
            )
        if not isinstance(self.random_state, np.random.RandomState):
            draw_seed(self.random_state)  # raises for a bad value

    def _extras(self) -> dict[str, Any]:
        """Parameters beyond the signature that are not routed by a prefix."""
        declared = set(self._get_param_names())
        return {
            k: v
            for k, v in self.get_params(deep=False).items()
            if "__" not in k and k not in declared
        }

    def _destination(self, name: str) -> dict[str, Any]:
        """Routed ``name__*`` parameters, plus bare extras known to that destination."""
        known = {"compile": _COMPILE_NAMES, "fit": _FIT_NAMES}[name]
        bare = {k: v for k, v in self._extras().items() if k in known}
        return {**bare, **routed(vars(self), name)}

    def _optimizer(self) -> keras.optimizers.Optimizer:
        decay = {"weight_decay": self.weight_decay} if self.weight_decay else {}
        return make_optimizer(
            self.optimizer, self.learning_rate,
            {**decay, **routed(vars(self), "optimizer", strict=True)},
        )

    def _default_loss(self) -> Any:
        raise NotImplementedError

    def _default_metrics(self) -> list[Any] | None:
        return None

    def _compile_kwargs(self, model: keras.Model | None) -> dict[str, Any]:
        params = vars(self)
        loss = self.loss if self.loss is not None else self._default_loss()
        metrics = self.metrics
        if metrics is None:
            metrics = self._default_metrics()
            n_outputs = 1 if model is None else len(output_widths(model))
            if metrics is not None and n_outputs > 1:
                metrics = [list(metrics) for _ in range(n_outputs)]
        metrics = instantiate(metrics, routed(params, "metrics"), "metrics")
        if metrics is not None and not isinstance(metrics, (list, dict)):
            metrics = [metrics]
        return {
            "optimizer": self._optimizer(),
            "loss": instantiate(loss, routed(params, "loss"), "loss"),
            "metrics": metrics,
            **self._destination("compile"),
        }
