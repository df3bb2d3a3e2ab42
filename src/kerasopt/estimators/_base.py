"""BaseKerasEstimator: a Keras model as a scikit-learn estimator.

kerasopt's own base (``sklearn.base.BaseEstimator``), keeping the API scikeras
users know: ``model=`` builders with ``meta`` / ``compile_kwargs``, routed
``model__*`` / ``fit__*`` / ``compile__*`` / ``optimizer__*`` / ``loss__*`` /
``metrics__*`` / ``predict__*`` / ``callbacks__*`` parameters, ``initialize``,
``partial_fit``, ``warm_start``, ``history_`` and ``current_epoch``.

Parameters are declared once, in :meth:`BaseKerasEstimator.__init__`. A
subclass whose ``__init__`` takes ``**kwargs`` (kerasopt's own classes, and
the pattern scikeras documents) gets the merged signature, so
``get_params`` / ``set_params`` / ``clone`` see every parameter.
"""

from __future__ import annotations

import difflib
import inspect
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..exceptions import DataError
from ._callbacks import make_callbacks
from ._mlp import build_mlp, check_activation
from ._model_bytes import custom_classes, model_from_bytes, model_to_bytes
from ._optimizers import make_optimizer
from ._predict import forward
from ._routing import ROUTING_PREFIXES, instantiate, names, routed
from ._seeding import draw_seed, seeded

__all__ = ["BaseKerasEstimator", "output_widths"]

_PIPELINE_HINT = (
    "Wrap the estimator in kerasopt.make_tabular_pipeline(...) to impute missing "
    "values, one-hot encode categorical columns and scale numeric ones."
)
# Bare (unprefixed) extra parameters go where their name is known, as in scikeras.
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


