"""Reading tables from files and splitting off the target (kerasopt.data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kerasopt.data import check_columns, infer_task, load_dataset, read_table
from kerasopt.exceptions import DataError


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "bill_length": rng.normal(40, 5, 30).round(1),
            "island": rng.choice(["Biscoe", "Dream", None], 30),
            "species": rng.choice(["Adelie", "Gentoo"], 30),
        }
    )


@pytest.mark.parametrize(
    "name, writer",
    [
        ("t.csv", lambda f, p: f.to_csv(p, index=False)),
        ("t.csv.gz", lambda f, p: f.to_csv(p, index=False)),
        ("t.csv.bz2", lambda f, p: f.to_csv(p, index=False)),
        ("t.tsv", lambda f, p: f.to_csv(p, index=False, sep="\t")),
        ("t.tsv.gz", lambda f, p: f.to_csv(p, index=False, sep="\t")),
        ("t.parquet", lambda f, p: f.to_parquet(p, index=False)),
    ],
)
def test_read_table_formats_round_trip(tmp_path, frame, name, writer):
    path = tmp_path / name
    writer(frame, path)
    read = read_table(path)
    assert list(read.columns) == list(frame.columns)
    np.testing.assert_allclose(read["bill_length"], frame["bill_length"])
    assert list(read["species"]) == list(frame["species"])
    assert read["island"].isna().sum() == frame["island"].isna().sum()


def test_read_table_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Data file .*nope\.csv.* not found"):
        read_table(tmp_path / "nope.csv")


def test_read_table_unknown_suffix(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"suffix '\.xlsx'.*\.csv"):
        read_table(path)


def test_read_table_unreadable(tmp_path):
    path = tmp_path / "t.parquet"
    path.write_text("this is not parquet")
    with pytest.raises(DataError, match=r"Cannot read .*t\.parquet.* as PARQUET"):
        read_table(path)


def test_read_table_empty(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n")
    with pytest.raises(DataError, match=r"has no rows \(columns: \['a', 'b'\]\)"):
        read_table(path)


def test_load_dataset_splits_target(tmp_path, frame):
    frame.to_csv(tmp_path / "t.csv", index=False)
    X, y = load_dataset(tmp_path / "t.csv", "species")
    assert list(X.columns) == ["bill_length", "island"]
    assert y.name == "species" and len(y) == len(frame)


def test_missing_target_lists_columns_and_suggests(tmp_path, frame):
    frame.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(
        DataError,
        match=r"'specie' not found\. Did you mean 'species'\? "
        r"Columns: bill_length, island, species\.",
    ):
        load_dataset(tmp_path / "t.csv", "specie")
    with pytest.raises(DataError, match=r"Did you mean 'species'\?"):
        load_dataset(tmp_path / "t.csv", "SPECIES")


def test_target_with_one_value(tmp_path):
    (tmp_path / "t.csv").write_text("a,y\n1,k\n2,k\n3,k\n")
    with pytest.raises(DataError, match=r"'y' has 1 distinct value \('k'\)"):
        load_dataset(tmp_path / "t.csv", "y")


def test_rows_without_target_are_dropped_with_warning(tmp_path):
    (tmp_path / "t.csv").write_text("a,y\n1,k\n2,\n3,m\n4,k\n")
    with pytest.warns(UserWarning, match=r"Dropped 1 of 4 rows"):
        X, y = load_dataset(tmp_path / "t.csv", "y")
    assert list(X["a"]) == [1, 3, 4] and list(y) == ["k", "m", "k"]


@pytest.mark.parametrize(
    "values, expected",
    [
        (["a", "b"] * 10, "classification"),
        ([True, False] * 10, "classification"),
        ([0, 1, 2] * 10, "classification"),
        (list(np.linspace(0, 1, 20)), "regression"),
        (list(range(40)), "regression"),
    ],
)
def test_infer_task(values, expected):
    assert infer_task(pd.Series(values, name="y")) == expected


def test_infer_task_forced_and_invalid():
    y = pd.Series([0, 1] * 10, name="y")
    assert infer_task(y, "regression") == "regression"
    with pytest.raises(ValueError, match=r"`task` must be .* but got 'clf'"):
        infer_task(y, "clf")
    with pytest.raises(DataError, match=r"numeric target.*--task classification"):
        infer_task(pd.Series(["a", "b"], name="y"), "regression")


def test_check_columns_reorders_and_ignores_extra():
    X = pd.DataFrame({"b": [1], "extra": [2], "a": [3]})
    assert list(check_columns(X, ["a", "b"]).columns) == ["a", "b"]


def test_check_columns_lists_missing_and_extra():
    X = pd.DataFrame({"bill_lenght": [1], "island": [2]})
    with pytest.raises(
        DataError,
        match=r"lacks 1 column\(s\).*: bill_length\. Extra columns: bill_lenght\. "
        r"Did you mean 'bill_lenght'\?",
    ):
        check_columns(X, ["bill_length", "island"])


def test_a_new_file_read_with_other_dtypes_predicts_the_same(tmp_path):
    """The `kerasopt predict` path: a code column is text in the training file
    and numbers with gaps in the new one (issue 14, item 1)."""
    from sklearn.linear_model import LogisticRegression

    from kerasopt import make_tabular_pipeline

    codes = ["9", "10", "11", "12", "other"] * 8
    train = pd.DataFrame({"code": codes, "x": np.arange(40) % 7,
                          "y": [c in ("10", "11") for c in codes]})  # fmt: skip
    train.to_csv(tmp_path / "train.csv", index=False)
    X, y = load_dataset(tmp_path / "train.csv", target="y")
    pipe = make_tabular_pipeline(LogisticRegression()).fit(X, y)
    new = train.drop(columns="y").replace({"code": {"other": None}}).head(10)
    new.to_csv(tmp_path / "new.csv", index=False)
    read = check_columns(read_table(tmp_path / "new.csv"), list(X.columns))
    assert read["code"].dtype == float
    kept = read["code"].notna().to_numpy()
    np.testing.assert_array_equal(
        pipe.predict_proba(read)[kept], pipe.predict_proba(X.head(10))[kept]
    )


def test_classification_of_a_continuous_target_names_the_fix() -> None:
    price = pd.Series(np.linspace(1.5, 99.5, 40), name="price")
    with pytest.raises(DataError, match=r"continuous target\. Use --task regression"):
        infer_task(price, "classification")
    labels = pd.Series([0.0, 1.0, 2.0] * 10, name="grade")  # integer-valued floats
    assert infer_task(labels, "classification") == "classification"

