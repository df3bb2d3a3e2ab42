"""Optuna storages from a URL, a file path or nothing; passwords never shown.

kerasopt accepts what the Optuna CLI and ``optuna-dashboard`` accept:

* ``None`` - an in-memory study (one process; see :class:`OptunaSearchCV`
  for what ``n_jobs > 1`` does then);
* an RDB URL - ``sqlite:///studies.db``, ``postgresql://user:pw@host/db``,
  ``mysql+pymysql://...`` - shared by every process and machine that opens it;
* a Redis URL - ``redis://host:6379/0`` - an Optuna journal kept in Redis,
  shared by every machine that reaches the server (no heartbeat: see
  ``kerasopt fail-stale``);
* a file path - ``studies.db`` / ``.sqlite`` / ``.sqlite3`` becomes a SQLite
  URL, ``study.log`` / ``.jsonl`` / ``.journal`` an Optuna journal file (safe
  for several processes on one machine, no database needed);
* a ready :class:`optuna.storages.BaseStorage`, used as it is.

Passwords never reach a message: :func:`mask_password` hides them in URLs
(SQLAlchemy parses and renders the URL with ``hide_password=True``; a
``?password=`` query parameter, which SQLAlchemy shows, and a URL it cannot
parse right, with a raw ``@`` in the password, are handled here), and
:func:`scrub` removes them from a driver's error text.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import optuna
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial

from .._utils import did_you_mean, exception_chain
from ..exceptions import StorageError

__all__ = [
    "JOURNAL_SUFFIXES",
    "SQLITE_SUFFIXES",
    "journal_storage",
    "mask_password",
    "requeued_here",
    "resolve_storage",
    "scrub",
    "stale_trial_callback",
    "temporary_journal_storage",
]


# --------------------------------------------------------------- passwords
_MASK = "***"
_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|passwd|pwd)=)([^&#]*)")
_USERINFO = re.compile(r"^(?P<head>[^:/]+://[^:/@]*:)(?P<password>.*)(?P<tail>@[^@]*)$")


def _parsed(text: str) -> Any:
    """SQLAlchemy's URL, or None where it cannot (or would wrongly) parse it.

    A raw ``@`` in the password splits it at the first ``@`` (or fails).
    """
    from sqlalchemy.engine import make_url

    if text.split("://", 1)[1].count("@") > 1:
        return None
    try:
        return make_url(text)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy can parse
        return None


def _password(text: str) -> str | None:
    url = _parsed(text)
    if url is not None:
        return url.password  # type: ignore[no-any-return]
    match = _USERINFO.match(text)
    return match.group("password") if match else None


def mask_password(url: str | os.PathLike[str]) -> str:
    """Return ``url`` with its password replaced by ``***``.

    Parameters
    ----------
    url : str or path-like
        A storage URL (or a file path, returned unchanged).

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
    if "://" not in text:
        return text
    url = _parsed(text)
    if url is not None:
        text = url.render_as_string(hide_password=True)
    else:  # hide user:<this>@host
        text = _USERINFO.sub(rf"\g<head>{_MASK}\g<tail>", text)
    return _QUERY_SECRET.sub(rf"\g<1>{_MASK}", text)


def scrub(message: str, url: str | os.PathLike[str]) -> str:
    """Remove the password of ``url`` from ``message`` (e.g. a driver's error).

    The URL itself becomes its masked form; the password anywhere else in
    ``message`` (as typed, or percent-decoded) becomes ``***``.
    """
    text = os.fspath(url)
    if "://" not in text:
        return message
    message = message.replace(text, mask_password(text))
    secrets = {_password(text) or ""}
    secrets.update(m.group(2) for m in _QUERY_SECRET.finditer(text))
    for secret in secrets - {""}:
        for form in {secret, unquote(secret), quote(secret, safe="")}:
            message = message.replace(form, _MASK)
    return message


# ---------------------------------------------------------------- storages
SQLITE_SUFFIXES: tuple[str, ...] = (".db", ".sqlite", ".sqlite3")
JOURNAL_SUFFIXES: tuple[str, ...] = (".log", ".jsonl", ".journal")
#: URL schemes of an Optuna journal kept in Redis.
_REDIS_SCHEMES: tuple[str, ...] = ("redis", "rediss")
_RDB_DIALECTS: tuple[str, ...] = (
    "sqlite", "postgresql", "mysql", "mariadb", "oracle", "mssql",
)  # fmt: skip


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


#: Drivers to install, by SQLAlchemy dialect.
_DRIVER_HINTS = {
    "postgresql": "pip install 'kerasopt[postgres]'",
    "mysql": "pip install pymysql and use mysql+pymysql://",
    "mariadb": "pip install pymysql and use mariadb+pymysql://",
}


