"""Search spaces: dicts of distributions, LayerSizes, defaults, files, samplers."""

from __future__ import annotations

import importlib.util
import tomllib

import optuna
import pytest
import yaml
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from kerasopt.exceptions import InvalidSearchSpaceError
from kerasopt.search import (
    Fixed,
    LayerSizes,
    SearchSpace,
    Toggle,
    default_search_space,
    load_search_space,
    make_pruner,
    make_sampler,
)
from kerasopt.search._spaces import (
    PORTFOLIO,
    as_space,
    initial_params,
    resolve_param_names,
)
from kerasopt.search._study import PRUNER_NAMES, SAMPLER_NAMES

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _draw(space: SearchSpace, n: int = 20, seed: int = 0) -> list[dict]:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out = []
    for _ in range(n):
        trial = study.ask()
        out.append(space(trial))
        study.tell(trial, 0.0)
    return out


def test_search_space_draws_within_bounds_and_replays() -> None:
    space = SearchSpace(
        {
            "lr": FloatDistribution(1e-4, 1e-1, log=True),
            "units": IntDistribution(4, 12, step=4),
            "act": CategoricalDistribution(["relu", "tanh"]),
            "layers": LayerSizes(min_layers=1, max_layers=3, min_units=2, max_units=5),
            "epochs": Fixed(7),
        }
    )
    draws = _draw(space)
    for params in draws:
        assert 1e-4 <= params["lr"] <= 1e-1
        assert params["units"] in (4, 8, 12)
        assert params["act"] in ("relu", "tanh")
        assert 1 <= len(params["layers"]) <= 3
        assert all(2 <= u <= 5 for u in params["layers"])
        assert params["epochs"] == 7
    assert len({len(p["layers"]) for p in draws}) > 1
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    trial = study.ask()
    params = space(trial)
    assert space(optuna.trial.FixedTrial(trial.params)) == params
    assert set(trial.params) >= {"layers.n_layers", "layers.units_1", "lr"}


def test_search_space_rejects_lists_with_a_hint() -> None:
    with pytest.raises(
        InvalidSearchSpaceError, match=r"'C'.*CategoricalDistribution\(\[1, 2\]\)"
    ):
        SearchSpace({"C": [1, 2]})  # type: ignore[dict-item]
    with pytest.raises(InvalidSearchSpaceError, match="non-empty mapping"):
        SearchSpace({})


def test_layer_sizes_validation() -> None:
    with pytest.raises(
        InvalidSearchSpaceError,
        match=r"`min_layers <= max_layers` must hold, but got "
        r"\(min_layers=3, max_layers=1\)",
    ):
        LayerSizes(min_layers=3, max_layers=1)
    with pytest.raises(
        InvalidSearchSpaceError, match="`min_units` must be an int >= 1"
    ):
        LayerSizes(min_units=0)


def test_default_search_space() -> None:
    space = default_search_space(max_epochs=8)
    assert set(space.names) == {
        "hidden_layer_sizes", "activation", "learning_rate", "batch_size",
        "epochs", "early_stopping", "dropout", "numeric_embedding", "weight_decay",
    }  # fmt: skip
    assert set(default_search_space(classifier=True).names) - set(space.names) == {
        "label_smoothing"
    }
    assert set(space.dimensions["activation"].choices) == {
        "relu", "elu", "selu", "gelu", "leaky_relu",
    }  # fmt: skip
    structures = set()
    for params in _draw(space, n=100):
        assert params["epochs"] == 8
        assert params["early_stopping"] is True
        sizes = params["hidden_layer_sizes"]
        assert 1 <= len(sizes) <= 4 and len(set(sizes)) == 1
        assert sizes[0] in (32, 64, 128, 256)
        structures.add((sizes, params["activation"], params["batch_size"]))
    # Few networks (500 of these): trials share compiled programs.
    assert len(structures) < 100
    with pytest.raises(
        InvalidSearchSpaceError, match="`max_epochs` must be an int >= 1"
    ):
        default_search_space(max_epochs=0)


