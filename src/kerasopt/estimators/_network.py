"""The network kerasopt builds when no ``model=`` is given, and how it trains.

The multi-layer perceptron of the tabular recipe: which input columns it
embeds or looks up (:class:`FeatureLayout`, from pandas ``category`` columns
and the ``numeric_embedding`` parameter), its Keras layers (registered for
serialization, so a saved model loads with ``safe_mode=True``), the checks of
its parameters, the optimizers its ``optimizer`` names, and its learning-rate
schedules. What the output layer and the loss are follows from the target:
see ``_targets``.
"""

from __future__ import annotations

import contextlib
import math
import random
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd
from keras import ops
from sklearn.base import is_classifier

from .._utils import did_you_mean
from ..exceptions import DataError

__all__ = [
    "ACTIVATION_NAMES",
    "LR_SCHEDULES",
    "NUMERIC_EMBEDDINGS",
    "OPTIMIZER_NAMES",
    "CategoryEmbedding",
    "ColumnSelect",
    "Dropout",
    "EnsembleMean",
    "EnsembleView",
    "FeatureLayout",
    "HostInitializer",
    "PeriodicEmbedding",
    "PiecewiseLinearEncoding",
    "SmoothClip",
    "adopt_recipe",
    "build_mlp",
    "category_codes",
    "check_activation",
    "check_optimizer",
    "check_recipe_params",
    "feature_layout",
    "lr_schedule_callback",
    "make_optimizer",
    "pickled_recipe",
    "recipe_model_kwargs",
]

NUMERIC_EMBEDDINGS: tuple[str, ...] = ("piecewise", "piecewise_tree", "periodic", "plr")
# The embeddings by PiecewiseLinearEncoding: one network, knots placed two ways.
_PIECEWISE = ("piecewise", "piecewise_tree")

ACTIVATION_NAMES: tuple[str, ...] = (
    "relu", "tanh", "sigmoid", "elu", "selu", "gelu", "leaky_relu", "silu", "swish",
    "softplus", "softsign", "relu6", "mish", "hard_sigmoid", "exponential", "linear",
)  # fmt: skip

_PACKAGE = "kerasopt"


# -- initial weights -----------------------------------------------------------
@keras.saving.register_keras_serializable(package=_PACKAGE)
class HostInitializer(keras.initializers.Initializer):
    """Initial weights drawn by NumPy on the host.

    Keras' initializers compute on the backend: on JAX every new shape is one
    more compilation (a uniform draw takes a quarter of a second to compile,
    more than the rest of a small model's first fit), paid again by every
    trial of a search that tries other layer widths. These draw the same
    distributions with NumPy. Like Keras' unseeded initializers they take
    their seed from Python's ``random``, so a seeded fit stays repeatable.

    Parameters
    ----------
    distribution : {"glorot_uniform", "uniform", "normal", "signs", "zeros", "ones", \
"constant"}
        Glorot's uniform (Keras' default kernel initializer), uniform in
        ``(-scale, scale)``, normal with standard deviation ``scale``, -1 or 1
        with equal chance, or constant (``scale`` for "constant").
    scale : float, default=1.0
        Bound of "uniform", standard deviation of "normal", value of "constant".
    """

    DISTRIBUTIONS = (
        "glorot_uniform", "uniform", "normal", "signs", "zeros", "ones", "constant",
    )  # fmt: skip

    def __init__(
        self, distribution: str = "glorot_uniform", scale: float = 1.0
    ) -> None:
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(
                f"Unknown distribution. Received: distribution={distribution!r}. "
                f"Use one of {', '.join(self.DISTRIBUTIONS)}."
            )
        self.distribution = distribution
        self.scale = float(scale)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        dtype = keras.backend.standardize_dtype(dtype or keras.backend.floatx())
        values = self._draw(tuple(int(d) for d in shape))
        with contextlib.suppress(TypeError):  # a dtype NumPy lacks: cast by Keras
            values = values.astype(dtype)
        # A NumPy array of the dtype named becomes a backend tensor by a plain
        # copy (without the dtype, or to cast, JAX compiles a program per shape).
        return ops.convert_to_tensor(values, dtype)

    def _draw(self, shape: tuple[int, ...]) -> np.ndarray:
        if self.distribution in ("zeros", "ones", "constant"):
            value = {"zeros": 0.0, "ones": 1.0}.get(self.distribution, self.scale)
            return np.full(shape, value)
        rng = np.random.default_rng(random.getrandbits(64))
        if self.distribution == "normal":
            return rng.normal(0.0, self.scale, shape)
        if self.distribution == "signs":
            return rng.choice(np.array([-1.0, 1.0]), shape)
        limit = self.scale
        if self.distribution == "glorot_uniform":  # as keras.initializers.GlorotUniform
            receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
            fan_in = shape[-2] * receptive if len(shape) > 1 else shape[0]
            fan_out = shape[-1] * receptive
            limit = math.sqrt(6.0 / max(1.0, fan_in + fan_out))
        return rng.uniform(-limit, limit, shape)

    def get_config(self) -> dict[str, Any]:
        return {"distribution": self.distribution, "scale": self.scale}


