"""Saving and loading fitted models: one safe file, no code run on load.

:func:`save` writes an estimator, a Pipeline ending in one, a voting ensemble
of those, or a search's best model; :func:`load` reads it back (``_format``
describes the file).
"""

from ._format import ModelFileVersionWarning, read_metadata
from ._load import LoadedSearch, load
from ._save import save

__all__ = ["LoadedSearch", "ModelFileVersionWarning", "load", "read_metadata", "save"]