def test_toggle_is_off_or_drawn_and_expresses_both() -> None:
    decay = Toggle(FloatDistribution(1e-6, 1e-1, log=True))
    space = SearchSpace({"wd": decay, "n": Toggle(IntDistribution(1, 3), off_value=-1)})
    draws = _draw(space, n=40)
    assert {d["wd"] == 0.0 for d in draws} == {True, False}
    assert all(1e-6 <= d["wd"] <= 1e-1 for d in draws if d["wd"] != 0.0)
    assert {d["n"] for d in draws} == {-1, 1, 2, 3}
    # Off, inside, and outside the range (the nearest bound): each is drawn back.
    for value, expected in ((0.0, 0.0), (0, 0.0), (1e-3, 1e-3), (5.0, 1e-1)):
        params = space.fixed_params({"wd": value})
        assert space(optuna.trial.FixedTrial({**params, "n.on": False}))["wd"] == (
            pytest.approx(expected)
        )
    assert space.fixed_params({"wd": 0.0}) == {"wd.on": False}
    assert space.fixed_params({"wd": "none"}) == {}
    assert space.representative_params() == {"wd": 0.0, "n": -1}
    with pytest.raises(InvalidSearchSpaceError, match="`distribution` must be"):
        Toggle(CategoricalDistribution([1, 2]))
    with pytest.raises(InvalidSearchSpaceError, match="`off_value` must be a number"):
        Toggle(FloatDistribution(0.0, 1.0), off_value=None)


def test_the_default_space_holds_the_estimators_own_configuration() -> None:
    from kerasopt.estimators import KerasClassifier

    space = default_search_space(widths=(32, 100, 32))
    assert space.dimensions["hidden_layer_sizes"].widths == (32, 100)
    decay = space.dimensions["weight_decay"]
    assert decay == Toggle(FloatDistribution(1e-6, 1e-1, log=True))
    for estimator in (KerasClassifier(), KerasClassifier(hidden_layer_sizes=(300, 300),
                                                         weight_decay=1e-3)):
        own = {**estimator.get_params(), **estimator._auto_params(100)}  # as fitted
        space = as_space(None, estimator)
        drawn = space(optuna.trial.FixedTrial(space.fixed_params(own)))
        assert {k: own[k] for k in drawn if k != "epochs"} == {
            k: v for k, v in drawn.items() if k != "epochs"}
    # Layers of several widths: the default widths only.
    space = as_space(None, KerasClassifier(hidden_layer_sizes=(64, 32)))
    assert space.dimensions["hidden_layer_sizes"].widths == (32, 64, 128, 256)


def test_layer_sizes_from_a_set_of_widths() -> None:
    dim = LayerSizes(max_layers=3, widths=(64, 256))
    space = SearchSpace({"h": dim})
    for params in _draw(space, n=10):
        assert len(set(params["h"])) == 1 and params["h"][0] in (64, 256)
    # The nearest width on a log scale; several sizes cannot be expressed.
    assert dim.fixed_params("h", (100,)) == {"h.n_layers": 1, "h.width": 64}
    assert dim.fixed_params("h", (200, 200)) == {"h.n_layers": 2, "h.width": 256}
    assert dim.fixed_params("h", (256, 64)) is None
    assert dim.fixed_params("h", (64,) * 4) is None
    for bad in ((), "64", (64, 0), [True]):
        with pytest.raises(InvalidSearchSpaceError, match="`widths` must be"):
            LayerSizes(widths=bad)
    loaded = load_search_space({"h": {"type": "layers", "widths": [64, 256]}})
    assert loaded.dimensions["h"] == LayerSizes(widths=(64, 256))
    with pytest.raises(InvalidSearchSpaceError, match="`widths` must be a list"):
        load_search_space({"h": {"type": "layers", "widths": 64}})


EXAMPLE = {
    "learning_rate": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
    "dropout": {"type": "float", "low": 0.0, "high": 0.5, "step": 0.1},
    "batch_size": {"type": "int", "low": 16, "high": 64, "step": 16},
    "activation": {"type": "categorical", "choices": ["relu", "tanh"]},
    "hidden_layer_sizes": {"type": "layers", "n_layers": [1, 2], "units": [8, 32]},
    "epochs": {"type": "fixed", "value": 20},
}


