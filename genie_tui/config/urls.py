"""Endpoint URLs: shown without credentials, their credentials found (never to be written), checked."""

from __future__ import annotations


def display_url(url: str) -> str:
    """The URL without user info or query string, which may carry credentials, for messages and logs."""
    from urllib.parse import urlsplit, urlunsplit

    if "://" not in url:  # no scheme: still drop what looks like user info
        return url.split("?")[0].rpartition("@")[2]
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return "<unparseable URL>"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def url_secrets(url: str | None) -> list[str]:
    """Username, password and query values of ``url``: never shown, never logged."""
    if not url:
        return []
    from urllib.parse import parse_qsl, urlsplit

    try:
        parts = urlsplit(url)
        found = [p for p in (parts.password, parts.username) if p]
        found += [v for _, v in parse_qsl(parts.query) if v]
    except ValueError:
        return []
    return found


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an endpoint, as the end of a sentence about it, or None. Checked as strictly as the
    HTTP client will (a bad port or an unclosed IPv6 bracket was a traceback from inside the first request),
    without repeating the URL's user info or query."""
    from urllib.parse import urlsplit

    invalid = "is not a valid URL"
    if any(c.isspace() or not c.isprintable() for c in url):
        return f"{invalid} (it holds spaces or control characters)"
    try:
        parts = urlsplit(url)
    except ValueError:  # urlsplit only raises for brackets that do not pair up
        return f"{invalid} (unbalanced [ ] around the host)"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an http:// or https:// URL, not {display_url(url)!r}"
    hostport = parts.netloc.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        import ipaddress

        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            return f"{invalid} (what is in [ ] is not an IPv6 address)"
        if rest and not rest.startswith(":"):
            return f"{invalid} (text after the ] that is not a :port)"
        port = rest[1:]
    else:
        host, _, port = hostport.partition(":")
        if any(c in '[]<>"{}|\\^`' for c in host):
            return f"{invalid} (the host name holds characters a host name cannot)"
    if not host:
        return f"{invalid} (it names no host)"
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        return f"{invalid} (the port must be a number from 1 to 65535)"
    if parts.query or parts.fragment:
        return ("must not carry a query string or fragment (the client appends paths to it); "
                "pass keys with GENIE_API_KEY")
    return None
