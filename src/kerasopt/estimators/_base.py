"""BaseKerasEstimator: a Keras model as a scikit-learn estimator.

kerasopt's own base (``sklearn.base.BaseEstimator``), keeping the API scikeras
users know: ``model=`` builders with ``meta`` / ``compile_kwargs``, routed
``model__*`` / ``fit__*`` / ``compile__*`` / ``optimizer__*`` / ``loss__*`` /
``metrics__*`` / ``predict__*`` / ``callbacks__*`` parameters, ``initialize``,
``partial_fit``, ``warm_start``, ``history_`` and ``current_epoch``.

What is here: the parameters (declared once, in
:meth:`BaseKerasEstimator.__init__`; kept, routed and checked here), the
inputs ``X`` (checked as scikit-learn does) and the validation split, seeding,
the callbacks of one fit, prediction, pickling of the Keras model, and the
parameter documentation both estimators share. How ``y`` is encoded and which
loss and output layer go with it is ``_targets``'; the network kerasopt builds
is ``_network``'s.
"""

from __future__ import annotations

import contextlib
import inspect
import numbers
import os
import random
import tempfile
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd
import scipy.sparse
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from .._backend import backend_hint
from .._utils import did_you_mean, to_seed
from ..exceptions import DataError
from ..preprocessing import check_target
from ._network import (
    adopt_recipe,
    build_mlp,
    category_codes,
    check_activation,
    check_optimizer,
    check_recipe_params,
    lr_schedule_callback,
    make_optimizer,
    pickled_recipe,
    recipe_model_kwargs,
)
from ._targets import (
    check_outputs,
    choose_loss,
    default_metrics,
    output_layer,
    output_widths,
    split_columns,
    strata,
    target_attributes,
)

__all__ = [
    "COMMON_ATTRIBUTES",
    "COMMON_PARAMETERS",
    "ROUTING_PREFIXES",
    "BaseKerasEstimator",
    "model_from_bytes",
    "model_to_bytes",
]

