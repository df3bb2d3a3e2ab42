"""The tabular preprocessor: from a raw table to what a Keras model takes.

:class:`TabularPreprocessor` is the ``ColumnTransformer`` that
:func:`make_tabular_preprocessor` builds (its errors name the column at
fault: sklearn's speak of arrays, and by the time the estimator sees the data
the column names are gone); :func:`make_tabular_pipeline` puts it in front of
an estimator. :func:`densify` turns a sparse matrix (a sparse
``OneHotEncoder``'s output) into the dense array Keras trains on, within a
size limit.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    MinMaxScaler,
    OneHotEncoder,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

from ..exceptions import DataError
from ._columns import ColumnSelector, check_rows, check_target
from ._encoders import (
    CategoricalEncoder,
    CategoryCaster,
    NumericCaster,
    one_hot_encoder,
)

__all__ = [
    "DENSE_LIMIT_BYTES",
    "SCALERS",
    "TabularPreprocessor",
    "densify",
    "make_tabular_pipeline",
    "make_tabular_preprocessor",
]

SCALERS: tuple[str, ...] = ("standard", "robust", "quantile", "minmax", "keras", "none")


class QuantileScaler(QuantileTransformer):
    """``QuantileTransformer(output_distribution="normal")`` for any row count.

    scikit-learn warns when a table has fewer rows than ``n_quantiles`` and
    then uses one quantile per row; this does the same without the warning.
    Parameters as :class:`sklearn.preprocessing.QuantileTransformer`.
    """

    def __init__(
        self,
        *,
        n_quantiles: int = 1000,
        output_distribution: str = "normal",
        ignore_implicit_zeros: bool = False,
        subsample: int | None = 10_000,
        random_state: Any = 0,
        copy: bool = True,
    ) -> None:
        super().__init__(
            n_quantiles=n_quantiles, output_distribution=output_distribution,
            ignore_implicit_zeros=ignore_implicit_zeros, subsample=subsample,
            random_state=random_state, copy=copy,
        )  # fmt: skip

    def fit(self, X: Any, y: Any = None) -> QuantileScaler:
        """Fit the quantiles of ``X`` (at most one per row)."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "n_quantiles .* is greater than")
            return super().fit(X, y)


#: ``embed_categories="auto"`` of make_tabular_pipeline: columns with at least
#: this many levels get a learned embedding in a kerasopt estimator.
EMBED_MIN_CATEGORIES = 10


# Keras computes in float32: a larger value becomes infinity in the model.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


