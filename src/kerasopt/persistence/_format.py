"""The model file itself: format, versions, archive members and metadata.

A kerasopt model file is one zip archive holding

``metadata.json``
    Plain JSON: format version, library versions, the estimator's class name
    and plain-data parameters, a readable summary of its fitted state
    (classes, feature names) and, for a search, its best parameters and score.
``model.keras``
    The trained Keras model, loaded with ``safe_mode=True``: a ``Lambda``
    layer or any other deserialized Python code is refused.
``state.skops``
    The scikit-learn parts (preprocessing steps, target encoder, fitted
    attributes) in the `skops <https://skops.readthedocs.io>`_ format, loaded
    with an explicit allow-list of types: nothing in it is unpickled.

A soft-voting ensemble is one file of format :data:`ENSEMBLE_FORMAT_VERSION`
holding

``metadata.json``
    With an ``"ensemble"`` entry: the voting class, member names, weights,
    ``voting`` and the other plain parameters.
``state.skops``
    The voting estimator's own fitted attributes (``le_``, ``classes_``,
    ``feature_names_in_``), loaded with the same allow-list as a model's.
``members/<name>.kerasopt``
    Each member exactly as :func:`kerasopt.save` writes a single model.

Only scikit-learn's ``VotingClassifier`` / ``VotingRegressor`` are written and
rebuilt, by name from a fixed table (:data:`VOTING`).

Pickle and joblib work too (``BaseKerasEstimator.__getstate__``), but loading a
pickle runs whatever code the file names, so only unpickle files you made.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import platform
import warnings
import zipfile
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
from sklearn.ensemble import VotingClassifier, VotingRegressor

from ..exceptions import ModelFileError
from ..preprocessing import (
    PREPROCESSING_TYPES,
    CategoricalEncoder,
    CategoryCaster,
    NumericCaster,
    TabularPreprocessor,
    densify,
)

__all__ = [
    "ENSEMBLE_FORMAT_VERSION",
    "FORMAT",
    "FORMAT_VERSION",
    "METADATA",
    "MODEL",
    "OWN_ENTRIES",
    "STATE",
    "TRUSTED_TYPES",
    "VOTING",
    "ModelFileVersionWarning",
    "check_loadable",
    "check_member",
    "from_json",
    "member_entry",
    "member_names",
    "metadata_of",
    "open_archive",
    "read",
    "read_metadata",
    "renamed_types",
    "restore_fitted",
    "skops_io",
    "summary",
    "to_json",
    "versions",
    "warn_versions",
]

FORMAT = "kerasopt-model"
# 2: kerasopt's own estimator core (0.2). Format 1 files (kerasopt 0.1) hold
# scikeras objects and are refused with a message.
FORMAT_VERSION = 2
# 3: a soft-voting ensemble whose members are format 2 files. Single models stay
# format 2, so readers that predate ensembles still read them, and refuse an
# ensemble file with "uses model file format 3 ... Upgrade kerasopt" instead of
# failing on its missing model.keras as if it were damaged.
ENSEMBLE_FORMAT_VERSION = 3
METADATA, MODEL, STATE = "metadata.json", "model.keras", "state.skops"

# Types outside numpy / scikit-learn (which skops trusts itself) that kerasopt's
# own objects are made of. Anything else in a file is refused unless the caller
# names it in ``load(..., trusted=[...])``.
TRUSTED_TYPES: tuple[str, ...] = (
    "numpy.dtype",
    "kerasopt.estimators._targets.ClassifierTargetEncoder",
    "kerasopt.estimators._targets.RegressorTargetEncoder",
    *PREPROCESSING_TYPES,
    "sklearn.compose._column_transformer.make_column_selector",
    # dtypes that make_column_selector(dtype_include=...) names, as type objects
    *(f"builtins.{name}" for name in ("object", "bool", "int", "float", "str")),
    *(
        f"numpy.{name}"
        for name in ("number", "integer", "floating", "bool", "bool_", "object_",
                     "datetime64", "timedelta64")  # fmt: skip
    ),
)

# A state part names each type by its import path. These are the paths kerasopt
# 0.2 wrote for types that have moved since (issue 19); a file is read with the
# types' paths of today. Nothing else is renamed: any other name stays as it is
# and must be trusted.
MOVED_TYPES: dict[str, str] = {
    f"kerasopt.preprocessing.{old}": f"{kind.__module__}.{kind.__qualname__}"
    for old, kind in (
        ("_categories.CategoryCaster", CategoryCaster),
        ("_embedding.CategoricalEncoder", CategoricalEncoder),
        ("_numeric.NumericCaster", NumericCaster),
        ("_preprocessor.TabularPreprocessor", TabularPreprocessor),
        ("_sparse.densify", densify),
    )
}

_CHECKED_VERSIONS = ("kerasopt", "keras", "scikit-learn")

# The ensembles kerasopt writes and rebuilds, by the class name in the file.
VOTING: dict[str, type[VotingClassifier] | type[VotingRegressor]] = {
    "VotingClassifier": VotingClassifier,
    "VotingRegressor": VotingRegressor,
}
# Parameters of an ensemble written in their own metadata entries, not under "params".
OWN_ENTRIES = ("estimators", "weights", "voting")


def skops_io() -> Any:
    """``skops.io``, imported on first save / load only (it pulls in much of sklearn)."""
    import skops.io

    return skops.io


class ModelFileVersionWarning(UserWarning):
    """A model file was written by other versions of kerasopt, Keras or sklearn."""


def versions() -> dict[str, str]:
    """Versions of Python and the libraries a model file depends on."""
    found = {"python": platform.python_version()}
    for name in (*_CHECKED_VERSIONS, "numpy", "skops", "jax", "tensorflow"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "unknown"
    return found


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the plain JSON metadata of a model file, loading nothing else.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    dict
        ``format``, ``format_version``, ``versions``, ``estimator`` (class,
        params, summary of the fitted state) or, for an ensemble,
        ``ensemble`` (class, member names, weights, voting, summary), and for
        a search ``search`` (best parameters and score; ensemble weights and
        score).
    """
    with open_archive(path) as zf:
        return metadata_of(zf, path)