# -- the documentation of the parameters both estimators share --------------------
COMMON_PARAMETERS = """\
    model : callable, keras.Model or None, default=None
        None builds an MLP from ``hidden_layer_sizes`` and friends. A callable
        returning a Sequential or Functional ``keras.Model`` (compiled or not)
        is called at each fit with the ``model__*`` parameters as keyword
        arguments, plus ``meta`` (fitted attributes such as ``n_features_in_``,
        ``n_classes_``, ``X_shape_``), ``compile_kwargs`` and ``params`` if it
        names them. A ``keras.Model`` is copied with its weights at each fit.
    hidden_layer_sizes : sequence of int, default=(100,)
        Units of each hidden layer of the built-in MLP.
    activation : str, default="relu"
        Hidden-layer activation: any Keras name (relu, tanh, sigmoid, elu, selu,
        gelu, leaky_relu, silu, ...).
    dropout : float or "auto", default="auto"
        Dropout rate after each hidden layer. ``"auto"``: 0.15 when ``fit``
        gets at least 10,000 rows, else 0 (the threshold at which
        ``HistGradientBoosting*``'s ``early_stopping="auto"`` turns on). On
        the quality benchmark, dropout 0.15 raised the defaults' held-out
        scores on the tables of 11,500-15,000 training rows and lowered them
        on the tables of fewer than 2,000 rows (worst table -0.015 to -0.027):
        docs/user_guide/recipe.md.
    l2 : float, default=0.0
        L2 penalty on the Dense kernels.
    batch_normalization : bool, default=False
        Batch normalization before each hidden activation.
    numeric_embedding : {"piecewise", "piecewise_tree", "periodic", "plr"} \
or None, default="piecewise_tree"
        How each numeric input column with more than two distinct values
        enters the built-in MLP. ``"piecewise"`` keeps the column and adds
        17 values: the column's value shared between its two nearest of 17
        knots placed at quantiles of the training values (linear B-splines,
        as scikit-learn's ``SplineTransformer(degree=1)``), from which the
        network reads step-like effects of dates, hours and skewed numbers;
        on the quality benchmark it took the mean gap to HistGradientBoosting
        on the large tables from -0.024 to -0.008 (docs/user_guide/recipe.md).
        ``"piecewise_tree"``, the default, places 9 of the knots at quantiles
        and the others where the target changes along the column (the
        thresholds of a small decision tree fitted to the training target),
        for codes and day numbers whose effect is not smooth: it took that
        gap to -0.004 and the worst table's from -0.027 to -0.016, for a
        little less on the small tables (benchmarks/variants.md). Both are
        among the default search space's choices. ``"periodic"`` replaces the
        column by periodic features ``cos(2 pi w x + b)``, a per-column linear
        map and the raw value (RealMLP's PBLD; ``"plr"`` adds a ReLU), at
        about twice the fit time.
        None feeds the columns as they are.
    categorical_embedding_dim : int, default=8
        Length of the learned vector of each level of a categorical column
        given as a pandas ``category`` column (what
        ``make_tabular_pipeline`` does for columns with at least 10 levels).
        Missing and unseen values share code 0.
    ensemble_heads : int, default=1
        With ``k > 1``, ``k`` ensemble members share the hidden layers, each
        seeing the input through its own trainable scaling (TabM-mini), and
        their outputs are averaged. Costs about ``k`` times the compute.
    optimizer : str, optimizer class or instance, default="adam"
        sgd, momentum (SGD with momentum 0.9), nesterov, rmsprop, adagrad,
        adadelta, adam, adamw, adamax, nadam, ftrl, lion, or a Keras optimizer.
        ``optimizer__*`` parameters go to its constructor.
    learning_rate : float or None, default=1e-3
        Initial learning rate; None keeps the optimizer's own.
    weight_decay : float, default=0.0
        Decoupled weight decay (as AdamW), for any optimizer; 0 turns it off.
    loss : str, callable or keras.losses.Loss, default=None
        None picks the loss that matches the target.
    metrics : list, default=None
        Keras metrics recorded in ``history_``; None means accuracy for
        classifiers and none for regressors.
    epochs : int, default=200
        Maximum number of passes over the training data.
    batch_size : int or None, default=None
        None uses ``min(200, n_samples)``, as scikit-learn's MLP; -1 puts all
        rows in one batch.
    validation_fraction : float or None, default=None
        Share of the training data held out (stratified for classifiers) to
        compute ``val_*`` metrics each epoch. None means 0.1 when
        ``early_stopping`` is on, else no validation data.
    early_stopping : bool, default=True
        Stop when the validation loss (the training loss without validation
        data) has not improved for ``patience`` epochs, and restore the best
        weights. On by default: without it the default network overfits small
        tables (see the tabular recipe in the user guide); ``False`` trains
        all ``epochs`` on all the data.
    patience : int, default=10
        Epochs without improvement tolerated by early stopping; plateau
        detection uses half of it.
    reduce_lr_on_plateau : bool, default=False
        Halve the learning rate when the monitored loss stalls.
    lr_schedule : {"cosine", "exponential", "step"}, callable or None, default=None
        Per-epoch learning-rate schedule: cosine decay to 0, times 0.96 each
        epoch, or halved every 10 epochs, over the epochs of each fit from the
        rate it starts with; a callable gets ``(epoch, lr)``.
    callbacks : list of keras.callbacks.Callback, default=None
        Extra callbacks for every fit (checkpoints, TensorBoard, ...).
    normalize : bool, default=False
        Put a Keras ``Normalization`` layer, adapted to the training data, in
        front of the model (``make_tabular_pipeline(..., scaler="keras")``).
    warm_start : bool, default=False
        Keep the trained model and continue training at the next fit.
    shuffle : bool, default=True
        Shuffle the training data every epoch.
    verbose : int, default=0
        Keras verbosity during fit.
    random_state : int, RandomState or None, default=None
        Seed for weights, shuffling, dropout and the validation split; the
        same int gives bit-identical predictions run to run, on each Keras
        backend. A RandomState draws a new seed at each fit.
    **kwargs
        Routed parameters: ``model__*`` (builder arguments), ``optimizer__*``,
        ``loss__*``, ``metrics__*``, ``callbacks__*`` (constructor arguments
        of those given as classes), ``compile__*``, ``fit__*``,
        ``predict__*``; and, as in scikeras, bare arguments of the builder,
        ``Model.compile`` or ``Model.fit`` (``run_eagerly=True``)."""

COMMON_ATTRIBUTES = """\
    model_ : keras.Model
        The trained Keras model.
    history_ : dict of str to list of float
        Per-epoch metrics, validation included (``loss``, ``val_loss``, ...).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit, when X was a DataFrame.
    feature_categories_ : dict of str to list
        Levels of each ``category`` column of a DataFrame X, by column name
        (code ``i + 1`` is level ``i``; 0 is missing or unseen). Empty when X
        had none."""


