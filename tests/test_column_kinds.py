"""Which columns are dropped, one-hot encoded or scaled (issue 14, item 4)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kerasopt import make_tabular_preprocessor
from kerasopt.exceptions import DataError, DroppedColumnsWarning
from kerasopt.preprocessing import ColumnSelector, drop_reason

N = 40


@pytest.fixture
def table() -> pd.DataFrame:
    """A loans-like table: an ID, an index saved by pandas, text dates, and
    a high-cardinality categorical whose values repeat."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "Unnamed: 0": np.arange(N),
        "loan_id": [f"LN{100000 + 7 * i}" for i in range(N)],
        "issued": [f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(N)],
        "term": pd.to_timedelta(rng.integers(30, 90, N), unit="D"),
        "zip": rng.choice([f"z{i:03d}" for i in range(N // 2)], N),
        "grade": rng.choice(["A", "B", "C"], N),
        "amount": rng.normal(1e4, 2e3, N),
    })  # fmt: skip


def _fit(frame: pd.DataFrame, **options) -> tuple[list[str], list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pre = make_tabular_preprocessor(**options).fit(frame)
    messages = [str(w.message) for w in caught if w.category is DroppedColumnsWarning]
    return list(pre.get_feature_names_out()), messages


def test_ids_dates_durations_and_index_are_dropped_with_one_line(table):
    names, messages = _fit(table)
    assert len(messages) == 1 and "\n" not in messages[0]
    for column in ("'Unnamed: 0' (a saved row index)", "'loan_id' (an ID",
                   "'issued' (dates stored as text)", "'term' (durations)"):  # fmt: skip
        assert column in messages[0]
    assert "Dropped 4 of 7 columns" in messages[0]
    assert "Convert dates and durations to numbers" in messages[0]
    # Without dates or durations, the advice is not given.
    _, messages = _fit(table.drop(columns=["issued", "term"]))
    assert "Dropped 2 of 5 columns" in messages[0] and "Convert" not in messages[0]
    assert not any(
        n.startswith(("loan_id", "issued", "term", "Unnamed")) for n in names
    )
    # a high-cardinality categorical with repeated values is kept
    assert sum(n.startswith("zip_") for n in names) == table["zip"].nunique()
    assert "amount" in names and "grade_A" in names


def test_dropping_can_be_turned_off_or_overridden(table):
    names, messages = _fit(table.drop(columns="term"), auto_drop=False)
    assert not messages
    assert sum(n.startswith("loan_id_") for n in names) == N
    names, messages = _fit(table, categorical=["loan_id", "grade", "zip"])
    assert sum(n.startswith("loan_id_") for n in names) == N
    assert "'loan_id'" not in messages[0] and "'issued'" in messages[0]
    names, messages = _fit(table, drop=["amount", "grade"])
    assert "amount" not in names and not any(n.startswith("grade") for n in names)
    assert "'amount'" not in messages[0]  # asked for: no need to say it


def test_dropped_columns_need_not_be_there_at_predict(table):
    pre = make_tabular_preprocessor()
    with pytest.warns(DroppedColumnsWarning):
        out = pre.fit_transform(table)
    np.testing.assert_array_equal(
        pre.transform(table.drop(columns=["loan_id", "issued"])), out
    )


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (
            [f"id-{i}" for i in range(N)],
            "an ID or free text: nearly every value distinct",
        ),
        ([f"{i % 5} days 01:00:00" for i in range(N)], "durations stored as text"),
        ([f"{1 + i % 28}/03/2021" for i in range(N)], "dates stored as text"),
        (pd.date_range("2024-01-01", periods=N), "dates"),
        ([f"id-{i}" for i in range(N // 4)], None),  # too few rows to tell
        ([f"c{i % (N // 2)}" for i in range(N)], None),  # repeated: a category
        (pd.Categorical([f"id-{i}" for i in range(N)]), None),  # declared category
        (list(range(N)), None),  # numbers are never IDs by themselves
        (["10", "11", "12", "9"] * (N // 4), None),
    ],
)
def test_drop_reason(values, reason):
    assert drop_reason("x", pd.Series(values)) == reason


def test_unnamed_column_is_an_index_only_when_unique():
    assert drop_reason("Unnamed: 0", pd.Series(range(N))) == "a saved row index"
    assert drop_reason("Unnamed: 3", pd.Series([1, 2] * (N // 2))) is None
    # R's row names (Rdatasets CSVs) and readr's unnamed first column, too.
    for name in ("rownames", "RowNames", "...1"):
        assert drop_reason(name, pd.Series(range(1, N + 1))) == "a saved row index"
    assert drop_reason("rownames", pd.Series([1, 2] * (N // 2))) is None
    assert drop_reason("row_names", pd.Series(range(N))) is None


def test_contradictions_and_empty_results_are_errors(table):
    with pytest.raises(
        DataError,
        match=r"'grade' is named in both categorical= and "
        r"drop=",
    ):
        make_tabular_preprocessor(categorical=["grade"], drop=["grade"]).fit(table)
    with pytest.raises(
        DataError,
        match=r"No column is left.*'loan_id' \(an ID.*"
        r"auto_drop=False",
    ):
        make_tabular_preprocessor().fit(table[["loan_id", "issued"]])


def test_selector_works_on_arrays_by_position():
    array = np.array([[f"id{i}", i % 3, "a" if i % 2 else "b"] for i in range(N)],
                     dtype=object)  # fmt: skip
    with pytest.warns(DroppedColumnsWarning, match=r"0 \(an ID"):
        assert ColumnSelector("dropped")(array) == [0]
    assert ColumnSelector("categorical")(array) == [2]
    assert ColumnSelector("numeric")(array) == [1]
    with pytest.raises(ValueError, match="kind='text'.*dropped, categorical, numeric"):
        ColumnSelector("text")