# -- layers --------------------------------------------------------------------
@keras.saving.register_keras_serializable(package=_PACKAGE)
class ColumnSelect(keras.layers.Layer):
    """Pick columns of a 2-D input by position.

    Parameters
    ----------
    columns : sequence of int
        Positions of the columns to keep, in output order.
    """

    def __init__(self, columns: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = [int(c) for c in columns]

    def call(self, inputs: Any) -> Any:
        return ops.take(inputs, self.columns, axis=-1)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return (*input_shape[:-1], len(self.columns))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "columns": self.columns}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Dropout(keras.layers.Layer):
    """``keras.layers.Dropout`` with its rate held in a (non-trainable) weight.

    The same computation as Keras' layer (the same random draws for the same
    seed), but the rate is a value the compiled training step reads, not a
    constant in it: networks that differ only in their dropout rate share
    one compiled step (see ``_jax_loop``).

    Parameters
    ----------
    rate : float
        Fraction of the inputs set to zero during training, in ``[0, 1)``.
    seed : int, optional
        Seed of the random draws.
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def build(self, input_shape: tuple[Any, ...]) -> None:
        self.kept = self.add_weight(
            shape=(), name="keep_probability", trainable=False,
            initializer=HostInitializer("constant", 1.0 - self.rate),
        )  # fmt: skip

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training:
            return inputs
        draws = keras.random.uniform(
            ops.shape(inputs), seed=self.seed_generator, dtype=self.kept.dtype
        )
        return ops.where(draws < self.kept, inputs / self.kept, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class SmoothClip(keras.layers.Layer):
    """Soft clipping ``x / sqrt(1 + (x / limit)^2)``: identity near 0, ``|y| < limit``.

    Keeps outliers of standardized features from dominating (RealMLP's
    "smooth clip").

    Parameters
    ----------
    limit : float, default=3.0
        Bound of the output.
    """

    def __init__(self, limit: float = 3.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limit = float(limit)

    def call(self, inputs: Any) -> Any:
        return inputs / ops.sqrt(1.0 + ops.square(inputs / self.limit))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "limit": self.limit}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PeriodicEmbedding(keras.layers.Layer):
    """Periodic embedding of each numeric feature (PLR / PBLD of Gorishniy et al.).

    For each of the ``n`` features separately: ``cos(2 pi w x + b)`` with
    ``n_frequencies`` trainable frequencies ``w ~ N(0, sigma)`` and phases,
    then a per-feature linear map to ``embedding_dim`` values (with ``relu``
    for ``"plr"``), and the raw feature appended. Output shape
    ``(batch, n * (embedding_dim + 1))``.

    Parameters
    ----------
    n_frequencies : int, default=16
        Frequencies per feature.
    embedding_dim : int, default=4
        Output values per feature (before the raw feature is appended).
    sigma : float, default=0.1
        Standard deviation of the initial frequencies (inputs are standardized).
    activation : {"linear", "relu"}, default="linear"
        After the per-feature linear map: ``"linear"`` is RealMLP's PBLD,
        ``"relu"`` the PLR of the paper.
    """

    def __init__(
        self,
        n_frequencies: int = 16,
        embedding_dim: int = 4,
        sigma: float = 0.1,
        activation: str = "linear",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.n_frequencies = int(n_frequencies)
        self.embedding_dim = int(embedding_dim)
        self.sigma = float(sigma)
        self.activation = activation

    def build(self, input_shape: tuple[Any, ...]) -> None:
        n, f, d = int(input_shape[-1]), self.n_frequencies, self.embedding_dim
        self.frequencies = self.add_weight(
            shape=(n, f), name="frequencies",
            initializer=HostInitializer("normal", self.sigma),
        )  # fmt: skip
        self.phases = self.add_weight(
            shape=(n, f), name="phases",
            initializer=HostInitializer("uniform", math.pi),
        )  # fmt: skip
        limit = 1.0 / math.sqrt(f)
        self.kernel = self.add_weight(
            shape=(n, f, d), name="kernel",
            initializer=HostInitializer("uniform", limit),
        )  # fmt: skip
        self.bias = self.add_weight(
            shape=(n, d), name="bias", initializer=HostInitializer("uniform", limit),
        )  # fmt: skip

    def call(self, inputs: Any) -> Any:
        x = ops.expand_dims(inputs, -1)  # (batch, n, 1)
        z = ops.cos(2.0 * math.pi * x * self.frequencies + self.phases)
        z = ops.einsum("bnf,nfd->bnd", z, self.kernel) + self.bias
        if self.activation == "relu":
            z = ops.relu(z)
        z = ops.concatenate([z, x], axis=-1)
        return ops.reshape(z, (-1, z.shape[1] * z.shape[2]))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return (input_shape[0], int(input_shape[-1]) * (self.embedding_dim + 1))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "n_frequencies": self.n_frequencies,
            "embedding_dim": self.embedding_dim,
            "sigma": self.sigma,
            "activation": self.activation,
        }


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PiecewiseLinearEncoding(keras.layers.Layer):
    """Each numeric feature split between its two nearest quantile knots.

    Each of the ``n`` features gets up to ``n_bins + 1`` knots at quantiles of
    its training values and one output per knot: a value between two knots
    is shared between them linearly (``0.3`` of the way from one to the next
    gives them ``0.7`` and ``0.3``), a value beyond the outer knots goes to
    that knot, the other outputs are 0. These are the linear B-splines of
    scikit-learn's ``SplineTransformer(degree=1, knots="quantile",
    extrapolation="constant")``; the piecewise-linear encoding of Gorishniy
    et al. (2022) spans the same functions. A network reads from them the
    step-like effects (a day, an hour, a threshold of a skewed number) that a
    gradient-boosted tree finds by splitting and a few ReLUs on one scaled
    value fit slowly. The knots are non-trainable weights, set by
    :meth:`set_knots` from the training data and saved with the model.
    Output shape ``(batch, n * (n_bins + 1))``.

    Parameters
    ----------
    n_bins : int, default=16
        Intervals between knots per feature. A feature with fewer distinct
        quantiles (a count, a flag) gets fewer knots; the outputs of the
        missing ones are 0.
    """

    def __init__(self, n_bins: int = 16, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n_bins = int(n_bins)

    def build(self, input_shape: tuple[Any, ...]) -> None:
        shape = (int(input_shape[-1]), self.n_bins)
        zeros = HostInitializer("zeros")
        # Interval t of a feature runs from left[t] over 1 / inverse_width[t];
        # an interval a feature lacks has inverse_width 0.
        self.left = self.add_weight(
            shape=shape, name="left", initializer=zeros, trainable=False
        )
        self.inverse_width = self.add_weight(
            shape=shape, name="inverse_width", initializer=zeros, trainable=False
        )

    def set_knots(self, X: np.ndarray, y: np.ndarray | None = None) -> None:
        """Place the knots from ``X``, training values of each feature.

        Without ``y``, at ``n_bins + 1`` quantiles. With the training target
        ``y`` (class codes, or numbers for a regression), at ``n_bins // 2 + 1``
        quantiles and at the thresholds of a decision tree of at most
        ``n_bins // 2`` leaves, each of at least 64 rows, fitted to predict
        ``y`` from the feature alone: where the target changes, which
        quantiles miss for a code or a day number whose effect is not smooth
        (the target-aware bins of Gorishniy et al., 2022).
        """
        X = np.asarray(X, dtype=np.float64)
        left = np.zeros((X.shape[1], self.n_bins))
        inverse_width = np.zeros_like(left)
        n_quantiles = self.n_bins if y is None else self.n_bins // 2
        levels = np.linspace(0.0, 1.0, n_quantiles + 1)
        for j in range(X.shape[1]):
            knots = np.quantile(X[:, j], levels)
            if y is not None:
                found = _tree_thresholds(X[:, j], y, self.n_bins // 2)
                knots = np.concatenate([knots, found])
            knots = np.unique(knots)
            k = len(knots) - 1
            left[j, :k], left[j, k:] = knots[:-1], knots[-1]
            # Capped: knots closer than float32 resolves would give inf * 0.
            inverse_width[j, :k] = np.minimum(1.0 / np.diff(knots), 1e30)
        dtype = keras.backend.floatx()
        self.left.assign(left.astype(dtype))
        self.inverse_width.assign(inverse_width.astype(dtype))

    def call(self, inputs: Any) -> Any:
        x = ops.expand_dims(inputs, -1)  # (batch, n, 1)
        # How far past each interval's left knot, in [0, 1]: 1 for an interval
        # wholly below x. Knot t's share is what interval t - 1 has covered
        # and interval t has not.
        z = ops.clip((x - self.left) * self.inverse_width, 0.0, 1.0)
        shares = ops.concatenate(
            [1.0 - z[:, :, :1], z[:, :, :-1] - z[:, :, 1:], z[:, :, -1:]], axis=-1
        )
        return ops.reshape(shares, (-1, shares.shape[1] * shares.shape[2]))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return (input_shape[0], int(input_shape[-1]) * (self.n_bins + 1))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n_bins": self.n_bins}


def _tree_thresholds(x: np.ndarray, y: np.ndarray, leaves: int) -> np.ndarray:
    """Split points of a decision tree predicting ``y`` from ``x`` alone."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    regression = np.issubdtype(np.asarray(y).dtype, np.floating)
    tree = (DecisionTreeRegressor if regression else DecisionTreeClassifier)(
        max_leaf_nodes=max(leaves, 2), min_samples_leaf=64, random_state=0
    )
    structure = tree.fit(x[:, None], y).tree_
    return structure.threshold[structure.children_left != structure.children_right]


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CategoryEmbedding(keras.layers.Layer):
    """Learned embeddings of integer-coded categorical columns.

    Each input column holds codes ``0 .. cardinality - 1`` (stored as floats);
    code 0 is reserved for categories not seen in training. Codes out of range
    are clipped to 0. Output: the concatenated vectors, ``(batch, m * dim)``.

    Parameters
    ----------
    cardinalities : sequence of int
        Number of codes of each column (including the unseen code 0).
    embedding_dim : int, default=8
        Length of each category's vector.
    """

    def __init__(
        self, cardinalities: Sequence[int], embedding_dim: int = 8, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.cardinalities = [int(c) for c in cardinalities]
        self.embedding_dim = int(embedding_dim)
        offsets, total = [], 0
        for cardinality in self.cardinalities:
            offsets.append(total)
            total += cardinality
        self._offsets, self._total = offsets, total

    def build(self, input_shape: tuple[Any, ...]) -> None:
        # Small initial vectors: the never-trained "unseen" code stays near zero.
        self.embeddings = self.add_weight(
            shape=(self._total, self.embedding_dim), name="embeddings",
            initializer=HostInitializer("uniform", 0.05),
        )  # fmt: skip

    def call(self, inputs: Any) -> Any:
        codes = ops.cast(ops.round(inputs), "int32")
        high = ops.convert_to_tensor([c - 1 for c in self.cardinalities], "int32")
        codes = ops.where((codes < 0) | (codes > high), 0, codes)
        index = codes + ops.convert_to_tensor(self._offsets, "int32")
        vectors = ops.take(self.embeddings, index, axis=0)  # (batch, m, dim)
        return ops.reshape(vectors, (-1, len(self.cardinalities) * self.embedding_dim))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return (input_shape[0], len(self.cardinalities) * self.embedding_dim)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "cardinalities": self.cardinalities,
            "embedding_dim": self.embedding_dim,
        }


