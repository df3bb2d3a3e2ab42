"""Quiet imports: C++ libraries that log to file descriptor 2 at import.

TensorFlow logs "Could not find cuda drivers", "oneDNN custom operations are
on" and the like while it is imported, before any log level is read (and
whatever ``TF_CPP_MIN_LOG_LEVEL`` says). Python's ``sys.stderr`` cannot catch
that; pointing descriptor 2 at the null device for the import does. An error
in the import still surfaces, as the Python exception it raises.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = ["native_stderr_silenced"]


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to the null device inside the ``with`` block."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
