"""Safe model files: save and load fitted estimators without running their code.

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

Pickle and joblib work too (``BaseKerasEstimator.__getstate__``), but loading a
pickle runs whatever code the file names, so only unpickle files you made.
"""

from __future__ import annotations

import inspect
import json
import os
import platform
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import keras
import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._atomic import atomic_write
from ..exceptions import ModelFileError
from ..preprocessing import PREPROCESSING_TYPES
from ._base import ROUTING_PREFIXES, BaseKerasEstimator, _model_to_bytes
from ._classifier import KerasClassifier
from ._regressor import KerasRegressor

__all__ = [
    "TRUSTED_TYPES",
    "LoadedSearch",
    "ModelFileVersionWarning",
    "load",
    "read_metadata",
    "save",
]

FORMAT = "kerasopt-model"
FORMAT_VERSION = 1
_METADATA, _MODEL, _STATE = "metadata.json", "model.keras", "state.skops"

# Types outside numpy / scikit-learn (which skops trusts itself) that kerasopt's
# own objects are made of. Anything else in a file is refused unless the caller
# names it in ``load(..., trusted=[...])``.
TRUSTED_TYPES: tuple[str, ...] = (
    "numpy.dtype",
    "scikeras.utils.transformers.ClassifierLabelEncoder",
    "scikeras.utils.transformers.TargetReshaper",
    "kerasopt.estimators._regressor._TargetEncoder",
    *PREPROCESSING_TYPES,
)

# Only these classes are ever built from a file; the name in the file is a key
# into this table, never an import path.
_ESTIMATORS: dict[str, type[BaseKerasEstimator]] = {
    "KerasClassifier": KerasClassifier,
    "KerasRegressor": KerasRegressor,
}

_CHECKED_VERSIONS = ("kerasopt", "keras", "scikit-learn")


def _skops() -> Any:
    # skops.io pulls in much of scikit-learn: imported on first save / load only.
    import skops.io

    return skops.io


class ModelFileVersionWarning(UserWarning):
    """A model file was written by other versions of kerasopt, Keras or sklearn."""


class LoadedSearch:
    """What :func:`load` returns for a saved search: its best model and scores.

    Parameters
    ----------
    best_estimator_ : estimator or Pipeline
        The refitted best model, ready to predict.
    best_params_ : dict
        The best trial's parameters.
    best_score_ : float or None
        Its cross-validated score.
    search_class : str
        Class name of the search that was saved (e.g. ``"OptunaSearchCV"``).
    """

    def __init__(
        self,
        best_estimator_: Any,
        best_params_: dict[str, Any],
        best_score_: float | None,
        search_class: str,
    ) -> None:
        self.best_estimator_ = best_estimator_
        self.best_params_ = best_params_
        self.best_score_ = best_score_
        self.search_class = search_class

    def predict(self, X: Any) -> np.ndarray:
        """Predict with :attr:`best_estimator_`."""
        return self.best_estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from :attr:`best_estimator_` (classifiers only)."""
        return self.best_estimator_.predict_proba(X)

    def score(self, X: Any, y: Any) -> float:
        """Score :attr:`best_estimator_` on ``(X, y)``."""
        return float(self.best_estimator_.score(X, y))

    def __repr__(self) -> str:
        return (
            f"LoadedSearch(search_class={self.search_class!r}, "
            f"best_score_={self.best_score_!r}, best_params_={self.best_params_!r})"
        )


# -- plain data ----------------------------------------------------------------
def _to_json(value: Any) -> Any:
    """Encode plain data for JSON, keeping tuples and non-string dict keys.

    Raises TypeError for anything that is not plain data (callables, Keras
    objects, random generators ...).
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return _to_json(value.item())
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufU":
        return [_to_json(v) for v in value.tolist()]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _to_json(v) for k, v in value.items()}
        return {"__items__": [[_to_json(k), _to_json(v)] for k, v in value.items()]}
    raise TypeError(f"{type(value).__name__} is not plain data")


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        if set(value) == {"__items__"}:
            return {_from_json(k): _from_json(v) for k, v in value["__items__"]}
        return {k: _from_json(v) for k, v in value.items()}
    return value


