"""Keep library chatter off the terminal: the CLI prints its own lines.

:func:`quiet_libraries` runs before any command, so before TensorFlow, JAX or
Keras is imported: their C++ and Python loggers (``failed call to cuInit``,
``Unable to register cuDNN factory``, "no GPU/TPU found", tf.function
retracing warnings) then stay silent, and the progress bar stays whole.
Optuna's per-trial lines give way to the progress bar; its warnings (a failed
trial) still show, but not the traceback of a Ctrl-C.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import threading
from collections.abc import Iterator

from .._utils import native_stderr_silenced

__all__ = [
    "import_backend",
    "interrupt_guard",
    "quiet_libraries",
    "quiet_optuna",
]

#: Environment read by the backends' C++ code when they are first imported.
_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # 3: not even "E ... failed call to cuInit"
    "TF_ENABLE_ONEDNN_OPTS": "0",  # and no "oneDNN custom operations are on"
    "GRPC_VERBOSITY": "ERROR",
    "GLOG_minloglevel": "2",
}
#: Python loggers that print on import or while tracing.
_QUIET_LOGGERS = ("tensorflow", "absl", "jax._src.xla_bridge", "h5py")


#: Set by a Ctrl-C during `kerasopt tune` (see :func:`interrupt_guard`).
_INTERRUPTED = threading.Event()


class _NoInterruptTraceback(logging.Filter):
    """Drop Optuna's "Trial N failed" record (and traceback) of a Ctrl-C."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (
            _INTERRUPTED.is_set()
            or isinstance(exc, KeyboardInterrupt)
            or "KeyboardInterrupt(" in record.getMessage()
        )


_FILTER = _NoInterruptTraceback()


def quiet_libraries() -> None:
    """Silence TensorFlow / JAX logging; call before importing them.

    Variables the user has set are kept (``TF_CPP_MIN_LOG_LEVEL=0`` still
    shows everything).
    """
    for name, value in _QUIET_ENV.items():
        os.environ.setdefault(name, value)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    # The logger that writes "Trial N failed with ..." (a logger's own filter
    # sees the records made on it).
    failed_trials = logging.getLogger("optuna.study._optimize")
    if _FILTER not in failed_trials.filters:
        failed_trials.addFilter(_FILTER)


def quiet_optuna() -> None:
    """Optuna's per-trial INFO lines off (the progress bar shows them)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)


def _on_sigint(signum: int, frame: object) -> None:
    _INTERRUPTED.set()
    signal.default_int_handler(signum, frame)


@contextlib.contextmanager
def interrupt_guard() -> Iterator[None]:
    """While trials run, a Ctrl-C also hushes Optuna's report of that trial.

    Wherever the interrupt lands (in Keras, in the objective), the trial it
    stops is not worth a warning: the command prints one line instead.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _INTERRUPTED.clear()


def import_backend() -> None:
    """Import the estimators (and so Keras and its backend) without chatter.

    TensorFlow's C++ code logs "Could not find cuda drivers", "oneDNN custom
    operations are on" and the like at import, before its log level is read;
    an error there still surfaces as a Python exception.
    """
    with native_stderr_silenced():
        importlib.import_module("kerasopt.estimators")
