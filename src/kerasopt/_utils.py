"""Small helpers every layer uses, each written once.

Did-you-mean hints, seeds derived from one seed, walks along an exception's
chain, kerasopt's cache folder, and silencing native stderr while a C++
library is imported.
"""

from __future__ import annotations

import contextlib
import difflib
import numbers
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "cache_dir",
    "derive_seed",
    "did_you_mean",
    "exception_chain",
    "native_stderr_silenced",
    "to_seed",
]

#: Seeds stay below this bound so that every consumer (NumPy's legacy
#: generators, Keras, Optuna's samplers) takes them as they are.
_SEED_BOUND = 2**31 - 1


def did_you_mean(value: str, options: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest option, or ``""``.

    Parameters
    ----------
    value : str
        The name that was not recognised.
    options : iterable of str
        The valid names.

    Returns
    -------
    str
        A sentence starting with a space, ready to append to an error message.
    """
    matches = difflib.get_close_matches(str(value), list(options), n=1, cutoff=0.6)
    return f" Did you mean {matches[0]!r}?" if matches else ""


def to_seed(random_state: int | np.random.RandomState | None) -> int | None:
    """The integer seed of ``random_state``: itself, or drawn from it.

    Parameters
    ----------
    random_state : int, numpy.random.RandomState or None
        An int is used as is; a ``RandomState`` gives a new seed at each call
        (as scikit-learn estimators consume theirs); None means unseeded.

    Returns
    -------
    int or None
    """
    if random_state is None:
        return None
    import numpy as np  # here: import kerasopt (which needs cache_dir) loads no NumPy

    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(_SEED_BOUND))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    raise ValueError(
        "random_state must be an int, a numpy.random.RandomState or None. "
        f"Received: random_state={random_state!r}."
    )


def derive_seed(seed: int | None, *keys: int) -> int | None:
    """A seed for one part of a run (a trial, a worker, a resume) from the run's seed.

    Different ``keys`` give independent seeds (NumPy's ``SeedSequence``);
    ``None`` stays ``None`` (unseeded).
    """
    if seed is None:
        return None
    import numpy as np  # here: import kerasopt (which needs cache_dir) loads no NumPy

    state = np.random.SeedSequence([seed, *keys]).generate_state(1)[0]
    return int(state % _SEED_BOUND)


def exception_chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc``, then the exceptions it was raised from or while handling."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def cache_dir(*parts: str) -> Path:
    """A folder under kerasopt's cache (``$XDG_CACHE_HOME/kerasopt``, else ``~/.cache``)."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root, "kerasopt", *parts)


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to the null device inside the ``with`` block.

    TensorFlow logs "Could not find cuda drivers", "oneDNN custom operations
    are on" and the like while it is imported, before any log level is read.
    Python's ``sys.stderr`` cannot catch that; pointing descriptor 2 at the
    null device for the import does. An error in the import still surfaces,
    as the Python exception it raises.
    """
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
