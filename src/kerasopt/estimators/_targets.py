"""How ``y`` reaches the network and comes back: encoding, output layer and loss.

The one place that answers "which output layer, which loss, which encoding of
the target?", for classifiers and regressors alike:

1. At fit, :func:`fit_classifier_target` / :func:`fit_regressor_target`
   check ``y`` and fit its encoder (classes, target type, scaling), from which
   :func:`target_attributes` gives the estimator's fitted attributes and
   :func:`output_layer` the output of the network kerasopt builds.
2. Once the model exists, :func:`choose_loss` decides, in one step, the loss
   it is compiled with and whether class labels reach it one-hot: both depend
   on the ``loss`` parameter and on the width of the model's output (a user
   model may end in one sigmoid unit or two softmax units for a binary target).

The encoders are built from scikit-learn's own tools (``type_of_target``,
``LabelEncoder``). Their import paths are stored in model files (``state.skops``):
they stay here.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ..exceptions import DataError

__all__ = [
    "ClassifierTargetEncoder",
    "RegressorTargetEncoder",
    "SmoothedSparseCategoricalCrossentropy",
    "check_labels",
    "check_outputs",
    "check_values",
    "choose_loss",
    "classifier_target_type",
    "default_metrics",
    "fit_classifier_target",
    "fit_regressor_target",
    "output_layer",
    "output_widths",
    "split_columns",
    "strata",
    "target_attributes",
    "wants_one_hot",
]

_LABELS = ("binary", "multiclass")
_INDICATORS = ("multiclass-onehot", "multilabel-indicator")


def classifier_target_type(y: np.ndarray) -> str:
    """``type_of_target``, with one-hot matrices told apart from multilabel ones."""
    target_type = type_of_target(y)
    if target_type == "multilabel-indicator" and (np.asarray(y).sum(axis=1) == 1).all():
        return "multiclass-onehot"
    return target_type


def wants_one_hot(loss: Any) -> bool:
    """Whether ``loss`` (name, class, instance or function) takes one-hot targets."""
    if loss is None:
        return False
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    return name.replace("_", "").lower() in (
        "categoricalcrossentropy", "cce", "categoricalfocalcrossentropy", "categoricalhinge",
    )  # fmt: skip


class ClassifierTargetEncoder(TransformerMixin, BaseEstimator):
    """Class labels <-> network targets.

    Parameters
    ----------
    target_type : str
        ``binary``, ``multiclass``, ``multiclass-onehot`` or
        ``multilabel-indicator`` (see :func:`classifier_target_type`).
    classes : array-like or None, default=None
        Every class, when ``y`` may miss some (``partial_fit(classes=...)``).
    one_hot : bool, default=False
        Give the network one-hot rows for labels (for a categorical
        cross-entropy loss); otherwise class indices. Set by
        :func:`choose_loss`.
    """

    def __init__(self, target_type: str, classes: Any = None, one_hot: bool = False) -> None:
        self.target_type = target_type
        self.classes = classes
        self.one_hot = one_hot

    def fit(self, y: np.ndarray) -> ClassifierTargetEncoder:
        y = np.asarray(y)
        self.dtype_ = y.dtype
        if self.target_type in _INDICATORS:
            self.classes_ = np.arange(y.shape[1])
            self.n_classes_ = y.shape[1]
            return self
        labels = y.ravel() if self.classes is None else np.asarray(self.classes)
        self.label_encoder_ = LabelEncoder().fit(labels)
        self.classes_ = self.label_encoder_.classes_
        self.n_classes_ = len(self.classes_)
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y)
        if self.target_type in _INDICATORS:
            return y.astype(keras.backend.floatx())
        codes = self.label_encoder_.transform(y.ravel())
        if self.one_hot:
            return np.eye(self.n_classes_, dtype=keras.backend.floatx())[codes]
        return codes.astype(keras.backend.floatx())

    def inverse_transform(self, proba: np.ndarray) -> np.ndarray:
        """Labels from the probabilities :meth:`probabilities` returns."""
        if self.target_type == "multilabel-indicator":
            return (proba > 0.5).astype(self.dtype_)
        index = proba.argmax(axis=1)
        if self.target_type == "multiclass-onehot":
            return np.eye(self.n_classes_, dtype=self.dtype_)[index]
        return self.classes_[index]

    def probabilities(self, raw: np.ndarray) -> np.ndarray:
        """One column per class from the network's output (one or k units)."""
        proba = np.asarray(raw, dtype=np.float64)
        if proba.ndim == 1:
            proba = proba.reshape(-1, 1)
        if self.target_type == "multilabel-indicator":
            return proba
        if proba.shape[1] == 1:
            proba = np.hstack([1.0 - proba, proba])
        return proba / proba.sum(axis=1, keepdims=True)


