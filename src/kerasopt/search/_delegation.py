"""Members of a fitted search that delegate to its ``best_estimator_`` or ``study_``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

__all__ = ["BestEstimatorDelegation", "StudyDelegation"]


def _best_has(attr: str) -> Callable[[Any], bool]:
    """``available_if`` check: the refitted (or unfitted) estimator has ``attr``."""

    def check(self: Any) -> bool:
        if not self.refit:
            raise AttributeError(
                f"This {type(self).__name__} was created with refit=False: {attr} is "
                "available only after refitting on the best parameters."
            )
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
        else:
            getattr(self.estimator, attr)
        return True

    return check


class BestEstimatorDelegation:
    """Mixin: ``predict`` and friends call ``self.best_estimator_``.

    The host has ``estimator``, ``refit``, and after ``fit``
    ``best_estimator_`` and ``scorer_``. A method exists only when the
    estimator has it (``available_if``), as in scikit-learn's searches.
    """

    estimator: Any
    refit: bool
    best_estimator_: Any
    scorer_: Callable[..., float]

    @property
    def classes_(self) -> np.ndarray:
        """Class labels of the best estimator (classifiers)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_  # type: ignore[no-any-return]

    @property
    def n_features_in_(self) -> int:
        """Number of features seen by the best estimator."""
        check_is_fitted(self, "best_estimator_")
        return int(self.best_estimator_.n_features_in_)

    @available_if(_best_has("predict"))
    def predict(self, X: Any) -> np.ndarray:
        """Predict with the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.predict(X)  # type: ignore[no-any-return]

    @available_if(_best_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)  # type: ignore[no-any-return]

    @available_if(_best_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log class probabilities from the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.predict_log_proba(X)  # type: ignore[no-any-return]

    @available_if(_best_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """Decision function of the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X)  # type: ignore[no-any-return]

    @available_if(_best_has("score_samples"))
    def score_samples(self, X: Any) -> np.ndarray:
        """``score_samples`` of the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.score_samples(X)  # type: ignore[no-any-return]

    @available_if(_best_has("transform"))
    def transform(self, X: Any) -> Any:
        """Transform with the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.transform(X)

    @available_if(_best_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        """Inverse-transform with the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.inverse_transform(X)

    @available_if(_best_has("score"))
    def score(self, X: Any, y: Any = None) -> float:
        """Score of the best estimator on ``(X, y)`` with the search's scorer."""
        check_is_fitted(self)
        return float(self.scorer_(self.best_estimator_, X, y))


class StudyDelegation:
    """Mixin: the study's trials and user attributes, as optuna-integration has them."""

    study_: optuna.Study

    @property
    def trials_(self) -> list[FrozenTrial]:
        """All trials of the study (``study_.trials``)."""
        check_is_fitted(self, "study_")
        return self.study_.trials

    @property
    def user_attrs_(self) -> dict[str, Any]:
        """The study's user attributes (``study_.user_attrs``)."""
        check_is_fitted(self, "study_")
        return self.study_.user_attrs

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a user attribute of the study (``study_.set_user_attr``)."""
        check_is_fitted(self, "study_")
        self.study_.set_user_attr(key, value)

    def trials_dataframe(self, **kwargs: Any) -> Any:
        """The study's trials as a DataFrame (``study_.trials_dataframe``)."""
        check_is_fitted(self, "study_")
        return self.study_.trials_dataframe(**kwargs)

    def _check_is_fitted(self) -> None:
        # optuna-integration's name, kept for code that calls it.
        check_is_fitted(self, ["study_", "scorer_"])
