"""BaseKerasEstimator: the one class that stands on scikeras.

Everything kerasopt takes from scikeras (target encoders, ``partial_fit``,
``initialize``, the ``model__*`` routing convention) goes through this class, so
scikeras could be replaced here without touching users' code. What scikeras
gets wrong on current scikit-learn is fixed here too: tags, feature-name
checks, validation splits that ignore sorted data, mutated inputs.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import os
import random
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import keras
import numpy as np
from scikeras.utils.random_state import tensorflow_random_state
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import check_is_fitted, validate_data

from ..exceptions import DataError
from ._callbacks import make_callbacks
from ._mlp import build_mlp, check_activation
from ._optimizers import make_optimizer

__all__ = ["BaseKerasEstimator"]

ROUTING_PREFIXES: tuple[str, ...] = (
    "model", "fit", "predict", "compile", "optimizer", "loss", "metrics",
)  # fmt: skip

# Up to this many rows, prediction is one direct call of the model (no tf.data
# pipeline, no predict loop): 30-100x faster for a single row.
_DIRECT_CALL_ROWS = 65536

_PIPELINE_HINT = (
    "Wrap the estimator in kerasopt.make_tabular_pipeline(...) to impute missing "
    "values, one-hot encode categorical columns and scale numeric ones."
)


def _routed(params: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Return the ``prefix__*`` entries of ``params`` without the prefix."""
    start = prefix + "__"
    return {k[len(start) :]: v for k, v in params.items() if k.startswith(start)}


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


