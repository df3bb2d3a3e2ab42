"""kerasopt.load: read a model file back, executing no code from it."""

from __future__ import annotations

import inspect
import os
import zipfile
from collections.abc import Sequence
from typing import Any

import keras
from sklearn.pipeline import Pipeline

from ..exceptions import ModelFileError
from ._base import ROUTING_PREFIXES, BaseKerasEstimator, model_from_bytes
from ._classifier import KerasClassifier
from ._ensemble_file import check_member, member_entry, member_names, rebuild_ensemble
from ._loaded_search import LoadedSearch
from ._model_file import (
    MODEL,
    STATE,
    TRUSTED_TYPES,
    check_loadable,
    metadata_of,
    open_archive,
    read,
    restore_fitted,
    skops_io,
    warn_versions,
)
from ._plain import from_json
from ._regressor import KerasRegressor

__all__ = ["load"]

# Only these classes are ever built from a file; the name in the file is a key
# into this table, never an import path.
_ESTIMATORS: dict[str, type[BaseKerasEstimator]] = {
    "KerasClassifier": KerasClassifier,
    "KerasRegressor": KerasRegressor,
}


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
    estimator, Pipeline, VotingClassifier, VotingRegressor or LoadedSearch
        What was saved. An ensemble comes back as a fitted scikit-learn
        ``VotingClassifier`` / ``VotingRegressor`` with the same members,
        weights and predictions (each member loaded like a single model). A
        saved search comes back as a :class:`LoadedSearch` with
        ``best_estimator_``, ``best_params_``, ``best_score_``, ``predict``
        and, for an ensemble, ``ensemble_weights_`` and ``ensemble_score_``.

    Raises
    ------
    ModelFileError
        If the file is not a kerasopt model file, is damaged (including one
        member of an ensemble, which the message names), holds a Keras layer
        with Python code (``Lambda``) or types outside the allow-list.

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
    with open_archive(path) as zf:
        metadata = metadata_of(zf, path)
        check_loadable(metadata, path)
        warn_versions(metadata, path)
        if "ensemble" in metadata:
            result = _load_ensemble(zf, metadata, trusted or (), path)
        else:
            result = _load_model(zf, metadata, trusted or (), path)
    if "search" in metadata:
        search = metadata["search"]
        result = LoadedSearch(
            result,
            from_json(search.get("best_params", {})),
            search.get("best_score"),
            str(search.get("class", "")),
            ensemble_weights_=from_json(search.get("ensemble_weights")),
            ensemble_score_=search.get("ensemble_score"),
        )
    return result


def _load_model(
    zf: zipfile.ZipFile,
    metadata: dict[str, Any],
    trusted: Sequence[str],
    path: str | os.PathLike[str],
) -> Any:
    """The estimator or Pipeline of a single-model archive."""
    state = _load_state(read(zf, STATE, path), trusted, path)
    model = _load_keras_model(read(zf, MODEL, path), path)
    estimator = _rebuild_estimator(metadata, state["estimator_state"], model, path)
    if "pipeline" not in metadata:
        return estimator
    pipeline = state["pipeline"]
    if not isinstance(pipeline, Pipeline):
        raise ModelFileError(f"{os.fspath(path)!r} has a damaged pipeline part.")
    pipeline.steps[-1] = (pipeline.steps[-1][0], estimator)
    return pipeline


def _load_ensemble(
    zf: zipfile.ZipFile,
    metadata: dict[str, Any],
    trusted: Sequence[str],
    path: str | os.PathLike[str],
) -> Any:
    """The fitted VotingClassifier / VotingRegressor of an ensemble archive."""
    members = []
    for name in member_names(metadata, path):
        where = f"{os.fspath(path)}:{member_entry(name)}"
        with open_archive(where, read(zf, member_entry(name), path)) as member_zf:
            member_metadata = metadata_of(member_zf, where)
            check_member(member_metadata, where)
            members.append(_load_model(member_zf, member_metadata, trusted, where))
    state = _load_state(read(zf, STATE, path), trusted, path)["estimator_state"]
    return rebuild_ensemble(metadata["ensemble"], state, members, path)


def _load_state(
    data: bytes, trusted: Sequence[str], path: str | os.PathLike[str]
) -> dict[str, Any]:
    sio = skops_io()
    allowed = set(TRUSTED_TYPES) | set(trusted)
    try:
        untrusted = sorted(set(sio.get_untrusted_types(data=data)) - allowed)
    except Exception as exc:
        raise ModelFileError(
            f"{os.fspath(path)!r} has a damaged or foreign state part ({STATE}): "
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
            f"{os.fspath(path)!r} has a damaged state part ({STATE}): "
            f"{type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(state, dict) or not isinstance(
        state.get("estimator_state"), dict
    ):
        raise ModelFileError(f"{os.fspath(path)!r} has a damaged state part.")
    return state


def _load_keras_model(data: bytes, path: str | os.PathLike[str]) -> keras.Model:
    try:
        # compile=False: the optimizer and loss are rebuilt from the estimator's
        # parameters if it is refitted, not taken from the file.
        return model_from_bytes(data, compile=False, safe_mode=True)
    except Exception as exc:
        unsafe = "safe_mode" in str(exc) or "Lambda" in str(exc)
        reason = (
            "it holds Python code (e.g. a Lambda layer), which kerasopt.load never runs"
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
    params = from_json(info.get("params", {}))
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
    restore_fitted(estimator, state, set(params), path)
    estimator.model_ = model
    return estimator
