"""kerasopt.save: a fitted estimator, pipeline, voting ensemble or search to one safe file."""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from typing import Any

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._atomic import atomic_write
from ..estimators import BaseKerasEstimator
from ..estimators._base import model_to_bytes
from ._format import (
    ENSEMBLE_FORMAT_VERSION,
    FORMAT,
    FORMAT_VERSION,
    METADATA,
    MODEL,
    OWN_ENTRIES,
    STATE,
    TRUSTED_TYPES,
    VOTING,
    member_entry,
    skops_io,
    summary,
    to_json,
    versions,
)

__all__ = ["SAVEABLE", "save"]

# The classes kerasopt.save writes and kerasopt.load rebuilds (by this name,
# never by an import path from the file).
SAVEABLE: tuple[str, ...] = ("KerasClassifier", "KerasRegressor")


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Save a fitted estimator, pipeline, ensemble or search to one safe file.

    Parameters
    ----------
    obj : KerasClassifier, KerasRegressor, Pipeline, VotingClassifier, \
VotingRegressor or search
        A fitted kerasopt estimator; a :class:`~sklearn.pipeline.Pipeline`
        whose last step is one (e.g. from
        :func:`~kerasopt.make_tabular_pipeline`); a fitted
        :class:`~sklearn.ensemble.VotingClassifier` /
        :class:`~sklearn.ensemble.VotingRegressor` whose members are each one
        of those (what ``OptunaSearchCV(ensemble_size=k)`` builds); or a
        fitted search (any object with ``best_estimator_``, e.g.
        :class:`~kerasopt.OptunaSearchCV`), of which the best estimator is
        saved with ``best_params_`` and ``best_score_`` (and, for an
        ensemble, ``ensemble_weights_`` and ``ensemble_score_``).
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

    An ensemble is written as one file holding each member as the single
    model file it would be on its own (``members/<name>.kerasopt``), with the
    member names and weights in the plain JSON metadata. Ensemble files are
    format 3; single models stay format 2, so a kerasopt that predates
    ensembles still reads them and refuses an ensemble file asking for an
    upgrade.

    Raises
    ------
    TypeError
        For objects other than the above, e.g. an ensemble with a member
        that is not a kerasopt estimator or a Pipeline ending in one (the
        message names the member).
    sklearn.exceptions.NotFittedError
        If the estimator or ensemble is not fitted.

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
    metadata = _header()
    if not isinstance(obj, (BaseKerasEstimator, Pipeline)) and hasattr(
        obj, "best_estimator_"
    ):
        metadata["search"] = _search_metadata(obj)
        obj = obj.best_estimator_
    if type(obj) in VOTING.values():  # subclasses may hold more than kerasopt rebuilds
        parts = _ensemble_parts(obj, metadata)
    else:
        parts = _model_parts(obj, metadata)
    with atomic_write(path) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _header() -> dict[str, Any]:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "versions": versions()}


def _model_parts(obj: Any, metadata: dict[str, Any]) -> dict[str, bytes]:
    """The archive entries of one model (an estimator or a Pipeline ending in one)."""
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
            k: summary(state[k])
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
            stacklevel=3,
        )
    state_bytes = _state_bytes(state, pipeline_shell, metadata)
    try:
        model_bytes = model_to_bytes(estimator.model_)
    except Exception as exc:
        raise TypeError(
            f"The Keras model of {type(estimator).__name__} cannot be saved in the "
            f".keras format: {exc} Subclassed models need get_config(); otherwise "
            "use joblib/pickle (unsafe to load from untrusted sources)."
        ) from exc
    return {
        METADATA: json.dumps(metadata, indent=2, allow_nan=True).encode(),
        MODEL: model_bytes,
        STATE: state_bytes,
    }


def _ensemble_parts(voting: Any, metadata: dict[str, Any]) -> dict[str, bytes]:
    """The archive entries of a voting ensemble: each member as a model file."""
    members = _ensemble_members(voting)
    metadata["format_version"] = ENSEMBLE_FORMAT_VERSION
    metadata["ensemble"] = _ensemble_metadata(voting)
    parts = {METADATA: b""}  # written first; filled in below
    skip = {*voting.get_params(deep=False), "estimators_", "named_estimators_"}
    own = {k: v for k, v in vars(voting).items() if k not in skip}  # le_, classes_ ...
    parts[STATE] = _state_bytes(own, None, metadata)
    for name, member in members:
        buffer = io.BytesIO()
        try:
            member_parts = _model_parts(member, _header())
        except TypeError as exc:
            raise TypeError(
                f"Member {name!r} of the {type(voting).__name__} cannot be saved: "
                f"{exc}"
            ) from None
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for entry, data in member_parts.items():
                zf.writestr(entry, data)
        parts[member_entry(name)] = buffer.getvalue()
    parts[METADATA] = json.dumps(metadata, indent=2, allow_nan=True).encode()
    return parts