class RegressorTargetEncoder(TransformerMixin, BaseEstimator):
    """Reshape ``y`` to 2-D float and optionally standardize each column.

    Parameters
    ----------
    scale : bool, default=True
        Standardize each column (undone by :meth:`inverse_transform`).
    """

    def __init__(self, scale: bool = True) -> None:
        self.scale = scale

    def fit(self, y: np.ndarray) -> RegressorTargetEncoder:
        y = np.asarray(y, dtype=np.float64)
        self.ndim_ = y.ndim
        y2 = y.reshape(len(y), -1)
        self.n_outputs_ = y2.shape[1]
        self.mean_ = y2.mean(axis=0) if self.scale else np.zeros(self.n_outputs_)
        std = y2.std(axis=0) if self.scale else np.ones(self.n_outputs_)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return ((y2 - self.mean_) / self.scale_).astype(keras.backend.floatx())

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1) * self.scale_ + self.mean_
        return y2.ravel() if self.ndim_ == 1 else y2


Encoder = ClassifierTargetEncoder | RegressorTargetEncoder


# -- 1. at fit: the target checked, its encoder fitted --------------------------
def check_labels(y: np.ndarray) -> np.ndarray:
    """``y`` if it holds class labels (or an indicator matrix); else a ValueError."""
    check_classification_targets(y)
    return y


def check_values(y: np.ndarray, name: str) -> np.ndarray:
    """``y`` as numbers for a regressor; a DataError for text labels."""
    if y.dtype.kind in "biuf":
        return y
    try:
        return y.astype(np.float64)
    except (TypeError, ValueError):
        example = next(iter(np.ravel(y)), None)
        raise DataError(
            f"{name} needs a numeric target, but y has dtype {y.dtype} (e.g. "
            f"{example!r}). For class labels use KerasClassifier; otherwise convert "
            "the target to numbers."
        ) from None


def fit_classifier_target(y: np.ndarray, classes: Any, name: str) -> ClassifierTargetEncoder:
    """The fitted encoder of checked labels ``y`` (``classes``: every class, if given).

    Raises
    ------
    DataError
        For a target type no classifier output fits, or fewer than 2 classes.
    """
    target_type = classifier_target_type(y)
    if target_type in _LABELS and classes is not None:
        target_type = classifier_target_type(np.asarray(classes))
    if target_type not in (*_LABELS, *_INDICATORS):
        raise DataError(
            f"{name} does not support {target_type!r} targets. Use one column of "
            "labels, a one-hot matrix or a multilabel indicator matrix."
        )
    if target_type not in _INDICATORS:
        labels = np.unique(y if classes is None else np.asarray(classes))
        if labels.size < 2:
            raise DataError(
                f"{name} needs at least 2 classes in y, but y has 1 class: "
                f"{labels.tolist()}. Check the target column or the train/test split."
            )
    return ClassifierTargetEncoder(target_type, classes).fit(y)


def fit_regressor_target(y: np.ndarray, scale: bool) -> RegressorTargetEncoder:
    """The fitted encoder of checked values ``y``."""
    return RegressorTargetEncoder(scale=scale).fit(y)


def target_attributes(encoder: Encoder, y: np.ndarray) -> dict[str, Any]:
    """The estimator's fitted attributes that describe the target (``meta``)."""
    if isinstance(encoder, RegressorTargetEncoder):
        kind = "continuous" if y.ndim == 1 else "continuous-multioutput"
        found = {"target_type_": kind, "n_outputs_": encoder.n_outputs_}
    else:
        found = {
            "target_type_": encoder.target_type,
            "classes_": encoder.classes_,
            "n_classes_": encoder.n_classes_,
            "n_outputs_": 1 if y.ndim == 1 else y.shape[1],
        }
    return {**found, "n_outputs_expected_": 1, "y_dtype_": y.dtype}


def output_layer(encoder: Encoder) -> tuple[int, str]:
    """``(units, activation)`` of the output layer of the network kerasopt builds."""
    if isinstance(encoder, RegressorTargetEncoder):
        return int(encoder.n_outputs_), "linear"
    if encoder.target_type == "binary":
        return 1, "sigmoid"
    if encoder.target_type == "multilabel-indicator":
        return int(encoder.n_classes_), "sigmoid"
    return int(encoder.n_classes_), "softmax"