def test_load_search_space() -> None:
    space = load_search_space(EXAMPLE)
    dims = space.dimensions
    decay = {"type": "float", "low": "1e-6", "high": 0.1, "log": True, "off_value": 0}
    assert load_search_space({"weight_decay": decay}).dimensions == {
        "weight_decay": Toggle(FloatDistribution(1e-6, 0.1, log=True), off_value=0.0)}
    with pytest.raises(InvalidSearchSpaceError, match="`off_value` must be a number"):
        load_search_space({"weight_decay": {**decay, "off_value": "none"}})
    # YAML 1.1 reads an unquoted `off:` as the key False: said, with the fix.
    written = yaml.safe_load("wd: {type: float, low: 1e-6, high: 0.1, off: 0.0}")
    with pytest.raises(InvalidSearchSpaceError, match="read as False.*off_value: 0.0"):
        load_search_space(written)
    assert dims["learning_rate"] == FloatDistribution(1e-4, 1e-1, log=True)
    assert dims["dropout"] == FloatDistribution(0.0, 0.5, step=0.1)
    assert dims["batch_size"] == IntDistribution(16, 64, step=16)
    assert dims["activation"] == CategoricalDistribution(("relu", "tanh"))
    assert dims["hidden_layer_sizes"] == LayerSizes(1, 2, 8, 32)
    assert dims["epochs"] == Fixed(20)


def test_load_search_space_from_yaml_and_toml() -> None:
    text = """
learning_rate: {type: float, low: 1e-4, high: 1e-1, log: true}
activation: {type: categorical, choices: [relu, tanh]}
"""
    space = load_search_space(yaml.safe_load(text))  # PyYAML reads 1e-4 as a string
    assert space.dimensions["learning_rate"] == FloatDistribution(1e-4, 1e-1, log=True)
    toml = """
[learning_rate]
type = "float"
low = 1e-4
high = 1e-1
log = true
[hidden_layer_sizes]
type = "layers"
n_layers = [1, 3]
"""
    space = load_search_space(tomllib.loads(toml))
    assert space.dimensions["hidden_layer_sizes"] == LayerSizes(max_layers=3)


@pytest.mark.parametrize(
    ("structure", "match"),
    [
        ([1, 2], "must hold a mapping of parameter names"),
        ({}, "The search space is empty"),
        ({"lr": 0.1}, r"Search space key 'lr': expected a mapping with a 'type' field"),
        ({"lr": {"type": "flaot", "low": 0, "high": 1}},
         r"'lr': unknown type 'flaot'. Did you mean 'float'\?"),
        ({"lr": {"type": "float", "low": 0, "hihg": 1}},
         r"'lr': unknown field 'hihg' for type 'float'. Did you mean 'high'\?"),
        ({"lr": {"type": "float", "low": 0}},
         r"'lr': type 'float' needs the field 'high'"),
        ({"lr": {"type": "float", "low": 0.1, "high": 0.001}},
         r"'lr': `low <= high` must hold, but got \(low=0.1, high=0.001\)"),
        ({"lr": {"type": "float", "low": 0.0, "high": 1.0, "log": True}},
         r"'lr': `low > 0` must hold with log=true"),
        ({"lr": {"type": "float", "low": 0.1, "high": 1.0, "log": True, "step": 0.1}},
         "`log` and `step` cannot be combined"),
        ({"lr": {"type": "float", "low": "small", "high": 1.0}},
         r"'lr': `low` must be a number, but got 'small'"),
        ({"n": {"type": "int", "low": 1.5, "high": 3}}, r"'n': `low` must be an int"),
        ({"n": {"type": "int", "low": True, "high": 3}}, r"'n': `low` must be an int"),
        ({"n": {"type": "int", "low": 1, "high": 3, "log": "yes"}},
         "`log` must be true or false"),
        ({"a": {"type": "categorical", "choices": []}},
         "`choices` must be a non-empty list"),
        ({"h": {"type": "categorical", "choices": [[64], [64, 32]]}},
         r"'h': choices must be strings.*'type': 'layers'"),
        ({"h": {"type": "layers", "n_layers": [3, 1]}},
         r"'h': LayerSizes: `min_layers <= max_layers` must hold"),
        ({"h": {"type": "layers", "units": 32}},
         r"'h': `units` must be a list \[low, high\]"),
    ],
)  # fmt: skip
def test_load_search_space_errors(structure: object, match: str) -> None:
    with pytest.raises(InvalidSearchSpaceError, match=match):
        load_search_space(structure)  # type: ignore[arg-type]