def _state_bytes(
    state: dict[str, Any], pipeline_shell: Pipeline | None, metadata: dict[str, Any]
) -> bytes:
    """The skops entry; types outside the allow-list are named in ``metadata``."""
    sio = skops_io()
    state_bytes = sio.dumps({"estimator_state": state, "pipeline": pipeline_shell})
    extra = sorted(set(sio.get_untrusted_types(data=state_bytes)) - set(TRUSTED_TYPES))
    if extra:
        metadata["extra_types"] = extra
        warnings.warn(
            f"The file holds types outside numpy, scikit-learn and kerasopt: {extra}. "
            "Loading it will need kerasopt.load(path, trusted=[...]) naming them.",
            UserWarning,
            stacklevel=4,
        )
    return state_bytes


def _search_metadata(search: Any) -> dict[str, Any]:
    score = getattr(search, "best_score_", None)
    try:
        best_params = to_json(dict(getattr(search, "best_params_", {}) or {}))
    except TypeError as exc:
        raise TypeError(
            f"best_params_ of {type(search).__name__} must be plain data to be "
            f"saved ({exc}). Received: best_params_={search.best_params_!r}."
        ) from None
    info = {
        "class": type(search).__name__,
        "best_params": best_params,
        "best_score": None if score is None else float(score),
    }
    if getattr(search, "ensemble_weights_", None) is not None:
        info["ensemble_weights"] = to_json(
            {int(k): float(w) for k, w in search.ensemble_weights_.items()}
        )
        info["ensemble_score"] = float(search.ensemble_score_)
    return info


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
    cls = type(estimator)
    if not (cls.__name__ in SAVEABLE and cls.__module__.startswith("kerasopt.")):
        raise TypeError(
            "kerasopt.save saves KerasClassifier, KerasRegressor, Pipelines ending "
            "in one, VotingClassifier / VotingRegressor ensembles of those, and "
            "searches with best_estimator_. Received: "
            f"{type(estimator).__name__}. For other objects use skops.io or joblib."
        )
    check_is_fitted(estimator, "model_")


def _split_params(estimator: BaseKerasEstimator) -> tuple[dict[str, Any], list[str]]:
    saved: dict[str, Any] = {}
    unsaved: list[str] = []
    for name, value in estimator.get_params(deep=False).items():
        try:
            saved[name] = to_json(value)
        except TypeError:
            unsaved.append(name)
    return saved, unsaved


def _ensemble_members(voting: Any) -> list[tuple[str, Any]]:
    """The fitted members of ``voting`` by name, refusing dropped ones."""
    check_is_fitted(voting, "estimators_")
    dropped = [name for name, est in voting.estimators if est == "drop"]
    if dropped:
        raise TypeError(
            f"kerasopt.save saves {type(voting).__name__} ensembles without dropped "
            f"members. Received: members {dropped} set to 'drop'. Remove them from "
            "estimators (and weights), refit, and save again."
        )
    return [(name, voting.named_estimators_[name]) for name, _ in voting.estimators]


def _ensemble_metadata(voting: Any) -> dict[str, Any]:
    """The ``"ensemble"`` entry of the metadata: plain JSON."""
    params = voting.get_params(deep=False)
    info: dict[str, Any] = {
        "class": type(voting).__name__,
        "members": [name for name, _ in voting.estimators],
        "weights": None if voting.weights is None else to_json(list(voting.weights)),
    }
    if "voting" in params:
        info["voting"] = params["voting"]
    info["params"] = {
        k: to_json(v) for k, v in params.items() if k not in OWN_ENTRIES
    }
    info["summary"] = {
        k: summary(getattr(voting, k))
        for k in ("n_features_in_", "feature_names_in_", "classes_")
        if hasattr(voting, k)
    }
    return info