class BaseKerasEstimator(BaseWrapper):
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

    # -- parameters ---------------------------------------------------------
    def _unknown_param_message(self, name: str) -> str:
        known = list(inspect.signature(type(self).__init__).parameters)[1:-1]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return (
            f"{type(self).__name__} got an unexpected parameter {name!r}.{hint} "
            f"Routed parameters need a prefix ({', '.join(p + '__' for p in ROUTING_PREFIXES)}"
            "), e.g. model__units=32 for an argument of your model-building function."
        )

    def set_params(self, **params: Any) -> BaseKerasEstimator:
        """Set parameters, including routed ones such as ``model__units``.

        Returns
        -------
        self
        """
        for name in params:
            if "__" not in name and name not in self.get_params(deep=False):
                raise ValueError(self._unknown_param_message(name))
        return super().set_params(**params)

    def _check_params(self) -> None:
        """Validate hyper-parameters before any data is touched."""
        known = set(inspect.signature(type(self).__init__).parameters)
        for name in self.get_params(deep=False):
            routed = "__" in name and name.split("__", 1)[0] in ROUTING_PREFIXES
            if name not in known and not routed:
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
        make_optimizer(self.optimizer, self.learning_rate, _routed(vars(self), "optimizer"))
        for name, low, high in (("validation_fraction", 0.0, 1.0),):
            value = getattr(self, name)
            if value is not None and not low <= value < high:
                raise ValueError(
                    f"{name} must be in [{low}, {high}). Received: {name}={value!r}."
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

    # -- data ---------------------------------------------------------------
    def _validate_target(self, y: np.ndarray) -> np.ndarray:
        """Check ``y`` at fit time; subclasses add their own rules."""
        return y

    def _validate_data(
        self, X: Any = None, y: Any = None, reset: bool = False, y_numeric: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        kwargs: dict[str, Any] = {"dtype": keras.backend.floatx(), "allow_nd": True}
        try:
            if y is None:
                X = validate_data(self, X, reset=reset, **kwargs)
            else:
                X, y = validate_data(
                    self, X, y, reset=reset, multi_output=True, y_numeric=y_numeric,
                    **kwargs,
                )  # fmt: skip
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
        if y is None and reset:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        if y is not None and reset:
            y = self._validate_target(y)
            self.target_type_ = self._type_of_target(y)
        return np.ascontiguousarray(X), y

    # -- model --------------------------------------------------------------
    def _initialize(self, X: Any, y: Any = None) -> tuple[np.ndarray, np.ndarray]:
        X, y = self._validate_data(X, y, reset=True)
        self._random_state = (
            np.random.RandomState(self.random_state).randint(2**31 - 1)
            if isinstance(self.random_state, np.random.RandomState)
            else self.random_state
        )
        self.target_encoder_ = self.target_encoder.fit(y)
        for name, value in self.target_encoder_.get_metadata().items():
            setattr(self, name, value)
        self.feature_encoder_ = FunctionTransformer().fit(X)
        with self._seeded():
            self.model_ = self._make_model(X)
        return X, y

    def _seeded(self) -> contextlib.AbstractContextManager[None]:
        seed = getattr(self, "_random_state", None)
        return contextlib.nullcontext() if seed is None else _tensorflow_seed(seed)

    def _output_layer(self) -> tuple[int, str]:
        """Return (units, activation) of the built-in MLP's output layer."""
        raise NotImplementedError

    def _default_loss(self) -> Any:
        raise NotImplementedError

    def _default_metrics(self) -> list[Any] | None:
        return None

    def _make_model(self, X: np.ndarray) -> keras.Model:
        normalizer = None
        if self.normalize:
            normalizer = keras.layers.Normalization(axis=-1)
            normalizer.adapt(X)
        if self.model is None:
            units, output_activation = self._output_layer()
            sizes = self.hidden_layer_sizes
            return build_mlp(
                X.shape[1:], units, output_activation,
                hidden_layer_sizes=(sizes,) if np.isscalar(sizes) else tuple(sizes),
                activation=self.activation, dropout=self.dropout, l2=self.l2,
                batch_normalization=self.batch_normalization, normalizer=normalizer,
            )  # fmt: skip
        model = self._call_builder()
        if normalizer is not None:
            inputs = keras.Input(shape=X.shape[1:])
            model = keras.Model(inputs, model(normalizer(inputs)))
        return model

    def _call_builder(self) -> keras.Model:
        if isinstance(self.model, keras.Model):
            return keras.models.clone_model(self.model)
        if not callable(self.model):
            raise TypeError(
                "model must be None, a callable returning a keras.Model, or a "
                f"keras.Model. Received: model={self.model!r}."
            )
        kwargs = _routed(self.get_params(), "model")
        if _accepts(self.model, "meta"):
            kwargs["meta"] = self._get_metadata()
        if _accepts(self.model, "compile_kwargs"):
            kwargs["compile_kwargs"] = self._compile_kwargs(None)
        model = self.model(**kwargs)
        if not isinstance(model, keras.Model):
            raise TypeError(
                f"The model-building function must return a keras.Model. "
                f"Received: {type(model).__name__} from {self.model!r}."
            )
        return model

    def _compile_kwargs(self, model: keras.Model | None) -> dict[str, Any]:
        params = vars(self)
        loss = self.loss if self.loss is not None else self._default_loss()
        metrics = self.metrics if self.metrics is not None else self._default_metrics()
        return {
            "optimizer": make_optimizer(
                self.optimizer, self.learning_rate, _routed(params, "optimizer")
            ),
            "loss": loss,
            "metrics": metrics,
            **_routed(params, "compile"),
        }

    def _ensure_compiled_model(self) -> None:
        if not self.model_.compiled:
            self.model_.compile(**self._compile_kwargs(self.model_))

    def _check_model_compatibility(self, y: np.ndarray) -> None:
        n_outputs = len(self.model_.outputs)
        expected = getattr(self, "n_outputs_expected_", 1)
        if n_outputs != expected:
            raise ValueError(
                f"The Keras model has {n_outputs} outputs, but the target needs "
                f"{expected}. Give the model one output layer."
            )

    # -- training -----------------------------------------------------------
    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        callbacks: Sequence[keras.callbacks.Callback] | None = None,
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

        Returns
        -------
        self
        """
        self._check_params()
        self._extra_callbacks = callbacks
        try:
            resume = self.warm_start and hasattr(self, "model_")
            BaseWrapper.fit(
                self, X, y, sample_weight=sample_weight,
                initial_epoch=self.current_epoch if resume else 0,
            )  # fmt: skip
        finally:
            del self._extra_callbacks
        return self

    def _validation_split(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None
    ) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
        fraction = self.validation_fraction
        if fraction is None:
            fraction = 0.1 if self.early_stopping else 0.0
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        if not fraction:
            return tuple(arrays), None
        stratify = self._stratify(y)
        try:
            parts = train_test_split(
                *arrays, test_size=fraction, random_state=self._random_state,
                stratify=stratify,
            )  # fmt: skip
        except ValueError:  # too few members of a class to stratify
            parts = train_test_split(
                *arrays, test_size=fraction, random_state=self._random_state
            )
        return tuple(parts[0::2]), tuple(parts[1::2])

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        return None

    def _fit_keras_model(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None,
        warm_start: bool,
        epochs: int,
        initial_epoch: int,
        **kwargs: Any,
    ) -> None:
        (X, y, *weight), validation = self._validation_split(X, y, sample_weight)
        monitor = "loss" if validation is None else "val_loss"
        callbacks = make_callbacks(
            early_stopping=self.early_stopping, patience=self.patience,
            reduce_lr_on_plateau=self.reduce_lr_on_plateau,
            lr_schedule=self.lr_schedule, epochs=initial_epoch + epochs,
            monitor=monitor, user=self.callbacks,
            extra=getattr(self, "_extra_callbacks", None),
        )  # fmt: skip
        fit_kwargs = {
            "batch_size": self.batch_size or min(200, len(X)),
            "shuffle": self.shuffle,
            "verbose": self.verbose,
            **_routed(vars(self), "fit"),
            **kwargs,
        }
        with self._seeded():
            history = self.model_.fit(
                X, y, sample_weight=weight[0] if weight else None,
                validation_data=validation, epochs=initial_epoch + epochs,
                initial_epoch=initial_epoch, callbacks=callbacks, **fit_kwargs,
            )  # fmt: skip
        if not (warm_start and hasattr(self, "history_")) or initial_epoch == 0:
            self.history_: dict[str, list[float]] = {}
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

    # -- prediction ---------------------------------------------------------
    def _predict_raw(self, X: Any, **kwargs: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X, _ = self._validate_data(X)
        return self._forward(X)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """Model outputs for validated ``X``: a direct call for small batches."""
        if len(X) > _DIRECT_CALL_ROWS:
            return self.model_.predict(X, batch_size=4096, verbose=0)
        # An eager call costs ~15 ms; the compiled predict_on_batch ~1 ms, but it
        # is traced once (~100 ms). The first call on a model stays eager, so a
        # one-off prediction (scoring a CV fold) pays no tracing, and repeated
        # ones (serving) take the compiled path from the second call on. The mark
        # is kept on the model: predict must leave the estimator's __dict__ alone.
        model = self.model_
        if not getattr(model, "_kerasopt_predicted", False):
            model._kerasopt_predicted = True
            return keras.ops.convert_to_numpy(model(X, training=False))
        return np.asarray(model.predict_on_batch(X))

    # -- persistence --------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted estimator to one file that loads without running code.

        Same as ``kerasopt.save(self, path)``; read it back with
        :func:`kerasopt.load`.

        Parameters
        ----------
        path : str or path-like
            Destination file, written atomically.
        """
        from ._persistence import save  # imports this module

        save(self, path)

    # -- pickling -----------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if "model_" in state:
            state["model_"] = _model_to_bytes(state["model_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("model_"), bytes):
            state["model_"] = _model_from_bytes(state["model_"])
        self.__dict__.update(state)

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.allow_nan = False
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags

    # scikeras prints every parameter; sklearn's repr shows only changed ones.
    __repr__ = BaseEstimator.__repr__


@contextlib.contextmanager
def _tensorflow_seed(seed: int) -> Iterator[None]:
    """Seed Python, NumPy and TensorFlow for one fit; restore their state after.

    scikeras' ``tensorflow_random_state`` also enables TensorFlow op
    determinism, which costs 10-15% of every fit on CPU (benchmarks/bench_fit.py)
    although the CPU kernels give bit-identical results without it; it is kept
    only where it matters, when a GPU is visible.
    """
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        with tensorflow_random_state(seed):
            yield
        return
    from tensorflow.python.eager import context

    python_state, numpy_state = random.getstate(), np.random.get_state()
    tf_seed = context.global_seed()
    try:
        random.seed(seed)
        np.random.seed(seed)
        tf.random.set_seed(seed)
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        tf.random.set_seed(tf_seed)


def _model_to_bytes(model: keras.Model) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as fh:
            return fh.read()


def _model_from_bytes(data: bytes) -> keras.Model:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        # Unpickling runs code by nature, so Lambda layers are allowed here; the
        # safe format is kerasopt.save / kerasopt.load.
        return keras.models.load_model(path, compile=True, safe_mode=False)
