"""The built-in multi-layer perceptron used when no ``model=`` is given."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import keras

from ._layers import (
    CategoryEmbedding,
    ColumnSelect,
    EnsembleMean,
    EnsembleView,
    PeriodicEmbedding,
    SmoothClip,
)

__all__ = [
    "ACTIVATION_NAMES",
    "NUMERIC_EMBEDDINGS",
    "FeatureLayout",
    "build_mlp",
    "check_activation",
]

NUMERIC_EMBEDDINGS: tuple[str, ...] = ("periodic", "plr")

ACTIVATION_NAMES: tuple[str, ...] = (
    "relu", "tanh", "sigmoid", "elu", "selu", "gelu", "leaky_relu", "silu", "swish",
    "softplus", "softsign", "relu6", "mish", "hard_sigmoid", "exponential", "linear",
)  # fmt: skip


def check_activation(activation: str) -> str:
    """Return ``activation`` if Keras knows it, else raise a ValueError listing names."""
    try:
        keras.activations.get(activation)
    except (ValueError, TypeError):
        close = difflib.get_close_matches(str(activation), ACTIVATION_NAMES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Unknown activation. Received: activation={activation!r}.{hint} Use any "
            f"Keras activation name, e.g. {', '.join(ACTIVATION_NAMES)}."
        ) from None
    return activation


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


def _inputs(
    inputs: keras.KerasTensor,
    layout: FeatureLayout | None,
    *,
    normalizer: keras.layers.Layer | None,
    input_clip: float | None,
    numeric_embedding: str | None,
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
        if numeric_embedding and layout.embedded:
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
    numeric_embedding : {"periodic", "plr"}, optional
        Embedding of the layout's ``embedded`` columns (:class:`PeriodicEmbedding`).
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
            numeric_embedding=numeric_embedding,
            categorical_embedding_dim=categorical_embedding_dim,
        )  # fmt: skip
    if ensemble_heads > 1:
        x = EnsembleView(ensemble_heads)(x)
    regularizer = keras.regularizers.L2(l2) if l2 else None
    for units in hidden_layer_sizes:
        x = keras.layers.Dense(int(units), kernel_regularizer=regularizer)(x)
        if batch_normalization:
            x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation(activation)(x)
        if dropout:
            x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(
        n_outputs, activation=output_activation, kernel_regularizer=regularizer
    )(x)
    if ensemble_heads > 1:
        outputs = EnsembleMean()(outputs)
    return keras.Model(inputs, outputs)
