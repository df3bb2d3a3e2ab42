"""Storages from URLs and paths; passwords never shown."""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path

import optuna
import pytest

from kerasopt.exceptions import StorageError
from kerasopt.search import journal_storage, mask_password, resolve_storage
from kerasopt.search._storages import temporary_journal_storage


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


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://bob:hunter2@127.0.0.1/db",
         "driver 'MySQLdb' is not installed. Fix: pip install pymysql and use "
         "mysql+pymysql://"),
        ("postgresql+pg8000://bob:hunter2@127.0.0.1/db",
         "driver 'pg8000' is not installed. Fix: pip install pg8000"),
    ],
)  # fmt: skip
def test_missing_driver_names_it_and_the_fix(url: str, message: str) -> None:
    with pytest.raises(StorageError, match=re.escape(message)) as info:
        resolve_storage(url)
    assert "hunter2" not in str(info.value) and "bob:***@" in str(info.value)


def test_mask_password_of_an_unparseable_url_and_scrub() -> None:
    from kerasopt.search._storages import scrub

    # A raw '@' in a password: SQLAlchemy cannot parse it, it is hidden anyway.
    assert mask_password("postgresql://u:p@ss@h/db") == "postgresql://u:***@h/db"
    url = "postgresql://ana:s%40cret@h/db"  # percent-encoded '@'
    text = f"could not connect to {url}: password s@cret rejected (s%40cret)"
    assert scrub(text, url) == (
        "could not connect to postgresql://ana:***@h/db: password *** rejected (***)"
    )


# ------------------------------------------------ the same through the CLI
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres://bob:hunter2@127.0.0.1/db", "Did you mean 'postgresql'?"),
        ("postgresql://bob:hunter2@127.0.0.1:1/db",
         "Check that the database server is running"),
        ("mysql://bob:hunter2@127.0.0.1/db", "Fix: pip install pymysql"),
    ],
)  # fmt: skip
def test_cli_storage_errors_are_one_line_with_exit_code_1(
    url: str, message: str
) -> None:
    from typer.testing import CliRunner

    from kerasopt.cli import app

    result = CliRunner().invoke(app, ["studies", "--storage", url])
    assert result.exit_code == 1, result.output
    assert message in result.output and "bob:***@127.0.0.1" in result.output
    assert "hunter2" not in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_cli_study_with_the_other_direction(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from kerasopt.cli import app

    monkeypatch.chdir(tmp_path)
    optuna.create_study(storage="sqlite:///kerasopt.db", study_name="t-y",
                        direction="minimize")  # fmt: skip
    rows = "".join(f"{i},{i % 2}\n" for i in range(20))
    (tmp_path / "t.csv").write_text("a,y\n" + rows)
    result = CliRunner().invoke(app, ["tune", "t.csv", "-t", "y", "-n", "1"])
    assert result.exit_code == 1, result.output
    assert "Study 't-y' in kerasopt.db minimizes" in result.output
    assert "Pass another --study-name" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("storage", "fixed"),
    [
        ("sqlite//x.db", "sqlite:///x.db"),
        ("sqlite:x.db", "sqlite:///x.db"),
        ("postgresql//ana:s3cr3t@host/db", "postgresql://ana:***@host/db"),
    ],
)
def test_a_url_without_its_colon_slashes_gets_the_fix(storage: str, fixed: str) -> None:
    with pytest.raises(StorageError, match="without its '://'") as caught:
        resolve_storage(storage)
    assert f"Did you mean {fixed!r}?" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)

