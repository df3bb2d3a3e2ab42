"""Exceptions raised by kerasopt.

Every exception is also a built-in ``ValueError`` or ``TypeError`` where that is
what sklearn users catch, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "DroppedColumnsWarning",
    "InvalidSearchSpaceError",
    "KerasoptError",
    "ModelFileError",
    "SingleClassWarning",
    "StorageError",
]


class KerasoptError(Exception):
    """Base class of every error kerasopt raises on purpose."""


class DataError(KerasoptError, ValueError):
    """The data (a table, a column, a target) cannot be used as given."""


class InvalidSearchSpaceError(KerasoptError, ValueError):
    """A search space (dict, callable or file) is malformed."""


class StorageError(KerasoptError, ValueError):
    """An Optuna storage URL or study cannot be opened."""


class ModelFileError(KerasoptError, ValueError):
    """A saved model file is unreadable, unsafe to load or from an unknown format."""


class DroppedColumnsWarning(UserWarning):
    """Columns were left out of a table: IDs, dates, a saved row index.

    They cannot be learned from as they are; the message names them.
    """


class SingleClassWarning(UserWarning):
    """A fitted classifier predicts the same class for every row it was checked on.

    Checked on the validation split (else the training rows) after ``fit``:
    what a network trained on an imbalanced target with accuracy as its goal
    often does. The message says what to try.
    """
