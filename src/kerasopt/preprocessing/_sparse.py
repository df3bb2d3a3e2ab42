"""Sparse matrices (a sparse ``OneHotEncoder``'s output) made dense, within a limit.

Keras models train on dense arrays. A one-hot encoded table is usually small
enough to densify; when it is not, the error says how to get fewer columns or
dense output from the start.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse

from ..exceptions import DataError

__all__ = ["DENSE_LIMIT_BYTES", "densify"]

#: Largest dense array :func:`densify` builds: 1 GiB.
DENSE_LIMIT_BYTES = 2**30


def _size(n_bytes: float) -> str:
    return (
        f"{n_bytes / 2**30:.1f} GiB"
        if n_bytes >= 2**30
        else f"{n_bytes / 2**20:.1f} MiB"
    )


def densify(
    X: Any, *, limit_bytes: int = DENSE_LIMIT_BYTES, dtype: Any = np.float32
) -> Any:
    """Return a scipy sparse ``X`` as a dense array; anything else unchanged.

    Parameters
    ----------
    X : scipy sparse matrix or array, or anything else
        Data for a Keras model.
    limit_bytes : int, default=DENSE_LIMIT_BYTES (1 GiB)
        Refuse to build a dense array larger than this.
    dtype : numpy dtype, default=np.float32
        Dtype of the dense array (Keras computes in float32).

    Returns
    -------
    ndarray of shape X.shape, or X itself when it is not sparse.

    Raises
    ------
    DataError
        If the dense array would exceed ``limit_bytes``; the message gives the
        shape, the size and how to get fewer or dense columns.

    Examples
    --------
    >>> import scipy.sparse
    >>> densify(scipy.sparse.eye(3, format="csr")).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    if not scipy.sparse.issparse(X):
        return X
    n_rows, n_columns = X.shape
    n_bytes = n_rows * n_columns * np.dtype(dtype).itemsize
    if n_bytes > limit_bytes:
        density = X.nnz / max(n_rows * n_columns, 1)
        raise DataError(
            f"X is a sparse matrix of shape {X.shape} ({density:.2%} non-zero). "
            f"Keras models take dense arrays, and its dense form would need "
            f"{_size(n_bytes)}, more than the limit of {_size(limit_bytes)}. Encode "
            "fewer columns (OneHotEncoder(max_categories=...) or min_frequency=...), "
            "or pass a smaller X; a preprocessor with dense output from the start "
            "is OneHotEncoder(sparse_output=False) or "
            "ColumnTransformer(sparse_threshold=0)."
        )
    return X.astype(dtype).toarray()