class TabularPreprocessor(ColumnTransformer):
    """A ``ColumnTransformer`` whose errors name the column and the fix.

    The parameters are those of :class:`sklearn.compose.ColumnTransformer`;
    :func:`~kerasopt.make_tabular_preprocessor` builds one. On top of it:

    - ``fit`` refuses a target ``y`` with missing or infinite values (the
      rows must be dropped; nothing imputes a target);
    - ``transform`` on an array when fit on a DataFrame says to pass a
      DataFrame with the fitted columns;
    - an output value that is not finite, or too large for the float32 a Keras
      model computes in, names its column (a feature ×1e200 overflows when
      scaled);
    - when a part ends in a :class:`~kerasopt.preprocessing.CategoricalEncoder`
      that returns pandas ``category`` columns, the output is a DataFrame that
      keeps them (named by ``get_feature_names_out``); otherwise an array, as
      usual.
    """

    def fit(self, X: Any, y: Any = None, **params: Any) -> TabularPreprocessor:
        self.fit_transform(X, y, **params)
        return self

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> Any:
        check_rows(X)
        check_target(y)
        self._keep_categories()
        with np.errstate(over="ignore", invalid="ignore"):
            out = super().fit_transform(X, y, **params)
        self._keep_categories()  # fitted: did some column stay categories?
        return self._check_output(X, out)

    def transform(self, X: Any, **params: Any) -> Any:
        names = getattr(self, "feature_names_in_", None)
        if names is not None and not hasattr(X, "columns"):
            raise DataError(
                f"This preprocessor was fitted on a DataFrame with columns "
                f"{', '.join(map(str, names))}, but got a {type(X).__name__} of "
                f"shape {np.shape(X)}. Pass a DataFrame with these columns, e.g. "
                "pd.DataFrame(X, columns=model.feature_names_in_)."
            )
        check_rows(X)
        if not params and names is not None and 0 < len(X) <= FAST_MAX_ROWS:
            out = _FastTransform.of(self).transform(X)
            if out is not None:
                return out
        self._keep_categories()
        with np.errstate(over="ignore", invalid="ignore"):
            out = super().transform(X, **params)
        return self._check_output(X, out)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns (see ``ColumnTransformer``).

        Kept from the last fit for ``input_features=None``: pandas output
        asks for them at every ``transform``, and computing them walks every
        step (~0.5 ms, as long as transforming a row).
        """
        plan = _FAST_PLANS.get(self)
        if input_features is None and plan is not None and (
            plan.fitted is getattr(self, "transformers_", None)
        ):
            return plan.names.copy()
        return super().get_feature_names_out(input_features)

    def _encoders(self) -> list[CategoricalEncoder]:
        """The CategoricalEncoders that end a part (the fitted ones, once fitted)."""
        parts = self.transformers_ if hasattr(self, "transformers_") else self.transformers
        lasts = [p.steps[-1][1] if isinstance(p, Pipeline) else p for _, p, _ in parts]
        return [last for last in lasts if isinstance(last, CategoricalEncoder)]

    def _embeds(self) -> bool:
        """Whether category columns may come out: before fit, whether a part ends in
        a CategoricalEncoder; after, whether one kept some column as categories (one
        whose part selected no column stays unfitted)."""
        if not hasattr(self, "transformers_"):
            return bool(self._encoders())
        return any(getattr(encoder, "embedded_", None) for encoder in self._encoders())

    def _keep_categories(self) -> None:
        """Join the parts as a DataFrame when category columns may come out of one.

        Pandas output for this ColumnTransformer and for the last step of each
        part, which is what joins columns without making them one dtype; the
        steps before keep the arrays they were fitted on (so do preprocessors
        saved by kerasopt 0.2, which joined the parts its own way). When no
        column was kept as categories, the parts are joined as an array.
        """
        if not self._encoders():
            return  # nothing makes categories: the output is as configured
        # TransformerMixin's set_output: ColumnTransformer's would also reach the
        # steps inside each part.
        TransformerMixin.set_output(self, transform="pandas" if self._embeds() else "default")
        for _, part, _ in (*self.transformers, *getattr(self, "transformers_", ())):
            last = part.steps[-1][1] if isinstance(part, Pipeline) else part
            if hasattr(last, "set_output"):
                last.set_output(transform="pandas")

    def _check_output(self, X: Any, out: Any) -> Any:
        if isinstance(out, pd.DataFrame) and self._encoders() and not self._embeds():
            out = out.to_numpy()  # fit joined a DataFrame, but nothing was embedded
        if isinstance(out, pd.DataFrame):  # category columns (or set_output("pandas"))
            numbers = out.select_dtypes("number")
            values, names = numbers.to_numpy(dtype=float), numbers.columns
        elif isinstance(out, np.ndarray) and out.dtype.kind == "f":
            values, names = out, self.get_feature_names_out()
        else:
            return out
        with np.errstate(invalid="ignore"):
            bad = ~(np.abs(values) <= _FLOAT32_MAX)
        if not bad.any():
            return out
        column = names[np.flatnonzero(bad.any(axis=0))[0]]
        raw = X[column] if hasattr(X, "columns") and column in X.columns else None
        largest = ""
        if raw is not None:
            magnitude = np.nanmax(np.abs(pd.to_numeric(raw, errors="coerce")))
            largest = f" (values up to {magnitude:.3g} in magnitude)"
        raise DataError(
            f"Column {column!r} is too large to compute with{largest}: after "
            "scaling its values overflow (Keras computes in float32). Divide it by "
            "a constant or take its logarithm before fitting (e.g. np.log10 of a "
            "positive column), or drop it."
        )


# -- the fast path of a fitted preprocessor, for a few rows ---------------------
#: Up to this many rows, a fitted TabularPreprocessor transforms by lookups
#: and NumPy arithmetic (:class:`_FastTransform`) instead of going through
#: ColumnTransformer and every step's input validation.
FAST_MAX_ROWS = 256
_MEMO_LIMIT = 4096  # encoded values kept per categorical column
_MISSING = object()  # the memo key of a missing value


class _FastTransform:
    """What a fitted :class:`TabularPreprocessor` computes, replayed for a few rows.

    One row through ``ColumnTransformer`` costs ~10 ms: column selection,
    input validation in every step, pandas output wrapping. The fitted steps
    are fixed, so a row's result follows from them: numeric columns are
    imputed and scaled with the arithmetic of SimpleImputer, StandardScaler,
    RobustScaler and MinMaxScaler on their fitted statistics (QuantileScaler
    by its own transform); each categorical value is
    cast by the fitted CategoryCaster itself, imputed and looked up once, and
    its position kept for the next time. Only the steps
    :func:`make_tabular_preprocessor` builds are replayed. For any other part,
    and any input that is not plainly valid (other columns or column order,
    text or infinity in a numeric column, a value the caster refuses),
    :meth:`transform` returns None and the preprocessor takes its usual path,
    with its usual errors.
    """

    def __init__(self, preprocessor: TabularPreprocessor) -> None:
        self.fitted = preprocessor.transformers_
        self.columns = list(preprocessor.feature_names_in_)
        self.frame = preprocessor._embeds()
        self.names = preprocessor.get_feature_names_out()
        parts: list[tuple[Any, list[Any]]] | None = []
        for _, part, columns in self.fitted:
            if isinstance(part, str) and part == "drop":
                continue
            if isinstance(columns, slice) or not _replayable(part):
                parts = None
                break
            if len(columns):
                parts.append((part, list(columns)))
        self.parts = parts
        self.memo: dict[Any, dict[Any, int]] = {}
        self.positions: dict[Any, dict[Any, int]] = {}
        self.dtypes: dict[Any, pd.CategoricalDtype] = {}

    @classmethod
    def of(cls, preprocessor: TabularPreprocessor) -> _FastTransform:
        """The replay of ``preprocessor``'s last fit (kept per preprocessor)."""
        plans = _FAST_PLANS
        plan = plans.get(preprocessor)
        if plan is None or plan.fitted is not preprocessor.transformers_:
            plan = plans[preprocessor] = cls(preprocessor)
        return plan

    def transform(self, X: Any) -> Any:
        """The preprocessor's output for ``X``, or None to take the usual path."""
        if self.parts is None or list(X.columns) != self.columns:
            return None
        done = []
        for part, columns in self.parts:
            replay = (
                self._numeric if isinstance(part.steps[0][1], NumericCaster)
                else self._categorical
            )  # fmt: skip
            out = replay(X, columns, part)
            if out is None:
                return None
            done.append(out)
        with np.errstate(invalid="ignore"):
            if not all((np.abs(matrix) <= _FLOAT32_MAX).all() for matrix, _ in done):
                return None  # the usual path names the column that overflows
        if not self.frame:
            return np.hstack([matrix for matrix, _ in done])
        # Each part's numbers, then its category columns (CategoricalEncoder's
        # order); the usual path's steps see arrays, so the index is a range.
        columns = [c for matrix, categories in done for c in (*matrix.T, *categories)]
        return pd.DataFrame(
            dict(zip(self.names, columns, strict=True)), index=pd.RangeIndex(len(X))
        )

    @staticmethod
    def _numeric(X: pd.DataFrame, columns: list[Any], part: Pipeline) -> Any:
        values = []
        for name in columns:
            column = X[name]
            if not pd.api.types.is_numeric_dtype(
                column.dtype
            ) or pd.api.types.is_complex_dtype(column.dtype):
                return None  # NumericCaster converts or refuses text
            values.append(column.to_numpy(dtype=float, na_value=np.nan))
        out = np.column_stack(values)
        if np.isinf(out).any():
            return None  # NumericCaster names the column
        imputer = part.steps[1][1]
        out = np.where(np.isnan(out), imputer.statistics_, out)
        scaler = part.steps[2][1] if len(part.steps) > 2 else None
        if isinstance(scaler, StandardScaler):  # sklearn's own arithmetic
            if scaler.with_mean:
                out -= scaler.mean_
            if scaler.with_std:
                out /= scaler.scale_
        elif isinstance(scaler, RobustScaler):
            if scaler.with_centering:
                out -= scaler.center_
            if scaler.with_scaling:
                out /= scaler.scale_
        elif isinstance(scaler, MinMaxScaler):
            out *= scaler.scale_
            out += scaler.min_
            if scaler.clip:
                np.clip(out, *scaler.feature_range, out=out)
        elif scaler is not None:  # QuantileScaler: its own interpolation
            names = getattr(scaler, "feature_names_in_", None)
            frame = out if names is None else pd.DataFrame(out, columns=names)
            out = np.asarray(scaler.transform(frame), dtype=float)
        return out, []

    def _categorical(self, X: pd.DataFrame, columns: list[Any], part: Pipeline) -> Any:
        encoder = part.steps[-1][1]
        onehot, embedded = encoder, []
        if isinstance(encoder, CategoricalEncoder):
            onehot, embedded = encoder.onehot_, encoder.embedded_
        codes = np.empty((len(X), len(columns)), dtype=np.int64)
        for j, name in enumerate(columns):
            column = X[name]
            for row, value in enumerate(column.to_numpy(dtype=object)):
                code = self._code(part, j, name, column.dtype, value)
                if code is None:
                    return None
                codes[row, j] = code
        plain = [j for j in range(len(columns)) if j not in embedded]
        width = [len(c) for c in onehot.categories_] if onehot is not None else []
        out = np.zeros((len(X), sum(width)), dtype=getattr(onehot, "dtype", float))
        offset = 0
        for j, size in zip(plain, width, strict=True):
            hot = codes[:, j] >= 0
            out[np.flatnonzero(hot), offset + codes[hot, j]] = 1.0
            offset += size
        categories = [
            pd.Categorical.from_codes(codes[:, j], dtype=self._dtype(encoder, k))
            for k, j in enumerate(embedded)
        ]
        return out, categories

    def _dtype(self, encoder: CategoricalEncoder, k: int) -> pd.CategoricalDtype:
        """The dtype of embedded column ``k`` (made once: it costs 0.2 ms)."""
        dtype = self.dtypes.get((id(encoder), k))
        if dtype is None:
            dtype = pd.CategoricalDtype(encoder.categories_[k])
            self.dtypes[(id(encoder), k)] = dtype
        return dtype

    def _code(self, part: Pipeline, j: int, name: Any, dtype: Any, value: Any) -> Any:
        """Position of ``value`` of column ``j`` among its encoder's levels (-1: none).

        None when the value is not one this path can take.
        """
        try:  # str: 0.0 and -0.0 are equal keys, but '0.0' and '-0.0'
            key = _MISSING if pd.isna(value) else (type(value), str(value))
        except (TypeError, ValueError):  # not a scalar
            return None
        memo = self.memo.setdefault((id(part), j, str(dtype)), {})
        code = memo.get(key)
        if code is not None:
            return code
        caster, imputer, encoder = (step for _, step in part.steps)
        try:
            text = caster._cast(pd.Series([value], dtype=dtype), j, name)[0]
        except DataError:
            return None  # the usual path raises it for the whole column
        if not isinstance(text, str) and pd.isna(text):
            text = imputer.statistics_[j]
        code = self._levels(part, j).get(text, -1)
        if code < 0 and getattr(encoder, "handle_unknown", "ignore") == "error":
            return None  # the usual path raises
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = code
        return code

    def _levels(self, part: Pipeline, j: int) -> dict[Any, int]:
        """Level -> position for column ``j`` of the part's encoder."""
        levels = self.positions.get((id(part), j))
        if levels is None:
            encoder = part.steps[-1][1]
            if isinstance(encoder, CategoricalEncoder):
                if j in encoder.embedded_:
                    found = encoder.categories_[encoder.embedded_.index(j)]
                else:
                    plain = encoder._onehot_columns.index(j)
                    found = encoder.onehot_.categories_[plain]
            else:
                found = encoder.categories_[j]
            levels = self.positions[(id(part), j)] = {v: i for i, v in enumerate(found)}
        return levels


