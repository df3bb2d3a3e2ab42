"""scikit-learn's own estimator checks, with a reason for every expected failure."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from kerasopt import KerasClassifier, KerasRegressor

_STOCHASTIC = (
    "training is stochastic gradient descent in float32: results match "
    "reweighted or reordered data only approximately"
)
_COMMON = {
    "check_sample_weight_equivalence_on_dense_data": _STOCHASTIC,
    "check_sample_weight_equivalence_on_sparse_data": _STOCHASTIC,
    # Seen once on KerasRegressor: one of 20 outputs off by 4.6e-8 (1.2e-7
    # relative, one float32 ulp) when the same rows come in another order.
    "check_methods_sample_order_invariance": (
        "float32 kernels may round a row's output one unit in the last place "
        "differently depending on its position in the batch; the check asks "
        "for 1e-7 relative, finer than float32's 6e-8 to 1.2e-7 per ulp"
    ),
}
EXPECTED_FAILED = {
    "KerasClassifier": _COMMON,
    "KerasRegressor": _COMMON,
}


def _expected_failed(estimator):
    return EXPECTED_FAILED[type(estimator).__name__]


@pytest.mark.slow
@parametrize_with_checks(
    [
        KerasClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=0),
        KerasRegressor(hidden_layer_sizes=(8,), epochs=3, random_state=0),
    ],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
