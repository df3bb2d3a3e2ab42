"""BaseKerasEstimator: a Keras model as a scikit-learn estimator.

kerasopt's own base (``sklearn.base.BaseEstimator``), keeping the API scikeras
users know: ``model=`` builders with ``meta`` / ``compile_kwargs``, routed
``model__*`` / ``fit__*`` / ``compile__*`` / ``optimizer__*`` / ``loss__*`` /
``metrics__*`` / ``predict__*`` / ``callbacks__*`` parameters, ``initialize``,
``partial_fit``, ``warm_start``, ``history_`` and ``current_epoch``.

Parameters are declared once, in :meth:`BaseKerasEstimator.__init__`; how
they are kept, routed and checked is :class:`~._params.KerasParams`'.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._backend_hint import backend_hint
from ._callbacks import make_callbacks
from ._inputs import check_inputs, validation_split
from ._mlp import build_mlp
from ._model_bytes import PickledModel
from ._outputs import check_outputs, join_outputs, output_widths, split_columns
from ._params import KerasParams
from ._predict import forward
from ._recipe import recipe_model_kwargs
from ._routing import instantiate, names, routed
from ._seeding import draw_seed, seeded

__all__ = ["BaseKerasEstimator"]

class BaseKerasEstimator(KerasParams):
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
        numeric_embedding: str | None = None,
        categorical_embedding_dim: int = 8,
        ensemble_heads: int = 1,
        optimizer: str | type | keras.optimizers.Optimizer = "adam",
        learning_rate: float | None = 1e-3,
        weight_decay: float = 0.0,
        loss: Any = None,
        metrics: Sequence[Any] | None = None,
        epochs: int = 200,
        batch_size: int | None = None,
        validation_fraction: float | None = None,
        early_stopping: bool = True,
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
        self.numeric_embedding = numeric_embedding
        self.categorical_embedding_dim = categorical_embedding_dim
        self.ensemble_heads = ensemble_heads
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
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

    # -- data ---------------------------------------------------------------
    def _validate_target(self, y: np.ndarray) -> np.ndarray:
        """Check ``y`` at fit time; subclasses add their own rules."""
        return y

    # -- model --------------------------------------------------------------
    def initialize(self, X: Any, y: Any) -> BaseKerasEstimator:
        """Build the model and target encoding for ``(X, y)`` without training.

        Everything fitted before is dropped (classes, history, weights).

        Returns
        -------
        self
        """
        self._check_params()
        X, y = check_inputs(self, X, y, reset=True)
        self._initialize(X, y, None)
        return self

    def _initialize(self, X: np.ndarray, y: np.ndarray, classes: Any) -> np.ndarray:
        """Fit the target encoder, build and compile the model; return encoded y."""
        self._seed = draw_seed(self.random_state)
        y = self._validate_target(y)
        self.target_encoder_ = self._make_target_encoder(y, classes)
        encoded = self.target_encoder_.transform(y)
        self.history_: dict[str, list[float]] = {}
        with seeded(self._seed), backend_hint("building the model"):
            self.model_ = self._make_model(X)
        check_outputs(self.model_, encoded)
        if not self.model_.compiled:
            self.model_.compile(**self._compile_kwargs(self.model_))
        return encoded

    def _make_target_encoder(self, y: np.ndarray, classes: Any) -> Any:
        raise NotImplementedError

    def _output_layer(self) -> tuple[int, str]:
        """Return (units, activation) of the built-in MLP's output layer."""
        raise NotImplementedError

    def _get_metadata(self) -> dict[str, Any]:
        """Fitted attributes so far (``n_features_in_``, ``classes_`` ...): ``meta``."""
        return {
            k: v
            for k, v in vars(self).items()
            if len(k) > 1 and k.endswith("_") and not k.endswith("__") and not k.startswith("_")
        }

    def _make_model(self, X: np.ndarray) -> keras.Model:
        builder = self.model
        if builder is None and hasattr(self, "_keras_build_fn"):
            builder = self._keras_build_fn  # scikeras' subclass hook
        recipe = {}
        if builder is None:
            recipe = recipe_model_kwargs(self, X, self.feature_categories_)
        normalizer = None
        layout = recipe.get("layout")  # codes are not normalized
        numeric = X if layout is None else X[:, layout.embedded + layout.plain]
        if self.normalize and numeric.size:
            normalizer = keras.layers.Normalization(axis=-1)
            normalizer.adapt(numeric)
        if builder is None:
            units, output_activation = self._output_layer()
            sizes = self.hidden_layer_sizes
            return build_mlp(
                X.shape[1:], units, output_activation,
                hidden_layer_sizes=(sizes,) if np.isscalar(sizes) else tuple(sizes),
                activation=self.activation, dropout=self.dropout, l2=self.l2,
                batch_normalization=self.batch_normalization, normalizer=normalizer,
                **recipe,
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

    def _model_target(self, y: np.ndarray) -> np.ndarray | list[np.ndarray]:
        """The encoded target as the model takes it: split over several outputs."""
        widths = output_widths(self.model_)
        return y if len(widths) == 1 else split_columns(y, widths)  # type: ignore[return-value]

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
        X, y = check_inputs(self, X, y, reset=not resume)
        if resume:
            encoded = self._encode_more(self._validate_target(y))
        else:
            encoded = self._initialize(X, y, classes)
        sample_weight = self._sample_weight(X, y, sample_weight)
        self._fit_keras_model(X, encoded, sample_weight, callbacks, kwargs, epochs)
        return self

    def _encode_more(self, y: np.ndarray) -> np.ndarray:
        """Encode the target of a continued fit with the encoder of the first."""
        columns = 1 if y.ndim == 1 else y.shape[1]
        if columns != self.n_outputs_:
            raise ValueError(
                f"y has {columns} columns, but {type(self).__name__} was fitted on "
                f"{self.n_outputs_}. Fit a new estimator (or call initialize) to train "
                "on another target."
            )
        return self.target_encoder_.transform(y)

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
            if fraction is None:
                fraction = 0.1 if self.early_stopping else 0.0
            (X, y, weight), validation = validation_split(
                X, y, sample_weight, fraction, seed=self._seed, stratify=self._stratify(y)
            )
        n_epochs = options.pop("epochs")
        if options.get("batch_size") == -1:  # scikeras' "all rows in one batch"
            options["batch_size"] = len(X)
        if options.get("validation_batch_size") == -1:
            options["validation_batch_size"] = len(validation[0]) if validation else None
        monitor = "loss" if validation is None else "val_loss"
        callbacks = make_callbacks(
            early_stopping=self.early_stopping, patience=self.patience,
            reduce_lr_on_plateau=self.reduce_lr_on_plateau,
            lr_schedule=self.lr_schedule, epochs=initial_epoch + n_epochs,
            monitor=monitor,
            user=instantiate(self.callbacks, routed(vars(self), "callbacks"), "callbacks"),
            extra=[options.pop("callbacks", None), extra_callbacks],
        )  # fmt: skip
        if isinstance(validation, tuple) and len(validation) >= 2:
            validation = (validation[0], self._model_target(validation[1]), *validation[2:])
        with seeded(self._seed), backend_hint("training"):
            history = self.model_.fit(
                x=X, y=self._model_target(y), sample_weight=weight,
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

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        return None

    # -- prediction ---------------------------------------------------------
    def _predict_raw(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X, _ = check_inputs(self, X, reset=False)
        options = routed(vars(self), "predict")
        if not options:
            return forward(self.model_, X)
        callbacks = instantiate(
            options.pop("callbacks", None), routed(vars(self), "predict__callbacks"),
            "predict__callbacks",
        )  # fmt: skip
        options = {k: v for k, v in options.items() if "__" not in k}
        if options.get("batch_size") == -1:
            options["batch_size"] = len(X)
        out = self.model_.predict(X, **{"verbose": 0, **options, "callbacks": callbacks})
        return join_outputs(out, len(X))

    # -- pickling -----------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if "model_" in state:
            state["model_"] = PickledModel(state["model_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("model_"), PickledModel):
            state["model_"] = state["model_"].model()
        self.__dict__.update(state)

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.allow_nan = False
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags
