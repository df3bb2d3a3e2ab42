"""Fault injection: killed workers, failing trials, shared and restarted storages.

What test_search.py and test_cli.py already prove is not repeated here: a
Keras NaN loss failing one trial of OptunaSearchCV (error_score=nan), failing
sklearn trials with every error_score, and three `kerasopt tune` workers on a
journal file or PostgreSQL with one of them SIGKILLed.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import optuna

from kerasopt.search import resolve_storage

optuna.logging.set_verbosity(optuna.logging.WARNING)


# ------------------------------------------------------ one new SQLite file
def test_processes_opening_a_new_sqlite_file_together(tmp_path: Path) -> None:
    # Threads stand in for processes: each storage has its own connection, and
    # without a retry 3 of 4 lose the race to create the schema (IntegrityError
    # on alembic_version or "table ... already exists").
    path = tmp_path / "new.db"
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def open_and_create() -> None:
        barrier.wait()
        try:
            storage = resolve_storage(str(path))
            optuna.create_study(storage=storage, study_name="s", load_if_exists=True)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_and_create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert optuna.get_all_study_names(resolve_storage(str(path))) == ["s"]
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