@keras.saving.register_keras_serializable(package=_PACKAGE)
class EnsembleView(keras.layers.Layer):
    """Copy each row into ``k`` members, each scaled by its own trainable vector.

    TabM-mini (Gorishniy et al., 2025): ``(batch, d) -> (batch, k, d)`` with a
    per-member multiplicative adapter initialized to random signs, so the
    ``k`` members of the shared network that follows see different inputs and
    learn as an ensemble at the cost of one wider forward pass.

    Parameters
    ----------
    k : int
        Number of ensemble members.
    """

    def __init__(self, k: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.k = int(k)

    def build(self, input_shape: tuple[Any, ...]) -> None:
        self.adapter = self.add_weight(
            shape=(self.k, int(input_shape[-1])), name="adapter",
            initializer=HostInitializer("signs"),
        )  # fmt: skip

    def call(self, inputs: Any) -> Any:
        return ops.expand_dims(inputs, 1) * self.adapter

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return (input_shape[0], self.k, input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "k": self.k}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class EnsembleMean(keras.layers.Layer):
    """Average ``(batch, k, outputs)`` over the ``k`` ensemble members."""

    def call(self, inputs: Any) -> Any:
        return ops.mean(inputs, axis=1)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return (input_shape[0], input_shape[-1])


# -- which columns are embedded, looked up or used as they are -----------------
# A DataFrame column of ``category`` dtype (what CategoricalEncoder produces for
# columns with many levels, or what a user makes with ``astype("category")``)
# reaches the network as integer codes looked up in a learned embedding, the
# way ``HistGradientBoosting*(categorical_features="from_dtype")`` reads such
# columns. Code 0 stands for a missing value or a category not seen in
# training; the levels seen in training get codes ``1 .. n``.
class FeatureLayout:
    """Which input columns the network embeds, passes through or looks up.

    Parameters
    ----------
    embedded : sequence of int
        Positions of numeric columns given a numeric embedding (if any).
    plain : sequence of int
        Positions of columns used as they are (e.g. one-hot or binary columns).
    codes : sequence of int
        Positions of integer-coded categorical columns.
    cardinalities : sequence of int
        Number of codes of each column in ``codes`` (code 0: unseen).
    """

    def __init__(
        self,
        embedded: Sequence[int] = (),
        plain: Sequence[int] = (),
        codes: Sequence[int] = (),
        cardinalities: Sequence[int] = (),
    ) -> None:
        self.embedded = [int(i) for i in embedded]
        self.plain = [int(i) for i in plain]
        self.codes = [int(i) for i in codes]
        self.cardinalities = [int(c) for c in cardinalities]

    def __repr__(self) -> str:
        return (
            f"FeatureLayout(embedded={self.embedded}, plain={self.plain}, "
            f"codes={self.codes}, cardinalities={self.cardinalities})"
        )


def _category_columns(X: Any) -> list[Any]:
    if not isinstance(X, pd.DataFrame):
        return []
    return [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]


def category_codes(
    X: Any, categories: dict[str, list[Any]] | None
) -> tuple[Any, dict[str, list[Any]]]:
    """Replace category columns of ``X`` by their codes (0: missing or unseen).

    Parameters
    ----------
    X : DataFrame or array-like
        Input of ``fit`` or ``predict``; only a DataFrame can hold categories.
    categories : dict or None
        None at fit time (the levels are read from ``X``); at predict time the
        levels learned in fit, by column name, which fix the codes whatever
        the categories of the new data's dtype.

    Returns
    -------
    X : DataFrame or array-like
        ``X`` with each coded column as float codes (unchanged if none).
    categories : dict
        Column name -> list of levels (code ``i + 1`` is level ``i``).
    """
    if categories is None:
        columns = _category_columns(X)
        categories = {str(c): list(X[c].cat.categories) for c in columns}
        if not columns:
            return X, categories
    elif not categories:
        return X, categories
    elif not isinstance(X, pd.DataFrame):
        raise DataError(
            f"The model was fitted on a DataFrame with categorical columns "
            f"{sorted(categories)}; predict needs a DataFrame with those columns, "
            f"but got {type(X).__name__}."
        )
    names = {str(c): c for c in X.columns}
    missing = [c for c in categories if c not in names]
    if missing:
        raise DataError(
            f"X lacks the categorical column(s) {missing} seen in fit. Pass the "
            "same columns as in fit."
        )
    coded = {
        names[c]: _codes(X[names[c]], levels).astype(np.float64) + 1.0
        for c, levels in categories.items()
    }
    return X.assign(**coded), categories


def _codes(column: pd.Series, levels: list[Any]) -> np.ndarray:
    """The position of each value in ``levels``; -1 for missing and unseen values."""
    index = pd.Index(levels)
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.equals(index):
        return column.cat.codes.to_numpy()  # coded already (CategoricalEncoder)
    return index.get_indexer(column)  # another order of levels, unseen ones, or values


def feature_layout(
    X: np.ndarray,
    columns: list[Any] | None,
    categories: dict[str, list[Any]],
    embed_numeric: bool,
) -> FeatureLayout | None:
    """Roles of the columns of validated 2-D training data ``X``.

    Coded categorical columns are looked up in an embedding; with
    ``embed_numeric``, numeric columns with more than two distinct values get
    the numeric embedding and binary ones (one-hot columns, flags) stay plain.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training data after :func:`category_codes`.
    columns : list or None
        Column names of ``X`` (None for an array).
    categories : dict
        From :func:`category_codes`.
    embed_numeric : bool
        Whether the network embeds numeric columns.

    Returns
    -------
    FeatureLayout or None
        None when every column is used as it is (no codes, no embedding).
    """
    if X.ndim != 2 or not (categories or embed_numeric):
        return None
    names = [str(c) for c in columns] if columns is not None else []
    codes = [names.index(c) for c in categories]
    others = [i for i in range(X.shape[1]) if i not in codes]
    embedded = []
    if embed_numeric:
        embedded = [i for i in others if len(np.unique(X[:, i])) > 2]
    plain = [i for i in others if i not in embedded]
    return FeatureLayout(
        embedded, plain, codes, [len(levels) + 1 for levels in categories.values()]
    )


# -- the MLP -------------------------------------------------------------------
#: What each network built by :func:`build_mlp` computes, as the arguments it was
#: built from (the values its weights hold aside: knots, dropout rates). Two
#: networks with equal entries compute the same function of their weights, so
#: ``_jax_loop`` runs them with one compiled program without tracing each
#: (~13 ms a network, twice: 1.3 s of a 10-trial, 5-fold search). Networks
#: with a ``normalizer``, whose statistics are constants of the program, have
#: none and are traced.
RECIPES: weakref.WeakKeyDictionary[keras.Model, str] = weakref.WeakKeyDictionary()


def pickled_recipe(model: keras.Model) -> tuple[str, str] | None:
    """``model``'s recipe, with the kerasopt and Keras versions that wrote it."""
    recipe = RECIPES.get(model)
    return None if recipe is None else (_writer(), recipe)


def adopt_recipe(model: keras.Model, pickled: tuple[str, str] | None) -> None:
    """Give an unpickled ``model`` the recipe of the network it was saved from.

    Only where the same kerasopt and Keras wrote it: another version may
    build another network from the same arguments. Then the model is traced,
    as any other (~40 ms before its first prediction).
    """
    if pickled is not None and pickled[0] == _writer():
        RECIPES[model] = pickled[1]


def _writer() -> str:
    from .. import __version__  # here: the package imports this module

    return f"kerasopt {__version__}, keras {keras.__version__}"


def _inputs(
    inputs: keras.KerasTensor,
    layout: FeatureLayout | None,
    *,
    normalizer: keras.layers.Layer | None,
    input_clip: float | None,
    numeric_embedding: str | None,
    numeric_sample: np.ndarray | None,
    numeric_target: np.ndarray | None,
    categorical_embedding_dim: int,
) -> keras.KerasTensor:
    """The first representation of a row: scaled, clipped and embedded columns."""
    if layout is None:
        x = inputs if normalizer is None else normalizer(inputs)
        return SmoothClip(input_clip)(x) if input_clip else x
    parts = []
    numeric = layout.embedded + layout.plain
    if numeric:
        x = ColumnSelect(numeric)(inputs)
        if normalizer is not None:
            x = normalizer(x)
        if input_clip:
            x = SmoothClip(input_clip)(x)
        if numeric_embedding in _PIECEWISE and layout.embedded:
            # Knots on the raw columns: quantiles follow any monotone scaling.
            encoding = PiecewiseLinearEncoding()
            parts += [x, encoding(ColumnSelect(layout.embedded)(inputs))]
            if numeric_sample is not None:
                encoding.set_knots(numeric_sample, numeric_target)
        elif numeric_embedding and layout.embedded:
            n = len(layout.embedded)
            embedded = PeriodicEmbedding(
                activation="relu" if numeric_embedding == "plr" else "linear"
            )(ColumnSelect(range(n))(x))
            parts.append(embedded)
            if layout.plain:
                parts.append(ColumnSelect(range(n, len(numeric)))(x))
        else:
            parts.append(x)
    if layout.codes:
        codes = ColumnSelect(layout.codes)(inputs)
        parts.append(CategoryEmbedding(layout.cardinalities, categorical_embedding_dim)(codes))
    return parts[0] if len(parts) == 1 else keras.layers.Concatenate()(parts)


def build_mlp(
    input_shape: tuple[int, ...],
    n_outputs: int,
    output_activation: str,
    *,
    hidden_layer_sizes: Sequence[int],
    activation: str,
    dropout: float,
    l2: float,
    batch_normalization: bool,
    normalizer: keras.layers.Layer | None = None,
    layout: FeatureLayout | None = None,
    numeric_embedding: str | None = None,
    numeric_sample: np.ndarray | None = None,
    numeric_target: np.ndarray | None = None,
    categorical_embedding_dim: int = 8,
    input_clip: float | None = None,
    ensemble_heads: int = 1,
) -> keras.Model:
    """Build an uncompiled Dense network.

    Each hidden block is Dense -> [BatchNormalization] -> activation -> [Dropout].
    Inputs with more than one feature axis (images) are flattened first.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample.
    n_outputs : int
        Units of the output layer.
    output_activation : str
        Activation of the output layer (``sigmoid``, ``softmax`` or ``linear``).
    hidden_layer_sizes : sequence of int
        Units of each hidden layer; empty gives a linear/logistic model.
    activation : str
        Activation of the hidden layers.
    dropout : float
        Dropout rate after each hidden layer, in ``[0, 1)``.
    l2 : float
        L2 penalty on every Dense kernel.
    batch_normalization : bool
        Insert batch normalization before each hidden activation.
    normalizer : keras.layers.Layer, optional
        An adapted ``Normalization`` layer applied to the inputs (with a
        ``layout``: to its numeric columns, embedded ones first).
    layout : FeatureLayout, optional
        Roles of the input columns (2-D inputs only); None uses every column
        as it is.
    numeric_embedding : {"piecewise", "piecewise_tree", "periodic", "plr"}, optional
        Embedding of the layout's ``embedded`` columns: ``"piecewise"`` and
        ``"piecewise_tree"`` append their :class:`PiecewiseLinearEncoding`
        to the numeric columns, ``"periodic"`` and ``"plr"`` replace them by
        a :class:`PeriodicEmbedding`.
    numeric_sample : ndarray of shape (n_samples, n_embedded), optional
        Training values of the ``embedded`` columns, where the knots of the
        piecewise encoding are placed (without it they are left unset, as
        before loading saved weights).
    numeric_target : ndarray, optional
        The training target of ``numeric_sample``'s rows: with it, knots
        are also placed where the target changes (see
        :meth:`PiecewiseLinearEncoding.set_knots`).
    categorical_embedding_dim : int, default=8
        Vector length of each coded categorical column.
    input_clip : float, optional
        Smoothly clip numeric inputs to ``(-input_clip, input_clip)``.
    ensemble_heads : int, default=1
        With ``k > 1``, ``k`` members share the hidden layers (TabM-mini:
        :class:`EnsembleView`) and their outputs are averaged.

    Returns
    -------
    keras.Model
    """
    inputs = keras.Input(shape=input_shape)
    if len(input_shape) > 1:
        x = inputs if normalizer is None else normalizer(inputs)
        x = keras.layers.Flatten()(x)
    else:
        x = _inputs(
            inputs, layout, normalizer=normalizer, input_clip=input_clip,
            numeric_embedding=numeric_embedding, numeric_sample=numeric_sample,
            numeric_target=numeric_target,
            categorical_embedding_dim=categorical_embedding_dim,
        )  # fmt: skip
    if ensemble_heads > 1:
        x = EnsembleView(ensemble_heads)(x)
    dense = {
        "kernel_regularizer": keras.regularizers.L2(l2) if l2 else None,
        "kernel_initializer": HostInitializer("glorot_uniform"),
        "bias_initializer": HostInitializer("zeros"),
    }
    for units in hidden_layer_sizes:
        x = keras.layers.Dense(int(units), **dense)(x)
        if batch_normalization:
            x = keras.layers.BatchNormalization(
                beta_initializer=HostInitializer("zeros"),
                gamma_initializer=HostInitializer("ones"),
                moving_mean_initializer=HostInitializer("zeros"),
                moving_variance_initializer=HostInitializer("ones"),
            )(x)
        x = keras.layers.Activation(activation)(x)
        if dropout:
            x = Dropout(dropout)(x)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, **dense)(x)
    if ensemble_heads > 1:
        outputs = EnsembleMean()(outputs)
    model = keras.Model(inputs, outputs)
    if normalizer is None:
        # Not the L2 factor: the compiled step takes it as a value. The shapes
        # of the weights too, should a layer's defaults have changed.
        RECIPES[model] = repr((
            [(tuple(w.shape), str(w.dtype)) for w in model.weights],
            tuple(input_shape), n_outputs, output_activation,
            tuple(int(u) for u in hidden_layer_sizes), activation, bool(dropout),
            batch_normalization, layout,
            # Where the knots are is a value of the weights, not of the program.
            "piecewise" if numeric_embedding in _PIECEWISE else numeric_embedding,
            categorical_embedding_dim,
            input_clip, ensemble_heads, keras.config.floatx(),
            keras.config.dtype_policy().name,
        ))  # fmt: skip
    return model


