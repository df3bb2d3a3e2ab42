"""Routed parameters: ``model__*``, ``fit__*``, ``loss__*`` ... and what they build.

An estimator parameter named ``<prefix>__<name>`` goes to ``<name>`` of the
destination ``<prefix>``: the model-building function (``model``),
``keras.Model.compile`` / ``fit`` / ``predict``, or the constructor of the
optimizer, loss, metrics or callbacks given as classes. Nested collections are
addressed by index or key, as in scikeras: ``metrics__0__name="acc"``,
``callbacks__stop__patience=3``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

__all__ = [
    "ROUTING_PREFIXES",
    "accepts",
    "instantiate",
    "names",
    "routed",
]

ROUTING_PREFIXES: tuple[str, ...] = (
    "model", "fit", "predict", "compile", "optimizer", "loss", "metrics", "callbacks",
)  # fmt: skip


def routed(params: dict[str, Any], prefix: str, *, strict: bool = False) -> dict[str, Any]:
    """Return the ``prefix__*`` entries of ``params`` without the prefix.

    ``strict`` leaves out entries routed further (``prefix__a__b``).
    """
    start = prefix + "__"
    found = {k[len(start) :]: v for k, v in params.items() if k.startswith(start)}
    if strict:
        found = {k: v for k, v in found.items() if "__" not in k}
    return found


def names(fn: Callable[..., Any]) -> tuple[set[str], bool]:
    """Return the keyword names ``fn`` accepts, and whether it takes ``**kwargs``."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return set(), False
    named = {
        p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    return named, any(p.kind is p.VAR_KEYWORD for p in parameters)


def accepts(fn: Callable[..., Any], name: str) -> bool:
    """Whether ``fn`` takes a keyword argument ``name`` (by name or ``**kwargs``)."""
    named, var_keyword = names(fn)
    return name in named or var_keyword


def instantiate(item: Any, params: dict[str, Any], where: str) -> Any:
    """Build ``item`` with its routed ``params``, recursively.

    A class is called with the parameters addressed to it (integer keys are
    positional arguments); a list, tuple or dict passes ``i__*`` / ``key__*``
    parameters to its members, and its unrouted ones to every member that is
    a class. Anything else is returned as is, and must get no parameters.

    Parameters
    ----------
    item : class, instance, list, tuple or dict
        The ``loss`` / ``metrics`` / ``optimizer`` / ``callbacks`` value.
    params : dict
        Its routed parameters, prefix removed (``{"from_logits": True}``).
    where : str
        The parameter name, for error messages.
    """
    own = {k: v for k, v in params.items() if "__" not in k}
    if inspect.isclass(item):
        args = {
            k: instantiate(v, routed(params, k), f"{where}__{k}") for k, v in own.items()
        }
        positional = sorted((int(k), v) for k, v in args.items() if k.isdigit())
        keywords = {k: v for k, v in args.items() if not k.isdigit()}
        return item(*(v for _, v in positional), **keywords)
    if isinstance(item, (list, tuple, dict)):
        keys = item.keys() if isinstance(item, dict) else range(len(item))
        built = {
            key: instantiate(
                item[key],  # type: ignore[index]
                {**(own if inspect.isclass(item[key]) else {}), **routed(params, str(key))},  # type: ignore[index]
                f"{where}__{key}",
            )
            for key in keys
        }
        return built if isinstance(item, dict) else type(item)(built.values())
    if own:
        raise TypeError(
            f"{where}={item!r} is not a class, so it takes no parameters, but it "
            f"received {sorted(own)} through {where}__*. Pass the class itself "
            f"(e.g. {where}=keras.losses.BinaryCrossentropy) to have it built "
            "with them, or drop them."
        )
    return item