def _summary(value: Any) -> Any:
    """Best-effort plain form of a fitted attribute, for humans reading the file."""
    try:
        return _to_json(value)
    except TypeError:
        return repr(value)


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in (*_CHECKED_VERSIONS, "numpy", "skops", "tensorflow"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "unknown"
    return found


# -- save ----------------------------------------------------------------------
def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Save a fitted estimator, pipeline or search to one file, safely loadable.

    Parameters
    ----------
    obj : KerasClassifier, KerasRegressor, Pipeline or search
        A fitted kerasopt estimator; a :class:`~sklearn.pipeline.Pipeline`
        whose last step is one (e.g. from
        :func:`~kerasopt.make_tabular_pipeline`); or a fitted search (any
        object with ``best_estimator_``, e.g.
        :class:`~kerasopt.OptunaSearchCV`), of which the best estimator is
        saved with ``best_params_`` and ``best_score_``.
    path : str or path-like
        Destination file, written atomically: an interrupted save leaves any
        previous file at ``path`` intact.

    Notes
    -----
    Parameters that are not plain data (a model-building function passed as
    ``model=``, callback objects, optimizer or loss objects, a
    ``RandomState``) cannot be saved without saving code. They are left out
    with a :class:`UserWarning` and come back at their default values: the
    loaded estimator predicts exactly as the saved one (the trained Keras
    model is saved), but refitting it builds kerasopt's default model unless
    you set them again, e.g. ``loaded.set_params(model=build_fn)``.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_iris
    >>> from kerasopt import KerasClassifier, load, save
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = KerasClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "iris.kerasopt")
    >>> save(clf.fit(X, y), path)
    >>> (load(path).predict(X) == clf.predict(X)).all()
    np.True_
    """
    metadata: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
    }
    if not isinstance(obj, (BaseKerasEstimator, Pipeline)) and hasattr(
        obj, "best_estimator_"
    ):
        metadata["search"] = _search_metadata(obj)
        obj = obj.best_estimator_
    pipeline_shell = None
    if isinstance(obj, Pipeline):
        step_name, estimator = obj.steps[-1]
        _check_pipeline(obj)
        pipeline_shell = _pipeline_shell(obj)
        metadata["pipeline"] = {"final_step": step_name}
    else:
        estimator = obj
    _check_saveable(estimator)
    params, unsaved = _split_params(estimator)
    skip = {*params, *unsaved, "model_"}
    state = {k: v for k, v in vars(estimator).items() if k not in skip}
    metadata["estimator"] = {
        "class": type(estimator).__name__,
        "params": params,
        "unsaved_params": unsaved,
        "summary": {
            k: _summary(state[k])
            for k in ("n_features_in_", "feature_names_in_", "classes_", "target_type_")
            if k in state
        },
    }
    if unsaved:
        warnings.warn(
            f"Parameters {unsaved} of {type(estimator).__name__} are not plain data "
            "and are not saved: the loaded estimator predicts the same, but has "
            "them at their defaults. Set them again with set_params(...) before "
            "refitting it.",
            UserWarning,
            stacklevel=2,
        )
    sio = _skops()
    state_bytes = sio.dumps({"estimator_state": state, "pipeline": pipeline_shell})
    extra = sorted(set(sio.get_untrusted_types(data=state_bytes)) - set(TRUSTED_TYPES))
    if extra:
        metadata["extra_types"] = extra
        warnings.warn(
            f"The file holds types outside numpy, scikit-learn and kerasopt: {extra}. "
            "Loading it will need kerasopt.load(path, trusted=[...]) naming them.",
            UserWarning,
            stacklevel=2,
        )
    try:
        model_bytes = _model_to_bytes(estimator.model_)
    except Exception as exc:
        raise TypeError(
            f"The Keras model of {type(estimator).__name__} cannot be saved in the "
            f".keras format: {exc} Subclassed models need get_config(); otherwise "
            "use joblib/pickle (unsafe to load from untrusted sources)."
        ) from exc
    with atomic_write(path) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_METADATA, json.dumps(metadata, indent=2, allow_nan=True))
        zf.writestr(_MODEL, model_bytes)
        zf.writestr(_STATE, state_bytes)


def _search_metadata(search: Any) -> dict[str, Any]:
    score = getattr(search, "best_score_", None)
    try:
        best_params = _to_json(dict(getattr(search, "best_params_", {}) or {}))
    except TypeError as exc:
        raise TypeError(
            f"best_params_ of {type(search).__name__} must be plain data to be "
            f"saved ({exc}). Received: best_params_={search.best_params_!r}."
        ) from None
    return {
        "class": type(search).__name__,
        "best_params": best_params,
        "best_score": None if score is None else float(score),
    }


def _check_pipeline(pipeline: Pipeline) -> None:
    keras_steps = [
        name for name, step in pipeline.steps if isinstance(step, BaseKerasEstimator)
    ]
    if keras_steps != [pipeline.steps[-1][0]]:
        raise TypeError(
            "kerasopt.save saves Pipelines whose last step, and only that one, is a "
            f"kerasopt estimator. Received steps {[n for n, _ in pipeline.steps]} "
            f"with kerasopt estimators at {keras_steps}."
        )


def _pipeline_shell(pipeline: Pipeline) -> Pipeline:
    """The pipeline with its Keras step replaced by ``"passthrough"``."""
    shell = Pipeline.__new__(Pipeline)
    shell.__dict__.update(vars(pipeline))
    shell.steps = [*pipeline.steps[:-1], (pipeline.steps[-1][0], "passthrough")]
    return shell


def _check_saveable(estimator: Any) -> None:
    if type(estimator) not in _ESTIMATORS.values():
        raise TypeError(
            "kerasopt.save saves KerasClassifier, KerasRegressor, Pipelines ending "
            "in one, and searches with best_estimator_. Received: "
            f"{type(estimator).__name__}. For other objects use skops.io or joblib."
        )
    check_is_fitted(estimator, "model_")


def _split_params(estimator: BaseKerasEstimator) -> tuple[dict[str, Any], list[str]]:
    saved: dict[str, Any] = {}
    unsaved: list[str] = []
    for name, value in estimator.get_params(deep=False).items():
        try:
            saved[name] = _to_json(value)
        except TypeError:
            unsaved.append(name)
    return saved, unsaved


# -- load ----------------------------------------------------------------------
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
        params, summary of the fitted state) and, for a search, ``search``.
    """
    with _open_archive(path) as zf:
        return _read_metadata(zf, path)


