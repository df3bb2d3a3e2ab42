"""Optuna storages from a URL, a file path or nothing; passwords never shown.

kerasopt accepts what the Optuna CLI and ``optuna-dashboard`` accept:

* ``None`` - an in-memory study (one process; see :class:`OptunaSearchCV`
  for what ``n_jobs > 1`` does then);
* an RDB URL - ``sqlite:///studies.db``, ``postgresql://user:pw@host/db``,
  ``mysql+pymysql://...`` - shared by every process and machine that opens it;
* a file path - ``studies.db`` / ``.sqlite`` / ``.sqlite3`` becomes a SQLite
  URL, ``study.log`` / ``.jsonl`` / ``.journal`` an Optuna journal file (safe
  for several processes on one machine, no database needed);
* a ready :class:`optuna.storages.BaseStorage`, used as it is.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import optuna
from optuna.storages.journal import JournalFileBackend

from ..exceptions import StorageError
from .._naming import did_you_mean

__all__ = [
    "JOURNAL_SUFFIXES",
    "SQLITE_SUFFIXES",
    "journal_storage",
    "mask_password",
    "resolve_storage",
    "temporary_journal_storage",
]


SQLITE_SUFFIXES: tuple[str, ...] = (".db", ".sqlite", ".sqlite3")
JOURNAL_SUFFIXES: tuple[str, ...] = (".log", ".jsonl", ".journal")
_RDB_DIALECTS: tuple[str, ...] = (
    "sqlite", "postgresql", "mysql", "mariadb", "oracle", "mssql",
)  # fmt: skip
_MASK = "***"
_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|passwd|pwd)=)[^&#]*")


def _split_password(url: str) -> tuple[str, str, str] | None:
    """Split ``url`` into (head, password, tail) around its password, if any."""
    scheme_end = url.find("://")
    if scheme_end < 0:
        return None
    start = scheme_end + 3
    at = url.rfind("@", start)
    if at < 0:
        return None
    colon = url.find(":", start, at)
    if colon < 0:
        return None
    return url[: colon + 1], url[colon + 1 : at], url[at:]


def mask_password(url: str | os.PathLike[str]) -> str:
    """Return ``url`` with its password replaced by ``***``.

    Handles ``scheme://user:password@host/...`` (passwords containing ``@``,
    ``:`` or ``/`` included) and ``?password=...`` query parameters. Anything
    that is not a URL, or has no password, is returned unchanged.

    Parameters
    ----------
    url : str or path-like
        A storage URL (or a file path).

    Returns
    -------
    str
        The URL, safe to print or log.

    Examples
    --------
    >>> mask_password("postgresql://ana:s3cr3t@db.example.org:5432/optuna")
    'postgresql://ana:***@db.example.org:5432/optuna'
    >>> mask_password("sqlite:///studies.db")
    'sqlite:///studies.db'
    """
    text = os.fspath(url)
    parts = _split_password(text)
    if parts is not None:
        head, _, tail = parts
        text = f"{head}{_MASK}{tail}"
    return _QUERY_SECRET.sub(rf"\g<1>{_MASK}", text)


def _scrub(message: str, url: str) -> str:
    """Remove the password of ``url`` from ``message`` (an upstream error text)."""
    message = message.replace(url, mask_password(url))
    parts = _split_password(url)
    if parts is not None and parts[1]:
        for secret in {parts[1], unquote(parts[1])}:
            message = message.replace(secret, _MASK)
    return message


def journal_storage(path: str | os.PathLike[str]) -> optuna.storages.JournalStorage:
    """Return an Optuna journal storage kept in the file ``path``.

    A journal file can be shared by several processes on one machine (it is
    locked on each write) and read later by ``optuna-dashboard path``.

    Parameters
    ----------
    path : str or path-like
        The journal file; created if missing. Its folder must exist.

    Returns
    -------
    optuna.storages.JournalStorage

    Raises
    ------
    StorageError
        If the folder of ``path`` does not exist.
    """
    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        raise StorageError(
            f"Cannot create the journal file {os.fspath(path)!r}: the folder "
            f"{str(folder)!r} does not exist. Create it first or choose another path."
        )
    return optuna.storages.JournalStorage(JournalFileBackend(os.fspath(path)))


@contextlib.contextmanager
def temporary_journal_storage() -> Iterator[tuple[optuna.storages.JournalStorage, str]]:
    """Yield a journal storage in a fresh temporary folder, removed afterwards.

    Yields
    ------
    storage : optuna.storages.JournalStorage
        The storage.
    path : str
        Its file, for other processes to open with :func:`journal_storage`.
    """
    with tempfile.TemporaryDirectory(prefix="kerasopt-") as folder:
        path = os.path.join(folder, "study.log")
        yield journal_storage(path), path


#: Tries to open an RDB storage when the failure is a schema-creation race.
_CREATE_ATTEMPTS = 5


def _is_creation_race(exc: Exception) -> bool:
    """Whether ``exc`` comes from another process creating the same schema."""
    text = str(exc).lower()
    return type(exc).__name__ == "IntegrityError" or any(
        sign in text for sign in ("already exists", "database is locked")
    )


def _rdb_storage(url: str) -> optuna.storages.RDBStorage:
    scheme = url.split("://", 1)[0].lower()
    dialect = scheme.split("+", 1)[0]
    if dialect not in _RDB_DIALECTS:
        hint = did_you_mean(dialect, _RDB_DIALECTS)
        if dialect == "postgres":
            hint = " Did you mean 'postgresql'?"
        raise StorageError(
            f"Unsupported storage URL scheme {scheme!r} in "
            f"storage={mask_password(url)!r}.{hint} Use one of "
            f"{', '.join(d + '://' for d in _RDB_DIALECTS)}, or a file path ending in "
            f"{', '.join(SQLITE_SUFFIXES + JOURNAL_SUFFIXES)}."
        )
    attempt = 1
    while True:
        try:
            return optuna.storages.RDBStorage(url)
        except Exception as exc:  # sqlalchemy/driver errors: many types, may echo URL
            # Processes started together on a new database race to create its
            # tables and version rows; the loser's next try finds them made.
            if attempt < _CREATE_ATTEMPTS and _is_creation_race(exc):
                time.sleep(0.2 * attempt)
                attempt += 1
                continue
            detail = _scrub(f"{type(exc).__name__}: {exc}", url).splitlines()[0]
            # `from None`: the chained upstream traceback could print the password.
            raise StorageError(
                f"Cannot open storage={mask_password(url)!r} ({detail}). Check that "
                "the database server is running and reachable, that the database "
                "exists and that its driver is installed (pip install "
                "'kerasopt[postgres]' for PostgreSQL, pymysql for MySQL)."
            ) from None


def resolve_storage(
    storage: str | os.PathLike[str] | optuna.storages.BaseStorage | None,
) -> optuna.storages.BaseStorage | None:
    """Return the Optuna storage that ``storage`` names.

    Parameters
    ----------
    storage : str, path-like, optuna.storages.BaseStorage or None
        ``None`` (returned as ``None``: an in-memory study), an RDB URL such as
        ``"sqlite:///studies.db"`` or ``"postgresql://user:pw@host/db"``, a path
        ending in ``.db``/``.sqlite``/``.sqlite3`` (SQLite) or
        ``.log``/``.jsonl``/``.journal`` (journal file), or a storage object,
        returned unchanged.

    Returns
    -------
    optuna.storages.BaseStorage or None

    Raises
    ------
    StorageError
        If the URL scheme or file suffix is not supported, a folder is missing,
        or the database cannot be opened. The message never contains the
        password (see :func:`mask_password`).
    TypeError
        If ``storage`` has another type.
    """
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        return storage
    if not isinstance(storage, (str, os.PathLike)):
        raise TypeError(
            "`storage` must be a URL, a file path, an optuna.storages.BaseStorage or "
            f"None, but got {type(storage).__name__}."
        )
    text = os.fspath(storage)
    if "://" in text:
        return _rdb_storage(text)
    suffix = Path(text).suffix.lower()
    if suffix in JOURNAL_SUFFIXES:
        return journal_storage(text)
    if suffix in SQLITE_SUFFIXES:
        path = Path(text).expanduser().resolve()
        if not path.parent.is_dir():
            raise StorageError(
                f"Cannot create the SQLite file {text!r}: the folder "
                f"{str(path.parent)!r} does not exist. Create it first or choose "
                "another path."
            )
        return _rdb_storage(f"sqlite:///{path}")
    raise StorageError(
        f"Cannot tell which storage storage={mask_password(text)!r} is: expected a URL "
        f"such as 'sqlite:///studies.db' or 'postgresql://user:password@host/db', or "
        f"a file path ending in {', '.join(SQLITE_SUFFIXES)} (SQLite) or "
        f"{', '.join(JOURNAL_SUFFIXES)} (journal file)."
    )