# -- routed parameters: model__*, fit__*, loss__* ... and what they build --------
# An estimator parameter named ``<prefix>__<name>`` goes to ``<name>`` of the
# destination ``<prefix>``: the model-building function (``model``),
# ``keras.Model.compile`` / ``fit`` / ``predict``, or the constructor of the
# optimizer, loss, metrics or callbacks given as classes. Nested collections are
# addressed by index or key, as in scikeras: ``metrics__0__name="acc"``,
# ``callbacks__stop__patience=3``.
ROUTING_PREFIXES: tuple[str, ...] = (
    "model", "fit", "predict", "compile", "optimizer", "loss", "metrics", "callbacks",
)  # fmt: skip


def routed(params: dict[str, Any], prefix: str, *, strict: bool = False) -> dict[str, Any]:
    """Return the ``prefix__*`` entries of ``params`` without the prefix.

    ``strict`` leaves out entries routed further (``prefix__a__b``).
    """
    start = prefix + "__"
    found = {k[len(start) :]: v for k, v in params.items() if k.startswith(start)}
    if strict:
        found = {k: v for k, v in found.items() if "__" not in k}
    return found


def names(fn: Callable[..., Any]) -> tuple[set[str], bool]:
    """Return the keyword names ``fn`` accepts, and whether it takes ``**kwargs``."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return set(), False
    named = {
        p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    return named, any(p.kind is p.VAR_KEYWORD for p in parameters)


def instantiate(item: Any, params: dict[str, Any], where: str) -> Any:
    """Build ``item`` with its routed ``params``, recursively.

    A class is called with the parameters addressed to it (integer keys are
    positional arguments); a list, tuple or dict passes ``i__*`` / ``key__*``
    parameters to its members, and its unrouted ones to every member that is
    a class. Anything else is returned as is, and must get no parameters.

    Parameters
    ----------
    item : class, instance, list, tuple or dict
        The ``loss`` / ``metrics`` / ``optimizer`` / ``callbacks`` value.
    params : dict
        Its routed parameters, prefix removed (``{"from_logits": True}``).
    where : str
        The parameter name, for error messages.
    """
    own = {k: v for k, v in params.items() if "__" not in k}
    if inspect.isclass(item):
        args = {
            k: instantiate(v, routed(params, k), f"{where}__{k}") for k, v in own.items()
        }
        positional = sorted((int(k), v) for k, v in args.items() if k.isdigit())
        keywords = {k: v for k, v in args.items() if not k.isdigit()}
        return item(*(v for _, v in positional), **keywords)
    if isinstance(item, (list, tuple, dict)):
        keys = item.keys() if isinstance(item, dict) else range(len(item))
        built = {
            key: instantiate(
                item[key],  # type: ignore[index]
                {**(own if inspect.isclass(item[key]) else {}), **routed(params, str(key))},  # type: ignore[index]
                f"{where}__{key}",
            )
            for key in keys
        }
        return built if isinstance(item, dict) else type(item)(built.values())
    if own:
        raise TypeError(
            f"{where}={item!r} is not a class, so it takes no parameters, but it "
            f"received {sorted(own)} through {where}__*. Pass the class itself "
            f"(e.g. {where}=keras.losses.BinaryCrossentropy) to have it built "
            "with them, or drop them."
        )
    return item


_COMPILE_NAMES = names(keras.Model.compile)[0] - {"self"}
_FIT_NAMES = names(keras.Model.fit)[0] - {"self", "x", "y"}
#: ``dropout="auto"``: this rate from this many training rows on, else none.
AUTO_DROPOUT, AUTO_DROPOUT_MIN_ROWS = 0.15, 10_000


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


# -- inputs ---------------------------------------------------------------------
_PIPELINE_HINT = (
    "Wrap the estimator in kerasopt.make_tabular_pipeline(...) to impute missing "
    "values, one-hot encode categorical columns and scale numeric ones."
)


def check_inputs(
    estimator: BaseEstimator, X: Any, y: Any = None, *, reset: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` (and ``y``) checked as scikit-learn does, ``X`` as contiguous floatx.

    ``reset`` (at fit) records ``n_features_in_``, ``feature_names_in_``,
    ``X_shape_``, ``X_dtype_`` and ``feature_categories_`` on ``estimator``;
    otherwise ``X`` must match them. DataFrame columns of ``category`` dtype
    become integer codes (:func:`~._network.category_codes`).
    """
    if scipy.sparse.issparse(X):
        raise DataError(
            f"{type(estimator).__name__} needs dense X, but got a sparse "
            f"{type(X).__name__} of shape {X.shape}. Give the encoder that makes "
            "it sparse_output=False, or put FunctionTransformer(kerasopt."
            "preprocessing.densify, accept_sparse=True) before the estimator."
        )
    if not reset and y is None and (values := _plain_frame(estimator, X)) is not None:
        return values, None
    X, categories = category_codes(
        X, None if reset else getattr(estimator, "feature_categories_", {})
    )
    if reset:
        estimator.feature_categories_ = categories
    kwargs: dict[str, Any] = {"dtype": keras.backend.floatx(), "allow_nd": True}
    name = type(estimator).__name__
    if y is not None:
        # A target is never imputed: say so before sklearn's checks do.
        check_target(y if hasattr(y, "iloc") else np.asarray(y))
    try:
        if y is None:
            X = validate_data(estimator, X, reset=reset, **kwargs)
        else:
            X, y = validate_data(estimator, X, y, reset=reset, multi_output=True, **kwargs)
    except ValueError as exc:
        message = str(exc)
        if "NaN" in message or "infinity" in message or "convert" in message:
            raise DataError(
                f"{message} {name} needs finite numbers only. {_PIPELINE_HINT}"
            ) from exc
        raise
    if reset:
        estimator.X_shape_ = X.shape
        estimator.X_dtype_ = X.dtype
    elif X.shape[1:] != estimator.X_shape_[1:]:
        raise DataError(
            f"X has samples of shape {X.shape[1:]}, but {name} was fitted on samples "
            f"of shape {estimator.X_shape_[1:]}."
        )
    return np.ascontiguousarray(X), y


