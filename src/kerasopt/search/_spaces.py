"""Search spaces: Optuna distributions, layer sizes, fixed values, defaults, files.

A search space is anything that turns an :class:`optuna.trial.Trial` into a
dict of estimator parameters. kerasopt accepts

* a :class:`SearchSpace` (or a plain dict, converted to one) mapping parameter
  names to ``optuna.distributions`` objects, :class:`LayerSizes` or
  :class:`Fixed` values;
* a callable ``space(trial) -> dict`` for conditional spaces;
* the parsed content of a JSON/YAML/TOML file (see :func:`load_search_space`).

:func:`~kerasopt.search._space_input.as_space` turns any of them into the
callable the objective uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral
from typing import TYPE_CHECKING, Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ..exceptions import InvalidSearchSpaceError

if TYPE_CHECKING:
    import optuna

__all__ = [
    "ACTIVATIONS",
    "OPTIMIZERS",
    "Dimension",
    "Fixed",
    "LayerSizes",
    "SearchSpace",
    "SpaceFn",
    "default_search_space",
]

#: Activations of the default search space.
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "elu", "selu", "gelu", "leaky_relu")
#: Optimizers of the default search space.
OPTIMIZERS: tuple[str, ...] = ("adam", "adamw", "nadam", "rmsprop", "momentum")
#: Batch sizes of the default search space.
BATCH_SIZES: tuple[int, ...] = (16, 32, 64, 128, 256)

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
    space returns them as the tuple ``hidden_layer_sizes`` expects.

    Parameters
    ----------
    min_layers, max_layers : int, default=1, 4
        Range of the number of hidden layers (inclusive).
    min_units, max_units : int, default=8, 256
        Range of the units of each layer (inclusive).
    log : bool, default=True
        Draw units on a log scale (as many trials in 8-16 as in 128-256).

    Examples
    --------
    >>> import optuna
    >>> LayerSizes(max_layers=2, min_units=4, max_units=4).suggest(
    ...     optuna.trial.FixedTrial({"h.n_layers": 2, "h.units_1": 4, "h.units_2": 4}),
    ...     "h")
    (4, 4)
    """

    min_layers: int = 1
    max_layers: int = 4
    min_units: int = 8
    max_units: int = 256
    log: bool = True

    def __post_init__(self) -> None:
        for field in ("min_layers", "max_layers", "min_units", "max_units"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
                raise InvalidSearchSpaceError(
                    f"LayerSizes: `{field}` must be an int >= 1, but got {value!r}."
                )
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
        return tuple(
            trial.suggest_int(
                f"{name}.units_{i}", self.min_units, self.max_units, log=self.log
            )
            for i in range(1, n_layers + 1)
        )


Dimension = BaseDistribution | LayerSizes | Fixed
_SUPPORTED = (FloatDistribution, IntDistribution, CategoricalDistribution)


def _suggest(trial: optuna.trial.BaseTrial, name: str, dim: Dimension) -> Any:
    if isinstance(dim, (Fixed, LayerSizes)):
        return dim.suggest(trial, name)
    if isinstance(dim, FloatDistribution):
        return trial.suggest_float(name, dim.low, dim.high, log=dim.log, step=dim.step)
    if isinstance(dim, IntDistribution):
        return trial.suggest_int(name, dim.low, dim.high, log=dim.log, step=dim.step)
    return trial.suggest_categorical(name, dim.choices)  # type: ignore[union-attr]


def _representative(dim: Dimension) -> Any:
    """A value ``dim`` can produce (used to check names before the search)."""
    if isinstance(dim, Fixed):
        return dim.value
    if isinstance(dim, LayerSizes):
        return (dim.min_units,) * dim.min_layers
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
        :class:`LayerSizes` or a :class:`Fixed`.

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
                    "use one of them (or LayerSizes / Fixed)."
                )
            if not isinstance(dim, (BaseDistribution, LayerSizes, Fixed)):
                hint = (
                    " Write optuna.distributions.CategoricalDistribution("
                    f"{list(dim)!r})"
                    " to choose among these values."
                    if isinstance(dim, (list, tuple))
                    else " Use an optuna.distributions object, LayerSizes(...) or "
                    "Fixed(value)."
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

    def representative_params(self) -> dict[str, Any]:
        """Return one valid set of parameters without a trial (for name checks)."""
        return {name: _representative(dim) for name, dim in self.dimensions.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.dimensions == other.dimensions

    def __hash__(self) -> int:
        return hash(tuple(self.dimensions))

    def __repr__(self) -> str:
        return f"SearchSpace({self.dimensions!r})"


def default_search_space(max_epochs: int = 200, classifier: bool = False) -> SearchSpace:
    """Return the search space used for kerasopt estimators when none is given.

    ====================== ==========================================================
    ``hidden_layer_sizes`` 1-4 layers of 8-256 units each (log scale), via
                           :class:`LayerSizes`
    ``activation``         relu, tanh, elu, selu, gelu, leaky_relu
    ``optimizer``          adam, adamw, nadam, rmsprop, momentum
    ``learning_rate``      1e-4 to 1e-1, log scale
    ``batch_size``         16, 32, 64, 128, 256
    ``epochs``             ``max(1, max_epochs // 4)`` to ``max_epochs``, log scale
    ``early_stopping``     fixed to True: ``epochs`` is an upper bound, training
                           stops when the validation loss stops improving
    ``dropout``            0.0 to 0.5
    ``l2``                 1e-7 to 1e-2, log scale
    ``numeric_embedding``  None or "periodic" (the tabular recipe's numeric
                           embeddings)
    ``weight_decay``       1e-6 to 1e-1, log scale (decoupled, AdamW-style)
    ``label_smoothing``    0.0 to 0.2 (classifiers only)
    ====================== ==========================================================

    Parameters
    ----------
    max_epochs : int, default=200
        Upper bound of ``epochs``. :class:`OptunaSearchCV` passes the
        estimator's own ``epochs``, so ``KerasClassifier(epochs=20)`` is never
        trained for more than 20 epochs during the search.
    classifier : bool, default=False
        Add the parameters of classifiers only (``label_smoothing``).

    Returns
    -------
    SearchSpace
        With names of the estimator's parameters, without Pipeline prefixes.
    """
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, Integral):
        raise InvalidSearchSpaceError(
            f"`max_epochs` must be an int >= 1, but got {max_epochs!r}."
        )
    if max_epochs < 1:
        raise InvalidSearchSpaceError(
            f"`max_epochs` must be an int >= 1, but got {max_epochs!r}."
        )
    return SearchSpace(
        {
            "hidden_layer_sizes": LayerSizes(),
            "activation": CategoricalDistribution(ACTIVATIONS),
            "optimizer": CategoricalDistribution(OPTIMIZERS),
            "learning_rate": FloatDistribution(1e-4, 1e-1, log=True),
            "batch_size": CategoricalDistribution(BATCH_SIZES),
            "epochs": IntDistribution(
                max(1, int(max_epochs) // 4), int(max_epochs), log=True
            ),
            "early_stopping": Fixed(True),
            "dropout": FloatDistribution(0.0, 0.5),
            "l2": FloatDistribution(1e-7, 1e-2, log=True),
            "numeric_embedding": CategoricalDistribution((None, "periodic")),
            "weight_decay": FloatDistribution(1e-6, 1e-1, log=True),
            **({"label_smoothing": FloatDistribution(0.0, 0.2)} if classifier else {}),
        }
    )