def _missing_module(exc: BaseException) -> str:
    """The module whose import failed (Optuna re-raises without its name)."""
    for error in exception_chain(exc):
        if isinstance(error, ImportError) and error.name:
            return error.name
    return "?"


def _install_hint(scheme: str) -> str:
    dialect, _, driver = scheme.partition("+")
    if driver and driver not in ("psycopg", "psycopg2"):
        return f"pip install {driver}"
    return _DRIVER_HINTS.get(dialect, "install the database's driver with pip")


#: Optuna's callback that queues a stale trial again: Optuna 4.9 renamed
#: ``RetryFailedTrialCallback`` (RDBStorage's ``failed_trial_callback``) to
#: ``RetryHeartbeatStaleTrialCallback`` (``heartbeat_stale_trial_callback``).
_RETRY = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None) or (
    optuna.storages.RetryFailedTrialCallback
)


def _retry_stale_trials() -> dict[str, Any]:
    """RDBStorage's keyword for :data:`_RETRY`, wrapped in :class:`_Requeue`."""
    if _RETRY.__name__ == "RetryFailedTrialCallback":  # Optuna < 4.9
        return {"failed_trial_callback": _Requeue(_RETRY(_RETRIES))}
    return {"heartbeat_stale_trial_callback": _Requeue(_RETRY(_RETRIES))}


class _Requeue:
    """Optuna's retry callback, remembering the trials this process failed.

    The storage fails a stale trial once (a second process's attempt finds it
    FAIL already), and only the process that failed it runs this callback.
    So each re-queued trial has one owner, and :func:`requeued_here` tells a
    process which re-queued trials are its own to run again.
    """

    def __init__(self, retry: Callable[[optuna.Study, FrozenTrial], None]) -> None:
        self._retry = retry
        self.failed: set[tuple[str, int]] = set()

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._retry(study, trial)
        self.failed.add((study.study_name, trial.number))


def requeued_here(
    study: optuna.Study, storage: Any, trials: Iterable[FrozenTrial]
) -> list[FrozenTrial]:
    """Of ``trials``, the re-runs of the stale trials this process failed.

    For a storage kerasopt did not open (its own failure callback, or none),
    every re-run of a failed trial in ``trials``.
    """
    callback = stale_trial_callback(storage)
    retried = [(t, _RETRY.retried_trial_number(t)) for t in trials]
    if not isinstance(callback, _Requeue):
        return [t for t, number in retried if number is not None]
    return [t for t, n in retried if (study.study_name, n) in callback.failed]


#: Times a trial whose worker died is run again before it stays FAILED.
_RETRIES = 3


def stale_trial_callback(storage: Any) -> Callable[..., None] | None:
    """The storage's callback for a trial failed for lack of heartbeats, if any."""
    getter = getattr(storage, "get_heartbeat_stale_trial_callback", None) or getattr(
        storage, "get_failed_trial_callback", None
    )  # Optuna < 4.9
    return None if getter is None else getter()


def _rdb_storage(
    url: str, heartbeat_interval: int | None, grace_period: int | None
) -> optuna.storages.RDBStorage:
    scheme = url.split("://", 1)[0].lower()
    dialect = scheme.split("+", 1)[0]
    if dialect not in _RDB_DIALECTS:
        known = _RDB_DIALECTS + _REDIS_SCHEMES
        hint = did_you_mean(dialect, known)
        if dialect == "postgres":
            hint = " Did you mean 'postgresql'?"
        raise StorageError(
            f"Unsupported storage URL scheme {scheme!r} in "
            f"storage={mask_password(url)!r}.{hint} Use one of "
            f"{', '.join(d + '://' for d in known)}, or a file path ending in "
            f"{', '.join(SQLITE_SUFFIXES + JOURNAL_SUFFIXES)}."
        )
    attempt = 1
    while True:
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental"
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                options: dict[str, Any] = {}
                if heartbeat_interval is not None:
                    options = {
                        "heartbeat_interval": heartbeat_interval,
                        "grace_period": grace_period,
                        **_retry_stale_trials(),
                    }
                return optuna.storages.RDBStorage(url, **options)
        except ImportError as exc:
            raise StorageError(
                f"Cannot open storage={mask_password(url)!r}: its database driver "
                f"{_missing_module(exc)!r} is not installed. Fix: "
                f"{_install_hint(scheme)}."
            ) from None
        except Exception as exc:  # sqlalchemy/driver errors: many types, may echo URL
            # Processes started together on a new database race to create its
            # tables and version rows; the loser's next try finds them made.
            if attempt < _CREATE_ATTEMPTS and _is_creation_race(exc):
                time.sleep(0.2 * attempt)
                attempt += 1
                continue
            detail = scrub(f"{type(exc).__name__}: {exc}", url).splitlines()[0]
            # `from None`: the chained upstream traceback could print the password.
            raise StorageError(
                f"Cannot open storage={mask_password(url)!r} ({detail}). Check that "
                "the database server is running and reachable and that the database "
                "exists."
            ) from None