def test_resolve_param_names() -> None:
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    params = {"C": 1.0, "standardscaler__with_mean": False, "model__units": 3}
    assert resolve_param_names(params, pipe) == {
        "logisticregression__C": 1.0,
        "standardscaler__with_mean": False,
        "logisticregression__model__units": 3,
    }
    nested = Pipeline([("outer", StandardScaler()), ("inner", pipe)])
    assert resolve_param_names({"C": 2}, nested) == {"inner__logisticregression__C": 2}
    assert resolve_param_names({"C": 2}, LogisticRegression()) == {"C": 2}


@pytest.mark.parametrize("name", SAMPLER_NAMES)
def test_named_samplers_are_seeded(name: str) -> None:
    if name == "cmaes":
        pytest.importorskip("cmaes")
    space = SearchSpace(
        {"x": FloatDistribution(0, 1), "c": CategoricalDistribution("ab")}
    )

    def objective(trial: optuna.trial.Trial) -> float:
        return float(space(trial)["x"])

    def run() -> list[dict]:
        study = optuna.create_study(sampler=make_sampler(name, seed=3))
        study.optimize(objective, n_trials=4)
        return [t.params for t in study.trials]

    assert run() == run()


def test_sampler_and_pruner_names() -> None:
    assert isinstance(make_sampler(None), optuna.samplers.TPESampler)
    assert isinstance(make_sampler("Random"), optuna.samplers.RandomSampler)
    sampler = optuna.samplers.RandomSampler()
    assert make_sampler(sampler) is sampler
    assert {type(make_pruner(n)).__name__ for n in PRUNER_NAMES} == {
        "MedianPruner", "HyperbandPruner", "SuccessiveHalvingPruner", "NopPruner",
    }  # fmt: skip
    assert isinstance(make_pruner(None), optuna.pruners.NopPruner)
    with pytest.raises(ValueError, match=r"sampler='tpee'. Did you mean 'tpe'\?.*qmc"):
        make_sampler("tpee")
    with pytest.raises(ValueError, match=r"pruner='medain'. Did you mean 'median'\?"):
        make_pruner("medain")
    if importlib.util.find_spec("cmaes") is None:
        with pytest.raises(ImportError, match="pip install cmaes"):
            make_sampler("cmaes")
    with pytest.raises(TypeError, match="`pruner` must be a name"):
        make_pruner(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n_trials", "startup"), [(None, 10), (4, 3), (8, 3), (16, 5), (30, 10), (200, 10)]
)
def test_tpe_random_start_up_adapts_to_the_budget(n_trials, startup) -> None:
    sampler = make_sampler("tpe", 0, n_trials)
    assert sampler._n_startup_trials == startup  # Optuna has no public accessor


def test_search_with_a_small_budget_is_not_all_random() -> None:
    from sklearn.datasets import load_iris

    from kerasopt import OptunaSearchCV

    X, y = load_iris(return_X_y=True)
    search = OptunaSearchCV(
        LogisticRegression(solver="newton-cg"),
        {"C": optuna.distributions.FloatDistribution(0.01, 10, log=True)},
        n_trials=4, cv=2,
    ).fit(X[::3], y[::3])  # fmt: skip
    assert search.study_.sampler._n_startup_trials == 3


# ------------------------------------------------------ where a search starts
def _contains(dim, value) -> bool:
    return dim._contains(dim.to_internal_repr(value))