def load(path: str | os.PathLike[str], *, trusted: Sequence[str] | None = None) -> Any:
    """Load a file written by :func:`save`, executing no code from it.

    Parameters
    ----------
    path : str or path-like
        The model file.
    trusted : sequence of str, optional
        Extra type names (``"module.Class"``) you trust, for files holding
        your own transformers. kerasopt's, numpy's and scikit-learn's types
        need no listing.

    Returns
    -------
    estimator, Pipeline or LoadedSearch
        What was saved. A saved search comes back as a :class:`LoadedSearch`
        with ``best_estimator_``, ``best_params_``, ``best_score_`` and
        ``predict``.

    Raises
    ------
    ModelFileError
        If the file is not a kerasopt model file, is damaged, holds a Keras
        layer with Python code (``Lambda``) or types outside the allow-list.

    Warns
    -----
    ModelFileVersionWarning
        If kerasopt, Keras or scikit-learn versions differ from the writer's.
    """
    if trusted is not None and (
        isinstance(trusted, (str, bytes, bool))
        or not all(isinstance(t, str) for t in trusted)
    ):
        raise TypeError(
            "trusted must be a list of type names such as ['mypkg.MyTransformer']. "
            f"Received: trusted={trusted!r}."
        )
    with _open_archive(path) as zf:
        metadata = _read_metadata(zf, path)
        _warn_versions(metadata, path)
        state = _load_state(_read(zf, _STATE, path), trusted or (), path)
        model = _load_keras_model(_read(zf, _MODEL, path), path)
    estimator = _rebuild_estimator(metadata, state["estimator_state"], model, path)
    result: Any = estimator
    if "pipeline" in metadata:
        pipeline = state["pipeline"]
        if not isinstance(pipeline, Pipeline):
            raise ModelFileError(f"{os.fspath(path)!r} has a damaged pipeline part.")
        pipeline.steps[-1] = (pipeline.steps[-1][0], estimator)
        result = pipeline
    if "search" in metadata:
        search = metadata["search"]
        result = LoadedSearch(
            result,
            _from_json(search.get("best_params", {})),
            search.get("best_score"),
            str(search.get("class", "")),
        )
    return result


