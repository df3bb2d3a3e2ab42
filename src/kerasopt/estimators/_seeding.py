"""Seeds for one fit, on any Keras backend, without importing TensorFlow.

Keras layers draw their initial weights and dropout seeds from Python's
``random`` (``keras.random.SeedGenerator(None)``) and the JAX/NumPy data
adapters shuffle with NumPy's global generator, so seeding those two makes a
fit repeatable on JAX and NumPy. ``keras.utils.set_random_seed`` seeds the
same plus TensorFlow, but it imports TensorFlow whenever it is installed (many
seconds, half a gigabyte): it is only called when TensorFlow is the backend.
"""

from __future__ import annotations

import contextlib
import numbers
import random
from collections.abc import Iterator

import keras
import numpy as np

__all__ = ["draw_seed", "seeded"]


def draw_seed(random_state: int | np.random.RandomState | None) -> int | None:
    """The integer seed of one fit: ``random_state`` itself, or drawn from it.

    Parameters
    ----------
    random_state : int, numpy.random.RandomState or None
        An int is used as is; a ``RandomState`` gives a new seed at each call
        (as scikit-learn estimators consume theirs); None means unseeded.
    """
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    raise ValueError(
        "random_state must be an int, a numpy.random.RandomState or None. "
        f"Received: random_state={random_state!r}."
    )


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Seed Python, NumPy and the backend for a block; restore Python's and NumPy's after.

    ``None`` leaves every generator alone.
    """
    if seed is None:
        yield
        return
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        if keras.backend.backend() == "tensorflow":
            keras.utils.set_random_seed(seed)
        else:
            random.seed(seed)
            np.random.seed(seed)
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