def _replayable(part: Any) -> bool:
    """Whether ``part`` is a pipeline of steps :class:`_FastTransform` replays."""
    if not isinstance(part, Pipeline) or len(part.steps) not in (2, 3):
        return False
    steps = [step for _, step in part.steps]
    imputer = steps[1]
    if not isinstance(imputer, SimpleImputer) or imputer.add_indicator or not (
        imputer.keep_empty_features
    ):
        return False
    if isinstance(steps[0], NumericCaster):
        return len(steps) == 2 or type(steps[2]) in (
            StandardScaler, RobustScaler, QuantileScaler, MinMaxScaler
        )  # fmt: skip
    if not isinstance(steps[0], CategoryCaster) or len(steps) != 3:
        return False
    encoder = steps[2]
    if isinstance(encoder, CategoricalEncoder):
        if not hasattr(encoder, "onehot_"):  # fitted by kerasopt 0.2
            return False
        encoder = encoder.onehot_
    return encoder is None or (
        isinstance(encoder, OneHotEncoder)
        and encoder.drop is None
        and not encoder.sparse_output
        and all(c is None for c in getattr(encoder, "infrequent_categories_", [None]))
    )


_FAST_PLANS: weakref.WeakKeyDictionary[Any, _FastTransform] = (
    weakref.WeakKeyDictionary()
)


