"""Keras layers of the tabular recipe: feature embeddings and ensemble heads.

Backend-agnostic (``keras.ops`` only) and registered for serialization, so
models that use them save with ``model.save`` and load with ``safe_mode=True``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
from keras import ops

__all__ = [
    "CategoryEmbedding",
    "ColumnSelect",
    "EnsembleMean",
    "EnsembleView",
    "PeriodicEmbedding",
    "SmoothClip",
]

_PACKAGE = "kerasopt"


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
            initializer=keras.initializers.RandomNormal(stddev=self.sigma),
        )  # fmt: skip
        self.phases = self.add_weight(
            shape=(n, f), name="phases",
            initializer=keras.initializers.RandomUniform(-math.pi, math.pi),
        )  # fmt: skip
        limit = 1.0 / math.sqrt(f)
        self.kernel = self.add_weight(
            shape=(n, f, d), name="kernel",
            initializer=keras.initializers.RandomUniform(-limit, limit),
        )  # fmt: skip
        self.bias = self.add_weight(
            shape=(n, d), name="bias",
            initializer=keras.initializers.RandomUniform(-limit, limit),
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
            initializer=keras.initializers.RandomUniform(-0.05, 0.05),
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
            initializer=keras.initializers.RandomUniform(-1.0, 1.0),
        )  # fmt: skip
        self.adapter.assign(ops.where(self.adapter < 0, -1.0, 1.0))  # random signs

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