# -- parameters ----------------------------------------------------------------
def check_activation(activation: str) -> str:
    """Return ``activation`` if Keras knows it, else raise a ValueError listing names."""
    try:
        keras.activations.get(activation)
    except (ValueError, TypeError):
        hint = did_you_mean(str(activation), ACTIVATION_NAMES)
        raise ValueError(
            f"Unknown activation. Received: activation={activation!r}.{hint} Use any "
            f"Keras activation name, e.g. {', '.join(ACTIVATION_NAMES)}."
        ) from None
    return activation


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_recipe_params(estimator: Any) -> None:
    """Raise a ValueError naming the first recipe parameter with a bad value."""
    embedding = estimator.numeric_embedding
    if embedding is not None and embedding not in NUMERIC_EMBEDDINGS:
        raise ValueError(
            f"Unknown numeric embedding. Received: numeric_embedding={embedding!r}. "
            f"Use one of {', '.join(map(repr, NUMERIC_EMBEDDINGS))} or None."
        )
    for name in ("categorical_embedding_dim", "ensemble_heads"):
        value = getattr(estimator, name)
        if not _is_int(value) or value < 1:
            raise ValueError(
                f"{name} must be a positive integer. Received: {name}={value!r}."
            )
    decay = estimator.weight_decay
    if isinstance(decay, bool) or not isinstance(decay, (int, float, np.number)) or not (
        0.0 <= decay < 1.0
    ):
        raise ValueError(
            "weight_decay must be a number in [0, 1) (0 turns it off). "
            f"Received: weight_decay={decay!r}."
        )
    smoothing = getattr(estimator, "label_smoothing", 0.0)
    if isinstance(smoothing, bool) or not isinstance(
        smoothing, (int, float, np.number)
    ) or not 0.0 <= smoothing < 1.0:
        raise ValueError(
            "label_smoothing must be a number in [0, 1). "
            f"Received: label_smoothing={smoothing!r}."
        )


