"""Property-based tests: any mixed table becomes a finite matrix of known width."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kerasopt import make_tabular_preprocessor
from kerasopt.preprocessing import SCALERS

WORDS = st.sampled_from(["red", "blue", "green", "", "Ünïcode", "1", "a b"])
NUMBERS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def tables(draw):
    """A DataFrame of text, float, int and bool columns, some values missing."""
    n_rows = draw(st.integers(1, 15))
    kinds = draw(st.lists(st.sampled_from(["text", "float", "int", "bool"]),
                          min_size=1, max_size=5))  # fmt: skip
    size = {"min_size": n_rows, "max_size": n_rows}
    columns = {}
    for i, kind in enumerate(kinds):
        missing = draw(st.lists(st.booleans(), **size))
        if kind == "text":
            values = draw(st.lists(WORDS, **size))
            column = pd.Series(
                [None if m else v for v, m in zip(values, missing, strict=True)],
                dtype="str",
            )
        elif kind == "float":
            values = draw(st.lists(NUMBERS, **size))
            column = pd.Series(
                [np.nan if m else v for v, m in zip(values, missing, strict=True)]
            )
        elif kind == "int":
            column = pd.Series(draw(st.lists(st.integers(-1000, 1000), **size)))
        else:
            column = pd.Series(draw(st.lists(st.booleans(), **size)))
        columns[f"{kind}_{i}"] = column
    return pd.DataFrame(columns)


def _expected_width(frame: pd.DataFrame) -> int:
    """One column per number; per text/bool column, its categories (+ "missing").

    An all-missing column counts too: the width must not depend on the data.
    """
    width = 0
    for name in frame:
        column = frame[name]
        if name.startswith(("text", "bool")):
            categories = {str(v) for v in column.dropna()}
            width += len(categories | ({"missing"} if column.isna().any() else set()))
        else:
            width += 1
    return width


def _unseen(frame: pd.DataFrame) -> pd.DataFrame:
    """Same columns; text replaced by never-seen categories, numbers by NaN."""
    new = frame.copy()
    for name in new:
        if name.startswith("text"):
            new[name] = pd.Series(["never-seen"] * len(new), dtype="str")
        elif name.startswith("float"):
            new[name] = np.nan
    return new


@settings(max_examples=50, deadline=None)
@given(frame=tables(), scaler=st.sampled_from(SCALERS))
def test_any_table_becomes_finite_matrix_of_expected_width(frame, scaler):
    preprocessor = make_tabular_preprocessor(scaler=scaler)
    matrix = preprocessor.fit_transform(frame)
    assert matrix.shape == (len(frame), _expected_width(frame))
    assert np.isfinite(matrix).all()
    unseen = preprocessor.transform(_unseen(frame))
    assert unseen.shape == matrix.shape
    assert np.isfinite(unseen).all()


@settings(max_examples=25, deadline=None)
@given(frame=tables())
def test_unseen_categories_encode_as_all_zeros(frame):
    text = [c for c in frame if c.startswith("text")]
    if not text:
        return
    preprocessor = make_tabular_preprocessor().fit(frame[text])
    matrix = preprocessor.transform(_unseen(frame)[text])
    assert matrix.shape[1] == _expected_width(frame[text])
    assert not matrix.any()


@pytest.mark.parametrize("scaler", ["standard", "minmax"])
def test_column_order_at_transform_does_not_matter(scaler):
    frame = pd.DataFrame({"a": ["x", None, "y"], "b": [1.0, np.nan, 3.0]})
    preprocessor = make_tabular_preprocessor(scaler=scaler).fit(frame)
    np.testing.assert_array_equal(
        preprocessor.transform(frame[["b", "a"]]), preprocessor.transform(frame)
    )


@settings(max_examples=25, deadline=None)
@given(frame=tables())
def test_numbers_read_back_as_text_give_the_same_matrix(frame):
    """A CSV may hold a numeric column in quotes: the matrix must not change."""
    preprocessor = make_tabular_preprocessor().fit(frame)
    as_text = frame.copy()
    for name in frame:
        if name.startswith(("float", "int")):
            as_text[name] = frame[name].map(lambda v: None if pd.isna(v) else repr(v))
    np.testing.assert_array_equal(preprocessor.transform(as_text),
                                  preprocessor.transform(frame))  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(frame=tables())
def test_integer_codes_read_back_as_floats_give_the_same_matrix(frame):
    """Integer codes declared categorical come back as floats (a file with gaps)."""
    codes = [c for c in frame if c.startswith("int")]
    if not codes:
        return
    others = [c for c in frame if c.startswith(("text", "bool"))]
    preprocessor = make_tabular_preprocessor(categorical=codes + others).fit(frame)
    as_floats = frame.astype({c: float for c in codes})
    np.testing.assert_array_equal(preprocessor.transform(as_floats),
                                  preprocessor.transform(frame))  # fmt: skip