def _redis_storage(url: str) -> optuna.storages.JournalStorage:
    """A journal in Redis: many machines, no database schema, no heartbeat."""
    try:
        from optuna.storages.journal import JournalRedisBackend

        with warnings.catch_warnings():  # Optuna calls it "experimental"
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            backend = JournalRedisBackend(url)
    except ImportError as exc:
        raise StorageError(
            f"Cannot open storage={mask_password(url)!r}: its driver "
            f"{_missing_module(exc)!r} is not installed. Fix: pip install "
            "'kerasopt[redis]'."
        ) from None
    try:
        return optuna.storages.JournalStorage(backend)  # reads the journal: connects
    except Exception as exc:  # redis' connection errors
        detail = scrub(f"{type(exc).__name__}: {exc}", url).splitlines()[0]
        raise StorageError(
            f"Cannot open storage={mask_password(url)!r} ({detail}). Check that the "
            "Redis server is running and reachable."
        ) from None


_BROKEN_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+]*)(?::/{0,2}|//)(?P<rest>.*)$")


def _refuse_broken_url(text: str) -> None:
    """A URL whose ``://`` is mistyped (``sqlite//x.db``) is not a file path."""
    match = None if "://" in text else _BROKEN_URL.match(text)
    if match is None:
        return
    scheme, rest = match["scheme"], match["rest"]
    dialect = scheme.split("+", 1)[0].lower()
    if dialect not in (*_RDB_DIALECTS, *_REDIS_SCHEMES, "postgres"):
        return
    fixed = f"{scheme}:///{rest.lstrip('/')}" if dialect == "sqlite" else (
        f"{scheme}://{rest.lstrip('/')}"
    )
    raise StorageError(
        f"The storage looks like a {dialect} URL without its '://' (read as a file "
        f"path, it names no SQLite or journal file). Did you mean "
        f"{mask_password(fixed)!r}?"
    )


def resolve_storage(
    storage: str | os.PathLike[str] | optuna.storages.BaseStorage | None,
    *,
    heartbeat_interval: int | None = None,
    grace_period: int | None = None,
) -> optuna.storages.BaseStorage | None:
    """Return the Optuna storage that ``storage`` names.

    Parameters
    ----------
    storage : str, path-like, optuna.storages.BaseStorage or None
        ``None`` (returned as ``None``: an in-memory study), an RDB URL such as
        ``"sqlite:///studies.db"`` or ``"postgresql://user:pw@host/db"``, a
        Redis URL (``"redis://host:6379/0"``: an Optuna journal kept in Redis,
        shared by many machines; ``pip install 'kerasopt[redis]'``), a path
        ending in ``.db``/``.sqlite``/``.sqlite3`` (SQLite) or
        ``.log``/``.jsonl``/``.journal`` (journal file), or a storage object,
        returned unchanged.
    heartbeat_interval : int or None, default=None
        RDB storages only (SQLite, PostgreSQL, MySQL): seconds between the
        heartbeats Optuna records for each running trial. A trial without a
        heartbeat for ``grace_period`` seconds is failed by the next worker
        that starts a trial, and queued again with the same parameters (up to
        3 times). Journal files have no heartbeat: a trial of a killed process
        stays RUNNING (``kerasopt fail-stale`` clears it).
    grace_period : int or None, default=None
        Seconds without heartbeat after which a trial counts as dead; Optuna's
        default is twice ``heartbeat_interval``.

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
    _refuse_broken_url(text)
    if "://" in text:
        if text.split("://", 1)[0].lower() in _REDIS_SCHEMES:
            return _redis_storage(text)
        return _rdb_storage(text, heartbeat_interval, grace_period)
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
        return _rdb_storage(f"sqlite:///{path}", heartbeat_interval, grace_period)
    raise StorageError(
        f"Cannot tell which storage storage={mask_password(text)!r} is: expected a URL "
        f"such as 'sqlite:///studies.db' or 'postgresql://user:password@host/db', or "
        f"a file path ending in {', '.join(SQLITE_SUFFIXES)} (SQLite) or "
        f"{', '.join(JOURNAL_SUFFIXES)} (journal file)."
    )
