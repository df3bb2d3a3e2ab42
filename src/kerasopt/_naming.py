"""Did-you-mean hints for misspelled names (samplers, pruners, fields, params)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean"]


def did_you_mean(value: str, options: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest option, or ``""``.

    Parameters
    ----------
    value : str
        The name that was not recognised.
    options : iterable of str
        The valid names.

    Returns
    -------
    str
        A sentence starting with a space, ready to append to an error message.
    """
    matches = difflib.get_close_matches(str(value), list(options), n=1, cutoff=0.6)
    return f" Did you mean {matches[0]!r}?" if matches else ""