class _open_archive:
    """``zipfile.ZipFile`` whose failures say what the file should have been."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path

    def __enter__(self) -> zipfile.ZipFile:
        try:
            self.zf = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            raise ModelFileError(
                f"{os.fspath(self.path)!r} is not a kerasopt model file (not a zip "
                "archive). Files from pickle or joblib load with joblib.load, "
                "which can run code: only do that for files you made."
            ) from None
        return self.zf

    def __exit__(self, *exc: object) -> None:
        self.zf.close()


def _read(zf: zipfile.ZipFile, name: str, path: str | os.PathLike[str]) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise ModelFileError(
            f"{os.fspath(path)!r} is not a complete kerasopt model file: {name!r} "
            f"is missing (found {zf.namelist()})."
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFileError(f"{os.fspath(path)!r} is damaged: {exc}") from None


def _read_metadata(zf: zipfile.ZipFile, path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        metadata = json.loads(_read(zf, _METADATA, path))
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
    if not isinstance(file_version, int) or file_version > FORMAT_VERSION:
        raise ModelFileError(
            f"{os.fspath(path)!r} uses model file format {file_version!r}, but this "
            f"kerasopt reads format {FORMAT_VERSION} and older. Upgrade kerasopt."
        )
    return metadata


def _warn_versions(metadata: dict[str, Any], path: str | os.PathLike[str]) -> None:
    written = metadata.get("versions", {}) or {}
    current = _versions()
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


def _load_state(
    data: bytes, trusted: Sequence[str], path: str | os.PathLike[str]
) -> dict[str, Any]:
    sio = _skops()
    allowed = set(TRUSTED_TYPES) | set(trusted)
    try:
        untrusted = sorted(set(sio.get_untrusted_types(data=data)) - allowed)
    except Exception as exc:
        raise ModelFileError(
            f"{os.fspath(path)!r} has a damaged or foreign state part ({_STATE}): "
            f"{type(exc).__name__}: {exc}. It was not loaded."
        ) from None
    if untrusted:
        raise ModelFileError(
            f"{os.fspath(path)!r} holds types that are not trusted: {untrusted}. "
            "Nothing was loaded. If you know and trust who wrote this file, pass "
            "kerasopt.load(path, trusted=[...]) with those names."
        )
    try:
        state = sio.loads(data, trusted=sorted(allowed))
    except Exception as exc:
        raise ModelFileError(
            f"{os.fspath(path)!r} has a damaged state part ({_STATE}): "
            f"{type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(state, dict) or not isinstance(
        state.get("estimator_state"), dict
    ):
        raise ModelFileError(f"{os.fspath(path)!r} has a damaged state part.")
    return state


def _load_keras_model(data: bytes, path: str | os.PathLike[str]) -> keras.Model:
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, _MODEL)
        with open(model_path, "wb") as fh:
            fh.write(data)
        try:
            # compile=False: the optimizer and loss are rebuilt from the
            # estimator's parameters if it is refitted, not taken from the file.
            return keras.models.load_model(model_path, compile=False, safe_mode=True)
        except Exception as exc:
            unsafe = "safe_mode" in str(exc) or "Lambda" in str(exc)
            reason = (
                "it holds Python code (e.g. a Lambda layer), which kerasopt.load "
                "never runs"
                if unsafe
                else f"{type(exc).__name__}: {exc}"
            )
            raise ModelFileError(
                f"The Keras model in {os.fspath(path)!r} was refused: {reason}. "
                "Custom layers must be registered with "
                "keras.saving.register_keras_serializable before loading."
            ) from None


def _rebuild_estimator(
    metadata: dict[str, Any],
    state: dict[str, Any],
    model: keras.Model,
    path: str | os.PathLike[str],
) -> BaseKerasEstimator:
    info = metadata.get("estimator", {})
    cls = _ESTIMATORS.get(info.get("class"))  # type: ignore[arg-type]
    if cls is None:
        raise ModelFileError(
            f"{os.fspath(path)!r} names estimator class {info.get('class')!r}; "
            f"kerasopt only loads {sorted(_ESTIMATORS)}."
        )
    params = _from_json(info.get("params", {}))
    known = set(inspect.signature(cls.__init__).parameters) - {"self", "kwargs"}
    odd = [
        name
        for name in params
        if name not in known
        and not ("__" in name and name.split("__", 1)[0] in ROUTING_PREFIXES)
    ]
    if odd:
        raise ModelFileError(
            f"{os.fspath(path)!r} has parameters {cls.__name__} does not accept: "
            f"{odd}. The file is damaged or was written by another kerasopt."
        )
    try:
        estimator = cls(**params)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(
            f"{os.fspath(path)!r} has parameters this kerasopt does not accept: {exc}"
        ) from None
    for name, value in state.items():
        # A tampered file must not shadow methods such as predict.
        if (
            name in params
            or name.startswith("__")
            or callable(getattr(cls, name, None))
        ):
            raise ModelFileError(
                f"{os.fspath(path)!r} has a damaged state part: attribute {name!r} "
                "is not a fitted attribute."
            )
        setattr(estimator, name, value)
    estimator.model_ = model
    return estimator