def _plain_frame(estimator: BaseEstimator, X: Any) -> np.ndarray | None:
    """A DataFrame of numbers in the fitted columns, as floatx; else None.

    What :func:`~._network.category_codes` and ``validate_data`` make of it,
    without their cost (~1 ms: more than predicting a row): category columns
    with the fitted levels (what the tabular preprocessor gives) become their
    codes + 1, numbers are taken as they are. Anything else (other columns,
    dtypes or levels, values that are not finite) takes the usual checks and
    their errors.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is None or not isinstance(X, pd.DataFrame) or not len(X):
        return None
    if list(X.columns) != list(names):
        return None
    categories = getattr(estimator, "feature_categories_", {})
    columns = []
    for name, column in X.items():
        levels = categories.get(str(name))
        if levels is not None:
            dtype = column.dtype
            if not isinstance(dtype, pd.CategoricalDtype) or (
                dtype.categories.tolist() != list(levels)
            ):
                return None
            columns.append(column.cat.codes.to_numpy() + 1.0)
        elif isinstance(column.dtype, np.dtype) and column.dtype.kind in "fiub":
            columns.append(column.to_numpy())
        else:
            return None
    values = np.column_stack(columns).astype(keras.backend.floatx())
    return values if np.isfinite(values).all() else None


def validation_split(
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    fraction: float,
    *,
    seed: int | None,
    stratify: np.ndarray | None,
) -> tuple[tuple[Any, Any, Any], tuple[Any, ...] | None]:
    """Hold out a shuffled share of the rows, stratified on ``stratify`` when it can.

    Returns ``(X, y, sample_weight)`` to train on and the held-out
    ``(X, y[, sample_weight])`` (None when ``fraction`` is 0).
    """
    if not fraction:
        return (X, y, sample_weight), None
    arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
    split = {"test_size": fraction, "random_state": seed}
    try:
        parts = train_test_split(*arrays, stratify=stratify, **split)
    except ValueError:  # too few members of a class to stratify
        parts = train_test_split(*arrays, **split)
    train, validation = parts[0::2], tuple(parts[1::2])
    return (train[0], train[1], train[2] if len(train) > 2 else None), validation


# -- seeds ------------------------------------------------------------------------
# Keras layers draw their initial weights and dropout seeds from Python's
# ``random`` (``keras.random.SeedGenerator(None)``) and the JAX/NumPy data
# adapters shuffle with NumPy's global generator, so seeding those two makes a
# fit repeatable on JAX and NumPy. ``keras.utils.set_random_seed`` seeds the
# same plus TensorFlow, but it imports TensorFlow whenever it is installed (many
# seconds, half a gigabyte): it is only called when TensorFlow is the backend.
@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Seed Python, NumPy and the backend for a block; restore Python's and NumPy's after.

    ``None`` leaves every generator alone.
    """
    if seed is None:
        yield
        return
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        if keras.backend.backend() == "tensorflow":
            keras.utils.set_random_seed(seed)
        else:
            random.seed(seed)
            np.random.seed(seed)
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