def _numeric_pipeline(scaler: str) -> Pipeline:
    steps: list[tuple[str, Any]] = [
        ("as_numbers", NumericCaster()),
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
    ]
    scale = {
        "standard": StandardScaler, "robust": RobustScaler,
        "quantile": QuantileScaler, "minmax": MinMaxScaler,
    }.get(scaler)  # fmt: skip
    if scale is not None:
        steps.append(("scale", scale()))
    return Pipeline(steps)


def _categorical_pipeline(
    max_categories: int | None, embed_categories: int | None
) -> Pipeline:
    encoder: Any = one_hot_encoder(max_categories)
    if embed_categories is not None:
        encoder = CategoricalEncoder(
            embed_min_categories=embed_categories, max_categories=max_categories
        )
    return Pipeline([
        ("as_text", CategoryCaster()),
        ("impute", SimpleImputer(
            strategy="constant", fill_value="missing", keep_empty_features=True
        )),
        ("onehot" if embed_categories is None else "encode", encoder),
    ])  # fmt: skip


def make_tabular_preprocessor(
    *,
    categorical: Sequence[Any] | None = None,
    numeric: Sequence[Any] | None = None,
    scaler: str = "standard",
    max_categories: int | None = None,
    drop: Sequence[Any] = (),
    auto_drop: bool = True,
    embed_categories: int | None = None,
) -> ColumnTransformer:
    """Build the sklearn transformer that turns a raw table into finite numbers.

    Categorical columns are cast to text, missing values become the category
    ``"missing"``, then ``OneHotEncoder(handle_unknown="ignore")``: unseen
    categories at predict time give all-zero columns. Each categorical
    column's categories are remembered at fit, and a value read with another
    dtype at predict time takes the category it equals (``11.0`` becomes
    ``'11'``; see :class:`~kerasopt.preprocessing.CategoryCaster`). Numeric
    columns are cast to floats (text in them is an error naming the column),
    then get median imputation and the chosen scaler.

    Columns that cannot be learned from as they are, IDs (text with nearly
    every value distinct), dates and durations (as such or stored as text) and
    a saved row index (``Unnamed: 0``, ``rownames``), are dropped with one
    :class:`~kerasopt.exceptions.DroppedColumnsWarning` naming them (see
    :func:`~kerasopt.preprocessing.drop_reason`).

    Parameters
    ----------
    categorical : sequence of column names or positions, optional
        Columns to one-hot encode. Default: object, string, category and bool
        columns.
    numeric : sequence of column names or positions, optional
        Columns to impute and scale. Default: every other column.
    scaler : {"standard", "robust", "quantile", "minmax", "keras", "none"}, \
default="standard"
        Scaling of the numeric columns: ``StandardScaler``, ``RobustScaler``
        (median and interquartile range: outliers do not squeeze the other
        values), :class:`QuantileScaler` (ranks mapped to a normal
        distribution: skewed columns become symmetric) or ``MinMaxScaler``.
        ``"keras"`` and ``"none"`` only impute; with ``"keras"`` the estimator
        normalizes inside the model.
    max_categories : int, optional
        Keep at most this many categories per column (rarer ones are grouped).
    drop : sequence of column names or positions, default=()
        Columns to leave out.
    auto_drop : bool, default=True
        Drop IDs, dates and index columns as described above. Columns named in
        ``categorical`` or ``numeric`` are always kept.
    embed_categories : int, optional
        Categorical columns with at least this many levels are not one-hot
        encoded but passed on as pandas ``category`` columns
        (:class:`~kerasopt.preprocessing.CategoricalEncoder`), which kerasopt's
        estimators look up in a learned embedding; the output is then a
        DataFrame when some column is embedded (else an array, as usual).
        None (the default here) one-hot encodes every column.

    Returns
    -------
    TabularPreprocessor
        A :class:`sklearn.compose.ColumnTransformer` with the transformers
        ``"dropped"``, ``"categorical"`` and ``"numeric"``, whose errors name
        the column at fault.
    """
    if scaler not in SCALERS:
        raise ValueError(
            f"Unknown scaler. Received: scaler={scaler!r}. Use one of "
            f"{', '.join(SCALERS)}."
        )
    if embed_categories is not None and (
        isinstance(embed_categories, bool)
        or not isinstance(embed_categories, (int, np.integer))
        or embed_categories < 2
    ):
        raise ValueError(
            "embed_categories must be an integer >= 2 (columns with at least that "
            'many levels are embedded), None (one-hot encode all), or "auto" in '
            f"make_tabular_pipeline. Received: embed_categories={embed_categories!r}."
        )
    kinds = {"categorical": categorical, "numeric": numeric, "drop": drop,
             "auto_drop": auto_drop}  # fmt: skip
    return TabularPreprocessor(
        [
            ("dropped", "drop", ColumnSelector("dropped", **kinds)),
            (
                "categorical",
                _categorical_pipeline(max_categories, embed_categories),
                ColumnSelector("categorical", **kinds),
            ),
            ("numeric", _numeric_pipeline(scaler), ColumnSelector("numeric", **kinds)),
        ],  # fmt: skip
        sparse_threshold=0.0,
        verbose_feature_names_out=False,
    )