def recipe_model_kwargs(
    estimator: Any, X: np.ndarray, y: np.ndarray, categories: dict[str, list[Any]]
) -> dict[str, Any]:
    """Arguments of ``build_mlp`` from the estimator's recipe parameters.

    Parameters
    ----------
    estimator : KerasClassifier or KerasRegressor
    X : ndarray
        The validated training data (categorical columns as codes).
    y : ndarray
        The validated training target (labels, for a classifier).
    categories : dict
        The levels of the coded categorical columns (see
        :func:`category_codes`).
    """
    columns = getattr(estimator, "feature_names_in_", None)
    layout = feature_layout(
        X, None if columns is None else list(columns), categories,
        embed_numeric=estimator.numeric_embedding is not None,
    )  # fmt: skip
    piecewise = layout is not None and estimator.numeric_embedding in _PIECEWISE
    target = None
    if piecewise and estimator.numeric_embedding == "piecewise_tree":
        target = np.asarray(y)
        if target.ndim == 2 and target.shape[1] == 1:
            target = target[:, 0]
        if not is_classifier(estimator):
            target = target.astype(float)
        elif target.ndim == 1:  # labels of any type, as codes
            target = np.unique(target, return_inverse=True)[1]
    return {
        "layout": layout,
        "numeric_embedding": estimator.numeric_embedding,
        "numeric_sample": X[:, layout.embedded] if piecewise else None,
        "numeric_target": target,
        "categorical_embedding_dim": int(estimator.categorical_embedding_dim),
        "ensemble_heads": int(estimator.ensemble_heads),
    }


