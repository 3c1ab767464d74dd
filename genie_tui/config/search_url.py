"""URLs as they may be shown: any URL without its user info (the web tools' messages), and the web search URL
(``web_search_url``) with which parts of it are secret.

Unlike the model endpoints' URLs, its query string is needed to read it (``?q={query}&format=json``), so only
its user info and the values of parameters named like credentials (``key``, ``api_key``, ``token``, ...) are
hidden; those are also scrubbed from sessions like API keys.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

_SECRET_NAME = re.compile(r"key|token|secret|passw|auth|sig|credential", re.IGNORECASE)
_USERINFO = re.compile(r"^(\s*[A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


def hide_userinfo(url: str) -> str:
    """``url`` with its user name and password (``user:pw@``, which HTTP clients send as basic auth) as ``***@``:
    what the model, the screen and the session log see of a URL is never a secret."""
    return _USERINFO.sub(r"\1***@", url)


def _secret_params(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
            if v and v != "{query}" and _SECRET_NAME.search(k)]


def search_url_secrets(url: str | None) -> list[str]:
    """The user name, password and credential-like parameter values of ``url``."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        return [p for p in (parts.password, parts.username) if p] + [v for _, v in _secret_params(parts.query)]
    except ValueError:
        return []


def shown_search_url(url: str) -> str:
    """``url`` with its user info as ``***@`` and its credential-like parameter values as ``***``."""
    shown = hide_userinfo(url)
    try:
        secrets = _secret_params(urlsplit(shown).query)
    except ValueError:
        return shown
    for _, value in secrets:
        shown = shown.replace(value, "***")
    return shown
