"""The built-in multi-layer perceptron used when no ``model=`` is given."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import keras

__all__ = ["ACTIVATION_NAMES", "build_mlp", "check_activation"]

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
        An adapted ``Normalization`` layer applied to the inputs.

    Returns
    -------
    keras.Model
    """
    inputs = keras.Input(shape=input_shape)
    x = inputs if normalizer is None else normalizer(inputs)
    if len(input_shape) > 1:
        x = keras.layers.Flatten()(x)
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
    return keras.Model(inputs, outputs)