class BaseKerasEstimator(BaseEstimator):
    """Shared machinery of :class:`KerasClassifier` and :class:`KerasRegressor`.

    Not meant to be used directly; see the subclasses for the parameters.
    """

    def __init__(
        self,
        model: Callable[..., keras.Model] | keras.Model | None = None,
        *,
        hidden_layer_sizes: Sequence[int] = (100,),
        activation: str = "relu",
        dropout: float = 0.0,
        l2: float = 0.0,
        batch_normalization: bool = False,
        optimizer: str | type | keras.optimizers.Optimizer = "adam",
        learning_rate: float | None = 1e-3,
        loss: Any = None,
        metrics: Sequence[Any] | None = None,
        epochs: int = 200,
        batch_size: int | None = None,
        validation_fraction: float | None = None,
        early_stopping: bool = False,
        patience: int = 10,
        reduce_lr_on_plateau: bool = False,
        lr_schedule: str | Callable[[int, float], float] | None = None,
        callbacks: Sequence[keras.callbacks.Callback] | None = None,
        normalize: bool = False,
        warm_start: bool = False,
        shuffle: bool = True,
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
        **kwargs: Any,
    ) -> None:
        self.model = model
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.l2 = l2
        self.batch_normalization = batch_normalization
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.reduce_lr_on_plateau = reduce_lr_on_plateau
        self.lr_schedule = lr_schedule
        self.callbacks = callbacks
        self.normalize = normalize
        self.warm_start = warm_start
        self.shuffle = shuffle
        self.verbose = verbose
        self.random_state = random_state
        for name, value in kwargs.items():  # routed parameters, checked in fit
            setattr(self, name, value)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _merge_signature(cls)

    # -- parameters ---------------------------------------------------------
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

    def set_params(self, **params: Any) -> BaseKerasEstimator:
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
            not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 1
        ):
            raise ValueError(
                "batch_size must be a positive integer or None. "
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

    # -- data ---------------------------------------------------------------
    def _validate_target(self, y: np.ndarray) -> np.ndarray:
        """Check ``y`` at fit time; subclasses add their own rules."""
        return y

    def _validate_data(
        self, X: Any, y: Any = None, *, reset: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        kwargs: dict[str, Any] = {"dtype": keras.backend.floatx(), "allow_nd": True}
        try:
            if y is None:
                X = validate_data(self, X, reset=reset, **kwargs)
            else:
                X, y = validate_data(self, X, y, reset=reset, multi_output=True, **kwargs)
        except ValueError as exc:
            message = str(exc)
            if "NaN" in message or "infinity" in message or "convert" in message:
                raise DataError(
                    f"{message} {type(self).__name__} needs finite numbers only. "
                    + _PIPELINE_HINT
                ) from exc
            raise
        if reset:
            self.X_shape_ = X.shape
            self.X_dtype_ = X.dtype
        elif X.shape[1:] != self.X_shape_[1:]:
            raise DataError(
                f"X has samples of shape {X.shape[1:]}, but {type(self).__name__} was "
                f"fitted on samples of shape {self.X_shape_[1:]}."
            )
        return np.ascontiguousarray(X), y

    # -- model --------------------------------------------------------------
    def initialize(self, X: Any, y: Any) -> BaseKerasEstimator:
        """Build the model and target encoding for ``(X, y)`` without training.

        Everything fitted before is dropped (classes, history, weights).

        Returns
        -------
        self
        """
        self._check_params()
        X, y = self._validate_data(X, y, reset=True)
        self._initialize(X, y, None)
        return self

    def _initialize(self, X: np.ndarray, y: np.ndarray, classes: Any) -> np.ndarray:
        """Fit the target encoder, build and compile the model; return encoded y."""
        self._seed = draw_seed(self.random_state)
        y = self._validate_target(y)
        self.target_encoder_ = self._make_target_encoder(y, classes)
        encoded = self.target_encoder_.transform(y)
        self.history_: dict[str, list[float]] = {}
        with seeded(self._seed):
            self.model_ = self._make_model(X)
        self._check_model(encoded)
        if not self.model_.compiled:
            self.model_.compile(**self._compile_kwargs(self.model_))
        return encoded

    def _make_target_encoder(self, y: np.ndarray, classes: Any) -> Any:
        raise NotImplementedError

    def _output_layer(self) -> tuple[int, str]:
        """Return (units, activation) of the built-in MLP's output layer."""
        raise NotImplementedError

    def _default_loss(self) -> Any:
        raise NotImplementedError

    def _default_metrics(self) -> list[Any] | None:
        return None

    def _get_metadata(self) -> dict[str, Any]:
        """Fitted attributes so far (``n_features_in_``, ``classes_`` ...): ``meta``."""
        return {
            k: v
            for k, v in vars(self).items()
            if len(k) > 1 and k.endswith("_") and not k.endswith("__") and not k.startswith("_")
        }

    def _make_model(self, X: np.ndarray) -> keras.Model:
        normalizer = None
        if self.normalize:
            normalizer = keras.layers.Normalization(axis=-1)
            normalizer.adapt(X)
        builder = self.model
        if builder is None and hasattr(self, "_keras_build_fn"):
            builder = self._keras_build_fn  # scikeras' subclass hook
        if builder is None:
            units, output_activation = self._output_layer()
            sizes = self.hidden_layer_sizes
            return build_mlp(
                X.shape[1:], units, output_activation,
                hidden_layer_sizes=(sizes,) if np.isscalar(sizes) else tuple(sizes),
                activation=self.activation, dropout=self.dropout, l2=self.l2,
                batch_normalization=self.batch_normalization, normalizer=normalizer,
            )  # fmt: skip
        model = self._call_builder(builder)
        if normalizer is not None:
            inputs = keras.Input(shape=X.shape[1:])
            model = keras.Model(inputs, model(normalizer(inputs)))
        return model

    def _call_builder(self, builder: Callable[..., keras.Model] | keras.Model) -> keras.Model:
        if isinstance(builder, keras.Model):
            # A copy with the same weights: fit never changes the model parameter.
            model = keras.models.clone_model(builder)
            if builder.built:
                model.set_weights(builder.get_weights())
            return model
        accepted, var_keyword = names(builder)
        params = self.get_params(deep=False)
        kwargs = {  # bare extra parameters (scikeras' convention), then model__*
            k: v for k, v in self._extras().items() if k in accepted or var_keyword
        }
        kwargs.update(routed(params, "model", strict=True))
        if "meta" in accepted or var_keyword:
            kwargs["meta"] = self._get_metadata()
        if "compile_kwargs" in accepted or var_keyword:
            kwargs["compile_kwargs"] = self._compile_kwargs(None)
        if "params" in accepted:
            kwargs["params"] = params
        model = builder(**kwargs)
        if not isinstance(model, keras.Model):
            raise TypeError(
                f"The model-building function must return a keras.Model. "
                f"Received: {type(model).__name__} from {builder!r}."
            )
        return model

    def _optimizer(self) -> keras.optimizers.Optimizer:
        return make_optimizer(
            self.optimizer, self.learning_rate, routed(vars(self), "optimizer", strict=True)
        )

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

    def _check_model(self, y: np.ndarray) -> None:
        """Check that the model's outputs can take the encoded target ``y``."""
        widths = output_widths(self.model_)
        if len(widths) > 1 and not self._splits(y, widths):
            raise ValueError(
                f"The Keras model has {len(widths)} outputs of widths {widths}, but "
                f"the target has {y.shape[1] if y.ndim > 1 else 1} column(s). Give "
                "the model one output, or one output per target column."
            )

    @staticmethod
    def _splits(y: np.ndarray, widths: list[int | None]) -> list[np.ndarray] | None:
        columns = y.shape[1] if y.ndim > 1 else 1
        if columns == len(widths):
            return [y[:, i] for i in range(columns)]
        if None not in widths and sum(widths) == columns:  # type: ignore[arg-type]
            return np.split(y, np.cumsum(widths)[:-1], axis=1)  # type: ignore[arg-type]
        return None

    def _model_target(self, y: np.ndarray) -> np.ndarray | list[np.ndarray]:
        """The encoded target as the model takes it: split over several outputs."""
        widths = output_widths(self.model_)
        return y if len(widths) == 1 else self._splits(y, widths)  # type: ignore[return-value]

    # -- training -----------------------------------------------------------
    @property
    def current_epoch(self) -> int:
        """Number of epochs trained so far (what the next fit starts from)."""
        return len(getattr(self, "history_", {}).get("loss", []))

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        callbacks: Sequence[keras.callbacks.Callback] | None = None,
        **kwargs: Any,
    ) -> BaseKerasEstimator:
        """Build (unless ``warm_start``) and train the Keras model on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, finite numbers only (use
            :func:`~kerasopt.make_tabular_pipeline` for raw tables).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        callbacks : list of keras.callbacks.Callback, default=None
            Extra callbacks for this call only, run after those made from the
            parameters (in a Pipeline, pass them as ``<step>__callbacks``).
        **kwargs
            Arguments of ``keras.Model.fit`` for this call only (``epochs``,
            ``batch_size``, ``validation_split`` ...), as ``fit__*`` parameters.

        Returns
        -------
        self
        """
        resume = self.warm_start and hasattr(self, "model_")
        return self._fit(X, y, sample_weight, callbacks, kwargs, resume=resume)

    def _fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        callbacks: Sequence[keras.callbacks.Callback] | None,
        kwargs: dict[str, Any],
        *,
        resume: bool,
        classes: Any = None,
        epochs: int | None = None,
    ) -> BaseKerasEstimator:
        self._check_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X, y = self._validate_data(X, y, reset=not resume)
        if resume:
            encoded = self._encode_more(self._validate_target(y))
        else:
            encoded = self._initialize(X, y, classes)
        sample_weight = self._sample_weight(X, y, sample_weight)
        self._fit_keras_model(X, encoded, sample_weight, callbacks, kwargs, epochs)
        return self

    def _encode_more(self, y: np.ndarray) -> np.ndarray:
        """Encode the target of a continued fit with the encoder of the first."""
        encoded = self.target_encoder_.transform(y)
        widths = output_widths(self.model_)
        if len(widths) == 1 and encoded.ndim > 1 and widths[0] not in (None, encoded.shape[1]):
            raise ValueError(
                f"y has {encoded.shape[1]} columns, but {type(self).__name__} was "
                f"fitted on {widths[0]}. Fit a new estimator (or call initialize) to "
                "train on another target."
            )
        return encoded

    def _sample_weight(self, X: np.ndarray, y: np.ndarray, sample_weight: Any) -> Any:
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=keras.backend.floatx())

    def _fit_keras_model(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None,
        extra_callbacks: Sequence[keras.callbacks.Callback] | None,
        kwargs: dict[str, Any],
        epochs: int | None,
    ) -> None:
        options = {
            "batch_size": self.batch_size or min(200, len(X)),
            "shuffle": self.shuffle,
            "verbose": self.verbose,
            "epochs": self.epochs if epochs is None else epochs,
            **{k: v for k, v in self._destination("fit").items() if "__" not in k},
            **kwargs,
        }
        fraction = options.pop("validation_split", self.validation_fraction)
        initial_epoch = options.pop("initial_epoch", self.current_epoch)
        if "validation_data" in options:
            validation = options.pop("validation_data")
            weight = sample_weight
        else:
            (X, y, weight), validation = self._validation_split(X, y, sample_weight, fraction)
        n_epochs = options.pop("epochs")
        monitor = "loss" if validation is None else "val_loss"
        callbacks = make_callbacks(
            early_stopping=self.early_stopping, patience=self.patience,
            reduce_lr_on_plateau=self.reduce_lr_on_plateau,
            lr_schedule=self.lr_schedule, epochs=initial_epoch + n_epochs,
            monitor=monitor,
            user=_as_list(
                instantiate(self.callbacks, routed(vars(self), "callbacks"), "callbacks")
            ),
            extra=[*_as_list(options.pop("callbacks", None)), *_as_list(extra_callbacks)],
        )  # fmt: skip
        if isinstance(validation, tuple) and len(validation) >= 2:
            validation = (validation[0], self._model_target(validation[1]), *validation[2:])
        with seeded(self._seed):
            history = self.model_.fit(
                X, self._model_target(y), sample_weight=weight,
                validation_data=validation, epochs=initial_epoch + n_epochs,
                initial_epoch=initial_epoch, callbacks=callbacks, **options,
            )  # fmt: skip
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        losses = self.history_.get("loss", [])
        if losses and not np.isfinite(losses[-1]):
            warnings.warn(
                f"The training loss of {type(self).__name__} became {losses[-1]}: "
                "the model is unusable. Lower learning_rate, scale the inputs "
                "(make_tabular_pipeline) or scale the target.",
                RuntimeWarning,
                stacklevel=4,
            )

    def _validation_split(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None,
        fraction: float | None,
    ) -> tuple[tuple[Any, Any, Any], tuple[Any, ...] | None]:
        if fraction is None:
            fraction = 0.1 if self.early_stopping else 0.0
        if not fraction:
            return (X, y, sample_weight), None
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        split = {"test_size": fraction, "random_state": self._seed}
        try:
            parts = train_test_split(*arrays, stratify=self._stratify(y), **split)
        except ValueError:  # too few members of a class to stratify
            parts = train_test_split(*arrays, **split)
        train, validation = parts[0::2], tuple(parts[1::2])
        return (train[0], train[1], train[2] if len(train) > 2 else None), validation

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        return None

    # -- prediction ---------------------------------------------------------
    def _predict_raw(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X, _ = self._validate_data(X, reset=False)
        options = routed(vars(self), "predict")
        if not options:
            return forward(self.model_, X)
        callbacks = instantiate(
            options.pop("callbacks", None), routed(vars(self), "predict__callbacks"),
            "predict__callbacks",
        )  # fmt: skip
        options = {k: v for k, v in options.items() if "__" not in k}
        out = self.model_.predict(X, **{"verbose": 0, **options, "callbacks": callbacks})
        return np.concatenate(
            [np.asarray(o).reshape(len(X), -1) for o in out], axis=1
        ) if isinstance(out, (list, tuple)) else np.asarray(out)  # fmt: skip

    # -- pickling -----------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if "model_" in state:
            model = state["model_"]
            state["model_"] = (model_to_bytes(model), custom_classes(model))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("model_"), tuple):
            data, classes = state["model_"]
            # Unpickling runs code by nature, so Lambda layers are allowed here; the
            # safe format is kerasopt.save / kerasopt.load.
            state["model_"] = model_from_bytes(
                data, compile=True, safe_mode=False, custom_objects=classes
            )
        self.__dict__.update(state)

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.allow_nan = False
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags


def output_widths(model: keras.Model) -> list[int | None]:
    """Width of each output of ``model``; ``[None]`` for a subclassed model not built yet."""
    try:
        return [out.shape[-1] for out in model.outputs]
    except (AttributeError, ValueError):
        return [None]


def _as_list(callbacks: Any) -> list[Any]:
    if callbacks is None:
        return []
    if isinstance(callbacks, dict):
        callbacks = list(callbacks.values())
    return list(callbacks) if isinstance(callbacks, (list, tuple)) else [callbacks]
