"""A soft-voting ensemble in a model file: what is written and how it comes back.

An ensemble file (format :data:`ENSEMBLE_FORMAT_VERSION`) holds

``metadata.json``
    With an ``"ensemble"`` entry: the voting class, member names, weights,
    ``voting`` and the other plain parameters.
``state.skops``
    The voting estimator's own fitted attributes (``le_``, ``classes_``,
    ``feature_names_in_``), loaded with the same allow-list as a model's.
``members/<name>.kerasopt``
    Each member exactly as :func:`kerasopt.save` writes a single model.

Only scikit-learn's ``VotingClassifier`` / ``VotingRegressor`` are written and
rebuilt, by name from a fixed table.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from sklearn.base import clone
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ..exceptions import ModelFileError
from ._model_file import check_loadable, restore_fitted
from ._plain import from_json, summary, to_json

__all__ = [
    "check_member",
    "ensemble_members",
    "ensemble_metadata",
    "ensemble_state",
    "is_ensemble",
    "member_entry",
    "member_names",
    "rebuild_ensemble",
]

_VOTING: dict[str, type[VotingClassifier] | type[VotingRegressor]] = {
    "VotingClassifier": VotingClassifier,
    "VotingRegressor": VotingRegressor,
}
# Parameters written in their own metadata entries, not under "params".
_OWN_ENTRIES = ("estimators", "weights", "voting")


def is_ensemble(obj: Any) -> bool:
    """Whether ``obj`` is a VotingClassifier / VotingRegressor (not a subclass)."""
    return type(obj) in _VOTING.values()


def member_entry(name: str) -> str:
    """The archive entry holding member ``name``."""
    return f"members/{name}.kerasopt"


def ensemble_members(voting: Any) -> list[tuple[str, Any]]:
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


def ensemble_metadata(voting: Any) -> dict[str, Any]:
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
        k: to_json(v) for k, v in params.items() if k not in _OWN_ENTRIES
    }
    info["summary"] = {
        k: summary(getattr(voting, k))
        for k in ("n_features_in_", "feature_names_in_", "classes_")
        if hasattr(voting, k)
    }
    return info


def ensemble_state(voting: Any) -> dict[str, Any]:
    """The voting estimator's fitted attributes other than its members."""
    skip = {*voting.get_params(deep=False), "estimators_", "named_estimators_"}
    return {k: v for k, v in vars(voting).items() if k not in skip}


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


def rebuild_ensemble(
    info: dict[str, Any],
    state: dict[str, Any],
    members: list[Any],
    path: str | os.PathLike[str],
) -> VotingClassifier | VotingRegressor:
    """The fitted voting estimator of loaded ``members``, as its ``fit`` leaves it."""
    where = os.fspath(path)
    cls = _VOTING.get(info.get("class"))  # type: ignore[arg-type]
    if cls is None:
        raise ModelFileError(
            f"{where!r} names ensemble class {info.get('class')!r}; kerasopt only "
            f"loads {sorted(_VOTING)}."
        )
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
    allowed -= {"self", *_OWN_ENTRIES}
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