# -- 2. once the model exists: the loss and the encoding of labels -------------
def choose_loss(
    encoder: Encoder, loss: Any, *, label_smoothing: float, output_width: int | None
) -> tuple[Any, bool]:
    """The loss to compile with, and whether class labels reach the model one-hot.

    Parameters
    ----------
    encoder : ClassifierTargetEncoder or RegressorTargetEncoder
        The fitted target encoder.
    loss : str, class, instance, callable or None
        The ``loss`` parameter; None picks the loss that matches the target.
    label_smoothing : float
        Of the default loss of label targets (classifiers).
    output_width : int or None
        Units of the model's (first) output; None for the output
        :func:`output_layer` gives (what a model-building function is told
        before it builds).

    Returns
    -------
    loss
        ``loss`` itself when given; else mean squared error for a regressor,
        cross-entropy for a classifier: binary for one output unit (or a
        multilabel target), sparse categorical for labels on several units,
        categorical for a one-hot target; label targets smoothed by
        ``label_smoothing``.
    one_hot : bool
        Whether labels are given one-hot (a categorical ``loss``).
    """
    if isinstance(encoder, RegressorTargetEncoder):
        return ("mse" if loss is None else loss), False
    labels = encoder.target_type in _LABELS
    one_hot = labels and wants_one_hot(loss)
    if loss is not None:
        return loss, one_hot
    if encoder.target_type == "multiclass-onehot":
        return "categorical_crossentropy", one_hot  # indicator targets: as given
    if encoder.target_type == "multilabel-indicator":
        return "binary_crossentropy", one_hot
    if encoder.target_type == "binary" and output_width in (1, None):
        name = "binary_crossentropy"
    else:
        name = "sparse_categorical_crossentropy"
    return _smoothed(name, label_smoothing), one_hot


def default_metrics(encoder: Encoder) -> list[str] | None:
    """Metrics recorded in ``history_`` when ``metrics=None``."""
    return None if isinstance(encoder, RegressorTargetEncoder) else ["accuracy"]


@keras.saving.register_keras_serializable(package="kerasopt")
class SmoothedSparseCategoricalCrossentropy(keras.losses.Loss):
    """Cross-entropy of integer labels against label-smoothed one-hot targets.

    Keras' ``SparseCategoricalCrossentropy`` has no ``label_smoothing``.

    Parameters
    ----------
    label_smoothing : float
        Weight moved from the true class to a uniform distribution.
    """

    def __init__(self, label_smoothing: float = 0.1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        one_hot = keras.ops.one_hot(labels, keras.ops.shape(y_pred)[-1])
        return keras.losses.categorical_crossentropy(
            one_hot, y_pred, label_smoothing=self.label_smoothing
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def _smoothed(name: str, label_smoothing: float) -> Any:
    """The cross-entropy ``name`` with label smoothing, if any."""
    if not label_smoothing:
        return name
    if name == "binary_crossentropy":
        return keras.losses.BinaryCrossentropy(label_smoothing=label_smoothing)
    return SmoothedSparseCategoricalCrossentropy(label_smoothing)


# -- the model's outputs and the target's columns --------------------------------
def output_widths(model: keras.Model) -> list[int | None]:
    """Width of each output of ``model``; ``[None]`` for a subclassed model not built yet."""
    try:
        return [out.shape[-1] for out in model.outputs]
    except (AttributeError, ValueError):
        return [None]


def split_columns(y: np.ndarray, widths: list[int | None]) -> list[np.ndarray] | None:
    """``y`` cut into one array per output: a column each, or blocks of ``widths``.

    Returns None when ``y``'s columns fit neither.
    """
    columns = y.shape[1] if y.ndim > 1 else 1
    if columns == len(widths):
        return [y[:, i] for i in range(columns)]
    if None not in widths and sum(widths) == columns:  # type: ignore[arg-type]
        return np.split(y, np.cumsum(widths)[:-1], axis=1)  # type: ignore[arg-type]
    return None


def check_outputs(model: keras.Model, y: np.ndarray) -> None:
    """Raise unless the outputs of ``model`` can take the encoded target ``y``."""
    widths = output_widths(model)
    if len(widths) > 1 and split_columns(y, widths) is None:
        raise ValueError(
            f"The Keras model has {len(widths)} outputs of widths {widths}, but the "
            f"target has {y.shape[1] if y.ndim > 1 else 1} column(s). Give the model "
            "one output, or one output per target column."
        )


def strata(encoder: Encoder, y: np.ndarray) -> np.ndarray | None:
    """What the validation split is stratified on: the class of each encoded row."""
    if isinstance(encoder, RegressorTargetEncoder):
        return None
    if encoder.target_type == "multilabel-indicator":
        return None
    return y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.ravel()
