"""Passwords out of storage URLs and of the messages that quote them.

SQLAlchemy parses and renders the URL (``hide_password=True``); the only
additions are a ``?password=`` query parameter, which SQLAlchemy shows, and a
URL SQLAlchemy cannot parse right (a raw ``@`` in the password), whose text
between ``user:`` and the last ``@`` is hidden all the same.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote, unquote

__all__ = ["mask_password", "scrub"]

_MASK = "***"
_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|passwd|pwd)=)([^&#]*)")
_USERINFO = re.compile(r"^(?P<head>[^:/]+://[^:/@]*:)(?P<password>.*)(?P<tail>@[^@]*)$")


def _parsed(text: str) -> Any:
    """SQLAlchemy's URL, or None where it cannot (or would wrongly) parse it.

    A raw ``@`` in the password splits it at the first ``@`` (or fails).
    """
    from sqlalchemy.engine import make_url

    if text.split("://", 1)[1].count("@") > 1:
        return None
    try:
        return make_url(text)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy can parse
        return None


def _password(text: str) -> str | None:
    url = _parsed(text)
    if url is not None:
        return url.password  # type: ignore[no-any-return]
    match = _USERINFO.match(text)
    return match.group("password") if match else None


def mask_password(url: str | os.PathLike[str]) -> str:
    """Return ``url`` with its password replaced by ``***``.

    Parameters
    ----------
    url : str or path-like
        A storage URL (or a file path, returned unchanged).

    Returns
    -------
    str
        The URL, safe to print or log.

    Examples
    --------
    >>> mask_password("postgresql://ana:s3cr3t@db.example.org:5432/optuna")
    'postgresql://ana:***@db.example.org:5432/optuna'
    >>> mask_password("sqlite:///studies.db")
    'sqlite:///studies.db'
    """
    text = os.fspath(url)
    if "://" not in text:
        return text
    url = _parsed(text)
    if url is not None:
        text = url.render_as_string(hide_password=True)
    else:  # hide user:<this>@host
        text = _USERINFO.sub(rf"\g<head>{_MASK}\g<tail>", text)
    return _QUERY_SECRET.sub(rf"\g<1>{_MASK}", text)


def scrub(message: str, url: str | os.PathLike[str]) -> str:
    """Remove the password of ``url`` from ``message`` (e.g. a driver's error).

    The URL itself becomes its masked form; the password anywhere else in
    ``message`` (as typed, or percent-decoded) becomes ``***``.
    """
    text = os.fspath(url)
    if "://" not in text:
        return message
    message = message.replace(text, mask_password(text))
    secrets = {_password(text) or ""}
    secrets.update(m.group(2) for m in _QUERY_SECRET.finditer(text))
    for secret in secrets - {""}:
        for form in {secret, unquote(secret), quote(secret, safe="")}:
            message = message.replace(form, _MASK)
    return message
