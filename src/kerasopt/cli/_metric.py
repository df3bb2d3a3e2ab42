"""``--metric`` and ``--pos-label``, checked against the target before trials.

The check itself is the library's (:func:`kerasopt.search._scoring.check_scoring_target`,
which ``OptunaSearchCV`` runs on ``scoring=`` too); here the CLI's default
metric and its flag names.
"""

from __future__ import annotations

from typing import Any

__all__ = ["resolve_metric"]


def resolve_metric(
    metric: str | None, task: str, y: Any, pos_label: str | None
) -> tuple[Any, str]:
    """The ``scoring`` for OptunaSearchCV and the metric's name for the study.

    Parameters
    ----------
    metric : str or None
        ``--metric``: a scikit-learn scorer name; ``None`` means accuracy
        (classification) or R² (regression).
    task : {"classification", "regression"}
    y : pandas.Series
        The target.
    pos_label : str or None
        ``--pos-label``: the positive class of a binary metric.

    Returns
    -------
    scoring : str, callable or None
    name : str

    Raises
    ------
    ValueError
        With the fix, when the metric is unknown, cannot score this target or
        the positive label is missing, unknown or not used by the metric.
    """
    from ..search._scoring import check_scoring_target

    name = metric or ("accuracy" if task == "classification" else "r2")
    scoring = check_scoring_target(
        name, y, classification=task == "classification", pos_label=pos_label,
        scoring_name="--metric", pos_label_name="--pos-label",
    )  # fmt: skip
    return scoring, scoring if isinstance(scoring, str) else name
