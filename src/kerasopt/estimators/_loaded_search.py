"""What :func:`kerasopt.load` returns for a saved search."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["LoadedSearch"]


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

