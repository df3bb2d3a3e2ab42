"""kerasopt.load: read a model file back, executing no code from it.

A single model comes back as the estimator or Pipeline that was saved, an
ensemble as a fitted ``VotingClassifier`` / ``VotingRegressor``, a search as a
:class:`LoadedSearch`.
"""

from __future__ import annotations

import inspect
import os
import zipfile
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch

from ..estimators import BaseKerasEstimator, KerasClassifier, KerasRegressor
from ..estimators._base import ROUTING_PREFIXES, model_from_bytes
from ..exceptions import ModelFileError
from ._format import (
    MODEL,
    OWN_ENTRIES,
    STATE,
    TRUSTED_TYPES,
    VOTING,
    check_loadable,
    check_member,
    from_json,
    member_entry,
    member_names,
    metadata_of,
    open_archive,
    read,
    renamed_types,
    restore_fitted,
    skops_io,
    warn_versions,
)

__all__ = ["LoadedSearch", "load"]

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
        result = _load_archive(zf, metadata, trusted or (), path)
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


def _load_archive(
    zf: zipfile.ZipFile,
    metadata: dict[str, Any],
    trusted: Sequence[str],
    path: str | os.PathLike[str],
) -> Any:
    """The estimator, Pipeline or voting ensemble of an open archive."""
    if "ensemble" in metadata:
        members = []
        for name in member_names(metadata, path):
            where = f"{os.fspath(path)}:{member_entry(name)}"
            with open_archive(where, read(zf, member_entry(name), path)) as member_zf:
                member_metadata = metadata_of(member_zf, where)
                check_member(member_metadata, where)
                members.append(_load_archive(member_zf, member_metadata, trusted, where))
        state = _load_state(read(zf, STATE, path), trusted, path)["estimator_state"]
        return _rebuild_ensemble(metadata["ensemble"], state, members, path)
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


def _load_state(
    data: bytes, trusted: Sequence[str], path: str | os.PathLike[str]
) -> dict[str, Any]:
    sio = skops_io()
    allowed = set(TRUSTED_TYPES) | set(trusted)
    try:
        data = renamed_types(data)
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
    cls = _class_named(info, _ESTIMATORS, "estimator", path)
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


def _rebuild_ensemble(
    info: dict[str, Any],
    state: dict[str, Any],
    members: list[Any],
    path: str | os.PathLike[str],
) -> VotingClassifier | VotingRegressor:
    """The fitted voting estimator of loaded ``members``, as its ``fit`` leaves it."""
    where = os.fspath(path)
    cls = _class_named(info, VOTING, "ensemble", path)
    names = [str(n) for n in info["members"]]
    weights = from_json(info.get("weights"))
    if weights is not None and (
        not isinstance(weights, list)
        or len(weights) != len(names)
        or not all(isinstance(w, (int, float)) and not isinstance(w, bool)
                   for w in weights)  # fmt: skip
    ):
        raise ModelFileError(
            f"{where!r} has a damaged ensemble entry: {len(names)} members "
            f"{names} need as many numeric weights. Received: weights={weights!r}. "
            "Save the ensemble again."
        )
    params = from_json(info.get("params", {}))
    allowed = set(inspect.signature(cls.__init__).parameters)
    allowed -= {"self", *OWN_ENTRIES}
    odd = sorted(set(params) - allowed) if isinstance(params, dict) else [params]
    if odd:
        raise ModelFileError(
            f"{where!r} has ensemble parameters {cls.__name__} does not accept: "
            f"{odd!r}. The file is damaged or was written by another kerasopt."
        )
    if cls is VotingClassifier:
        if info.get("voting") not in ("soft", "hard"):
            raise ModelFileError(
                f"{where!r} has a damaged ensemble entry: voting must be 'soft' or "
                f"'hard'. Received: voting={info.get('voting')!r}."
            )
        params["voting"] = info["voting"]
    voting = cls(
        [(name, clone(member)) for name, member in zip(names, members)],
        weights=weights,
        **params,
    )
    voting.estimators_ = list(members)
    voting.named_estimators_ = Bunch(**dict(zip(names, members)))
    restore_fitted(voting, state, set(voting.get_params(deep=False)), path)
    if cls is VotingClassifier and not hasattr(voting, "le_"):
        raise ModelFileError(
            f"{where!r} has a damaged state part: the ensemble's label encoder "
            "(le_) is missing. Save the ensemble again."
        )
    if not hasattr(voting, "feature_names_in_") and hasattr(
        members[0], "feature_names_in_"
    ):
        voting.feature_names_in_ = members[0].feature_names_in_
    return voting


def _class_named(
    info: dict[str, Any], table: dict[str, type], kind: str, path: str | os.PathLike[str]
) -> Any:
    """The class the file names, looked up in ``table``: never imported from the file."""
    cls = table.get(info.get("class"))  # type: ignore[arg-type]
    if cls is None:
        raise ModelFileError(
            f"{os.fspath(path)!r} names {kind} class {info.get('class')!r}; "
            f"kerasopt only loads {sorted(table)}."
        )
    return cls


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
    ensemble_weights_ : dict, optional
        Trial number -> weight of the members, for a search with
        ``ensemble_size > 1`` (whose ``best_estimator_`` is the ensemble).
        The attribute exists only then, as on the search itself.
    ensemble_score_ : float, optional
        The ensemble's score on the out-of-fold predictions; set with
        ``ensemble_weights_``.
    """

    def __init__(
        self,
        best_estimator_: Any,
        best_params_: dict[str, Any],
        best_score_: float | None,
        search_class: str,
        *,
        ensemble_weights_: dict[int, float] | None = None,
        ensemble_score_: float | None = None,
    ) -> None:
        self.best_estimator_ = best_estimator_
        self.best_params_ = best_params_
        self.best_score_ = best_score_
        self.search_class = search_class
        if ensemble_weights_ is not None:
            self.ensemble_weights_ = ensemble_weights_
            self.ensemble_score_ = ensemble_score_

    @property
    def classes_(self) -> np.ndarray:
        """Class labels of :attr:`best_estimator_` (classifiers only)."""
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        """Number of features :attr:`best_estimator_` was fitted on."""
        return self.best_estimator_.n_features_in_

    @property
    def feature_names_in_(self) -> np.ndarray:
        """Column names :attr:`best_estimator_` was fitted on (DataFrame input)."""
        return self.best_estimator_.feature_names_in_

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
        ensemble = (
            f", ensemble_weights_={self.ensemble_weights_!r}"
            if hasattr(self, "ensemble_weights_")
            else ""
        )
        return (
            f"LoadedSearch(search_class={self.search_class!r}, "
            f"best_score_={self.best_score_!r}, best_params_={self.best_params_!r}"
            f"{ensemble})"
        )