# -- callbacks of one fit ------------------------------------------------------------
class EarlyStopping(keras.callbacks.Callback):
    """Stop when ``monitor`` has not decreased for ``patience`` epochs; keep the best.

    ``keras.callbacks.EarlyStopping(monitor, patience=patience,
    restore_best_weights=True)``, comparing in Python: Keras compares with
    backend operations, which on JAX compile two small programs in every
    process, more than the rest of a small model's fit compiles.

    Parameters
    ----------
    monitor : str
        Key of the epoch logs to watch (lower is better).
    patience : int
        Epochs without improvement before training stops.
    """

    def __init__(self, monitor: str, patience: int) -> None:
        super().__init__()
        self.monitor = monitor
        self.patience = patience

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.wait = 0
        self.best: float | None = None
        self.best_weights: list[np.ndarray] | None = None
        self.best_epoch = 0
        self.stopped_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(logs or {})}",
                stacklevel=2,
            )
            return
        if self.best_weights is None:
            self.best_weights, self.best_epoch = self._weights(), epoch
        self.wait += 1
        if self.best is None or float(current) < self.best:
            self.best, self.best_epoch, self.wait = float(current), epoch, 0
            self.best_weights = self._weights()
        elif self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)

    def _weights(self) -> list[np.ndarray]:
        # model.get_weights() goes through np.array(variable), which NumPy 2
        # warns about once per variable and epoch.
        weights = self.model.weights
        return [np.array(keras.ops.convert_to_numpy(v.value)) for v in weights]


def make_callbacks(
    *,
    early_stopping: bool,
    patience: int,
    reduce_lr_on_plateau: bool,
    lr_schedule: Any,
    epochs: int,
    monitor: str,
    user: Any,
    extra: Any,
) -> list[keras.callbacks.Callback]:
    """Return the callbacks for one ``fit``: built-in ones first, then the user's.

    Parameters
    ----------
    early_stopping, patience, reduce_lr_on_plateau, lr_schedule, epochs
        The estimator parameters of the same names.
    monitor : str
        Quantity watched by early stopping and plateau detection
        (``"val_loss"`` when there is validation data, else ``"loss"``).
    user : callback, list or dict of callbacks, optional
        The estimator's ``callbacks`` parameter (classes already built).
    extra : callback, list or dict of callbacks, optional
        Callbacks given to ``fit`` (or as ``fit__callbacks``) for one call.
    """
    callbacks: list[keras.callbacks.Callback] = []
    if early_stopping:
        callbacks.append(EarlyStopping(monitor, patience))
    if reduce_lr_on_plateau:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, factor=0.5, patience=max(patience // 2, 1)
            )
        )
    if lr_schedule is not None:
        callbacks.append(lr_schedule_callback(lr_schedule, epochs))
    for cb in _flatten([user, extra]):
        if not isinstance(cb, keras.callbacks.Callback):
            raise TypeError(
                "Each callback must be a keras.callbacks.Callback instance (or a "
                f"Callback class, built with callbacks__* parameters). Received: {cb!r}."
            )
        callbacks.append(cb)
    return callbacks


def _flatten(group: Any) -> list[Any]:
    """Callbacks from None, one callback, or lists / dicts of them, nested."""
    if group is None:
        return []
    if isinstance(group, dict):
        group = list(group.values())
    if isinstance(group, (list, tuple)):
        return [cb for item in group for cb in _flatten(item)]
    return [group]


# -- outputs at prediction --------------------------------------------------------------
# Up to this many rows, prediction is one direct call of the model (no data
# adapter, no predict loop): 30-100x faster for a single row.
_DIRECT_CALL_ROWS = 65536
# The models predicted with once: their next prediction takes the compiled path.
_PREDICTED: weakref.WeakSet[keras.Model] = weakref.WeakSet()


def forward(model: keras.Model, X: np.ndarray) -> np.ndarray:
    """Outputs of ``model`` for validated ``X``, as one NumPy array.

    An eager call costs milliseconds; ``predict_on_batch`` (compiled, cached on
    the model by Keras) well under one, but compiling it costs ~100 ms once.
    The first call on a model stays eager, so a one-off prediction (scoring a
    CV fold) pays no compilation, and repeated ones (serving) take the
    compiled path from the second call on. Which models were predicted with
    is kept here: predicting must leave the estimator's ``__dict__`` alone.
    """
    if len(X) > _DIRECT_CALL_ROWS:
        return join_outputs(model.predict(X, batch_size=4096, verbose=0), len(X))
    if model not in _PREDICTED:
        _PREDICTED.add(model)
        return join_outputs(model(X, training=False), len(X))
    return join_outputs(model.predict_on_batch(X), len(X))


def join_outputs(outputs: object, n: int) -> np.ndarray:
    """One NumPy array from the model's output(s): several outputs side by side."""
    if isinstance(outputs, (list, tuple)):
        return np.concatenate(
            [np.asarray(keras.ops.convert_to_numpy(o)).reshape(n, -1) for o in outputs],
            axis=1,
        )
    return np.asarray(keras.ops.convert_to_numpy(outputs))