class open_archive:
    """``zipfile.ZipFile`` whose failures say what the file should have been.

    ``data``, if given, is the archive itself (an ensemble's member), and
    ``path`` only names it in messages.
    """

    def __init__(
        self, path: str | os.PathLike[str], data: bytes | None = None
    ) -> None:
        self.path = path
        self.data = data

    def __enter__(self) -> zipfile.ZipFile:
        try:
            source = self.path if self.data is None else io.BytesIO(self.data)
            self.zf = zipfile.ZipFile(source)
        except zipfile.BadZipFile:
            if self.data is not None:
                raise ModelFileError(
                    f"{os.fspath(self.path)!r} is damaged (not a zip archive). "
                    "Save the model again."
                ) from None
            raise ModelFileError(
                f"{os.fspath(self.path)!r} is not a kerasopt model file (not a zip "
                "archive). Files from pickle or joblib load with joblib.load, "
                "which can run code: only do that for files you made."
            ) from None
        return self.zf

    def __exit__(self, *exc: object) -> None:
        self.zf.close()


def read(zf: zipfile.ZipFile, name: str, path: str | os.PathLike[str]) -> bytes:
    """One member of an open model file; a missing or damaged one is named."""
    try:
        return zf.read(name)
    except KeyError:
        raise ModelFileError(
            f"{os.fspath(path)!r} is not a complete kerasopt model file: {name!r} "
            f"is missing (found {zf.namelist()})."
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFileError(f"{os.fspath(path)!r} is damaged: {exc}") from None


def metadata_of(zf: zipfile.ZipFile, path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked metadata of an open model file."""
    try:
        metadata = json.loads(read(zf, METADATA, path))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"{os.fspath(path)!r} has unreadable metadata: {exc}"
        ) from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError(
            f"{os.fspath(path)!r} is not a kerasopt model file (format "
            f"{metadata.get('format') if isinstance(metadata, dict) else None!r})."
        )
    file_version = metadata.get("format_version")
    if not isinstance(file_version, int) or file_version > ENSEMBLE_FORMAT_VERSION:
        raise ModelFileError(
            f"{os.fspath(path)!r} uses model file format {file_version!r}, but this "
            f"kerasopt reads format {ENSEMBLE_FORMAT_VERSION} and older. Upgrade "
            "kerasopt."
        )
    return metadata


def check_loadable(metadata: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Refuse files of older formats this kerasopt cannot rebuild, saying why."""
    if metadata["format_version"] < FORMAT_VERSION:
        written = (metadata.get("versions") or {}).get("kerasopt", "0.1")
        raise ModelFileError(
            f"{os.fspath(path)!r} was written by kerasopt {written} (model file "
            f"format {metadata['format_version']}), whose estimators stood on "
            f"scikeras; this kerasopt reads format {FORMAT_VERSION}. Refit the model "
            "and save it again, or load it with kerasopt 0.1 (pip install "
            "'kerasopt<0.2'). Its metadata still reads with read_metadata(path)."
        )
    is_ensemble = metadata["format_version"] == ENSEMBLE_FORMAT_VERSION
    if ("ensemble" in metadata) != is_ensemble:
        raise ModelFileError(
            f"{os.fspath(path)!r} is damaged: format {metadata['format_version']} "
            f"{'with' if 'ensemble' in metadata else 'without'} an ensemble entry. "
            f"Ensembles are format {ENSEMBLE_FORMAT_VERSION}, single models format "
            f"{FORMAT_VERSION}. Save the model again."
        )


def restore_fitted(
    estimator: Any,
    state: dict[str, Any],
    params: set[str],
    path: str | os.PathLike[str],
) -> None:
    """Set the fitted attributes ``state`` on ``estimator``, refusing any that would
    shadow a parameter, a method or a property (a tampered file)."""
    for name, value in state.items():
        attr = inspect.getattr_static(type(estimator), name, None)
        if (
            name in params
            or not isinstance(name, str)
            or name.startswith("__")
            or callable(attr)
            or hasattr(attr, "__get__")
        ):
            raise ModelFileError(
                f"{os.fspath(path)!r} has a damaged state part: attribute {name!r} "
                "is not a fitted attribute."
            )
        setattr(estimator, name, value)


def renamed_types(data: bytes) -> bytes:
    """A ``state.skops`` part that names today's paths of :data:`MOVED_TYPES`."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        schema = json.loads(zf.read("schema.json"))
        if not _rename(schema):
            return data
        members = {info: zf.read(info) for info in zf.infolist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for info, content in members.items():
            zf.writestr(info, json.dumps(schema) if info.filename == "schema.json" else content)
    return buffer.getvalue()


def _rename(node: Any) -> bool:
    """Rename the moved types in a skops schema, in place; whether any was."""
    found = False
    if isinstance(node, dict):
        path = f"{node.get('__module__')}.{node.get('__class__')}"
        if path in MOVED_TYPES:
            node["__module__"] = MOVED_TYPES[path].rsplit(".", 1)[0]
            found = True
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return False
    return any([_rename(child) for child in children]) or found


def warn_versions(metadata: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Warn if the file was written with other kerasopt / Keras / sklearn versions."""
    written = metadata.get("versions", {}) or {}
    current = versions()
    differ = [
        f"{name} {written.get(name, 'unknown')} (now {current[name]})"
        for name in _CHECKED_VERSIONS
        if written.get(name) != current[name]
    ]
    if differ:
        warnings.warn(
            f"{os.fspath(path)!r} was written with {', '.join(differ)}. It loads, "
            "but predictions may differ slightly; re-save it with the current "
            "versions, or install the writer's versions to be sure.",
            ModelFileVersionWarning,
            stacklevel=3,
        )


# -- plain data in the JSON metadata: tuples and non-string keys kept -----------
def to_json(value: Any) -> Any:
    """Encode plain data for JSON, keeping tuples and non-string dict keys.

    Raises TypeError for anything that is not plain data (callables, Keras
    objects, random generators ...).
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return to_json(value.item())
    if isinstance(value, tuple):
        return {"__tuple__": [to_json(v) for v in value]}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufU":
        return [to_json(v) for v in value.tolist()]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: to_json(v) for k, v in value.items()}
        return {"__items__": [[to_json(k), to_json(v)] for k, v in value.items()]}
    raise TypeError(f"{type(value).__name__} is not plain data")


def from_json(value: Any) -> Any:
    """Plain data back from :func:`to_json`'s encoding."""
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(from_json(v) for v in value["__tuple__"])
        if set(value) == {"__items__"}:
            return {from_json(k): from_json(v) for k, v in value["__items__"]}
        return {k: from_json(v) for k, v in value.items()}
    return value


def summary(value: Any) -> Any:
    """Best-effort plain form of a fitted attribute, for humans reading the file."""
    try:
        return to_json(value)
    except TypeError:
        return repr(value)


# -- an ensemble's members: each a single model file inside the archive ------------
def member_entry(name: str) -> str:
    """The archive entry holding member ``name``."""
    return f"members/{name}.kerasopt"


def member_names(metadata: dict[str, Any], path: str | os.PathLike[str]) -> list[str]:
    """The checked member names of an ensemble file's metadata."""
    info = metadata.get("ensemble")
    names = info.get("members") if isinstance(info, dict) else None
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and n for n in names)
        or len(set(names)) != len(names)
    ):
        raise ModelFileError(
            f"{os.fspath(path)!r} has a damaged ensemble entry: members must be a "
            f"non-empty list of distinct names. Received: members={names!r}. Save "
            "the ensemble again."
        )
    return names


def check_member(metadata: dict[str, Any], where: str) -> None:
    """Refuse a member that is not a single saved model."""
    check_loadable(metadata, where)
    if "ensemble" in metadata or "search" in metadata:
        raise ModelFileError(
            f"{where!r} is not a single model (it holds an ensemble or a search): "
            "the file is damaged. Save the ensemble again."
        )