def test_fixed_params_draw_the_values_back_and_never_leave_the_space() -> None:
    space = load_search_space(EXAMPLE)
    inside = {"learning_rate": 0.01, "dropout": 0.3, "batch_size": 32,
              "activation": "tanh", "hidden_layer_sizes": (8, 32),
              "epochs": 5}  # fmt: skip
    params = space.fixed_params(inside)
    assert "epochs" not in params  # Fixed: nothing to draw
    drawn = space(optuna.trial.FixedTrial(params))
    assert drawn == {**inside, "epochs": 20}
    # Numbers outside take the nearest bound (or step); the rest is left out.
    outside = {"learning_rate": 0.0, "dropout": 0.77, "batch_size": 37,
               "activation": "selu", "hidden_layer_sizes": (4, 500)}  # fmt: skip
    params = space.fixed_params(outside)
    assert params == {"learning_rate": 1e-4, "dropout": 0.5, "batch_size": 32,
                      "hidden_layer_sizes.n_layers": 2,
                      "hidden_layer_sizes.units_1": 8,
                      "hidden_layer_sizes.units_2": 32}  # fmt: skip
    dims = space.dimensions
    for name in ("learning_rate", "dropout", "batch_size"):
        assert _contains(dims[name], params[name])
    assert space.fixed_params({"dropout": 0.33, "batch_size": 60}) == {
        "dropout": pytest.approx(0.3), "batch_size": 64}
    for unexpressed in ({"learning_rate": None}, {"learning_rate": "fast"},
                        {"batch_size": 32.0}, {"batch_size": True},
                        {"hidden_layer_sizes": (8, 8, 8)},
                        {"hidden_layer_sizes": 16}):  # fmt: skip
        assert space.fixed_params(unexpressed) == {}
    flags = SearchSpace({"flag": CategoricalDistribution([1, 2]),
                         "on": CategoricalDistribution([True, False])})  # fmt: skip
    assert flags.fixed_params({"flag": True, "on": 1}) == {}
    assert flags.fixed_params({"flag": 1, "on": True}) == {"flag": 1, "on": True}


@pytest.mark.parametrize("classifier", [True, False])
@pytest.mark.parametrize("label", list(PORTFOLIO))
def test_portfolio_configurations_lie_in_the_default_space(classifier, label) -> None:
    space = default_search_space(max_epochs=200, classifier=classifier)
    complete = {"epochs": 200, **PORTFOLIO["realmlp_td"]}
    values = {**complete, **PORTFOLIO[label]}
    drawn = space(optuna.trial.FixedTrial(space.fixed_params(values)))
    assert {k: drawn[k] for k in values if k in space.names} == {
        k: v for k, v in values.items() if k in space.names
    }
    assert 2 <= len(PORTFOLIO) <= 4


def test_initial_params_of_each_kind_of_space() -> None:
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=3.0))
    space = SearchSpace({"C": FloatDistribution(1e-2, 1e2, log=True),
                         "solver": CategoricalDistribution(["lbfgs", "saga"]),
                         "standardscaler__with_mean": CategoricalDistribution(
                             [False])})  # fmt: skip
    own = [("estimator", {"C": 3.0, "solver": "lbfgs"})]
    for kind in ("estimator", "portfolio"):  # a user's space: no portfolio
        assert initial_params(kind, space, pipe, default_space=False) == own
    assert initial_params(None, space, pipe, default_space=False) == []
    assert initial_params("estimator", lambda t: {}, pipe, default_space=False) == []
    nothing = SearchSpace({"solver": CategoricalDistribution(["saga"])})
    assert initial_params("estimator", nothing, pipe, default_space=False) == []


def test_the_first_trial_resolves_auto_dropout_for_the_rows_of_a_fold() -> None:
    # dropout="auto" is no number the space can draw: left out, the sampler
    # drew it and the search's first trial was not the estimator's network.
    from kerasopt import KerasClassifier
    from kerasopt.estimators._base import AUTO_DROPOUT, AUTO_DROPOUT_MIN_ROWS

    pipe = make_pipeline(StandardScaler(), KerasClassifier())
    space = SearchSpace({"dropout": FloatDistribution(0.0, 0.5)})
    fewest = AUTO_DROPOUT_MIN_ROWS
    for rows, rate in [(fewest - 1, 0.0), (fewest, AUTO_DROPOUT)]:
        assert initial_params(
            "estimator", space, pipe, default_space=False, n_samples=rows
        ) == [("estimator", {"dropout": rate})]
    fixed = make_pipeline(StandardScaler(), KerasClassifier(dropout=0.3))
    assert initial_params(
        "estimator", space, fixed, default_space=False, n_samples=AUTO_DROPOUT_MIN_ROWS
    ) == [("estimator", {"dropout": 0.3})]