# -- optimizers and learning-rate schedules ------------------------------------
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
    check_optimizer(optimizer)
    kwargs = dict(params or {})
    if learning_rate is not None:
        kwargs.setdefault("learning_rate", learning_rate)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        config = {**optimizer.get_config(), **kwargs}
        return type(optimizer).from_config(config)
    if isinstance(optimizer, str):
        cls, defaults = _OPTIMIZERS[optimizer.lower()]
        return cls(**{**defaults, **kwargs})
    return optimizer(**kwargs)


def check_optimizer(optimizer: Any) -> None:
    """Raise a ValueError unless ``optimizer`` names or is a Keras optimizer."""
    if isinstance(optimizer, keras.optimizers.Optimizer) or (
        isinstance(optimizer, type) and issubclass(optimizer, keras.optimizers.Optimizer)
    ):
        return
    if isinstance(optimizer, str) and optimizer.lower() in _OPTIMIZERS:
        return
    hint = did_you_mean(optimizer.lower(), OPTIMIZER_NAMES) if isinstance(optimizer, str) else ""
    raise ValueError(
        f"Unknown optimizer. Received: optimizer={optimizer!r}.{hint} Use one of "
        f"{', '.join(OPTIMIZER_NAMES)}, a keras.optimizers.Optimizer subclass or "
        "an instance of one."
    )