# -- the Keras model as bytes in the .keras format (pickling, kerasopt.save) -----------
# Nothing here touches Keras' global registry: classes a model is made of that
# are not registered with Keras (a ``keras.Model`` subclass defined in a
# script, say) travel next to the bytes as Python classes, which pickle stores
# by reference, and are handed to ``load_model`` as ``custom_objects``.
def custom_classes(model: keras.Model) -> dict[str, type]:
    """The model's and its layers' classes that are not Keras' own, by name."""
    found: dict[str, type] = {}
    # Private: Model.layers is one level deep, and no public API lists the layers
    # nested in a custom layer, whose classes load_model may need all the same.
    for obj in (model, *model._flatten_layers(include_self=False)):
        cls = type(obj)
        if not cls.__module__.startswith("keras."):
            found[cls.__name__] = cls
    return found


def model_to_bytes(model: keras.Model) -> bytes:
    """The whole model (architecture, weights, compile state) as ``.keras`` bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        keras.saving.save_model(model, path)
        with open(path, "rb") as fh:
            return fh.read()


def model_from_bytes(
    data: bytes,
    *,
    compile: bool,
    safe_mode: bool,
    custom_objects: dict[str, Any] | None = None,
) -> keras.Model:
    """Load a model written by :func:`model_to_bytes`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        return keras.saving.load_model(
            path, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode
        )


class PickledModel:
    """A model as pickle stores it: ``.keras`` bytes, its own classes and, for
    a network kerasopt built, its recipe (so that its first prediction need
    not trace it: see ``_jax_loop._structure``)."""

    def __init__(self, model: keras.Model) -> None:
        self.data = model_to_bytes(model)
        self.classes = custom_classes(model)
        self.recipe = pickled_recipe(model)

    def model(self) -> keras.Model:
        """The model back. Unpickling runs code by nature, so Lambda layers are
        allowed here, and the recipe is trusted; the safe format is
        kerasopt.save / kerasopt.load, whose models are traced."""
        model = model_from_bytes(
            self.data, compile=True, safe_mode=False, custom_objects=self.classes
        )
        adopt_recipe(model, getattr(self, "recipe", None))  # none: pickled before
        return model


