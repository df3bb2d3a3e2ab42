"""Search spaces, and the parameter names they use.

A search space is anything that turns an :class:`optuna.trial.Trial` into a
dict of estimator parameters. kerasopt accepts

* a :class:`SearchSpace` (or a plain dict, converted to one) mapping parameter
  names to ``optuna.distributions`` objects, :class:`LayerSizes`,
  :class:`Toggle` or :class:`Fixed` values;
* a callable ``space(trial) -> dict`` for conditional spaces;
* the parsed content of a JSON/YAML/TOML file (:func:`load_search_space`);
* None: :func:`default_search_space` for kerasopt estimators.

:func:`as_space` turns any of them into the callable the objective uses.
Names without a step prefix refer to the final estimator of a Pipeline
(:func:`resolve_param_names`), so the same space works for a bare
``KerasClassifier`` and for ``make_tabular_pipeline(KerasClassifier())``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.pipeline import Pipeline

from .._utils import did_you_mean
from ..exceptions import InvalidSearchSpaceError

if TYPE_CHECKING:
    import optuna

__all__ = [
    "ACTIVATIONS",
    "Dimension",
    "Fixed",
    "INITIAL_TRIALS",
    "LayerSizes",
    "PORTFOLIO",
    "SearchSpace",
    "SpaceFn",
    "Toggle",
    "WIDTHS",
    "as_space",
    "check_space_names",
    "configured_clone",
    "default_search_space",
    "final_estimator_prefix",
    "initial_params",
    "is_empty",
    "is_keras_estimator",
    "load_search_space",
    "resolve_param_names",
    "set_params_checked",
]



# ------------------------------------------------------------ parameter names
def final_estimator_prefix(estimator: BaseEstimator) -> tuple[str, BaseEstimator]:
    """Return the parameter prefix of the final estimator and that estimator.

    Parameters
    ----------
    estimator : estimator
        A bare estimator or a (possibly nested) Pipeline.

    Returns
    -------
    prefix : str
        ``""`` for a bare estimator, ``"<step>__"`` (repeated for nested
        Pipelines) otherwise.
    final : estimator
        The last step.
    """
    prefix = ""
    while isinstance(estimator, Pipeline) and estimator.steps:
        name, step = estimator.steps[-1]
        prefix, estimator = f"{prefix}{name}__", step
    return prefix, estimator


def is_keras_estimator(estimator: Any) -> bool:
    """Whether ``estimator`` is a kerasopt Keras estimator.

    Looks the class up in ``sys.modules`` so that searching a scikit-learn
    model never imports Keras: a kerasopt estimator instance implies its
    module is already imported.
    """
    module = sys.modules.get("kerasopt.estimators")
    base = getattr(module, "BaseKerasEstimator", None)
    return base is not None and isinstance(estimator, base)


def resolve_param_names(
    params: Mapping[str, Any], estimator: BaseEstimator
) -> dict[str, Any]:
    """Add the final step's prefix to names that do not name a Pipeline step.

    For a Pipeline, a key whose first ``__`` segment is a step name (the
    GridSearchCV spelling, e.g. ``"preprocess__num__strategy"``) is kept as
    is; any other key (``"learning_rate"``, ``"model__units"``) belongs to the
    final estimator and gets its prefix (``"kerasclassifier__learning_rate"``).
    For other estimators the keys are returned unchanged.

    Parameters
    ----------
    params : mapping of str to object
        Parameters from a search space.
    estimator : estimator
        The estimator they are meant for.

    Returns
    -------
    dict
    """
    if not isinstance(estimator, Pipeline):
        return dict(params)
    steps = {name for name, _ in estimator.steps}
    prefix, _ = final_estimator_prefix(estimator)
    return {
        (key if key.split("__", 1)[0] in steps else prefix + key): value
        for key, value in params.items()
    }


def set_params_checked(estimator: BaseEstimator, params: Mapping[str, Any]) -> None:
    """``estimator.set_params(**params)``, naming the search-space key that fails.

    Raises
    ------
    InvalidSearchSpaceError
        If a name is not a parameter of ``estimator``.
    """
    for key, value in params.items():
        try:
            estimator.set_params(**{key: value})
        except (ValueError, TypeError, AttributeError) as exc:
            valid = list(estimator.get_params(deep=True))
            raise InvalidSearchSpaceError(
                f"Search space parameter {key!r} cannot be set on "
                f"{type(estimator).__name__}.{did_you_mean(key, valid)} Use a name "
                "from estimator.get_params() (names without a step prefix go to the "
                f"last step of a Pipeline). Upstream error: {exc}"
            ) from None


def configured_clone(
    estimator: BaseEstimator, params: Mapping[str, Any], random_state: int | None
) -> BaseEstimator:
    """Clone ``estimator`` with ``params`` and, if given, the final step's seed.

    Parameters
    ----------
    estimator : estimator
        A bare estimator or a Pipeline.
    params : mapping of str to object
        Resolved parameter names (see :func:`resolve_param_names`).
    random_state : int or None
        Set as the final estimator's ``random_state`` unless None.

    Returns
    -------
    estimator
        An unfitted clone.
    """
    estimator = clone(estimator)
    set_params_checked(estimator, params)
    if random_state is not None:
        prefix, _ = final_estimator_prefix(estimator)
        estimator.set_params(**{prefix + "random_state": random_state})
    return estimator


# --------------------------------------------------------------------- spaces
# The default search space, calibrated on random searches of six tables
# (docs/user_guide/tuning.md, "How the default space was chosen").
#: Activations of the default search space (tanh ranked last).
ACTIVATIONS: tuple[str, ...] = ("relu", "gelu", "selu", "elu", "leaky_relu")
#: Widths of the default space's hidden layers, the same in every layer.
WIDTHS: tuple[int, ...] = (32, 64, 128, 256)
#: Batch sizes of the default search space.
BATCH_SIZES: tuple[int, ...] = (32, 64, 128, 256)

SpaceFn = Callable[["optuna.trial.BaseTrial"], dict[str, Any]]


@dataclass(frozen=True)
class Fixed:
    """A parameter that a search space sets without tuning it.

    Parameters
    ----------
    value : object
        The value every trial uses.
    """

    value: Any

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> Any:
        """Return :attr:`value` (``trial`` and ``name`` are not used)."""
        return self.value


@dataclass(frozen=True)
class LayerSizes:
    """Number of hidden layers and units per layer, tuned together.

    A trial first draws the number of layers, then the units of each layer
    (Optuna parameters ``<name>.n_layers`` and ``<name>.units_1`` ...), and the
    space returns them as the tuple ``hidden_layer_sizes`` expects. With
    ``widths``, it draws one width for every layer instead (``<name>.width``):
    few distinct networks, so that trials share compiled programs.

    Parameters
    ----------
    min_layers, max_layers : int, default=1, 4
        Range of the number of hidden layers (inclusive).
    min_units, max_units : int, default=8, 256
        Range of the units of each layer (inclusive); unused with ``widths``.
    log : bool, default=True
        Draw units on a log scale (as many trials in 8-16 as in 128-256).
    widths : tuple of int or None, default=None
        The widths to choose from, the same for every layer.

    Examples
    --------
    >>> import optuna
    >>> LayerSizes(max_layers=2, min_units=4, max_units=4).suggest(
    ...     optuna.trial.FixedTrial({"h.n_layers": 2, "h.units_1": 4, "h.units_2": 4}),
    ...     "h")
    (4, 4)
    >>> LayerSizes(widths=(64, 256)).suggest(
    ...     optuna.trial.FixedTrial({"h.n_layers": 3, "h.width": 256}), "h")
    (256, 256, 256)
    """

    min_layers: int = 1
    max_layers: int = 4
    min_units: int = 8
    max_units: int = 256
    log: bool = True
    widths: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for field in ("min_layers", "max_layers", "min_units", "max_units"):
            _check_count(field, getattr(self, field))
        for low, high in (("min_layers", "max_layers"), ("min_units", "max_units")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo > hi:
                raise InvalidSearchSpaceError(
                    f"LayerSizes: `{low} <= {high}` must hold, but got "
                    f"({low}={lo}, {high}={hi})."
                )
        if not isinstance(self.log, bool):
            raise InvalidSearchSpaceError(
                f"LayerSizes: `log` must be true or false, but got {self.log!r}."
            )
        if self.widths is not None:
            if isinstance(self.widths, (str, bytes)) or not isinstance(
                self.widths, Sequence
            ) or not self.widths:
                raise InvalidSearchSpaceError(
                    "LayerSizes: `widths` must be a non-empty tuple of ints >= 1, "
                    f"such as (64, 128, 256), but got {self.widths!r}."
                )
            for width in self.widths:
                _check_count("widths", width)
            object.__setattr__(self, "widths", tuple(self.widths))

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> tuple[int, ...]:
        """Draw the layer sizes of one trial.

        Parameters
        ----------
        trial : optuna.trial.BaseTrial
            The trial that records the draws.
        name : str
            The parameter name, used as prefix of the Optuna parameters.

        Returns
        -------
        tuple of int
        """
        n_layers = trial.suggest_int(
            f"{name}.n_layers", self.min_layers, self.max_layers
        )
        if self.widths is not None:
            return (trial.suggest_categorical(f"{name}.width", self.widths),) * n_layers
        return tuple(
            trial.suggest_int(
                f"{name}.units_{i}", self.min_units, self.max_units, log=self.log
            )
            for i in range(1, n_layers + 1)
        )

    def fixed_params(self, name: str, value: Any) -> dict[str, Any] | None:
        """The Optuna parameters with which :meth:`suggest` returns ``value``.

        Units outside ``min_units..max_units`` take the nearest bound; with
        ``widths``, layers of one size take the nearest width (on a log
        scale). A number of layers outside ``min_layers..max_layers``, and
        layers of several sizes with ``widths``, cannot be expressed.

        Parameters
        ----------
        name : str
            The parameter name, as given to :meth:`suggest`.
        value : sequence of int
            Layer sizes, such as an estimator's ``hidden_layer_sizes``.

        Returns
        -------
        dict or None
            None when ``value`` is not a sequence of ints this space can draw.
        """
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            return None
        if not self.min_layers <= len(value) <= self.max_layers:
            return None
        params: dict[str, Any] = {f"{name}.n_layers": len(value)}
        if self.widths is not None:
            size = _one_width(value)
            if size is None:
                return None
            params[f"{name}.width"] = min(
                self.widths, key=lambda width: abs(math.log(width / size))
            )
            return params
        units = IntDistribution(self.min_units, self.max_units, log=self.log)
        for i, size in enumerate(value, start=1):
            params[f"{name}.units_{i}"] = _nearest(units, size)
            if params[f"{name}.units_{i}"] is _UNEXPRESSED:
                return None
        return params


@dataclass(frozen=True)
class Toggle:
    """A parameter that is either off or drawn from a range.

    A trial first draws whether the parameter is on (Optuna parameter
    ``<name>.on``), then, if it is, its value (``<name>``). A log-scale
    range cannot hold 0, the value that turns weight decay or a penalty
    off; a toggle can, so that an estimator configured without it can be a
    point of the space (the "?loguniform" of TabM's tuning spaces).

    Parameters
    ----------
    distribution : FloatDistribution or IntDistribution
        Where the value is drawn from when the parameter is on.
    off_value : int or float, default=0.0
        The value when it is off.

    Examples
    --------
    >>> import optuna
    >>> from optuna.distributions import FloatDistribution
    >>> decay = Toggle(FloatDistribution(1e-6, 1e-1, log=True))
    >>> decay.suggest(optuna.trial.FixedTrial({"wd.on": False}), "wd")
    0.0
    >>> decay.suggest(optuna.trial.FixedTrial({"wd.on": True, "wd": 1e-3}), "wd")
    0.001
    """

    distribution: FloatDistribution | IntDistribution
    off_value: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.distribution, (FloatDistribution, IntDistribution)):
            raise InvalidSearchSpaceError(
                "Toggle: `distribution` must be a FloatDistribution or an "
                f"IntDistribution, but got {self.distribution!r}."
            )
        if isinstance(self.off_value, bool) or not isinstance(self.off_value, Real):
            raise InvalidSearchSpaceError(
                "Toggle: `off_value` must be a number, such as 0.0, but got "
                f"{self.off_value!r}."
            )

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> Any:
        """Draw the value of one trial: :attr:`off_value`, or one from the range."""
        if trial.suggest_categorical(f"{name}.on", (False, True)):
            return _suggest(trial, name, self.distribution)
        return self.off_value

    def fixed_params(self, name: str, value: Any) -> dict[str, Any] | None:
        """The Optuna parameters with which :meth:`suggest` returns ``value``.

        :attr:`off_value` turns the parameter off; another number takes the
        nearest value of the range (see :meth:`SearchSpace.fixed_params`).
        """
        number = isinstance(value, Real) and not isinstance(value, bool)
        if number and value == self.off_value:
            return {f"{name}.on": False}
        value = _nearest(self.distribution, value)
        return None if value is _UNEXPRESSED else {f"{name}.on": True, name: value}


def _one_width(sizes: Any) -> int | None:
    """The width of hidden layers all of one width (an int >= 1), else None."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        return None
    widths = set(sizes)
    if len(widths) != 1:
        return None
    (width,) = widths
    ok = isinstance(width, Integral) and not isinstance(width, bool) and width >= 1
    return int(width) if ok else None


def _check_count(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise InvalidSearchSpaceError(
            f"LayerSizes: `{field}` must be an int >= 1, but got {value!r}."
        )


Dimension = BaseDistribution | LayerSizes | Toggle | Fixed
_SUPPORTED = (FloatDistribution, IntDistribution, CategoricalDistribution)


def _suggest(trial: optuna.trial.BaseTrial, name: str, dim: Dimension) -> Any:
    if isinstance(dim, (Fixed, LayerSizes, Toggle)):
        return dim.suggest(trial, name)
    if isinstance(dim, FloatDistribution):
        return trial.suggest_float(name, dim.low, dim.high, log=dim.log, step=dim.step)
    if isinstance(dim, IntDistribution):
        return trial.suggest_int(name, dim.low, dim.high, log=dim.log, step=dim.step)
    return trial.suggest_categorical(name, dim.choices)  # type: ignore[union-attr]


#: What :func:`_nearest` returns for a value a distribution cannot express.
_UNEXPRESSED = object()


def _nearest(dim: BaseDistribution, value: Any) -> Any:
    """The value of ``dim`` nearest to ``value``, or :data:`_UNEXPRESSED`.

    A number outside a range takes the nearest bound (an estimator's ``l2=0``
    is the log-scale range's lowest value, as good as off) and, with a
    ``step``, the nearest step; a categorical value must be one of the
    choices (``True`` is not ``1``). Anything else cannot be expressed.
    """
    if isinstance(dim, CategoricalDistribution):
        for choice in dim.choices:
            if isinstance(choice, bool) != isinstance(value, bool):
                continue
            try:
                if choice == value:
                    return choice
            except (TypeError, ValueError):  # arrays compare elementwise
                continue
        return _UNEXPRESSED
    integer = isinstance(dim, IntDistribution)
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        return _UNEXPRESSED
    if not math.isfinite(value):
        return _UNEXPRESSED
    low, high, step = dim.low, dim.high, dim.step  # type: ignore[attr-defined]
    value = min(max(value, low), high)
    steps = None if step is None else (value - low) / step
    if steps is not None and abs(steps - round(steps)) > 1e-8:  # Optuna's tolerance
        value = min(low + round(steps) * step, high)
    return int(value) if integer else float(value)


def _representative(dim: Dimension) -> Any:
    """A value ``dim`` can produce (used to check names before the search)."""
    if isinstance(dim, Fixed):
        return dim.value
    if isinstance(dim, Toggle):
        return dim.off_value
    if isinstance(dim, LayerSizes):
        return ((dim.widths or (dim.min_units,))[0],) * dim.min_layers
    if isinstance(dim, CategoricalDistribution):
        return dim.choices[0]
    return dim.low  # type: ignore[union-attr]


class SearchSpace:
    """A search space as a mapping of parameter names to dimensions.

    Calling it with a trial returns one dict of parameters. It is what plain
    dicts and parsed files are turned into.

    Parameters
    ----------
    dimensions : mapping of str to dimension
        Each value is an ``optuna.distributions`` object
        (:class:`~optuna.distributions.FloatDistribution`,
        :class:`~optuna.distributions.IntDistribution`,
        :class:`~optuna.distributions.CategoricalDistribution`), a
        :class:`LayerSizes`, a :class:`Toggle` or a :class:`Fixed`.

    Raises
    ------
    InvalidSearchSpaceError
        If the mapping is empty, a name is not a non-empty string, or a value
        is not a dimension (a list gets a hint to use CategoricalDistribution).

    Examples
    --------
    >>> from optuna.distributions import FloatDistribution
    >>> space = SearchSpace({"C": FloatDistribution(1e-3, 1e3, log=True)})
    >>> space.names
    ('C',)
    """

    def __init__(self, dimensions: Mapping[str, Dimension]) -> None:
        if not isinstance(dimensions, Mapping) or not dimensions:
            raise InvalidSearchSpaceError(
                "A search space must be a non-empty mapping of parameter names to "
                f"optuna distributions, but got {dimensions!r}."
            )
        for name, dim in dimensions.items():
            if not isinstance(name, str) or not name:
                raise InvalidSearchSpaceError(
                    f"Search space names must be non-empty strings, but got {name!r}."
                )
            if isinstance(dim, BaseDistribution) and not isinstance(dim, _SUPPORTED):
                raise InvalidSearchSpaceError(
                    f"Search space key {name!r}: unsupported distribution "
                    f"{type(dim).__name__}. Optuna's samplers draw from "
                    "FloatDistribution, IntDistribution and CategoricalDistribution; "
                    "use one of them (or LayerSizes / Toggle / Fixed)."
                )
            if not isinstance(dim, (BaseDistribution, LayerSizes, Toggle, Fixed)):
                hint = (
                    " Write optuna.distributions.CategoricalDistribution("
                    f"{list(dim)!r})"
                    " to choose among these values."
                    if isinstance(dim, (list, tuple))
                    else " Use an optuna.distributions object, LayerSizes(...), "
                    "Toggle(...) or Fixed(value)."
                )
                raise InvalidSearchSpaceError(
                    f"Search space key {name!r}: expected an optuna distribution, but "
                    f"got {type(dim).__name__} ({dim!r}).{hint}"
                )
        self.dimensions: dict[str, Dimension] = dict(dimensions)

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names, in order."""
        return tuple(self.dimensions)

    def __call__(self, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        """Draw one set of parameters with ``trial``."""
        return {
            name: _suggest(trial, name, dim) for name, dim in self.dimensions.items()
        }

    def fixed_params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The Optuna parameters with which this space draws ``values``, where it can.

        The inverse of calling the space, for ``study.enqueue_trial``: each
        dimension named in ``values`` gives the Optuna parameters that make
        it draw that value. A number outside its range takes the nearest
        bound; a value a dimension cannot express (a choice not listed, a
        ``None`` learning rate, more layers than :class:`LayerSizes` allows) and
        :class:`Fixed` dimensions give nothing, so the sampler draws those.

        Parameters
        ----------
        values : mapping of str to object
            Parameter values keyed by this space's names; other keys are
            ignored.

        Returns
        -------
        dict
            Optuna parameter names to values.

        Examples
        --------
        >>> from optuna.distributions import FloatDistribution
        >>> space = SearchSpace({"alpha": FloatDistribution(1e-4, 1.0, log=True),
        ...                      "layers": LayerSizes(max_layers=2)})
        >>> params = space.fixed_params({"alpha": 0.0, "layers": (512, 32)})
        >>> params["alpha"], params["layers.n_layers"], params["layers.units_1"]
        (0.0001, 2, 256)
        """
        params: dict[str, Any] = {}
        for name, dim in self.dimensions.items():
            if name not in values or isinstance(dim, Fixed):
                continue
            if isinstance(dim, (LayerSizes, Toggle)):
                params.update(dim.fixed_params(name, values[name]) or {})
                continue
            value = _nearest(dim, values[name])
            if value is not _UNEXPRESSED:
                params[name] = value
        return params

    def representative_params(self) -> dict[str, Any]:
        """Return one valid set of parameters without a trial (for name checks)."""
        return {name: _representative(dim) for name, dim in self.dimensions.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.dimensions == other.dimensions

    def __hash__(self) -> int:
        return hash(tuple(self.dimensions))

    def __repr__(self) -> str:
        return f"SearchSpace({self.dimensions!r})"


def default_search_space(
    max_epochs: int = 200,
    classifier: bool = False,
    widths: Sequence[int] = WIDTHS,
) -> SearchSpace:
    """Return the search space used for kerasopt estimators when none is given.

    ====================== ==========================================================
    ``hidden_layer_sizes`` 1-4 layers, all 32, 64, 128 or 256 units wide
                           (``widths``), via :class:`LayerSizes`
    ``activation``         relu, gelu, selu, elu, leaky_relu
    ``learning_rate``      3e-4 to 1e-2, log scale
    ``batch_size``         None (the estimator's rule, ``min(200, n_samples)``),
                           32, 64, 128, 256
    ``epochs``             fixed to ``max_epochs``, an upper bound: with
    ``early_stopping``     fixed to True, training stops when the validation
                           loss stops improving
    ``dropout``            0.0 to 0.5
    ``numeric_embedding``  "piecewise", "piecewise_tree", None or "periodic"
                           (how numeric columns enter the network)
    ``weight_decay``       off (0.0), or 1e-6 to 1e-1, log scale (decoupled,
                           AdamW-style), via :class:`Toggle`
    ``label_smoothing``    0.0 to 0.2 (classifiers only)
    ====================== ==========================================================

    The optimizer is the estimator's own (Adam by default; with
    ``weight_decay`` it is AdamW). The space was narrowed by measurement
    (docs/user_guide/tuning.md): on random searches of six tables the
    learning rate mattered most and rates above 1e-2 ranked last; the
    optimizer, the number of epochs (under early stopping), an L2 penalty
    besides weight decay, per-layer widths and tanh never paid for the trials
    they took.

    Parameters
    ----------
    max_epochs : int, default=200
        The ``epochs`` of every trial. :class:`OptunaSearchCV` passes the
        estimator's own ``epochs``, so ``KerasClassifier(epochs=20)`` is never
        trained for more than 20 epochs during the search.
    classifier : bool, default=False
        Add the parameters of classifiers only (``label_smoothing``).
    widths : sequence of int, default=WIDTHS
        The widths of the hidden layers. :class:`OptunaSearchCV` adds the
        estimator's own width (100 by default), so that its first trial is
        the estimator exactly.

    Returns
    -------
    SearchSpace
        With names of the estimator's parameters, without Pipeline prefixes.
    """
    if (
        isinstance(max_epochs, bool)
        or not isinstance(max_epochs, Integral)
        or max_epochs < 1
    ):
        raise InvalidSearchSpaceError(
            f"`max_epochs` must be an int >= 1, but got {max_epochs!r}."
        )
    return SearchSpace(
        {
            "hidden_layer_sizes": LayerSizes(widths=tuple(sorted(set(widths)))),
            "activation": CategoricalDistribution(ACTIVATIONS),
            "learning_rate": FloatDistribution(3e-4, 1e-2, log=True),
            # None is the estimator's own rule (min(200, rows)): the search's
            # first trial then trains the batches the defaults train.
            "batch_size": CategoricalDistribution((None, *BATCH_SIZES)),
            "epochs": Fixed(int(max_epochs)),
            "early_stopping": Fixed(True),
            "dropout": FloatDistribution(0.0, 0.5),
            "numeric_embedding": CategoricalDistribution(
                ("piecewise", "piecewise_tree", None, "periodic")
            ),
            "weight_decay": Toggle(FloatDistribution(1e-6, 1e-1, log=True)),
            **({"label_smoothing": FloatDistribution(0.0, 0.2)} if classifier else {}),
        }
    )


# ------------------------------------------------------ where a search starts
#: Values of ``initial_trials`` (:class:`OptunaSearchCV`), None aside.
INITIAL_TRIALS: tuple[str, ...] = ("portfolio", "estimator")

#: Strong starting points in the default space, tried (in this order) after the
#: estimator's own configuration. Each entry changes that configuration in the
#: parameters it names (``epochs`` stays the estimator's own, with early
#: stopping); ``label_smoothing`` is dropped for regressors.
PORTFOLIO: dict[str, dict[str, Any]] = {
    # RealMLP-TD (Holzmuller et al., "Better by Default", NeurIPS 2024; pytabkit's
    # RealMLP_TD_CLASS): 3 x 256 SELU, dropout 0.15, weight decay 2e-2, label
    # smoothing 0.1, PBLD numeric embeddings, batch 256, Adam; its lr 4e-2 under
    # the NTK parametrization is 4e-2 / sqrt(256) = 2.5e-3 in a plain Dense layer.
    # (Its regression defaults differ: Mish, which the space lacks, and lr 0.2.)
    "realmlp_td": {
        "hidden_layer_sizes": (256, 256, 256), "activation": "selu",
        "learning_rate": 2.5e-3, "batch_size": 256, "dropout": 0.15,
        "weight_decay": 2e-2, "numeric_embedding": "periodic",
        "label_smoothing": 0.1,
    },
    # TabM's suggested first run (Gorishniy et al., ICLR 2025, README of
    # yandex-research/tabm): AdamW (the estimator's Adam with the decoupled
    # weight decay), lr 2e-3, weight decay 3e-4, dropout 0.1, depth 2 with
    # numeric embeddings (as TabM-mini), width 512 capped at the space's 256;
    # its k=32 heads are `ensemble_heads`, not searched: the estimator's own
    # value stays.
    "tabm_mini": {
        "hidden_layer_sizes": (256, 256), "activation": "relu",
        "learning_rate": 2e-3, "batch_size": 256, "dropout": 0.1,
        "weight_decay": 3e-4, "numeric_embedding": "periodic",
        "label_smoothing": 0.0,
    },
    # The estimator's own configuration with periodic numeric embeddings instead
    # of the default piecewise-linear encoding (see docs/user_guide/recipe.md).
    "periodic": {"numeric_embedding": "periodic"},
    # ... and with all its knots at quantiles, none where the target changes
    # along a column (the default's target-aware knots, Gorishniy et al. 2022):
    # better on some small tables, where a tree also fits noise
    # (benchmarks/variants.md), which only a search can tell.
    "quantile_knots": {"numeric_embedding": "piecewise"},
}  # fmt: skip


def initial_params(
    initial_trials: str | None,
    space: SpaceFn,
    estimator: BaseEstimator,
    *,
    default_space: bool,
    n_samples: int | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """The Optuna parameters of the trials a search runs before its sampler.

    Parameters
    ----------
    initial_trials : {"portfolio", "estimator"} or None
        ``"estimator"``: the current values of the searched parameters on
        ``estimator`` (the final step of a Pipeline); ``"portfolio"``: those,
        then :data:`PORTFOLIO` when ``default_space``; None: nothing.
    space : callable
        The search space (:func:`as_space`). Only a :class:`SearchSpace`
        can say which Optuna parameters give which values; a callable space
        gets no initial trials.
    estimator : estimator
        The estimator to tune.
    default_space : bool
        Whether ``space`` is :func:`default_search_space` (the portfolio is
        written for it).
    n_samples : int, optional
        Rows the trials fit on (the smallest training fold): an ``"auto"``
        value of the final estimator (kerasopt's ``dropout="auto"``) takes the
        value it takes in a fit on them, which a space of numbers can express.

    Returns
    -------
    list of (str, dict)
        A label (``"estimator"`` or a :data:`PORTFOLIO` key) and the Optuna
        parameters (see :meth:`SearchSpace.fixed_params`) of each trial,
        without empty or repeated ones.
    """
    if initial_trials is None or not isinstance(space, SearchSpace):
        return []
    current = estimator.get_params(deep=True)
    prefix, final = final_estimator_prefix(estimator)
    resolve = getattr(final, "_auto_params", None)
    if resolve is not None and n_samples is not None:
        current.update({prefix + k: v for k, v in resolve(n_samples).items()})
    own = {}
    for name in space.names:
        (key,) = resolve_param_names({name: None}, estimator)
        if key in current:
            own[name] = current[key]
    configurations = [("estimator", own)]
    if initial_trials == "portfolio" and default_space:
        configurations += [(label, {**own, **p}) for label, p in PORTFOLIO.items()]
    trials: list[tuple[str, dict[str, Any]]] = []
    for label, values in configurations:
        params = space.fixed_params(values)
        if params and all(params != seen for _, seen in trials):
            trials.append((label, params))
    return trials


# ----------------------------------------------------------- what users write
_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # type: (required fields, optional fields), besides "type" itself
    "float": (("low", "high"), ("log", "step", "off_value")),
    "int": (("low", "high"), ("log", "step", "off_value")),
    "categorical": (("choices",), ()),
    "layers": ((), ("n_layers", "units", "log", "widths")),
    "fixed": (("value",), ()),
}
_SCALAR = (str, bool, int, float, type(None))


def _fail(key: str, message: str) -> InvalidSearchSpaceError:
    return InvalidSearchSpaceError(f"Search space key {key!r}: {message}")


def _number(key: str, field: str, value: Any, *, integer: bool) -> Any:
    # YAML 1.1 (PyYAML) reads `1e-4` as a string: accept numeric strings.
    if isinstance(value, str) and not integer:
        try:
            value = float(value)
        except ValueError:
            pass
    kind = "an int" if integer else "a number"
    ok_type = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, ok_type):
        raise _fail(key, f"`{field}` must be {kind}, but got {value!r}.")
    if not integer and not math.isfinite(value):
        raise _fail(key, f"`{field}` must be finite, but got {value!r}.")
    return int(value) if integer else float(value)


def _flag(key: str, field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, f"`{field}` must be true or false, but got {value!r}.")
    return value


def _range(key: str, spec: Mapping[str, Any], *, integer: bool) -> BaseDistribution:
    low = _number(key, "low", spec["low"], integer=integer)
    high = _number(key, "high", spec["high"], integer=integer)
    log = _flag(key, "log", spec.get("log", False))
    step = spec.get("step")
    if low > high:
        raise _fail(key, f"`low <= high` must hold, but got (low={low}, high={high}).")
    if step is not None:
        step = _number(key, "step", step, integer=integer)
        if step <= 0:
            raise _fail(key, f"`step` must be > 0, but got {step!r}.")
        if log and step != 1:
            raise _fail(
                key,
                "`log` and `step` cannot be combined, but got "
                f"(log=true, step={step}).",
            )
    if log and low <= 0:
        raise _fail(key, f"`low > 0` must hold with log=true, but got (low={low}).")
    if integer:
        return IntDistribution(low, high, log=log, step=1 if step is None else step)
    return FloatDistribution(low, high, log=log, step=None if log else step)


def _pair(key: str, field: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _fail(key, f"`{field}` must be a list [low, high], but got {value!r}.")
    return (
        _number(key, f"{field}[0]", value[0], integer=True),
        _number(key, f"{field}[1]", value[1], integer=True),
    )


def _dimension(key: str, spec: Any) -> Dimension:
    if not isinstance(spec, Mapping) or "type" not in spec:
        raise _fail(
            key,
            f"expected a mapping with a 'type' field ({', '.join(_FIELDS)}), but got "
            f"{spec!r}. Example: {{'type': 'float', 'low': 0.0001, 'high': 0.1, "
            "'log': true}.",
        )
    kind = spec["type"]
    if kind not in _FIELDS:
        raise _fail(
            key,
            f"unknown type {kind!r}.{did_you_mean(str(kind), _FIELDS)} Valid types: "
            f"{', '.join(_FIELDS)}.",
        )
    required, optional = _FIELDS[kind]
    allowed = ("type", *required, *optional)
    for field in spec:
        if isinstance(field, bool):  # YAML 1.1 reads on/off/yes/no as booleans
            raise _fail(
                key,
                f"a field name was read as {field} (YAML reads unquoted on, off, yes "
                "and no as true or false). For the value of a parameter that is "
                "off, write `off_value: 0.0`.",
            )
        if field not in allowed:
            raise _fail(
                key,
                f"unknown field {field!r} for type {kind!r}."
                f"{did_you_mean(str(field), allowed)} Valid fields: "
                f"{', '.join(allowed)}.",
            )
    for field in required:
        if field not in spec:
            raise _fail(key, f"type {kind!r} needs the field {field!r}.")
    if kind in ("float", "int"):
        dim = _range(key, spec, integer=kind == "int")
        if "off_value" not in spec:
            return dim
        off_value = _number(key, "off_value", spec["off_value"], integer=kind == "int")
        return Toggle(dim, off_value)
    if kind == "categorical":
        choices = spec["choices"]
        if not isinstance(choices, (list, tuple)) or not choices:
            raise _fail(
                key, f"`choices` must be a non-empty list, but got {choices!r}."
            )
        for choice in choices:
            if not isinstance(choice, _SCALAR):
                raise _fail(
                    key,
                    f"choices must be strings, numbers, booleans or null, but got "
                    f"{choice!r}. For layer sizes use {{'type': 'layers', "
                    "'n_layers': [1, 3], 'units': [16, 128]}.",
                )
        return CategoricalDistribution(tuple(choices))
    if kind == "layers":
        n_layers = _pair(key, "n_layers", spec.get("n_layers", [1, 4]))
        units = _pair(key, "units", spec.get("units", [8, 256]))
        log = _flag(key, "log", spec.get("log", True))
        widths = spec.get("widths")
        if widths is not None and not isinstance(widths, (list, tuple)):
            raise _fail(
                key, f"`widths` must be a list of ints, such as [64, 128, 256], "
                f"but got {widths!r}."
            )  # fmt: skip
        try:
            return LayerSizes(
                *n_layers, *units, log=log,
                widths=None if widths is None else tuple(widths),
            )  # fmt: skip
        except InvalidSearchSpaceError as exc:
            raise _fail(key, str(exc)) from None
    return Fixed(spec["value"])


def load_search_space(structure: Mapping[str, Any]) -> SearchSpace:
    """Build a search space from plain data (parsed JSON, YAML or TOML).

    Each key is a parameter name (a name of the final estimator, or a
    Pipeline path such as ``"preprocess__num__strategy"``); each value is a
    mapping with a ``type`` field:

    =============== =============================================================
    ``float``       ``low``, ``high``, optional ``log`` (false) or ``step``, and
                    ``off_value``: a value the parameter may also take, outside the
                    range (such as 0 for a log-scale weight decay; see
                    :class:`Toggle`)
    ``int``         ``low``, ``high``, optional ``log`` (false) or ``step`` (1),
                    and ``off_value``
    ``categorical`` ``choices``: a list of strings, numbers, booleans or null
    ``layers``      optional ``n_layers`` ([1, 4]), ``units`` ([8, 256]) and
                    ``log`` (true); gives a tuple for ``hidden_layer_sizes``
    ``fixed``       ``value``: set, not tuned
    =============== =============================================================

    Numbers written as strings (PyYAML reads ``1e-4`` as a string) are
    accepted for float bounds.

    Parameters
    ----------
    structure : mapping
        For instance ``yaml.safe_load(open("space.yaml"))``.

    Returns
    -------
    SearchSpace

    Raises
    ------
    InvalidSearchSpaceError
        Naming the offending key, field and value, with a did-you-mean hint for
        misspelled types and fields.

    Examples
    --------
    >>> space = load_search_space({
    ...     "learning_rate": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
    ...     "activation": {"type": "categorical", "choices": ["relu", "tanh"]},
    ...     "hidden_layer_sizes": {"type": "layers", "n_layers": [1, 2]},
    ...     "epochs": {"type": "fixed", "value": 20},
    ... })
    >>> space.names
    ('learning_rate', 'activation', 'hidden_layer_sizes', 'epochs')
    """
    if not isinstance(structure, Mapping):
        raise InvalidSearchSpaceError(
            "A search space file must hold a mapping of parameter names to "
            f"specifications, but got {type(structure).__name__} ({structure!r})."
        )
    if not structure:
        raise InvalidSearchSpaceError(
            "The search space is empty: add at least one key."
        )
    dimensions: dict[str, Dimension] = {}
    for key, spec in structure.items():
        if not isinstance(key, str) or not key:
            raise InvalidSearchSpaceError(
                f"Search space names must be non-empty strings, but got {key!r}."
            )
        dimensions[key] = _dimension(key, spec)
    return SearchSpace(dimensions)


def as_space(space: Any, estimator: BaseEstimator) -> SpaceFn:
    """Turn ``param_distributions`` into a callable ``space(trial) -> params``.

    Parameters
    ----------
    space : None, mapping, SearchSpace or callable
        What :class:`OptunaSearchCV` accepts as ``param_distributions``.
    estimator : estimator
        The estimator to tune (for the default space of kerasopt estimators).

    Returns
    -------
    callable

    Raises
    ------
    InvalidSearchSpaceError
        If ``space`` is of none of these kinds, or None for an estimator that
        has no default space.
    """
    if space is None:
        _, final = final_estimator_prefix(estimator)
        if not is_keras_estimator(final):
            raise InvalidSearchSpaceError(
                "param_distributions=None uses the default space of kerasopt "
                "estimators, but "
                f"the estimator to tune is {type(final).__name__}. Pass a dict of "
                "optuna.distributions or a callable(trial) -> dict of parameters."
            )
        own = final.get_params()
        sizes = own["hidden_layer_sizes"]  # the estimator takes one int too
        width = _one_width((sizes,) if isinstance(sizes, Integral) else sizes)
        return default_search_space(
            max_epochs=int(own["epochs"]),
            classifier=is_classifier(final),
            widths=WIDTHS if width is None else (*WIDTHS, width),
        )
    if isinstance(space, SearchSpace):
        return space
    if isinstance(space, Mapping) and not space:
        return _no_params
    if isinstance(space, Mapping):
        if space and all(isinstance(v, Mapping) for v in space.values()):
            return load_search_space(space)
        return SearchSpace(space)
    if callable(space):
        return space  # type: ignore[no-any-return]
    raise InvalidSearchSpaceError(
        "param_distributions must be None, a dict of optuna distributions, a "
        "parsed space file (dict of dicts) or a callable(trial) -> dict, but got "
        f"{type(space).__name__} ({space!r})."
    )


def _no_params(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    """The empty space ``{}``: one point, the estimator as it is."""
    return {}


def is_empty(space: SpaceFn) -> bool:
    """Whether ``space`` is the empty space (then one trial is all there is)."""
    return space is _no_params


def check_space_names(space: SpaceFn, estimator: BaseEstimator) -> None:
    """Fail before training when a dict space names an unknown parameter.

    Raises
    ------
    InvalidSearchSpaceError
        Naming the key, with a did-you-mean hint.
    """
    if isinstance(space, SearchSpace):
        params = resolve_param_names(space.representative_params(), estimator)
        set_params_checked(clone(estimator), params)
