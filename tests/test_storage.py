"""Storages from URLs and paths; passwords never shown."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import optuna
import pytest

from kerasopt.exceptions import StorageError
from kerasopt.search import journal_storage, mask_password, resolve_storage
from kerasopt.search._storage import temporary_journal_storage


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://ana:s3cr3t@db:5432/optuna", "postgresql://ana:***@db:5432/optuna"),
        ("mysql+pymysql://u:p@ss:w/rd@h/db", "mysql+pymysql://u:***@h/db"),
        ("postgresql://ana@db/optuna", "postgresql://ana@db/optuna"),
        ("postgresql://db/optuna?user=a&password=xyz&x=1",
         "postgresql://db/optuna?password=***&user=a&x=1"),  # SQLAlchemy sorts
        ("sqlite:///studies.db", "sqlite:///studies.db"),
        ("studies.db", "studies.db"),
        (Path("a/b.log"), os.path.join("a", "b.log")),
    ],
)  # fmt: skip
def test_mask_password(url: str, expected: str) -> None:
    assert mask_password(url) == expected


def test_resolve_none_and_objects_unchanged() -> None:
    memory = optuna.storages.InMemoryStorage()
    assert resolve_storage(None) is None
    assert resolve_storage(memory) is memory


def test_sqlite_url_and_path(tmp_path: Path) -> None:
    url_storage = resolve_storage(f"sqlite:///{tmp_path / 'a.db'}")
    path_storage = resolve_storage(tmp_path / "b.sqlite")
    assert isinstance(url_storage, optuna.storages.RDBStorage)
    assert isinstance(path_storage, optuna.storages.RDBStorage)
    optuna.create_study(storage=path_storage, study_name="s")
    assert (tmp_path / "b.sqlite").exists()
    again = resolve_storage(str(tmp_path / "b.sqlite"))
    assert optuna.study.get_all_study_names(again) == ["s"]


def test_journal_path_is_shared_between_storages(tmp_path: Path) -> None:
    path = tmp_path / "study.log"
    first = resolve_storage(path)
    assert isinstance(first, optuna.storages.JournalStorage)
    optuna.create_study(storage=first, study_name="j").optimize(
        lambda t: 1.0, n_trials=2
    )
    study = optuna.load_study(study_name="j", storage=journal_storage(path))
    assert len(study.trials) == 2


def test_temporary_journal_is_removed() -> None:
    with temporary_journal_storage() as (storage, path):
        optuna.create_study(storage=storage).optimize(lambda t: 1.0, n_trials=1)
        assert os.path.exists(path)
    assert not os.path.exists(os.path.dirname(path))


def test_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"Cannot tell which storage.*\.db.*\.log"):
        resolve_storage(tmp_path / "study.txt")


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        resolve_storage(tmp_path / "nope" / "study.db")
    with pytest.raises(StorageError, match="does not exist"):
        resolve_storage(tmp_path / "nope" / "study.log")


def test_wrong_type() -> None:
    with pytest.raises(TypeError, match="`storage` must be a URL.*got int"):
        resolve_storage(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("postgress://bob:hunter2@h/db", "Did you mean 'postgresql'"),
        ("postgres://bob:hunter2@h/db", "Did you mean 'postgresql'"),
        ("sqlit:///x.db", "Did you mean 'sqlite'"),
    ],
)
def test_bad_scheme_hides_password(url: str, hint: str) -> None:
    with pytest.raises(
        StorageError, match=f"Unsupported storage URL scheme.*{hint}"
    ) as info:
        resolve_storage(url)
    assert "hunter2" not in str(info.value)


def test_unreachable_database_hides_password() -> None:
    url = "postgresql://bob:hunter2@127.0.0.1:1/optuna"
    with pytest.raises(
        StorageError, match=r"Cannot open storage='postgresql://bob:\*\*\*@"
    ) as info:
        resolve_storage(url)
    printed = "".join(traceback.format_exception(info.value))
    assert "hunter2" not in printed