def make_tabular_pipeline(
    estimator: BaseEstimator,
    *,
    categorical: Sequence[Any] | None = None,
    numeric: Sequence[Any] | None = None,
    scaler: str = "standard",
    max_categories: int | None = None,
    drop: Sequence[Any] = (),
    auto_drop: bool = True,
    embed_categories: int | str | None = "auto",
) -> Pipeline:
    """Put :func:`make_tabular_preprocessor` in front of an estimator.

    Parameters
    ----------
    estimator : estimator
        Usually a :class:`~kerasopt.KerasClassifier` or
        :class:`~kerasopt.KerasRegressor`; any sklearn estimator works.
    categorical, numeric, scaler, max_categories, drop, auto_drop
        See :func:`make_tabular_preprocessor`. ``scaler="keras"`` returns a
        copy of the estimator with ``normalize=True``, which adapts a Keras
        ``Normalization`` layer inside the model.
    embed_categories : int, "auto" or None, default="auto"
        See :func:`make_tabular_preprocessor`. ``"auto"``: 10 for an estimator
        that embeds categorical columns (kerasopt's, which have a
        ``categorical_embedding_dim`` parameter), None (one-hot) for others.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"preprocessor"`` and the estimator's lower-cased class name
        (``"kerasclassifier"``), so grids use ``kerasclassifier__epochs``.

    Examples
    --------
    >>> import pandas as pd
    >>> from kerasopt import KerasClassifier, make_tabular_pipeline
    >>> df = pd.DataFrame({"color": ["red", "blue", None, "red"] * 5,
    ...                    "size": [1.0, None, 3.0, 4.0] * 5})
    >>> y = ["a", "b", "a", "b"] * 5
    >>> pipe = make_tabular_pipeline(KerasClassifier(epochs=1, random_state=0))
    >>> pipe.fit(df, y).predict(df.head(2)).shape
    (2,)
    """
    if scaler == "keras":
        if "normalize" not in estimator.get_params(deep=False):
            raise ValueError(
                f'scaler="keras" needs a kerasopt estimator (with a normalize '
                f"parameter), but got {type(estimator).__name__}. Use "
                'scaler="standard" for other estimators.'
            )
        estimator = clone(estimator).set_params(normalize=True)
    if embed_categories == "auto":
        embeds = "categorical_embedding_dim" in estimator.get_params(deep=False)
        embed_categories = EMBED_MIN_CATEGORIES if embeds else None
    preprocessor = make_tabular_preprocessor(
        categorical=categorical, numeric=numeric, scaler=scaler,
        max_categories=max_categories, drop=drop, auto_drop=auto_drop,
        embed_categories=embed_categories,
    )  # fmt: skip
    return Pipeline(
        [("preprocessor", preprocessor), (type(estimator).__name__.lower(), estimator)]
    )


# -- sparse input ----------------------------------------------------------------
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