# Each schedule runs over the epochs of one fit, from the rate the fit starts with.
_SCHEDULES: dict[str, Callable[[float, int], keras.optimizers.schedules.LearningRateSchedule]] = {
    "cosine": lambda rate, epochs: keras.optimizers.schedules.CosineDecay(rate, epochs),
    "exponential": lambda rate, _: keras.optimizers.schedules.ExponentialDecay(rate, 1, 0.96),
    "step": lambda rate, _: keras.optimizers.schedules.ExponentialDecay(
        rate, 10, 0.5, staircase=True
    ),
}
LR_SCHEDULES: tuple[str, ...] = tuple(_SCHEDULES)


def lr_schedule_callback(lr_schedule: Any, epochs: int) -> keras.callbacks.Callback:
    """The callback of the ``lr_schedule`` parameter for a fit that ends at ``epochs``.

    A named schedule (``keras.optimizers.schedules``, evaluated once an epoch)
    starts from the learning rate of the fit's first epoch and spans its
    epochs: cosine decay to 0, times 0.96 each epoch, halved every 10 epochs.
    A callable gets ``(epoch, lr)``.
    """
    if isinstance(lr_schedule, str) and lr_schedule in _SCHEDULES:
        start: list[tuple[int, Any]] = []  # the fit's first epoch and its schedule

        def rate(epoch: int, lr: float) -> float:
            if not start:
                make = _SCHEDULES[lr_schedule]
                start.append((epoch, make(lr, max(epochs - epoch, 1))))
            first, schedule = start[0]
            return float(schedule(epoch - first))

        return keras.callbacks.LearningRateScheduler(rate)
    if callable(lr_schedule):
        return keras.callbacks.LearningRateScheduler(lr_schedule)
    raise ValueError(
        f"Unknown learning-rate schedule. Received: lr_schedule={lr_schedule!r}. "
        f"Use one of {', '.join(LR_SCHEDULES)}, a callable(epoch, lr) -> lr, or "
        "None."
    )