class BaseKerasEstimator(BaseEstimator):
    """Shared machinery of :class:`KerasClassifier` and :class:`KerasRegressor`.

    Not meant to be used directly; see the subclasses for the parameters.

    Parameters are declared once, here. A subclass whose ``__init__`` takes
    ``**kwargs`` and passes them up (kerasopt's own classes, and the pattern
    scikeras documents) gets a merged signature, so scikit-learn's
    ``get_params`` / ``set_params`` / ``clone`` / ``repr`` see every
    parameter. Extra keyword arguments are kept as parameters too: routed ones
    (``model__units``) and, as in scikeras, bare ones that the model-building
    function, ``Model.compile`` or ``Model.fit`` takes.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _merge_signature(cls)

    def __init__(
        self,
        model: Callable[..., keras.Model] | keras.Model | None = None,
        *,
        hidden_layer_sizes: Sequence[int] = (100,),
        activation: str = "relu",
        dropout: float | str = "auto",
        l2: float = 0.0,
        batch_normalization: bool = False,
        numeric_embedding: str | None = "piecewise_tree",
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

    # -- parameters -------------------------------------------------------------
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
        builder = self._builder()
        if callable(builder) and not isinstance(builder, keras.Model):
            accepted, var_keyword = names(builder)
            if name in accepted or var_keyword:
                return True
        return name in _COMPILE_NAMES or name in _FIT_NAMES

    def _unknown_param_message(self, name: str) -> str:
        return (
            f"{type(self).__name__} got an unexpected parameter {name!r}."
            f"{did_you_mean(name, self._get_param_names())} Routed parameters need a "
            f"prefix ({', '.join(p + '__' for p in ROUTING_PREFIXES)}), e.g. "
            "model__units=32 for an argument of your model-building function."
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
            if self.dropout != "auto" and not (
                isinstance(self.dropout, numbers.Real) and 0.0 <= self.dropout < 1.0
            ):
                raise ValueError(
                    'dropout must be a number in [0, 1) or "auto". Received: '
                    f"dropout={self.dropout!r}."
                )
        elif not (isinstance(self.model, keras.Model) or callable(self.model)):
            raise TypeError(
                "model must be None, a callable returning a keras.Model, or a "
                f"keras.Model. Received: model={self.model!r}."
            )
        check_optimizer(self.optimizer)
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
            to_seed(self.random_state)  # raises for a bad value

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
        )  # fmt: skip

    def _compile_kwargs(
        self, optimizer: keras.optimizers.Optimizer, loss: Any, n_outputs: int
    ) -> dict[str, Any]:
        """Arguments of ``Model.compile``: ``loss`` from :func:`choose_loss`."""
        params = vars(self)
        metrics = self.metrics
        if metrics is None:
            metrics = default_metrics(self.target_encoder_)
            if metrics is not None and n_outputs > 1:
                metrics = [list(metrics) for _ in range(n_outputs)]
        metrics = instantiate(metrics, routed(params, "metrics"), "metrics")
        if metrics is not None and not isinstance(metrics, (list, dict)):
            metrics = [metrics]
        return {
            "optimizer": optimizer,
            "loss": instantiate(loss, routed(params, "loss"), "loss"),
            "metrics": metrics,
            **self._destination("compile"),
        }

    # -- the target: see _targets ---------------------------------------------------
    def _validate_target(self, y: np.ndarray) -> np.ndarray:
        """``y`` checked for this kind of estimator (labels or values)."""
        raise NotImplementedError

    def _fit_target(self, y: np.ndarray, classes: Any) -> Any:
        """The fitted target encoder of a checked ``y``."""
        raise NotImplementedError

    def _choose_loss(self, output_width: int | None) -> tuple[Any, bool]:
        return choose_loss(
            self.target_encoder_, self.loss, output_width=output_width,
            label_smoothing=getattr(self, "label_smoothing", 0.0),
        )  # fmt: skip

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
        self._seed = to_seed(self.random_state)
        y = self._validate_target(y)
        self.target_encoder_ = self._fit_target(y, classes)
        vars(self).update(target_attributes(self.target_encoder_, y))
        self.history_: dict[str, list[float]] = {}
        optimizer = self._optimizer()  # the one of this model: compile, or a builder's
        with seeded(self._seed), backend_hint("building the model"):
            self.model_ = self._make_model(X, y, optimizer)
        # The one moment the loss and the encoding of labels are decided.
        loss, one_hot = self._choose_loss(output_widths(self.model_)[0])
        if one_hot:
            self.target_encoder_.set_params(one_hot=True)
        encoded = self.target_encoder_.transform(y)
        check_outputs(self.model_, encoded)
        if not self.model_.compiled:
            n_outputs = len(output_widths(self.model_))
            self.model_.compile(**self._compile_kwargs(optimizer, loss, n_outputs))
        return encoded

    def _get_metadata(self) -> dict[str, Any]:
        """Fitted attributes so far (``n_features_in_``, ``classes_`` ...): ``meta``."""
        return {
            k: v
            for k, v in vars(self).items()
            if len(k) > 1 and k.endswith("_") and not k.endswith("__") and not k.startswith("_")
        }

    def _builder(self) -> Callable[..., keras.Model] | keras.Model | None:
        if self.model is None:
            return getattr(self, "_keras_build_fn", None)  # scikeras' subclass hook
        return self.model

    def _make_model(
        self, X: np.ndarray, y: np.ndarray, optimizer: keras.optimizers.Optimizer
    ) -> keras.Model:
        builder = self._builder()
        recipe = {}
        if builder is None:
            recipe = recipe_model_kwargs(self, X, y, self.feature_categories_)
        normalizer = None
        layout = recipe.get("layout")  # codes are not normalized
        numeric = X if layout is None else X[:, layout.embedded + layout.plain]
        if self.normalize and numeric.size:
            normalizer = keras.layers.Normalization(axis=-1)
            normalizer.adapt(numeric)
        if builder is None:
            units, output_activation = output_layer(self.target_encoder_)
            sizes = self.hidden_layer_sizes
            return build_mlp(
                X.shape[1:], units, output_activation,
                hidden_layer_sizes=(sizes,) if np.isscalar(sizes) else tuple(sizes),
                activation=self.activation, l2=self.l2,
                dropout=self._auto_params(len(X)).get("dropout", self.dropout),
                batch_normalization=self.batch_normalization, normalizer=normalizer,
                **recipe,
            )  # fmt: skip
        model = self._call_builder(builder, optimizer)
        if normalizer is not None:
            inputs = keras.Input(shape=X.shape[1:])
            model = keras.Model(inputs, model(normalizer(inputs)))
        return model

    def _auto_params(self, n_samples: int) -> dict[str, Any]:
        """The values the ``"auto"`` parameters take in a fit on ``n_samples`` rows."""
        if isinstance(self.dropout, str) and self.dropout == "auto":
            big = n_samples >= AUTO_DROPOUT_MIN_ROWS
            return {"dropout": AUTO_DROPOUT if big else 0.0}
        return {}

    def _call_builder(
        self,
        builder: Callable[..., keras.Model] | keras.Model,
        optimizer: keras.optimizers.Optimizer,
    ) -> keras.Model:
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
            # What kerasopt would compile the output of output_layer() with.
            loss = self._choose_loss(None)[0]
            kwargs["compile_kwargs"] = self._compile_kwargs(optimizer, loss, 1)
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
            Target values: for a classifier class labels, or a one-hot /
            multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights (for a classifier multiplied by
            ``class_weight``'s).
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
        return self._fit(X, y, sample_weight, callbacks, kwargs, resume=resume, check=True)

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
        check: bool = False,
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
        self._fit_keras_model(X, encoded, sample_weight, callbacks, kwargs, epochs, check)
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
        """Checked per-row weights (a number weighs every row the same)."""
        if sample_weight is None:
            return None
        if isinstance(sample_weight, numbers.Number):
            return np.full(len(X), sample_weight, dtype=np.float64)
        weights = check_array(
            sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
        )
        if weights.shape != (len(X),):
            raise ValueError(
                f"sample_weight must hold one number per row of X ({len(X)} rows). "
                f"Received: sample_weight of shape {weights.shape}."
            )
        if not weights.any():
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return weights

    def _fit_keras_model(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None,
        extra_callbacks: Sequence[keras.callbacks.Callback] | None,
        kwargs: dict[str, Any],
        epochs: int | None,
        check: bool,
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
        checked = (X, y)  # every row of the fit, validation split included
        if "validation_data" in options:
            validation = options.pop("validation_data")
            weight = sample_weight
        else:
            if fraction is None:
                fraction = 0.1 if self.early_stopping else 0.0
            (X, y, weight), validation = validation_split(
                X, y, sample_weight, fraction,
                seed=self._seed, stratify=strata(self.target_encoder_, y),
            )  # fmt: skip
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
        loop = self._compiled_loop(options)
        with seeded(self._seed), backend_hint("training"):
            if loop is not None:
                history = loop.train(
                    self.model_, X, y, sample_weight=weight, validation=validation,
                    epochs=initial_epoch + n_epochs, initial_epoch=initial_epoch,
                    callbacks=callbacks,
                    accuracy=default_metrics(self.target_encoder_) == ["accuracy"],
                    **options,
                )  # fmt: skip
            else:
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
        if check:
            self._check_predictions(*checked)

    def _check_predictions(self, X: np.ndarray, y: np.ndarray) -> None:
        """After ``fit``: warn if the model is useless on the rows it was fitted on."""

    def _compiled_loop(self, fit_arguments: dict[str, Any]) -> Any:
        """The compile-once loop (``_jax_loop``) if it trains this fit, else None.

        It trains the network kerasopt builds, on JAX, with the loss and
        metrics kerasopt picks; a user's model, metrics or compile arguments
        train with ``keras.Model.fit``.
        """
        if (
            keras.backend.backend() != "jax"
            or self._builder() is not None
            or self.metrics is not None
            or routed(vars(self), "metrics")
            or self._destination("compile")
        ):
            return None
        from . import _jax_loop  # imports JAX: only on the JAX backend

        return _jax_loop if _jax_loop.trains_here(self.model_, fit_arguments) else None

    # -- prediction ---------------------------------------------------------
    def _predict_raw(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X, _ = check_inputs(self, X, reset=False)
        options = routed(vars(self), "predict")
        if not options:
            return self._outputs(X)
        callbacks = instantiate(
            options.pop("callbacks", None), routed(vars(self), "predict__callbacks"),
            "predict__callbacks",
        )  # fmt: skip
        options = {k: v for k, v in options.items() if "__" not in k}
        if options.get("batch_size") == -1:
            options["batch_size"] = len(X)
        out = self.model_.predict(X, **{"verbose": 0, **options, "callbacks": callbacks})
        return join_outputs(out, len(X))

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        """The model's outputs for checked ``X`` (without ``predict__*`` options)."""
        if keras.backend.backend() == "jax" and self._builder() is None:
            from . import _jax_loop

            return _jax_loop.forward(self.model_, X)
        return forward(self.model_, X)

    # -- saving and pickling ------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted estimator to one file that loads without running code.

        Same as ``kerasopt.save(self, path)``; read it back with
        :func:`kerasopt.load`.

        Parameters
        ----------
        path : str or path-like
            Destination file, written atomically.
        """
        from .. import save  # the public function: persistence sits above estimators

        save(self, path)

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
