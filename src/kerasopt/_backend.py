"""Which Keras backend kerasopt runs on: JAX unless the user chose another.

Small tabular models train several times faster on JAX than on TensorFlow on a
CPU (TensorFlow's per-epoch overhead dominates small tables), so ``import
kerasopt`` makes JAX Keras' backend when the user has not chosen one. The
user's choice always wins:

* ``KERAS_BACKEND`` set in the environment: kept as it is;
* ``"backend"`` in ``~/.keras/keras.json`` (or ``$KERAS_HOME``) other than
  ``"tensorflow"`` (the value Keras itself writes there on first import): kept;
* Keras already imported: its backend is kept, and if it is TensorFlow a one-
  line warning says how to get the fast one.

On JAX, compiled training and prediction steps are kept in JAX's persistent
compilation cache (``~/.cache/kerasopt/jax``, at most 1 GB, least recently used
entries dropped first), so the folds of a cross-validation and the trials of a
search that share an architecture compile once: a 5-fold CV of a small MLP
costs about half as much. Set ``JAX_COMPILATION_CACHE_DIR`` to move it, or
``JAX_ENABLE_COMPILATION_CACHE=false`` to turn it off.

This module is the one place that knows backend names; it imports no backend.
It also turns a model's TensorFlow operations run on another backend into an
error that says so (:func:`backend_hint`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path

from ._utils import cache_dir, exception_chain

__all__ = ["backend_hint", "choose_backend", "clear_compiled"]

FAST_BACKEND = "jax"

# JAX reads these at import; kerasopt only fills in what the user left unset.
_JAX_CACHE_DEFAULTS = {
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",  # small models compile fast
    "JAX_COMPILATION_CACHE_MAX_SIZE": str(2**30),
}


def _configure_jax_cache() -> None:
    """Turn on JAX's persistent compilation cache unless JAX is already loaded."""
    if "jax" in sys.modules:
        return
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(cache_dir("jax")))
    for name, value in _JAX_CACHE_DEFAULTS.items():
        os.environ.setdefault(name, value)


def _configured_backend() -> str | None:
    """The backend named in Keras' own config file, if any."""
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    try:
        config = json.loads((Path(home) / "keras.json").read_text())
    except (OSError, ValueError):
        return None
    backend = config.get("backend") if isinstance(config, dict) else None
    return backend if isinstance(backend, str) else None


def choose_backend() -> None:
    """Make JAX Keras' backend, unless the user chose one or Keras is loaded.

    Called once by ``import kerasopt``, before anything imports Keras.
    """
    if os.environ.get("KERAS_BACKEND"):
        if os.environ["KERAS_BACKEND"] == FAST_BACKEND:
            _configure_jax_cache()
        return
    keras = sys.modules.get("keras")
    if keras is not None:
        backend = getattr(getattr(keras, "config", None), "backend", lambda: None)()
        if backend == "tensorflow" and importlib.util.find_spec(FAST_BACKEND):
            warnings.warn(
                "Keras was imported on TensorFlow before kerasopt; small tables "
                f"train several times faster on {FAST_BACKEND.upper()}: set "
                f"KERAS_BACKEND={FAST_BACKEND} before importing Keras.",
                UserWarning,
                stacklevel=3,
            )
        return
    if _configured_backend() not in (None, "tensorflow"):
        return
    if importlib.util.find_spec(FAST_BACKEND) is not None:
        os.environ["KERAS_BACKEND"] = FAST_BACKEND
        _configure_jax_cache()


def clear_compiled() -> None:
    """Drop the compiled functions the backend keeps for every model it trained.

    JAX keeps each model's compiled training and prediction steps in memory
    after the model is gone (about 2 MB per small model); a long search calls
    this now and then so that its memory stays flat. The compiled steps stay in
    the on-disk cache, so a later model of the same architecture reads them
    back instead of compiling them again.
    """
    keras = sys.modules.get("keras")
    if keras is not None and keras.backend.backend() == "jax":
        import jax

        jax.clear_caches()


def _mentions_tensorflow(exc: BaseException) -> bool:
    """Whether ``exc`` or an exception it chains comes from TensorFlow's code."""
    for link in exception_chain(exc):
        if type(link).__module__.startswith("tensorflow") or "tensorflow" in str(link).lower():
            return True
        files = (frame.f_code.co_filename for frame, _ in traceback.walk_tb(link.__traceback__))
        if any(f"{os.sep}tensorflow{os.sep}" in name for name in files):
            return True
    return False


@contextlib.contextmanager
def backend_hint(what: str) -> Iterator[None]:
    """Re-raise a TensorFlow-related failure of ``what`` off TensorFlow with the fix.

    Parameters
    ----------
    what : str
        What failed, for the message ("building the model", "training").
    """
    try:
        yield
    except Exception as exc:
        import keras  # loaded already: a model was being built or trained

        backend = keras.backend.backend()
        if backend == "tensorflow" or not _mentions_tensorflow(exc):
            raise
        raise RuntimeError(
            f"{what.capitalize()} failed: the model uses TensorFlow operations (tf.*), "
            f"but Keras runs on the {backend!r} backend ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:200]}). Write the model with keras.ops / keras.layers, which "
            "run on every backend, or choose TensorFlow: set KERAS_BACKEND=tensorflow "
            "before Python starts (pip install 'kerasopt[tensorflow]')."
        ) from exc
