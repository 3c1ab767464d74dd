"""Keeps browse_url and web_search off internal addresses: loopback, private, link-local (cloud metadata
services) and the rest, unless the user allowed the host (``web_allow_hosts``).

A direct connection is pinned: the host is resolved once, every address it has is checked, and the socket is
opened to one of those very addresses, so a DNS server that answers differently the second time (DNS
rebinding) gets no second question. The name still goes in the Host header, the TLS SNI and the certificate
check: httpcore takes those from the URL, and only the connection is pinned, in the network backend.

Behind a proxy (``HTTP(S)_PROXY``/``ALL_PROXY``, the host not in ``NO_PROXY``) the proxy resolves the name and
connects, so nothing can be pinned: the name's addresses as resolved here are checked before the request is
sent, and a name that does not resolve here is left to the proxy.

Imported only when genie fetches something (httpx is slow to import).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import httpcore
import httpx
from httpx._utils import get_environment_proxies


class Blocked(Exception):
    """A request to an address the model may not reach; the message is the one-line refusal."""


class _Internal(Exception):
    """The host is, or resolves to, the internal address ``args[0]``."""


def is_internal(address: str) -> bool:
    """Loopback, private, link-local (cloud metadata services), shared, reserved or multicast: anything that is
    not a public internet address. A name (not an address) is not internal: resolve it first."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64 or ip.is_site_local:  # both global to Python 3.11, neither is
            return True
        carried = _carried_ipv4(ip)
        if carried is not None:
            ip = carried
    return not ip.is_global or ip.is_multicast


#: RFC 6052's NAT64 prefix (the gateway connects to the IPv4 address in the last 32 bits) and RFC 8215's
#: local-use one; IPv4-compatible (``::a.b.c.d``) and IPv4-translated (``::ffff:0:a.b.c.d``) forms
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
_COMPATIBLE = ipaddress.ip_network("::/96")
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, which the network delivers to (a NAT64 gateway, a 6to4
    relay), or None. ``::`` and ``::1`` are themselves, not 0.0.0.0 and 0.0.0.1."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _TRANSLATED or (ip in _COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


class Guard:
    """Which hosts the model's fetches may reach, and their checked addresses.

    Args:
        allowed: lower-case ``host`` or ``host:port`` entries (``[::1]:8000`` for IPv6) the user allows even when
            internal; ``*`` allows all.
    """

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed | {_ascii(entry) for entry in allowed}

    def allows(self, host: str, port: int) -> bool:
        host = host.lower()
        return bool({"*", host, f"{host}:{port}", f"[{host}]:{port}"} & self.allowed)

    def addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses, resolved once (an address is its own), in the resolver's order.

        A name with any internal address is refused whole rather than pinned to its public ones: a public site
        has no reason to publish an intranet address beside its own, that mix is what a rebinding attack looks
        like, and the outcome must not depend on which address happens to answer.

        Raises:
            _Internal: one of the addresses is internal.
            OSError: the name does not resolve.
        """
        if is_internal(host):
            raise _Internal(host)
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        found = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in found:
            if is_internal(address):
                raise _Internal(address)
        return found


def _ascii(entry: str) -> str:
    """An allowed ``host`` or ``host:port`` with an internationalized name as the connection names it, in ASCII
    (``bücher.example`` is ``xn--bcher-kva.example``); any other entry as it is."""
    if entry.isascii():
        return entry
    host, colon, port = entry.rpartition(":")
    if not colon:
        host, port = entry, ""
    elif not (port.isascii() and port.isdigit()):  # "٣" is no port (a URL's ":٣" is refused): this entry
        return entry  # matches nothing, rather than its host on every port
    try:
        return httpx.URL(f"http://{host}/").raw_host.decode("ascii") + colon + port
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return entry


def _where(url: httpx.URL) -> str:
    host = f"[{url.host}]" if ":" in url.host else url.host
    host = host if len(host) <= 200 else host[:200] + "…"
    return host if url.port is None else f"{host}:{url.port}"


def _check_port(url: httpx.URL) -> None:
    """A port out of range (a redirect to ``:99999``) is an invalid URL, not an internal address."""
    if not 0 < _port(url) < 65536:
        raise Blocked(f"{url.scheme}://{_where(url)}: invalid port (a port is 1 to 65535)")


def _refusal(url: httpx.URL, address: str) -> Blocked:
    where = _where(url)
    return Blocked(f"{url.scheme}://{where} is an internal address ({address}); genie does not fetch those for the "
                   f"model unless the host is in the web_allow_hosts setting")


class _PinnedBackend(httpcore.SyncBackend):
    """Opens each connection to an address the guard checked, trying them in turn as ``socket.create_connection``
    would; an allowed host is connected to as usual."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        if self.guard.allows(host, port):
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = self.guard.addresses(host, port)
        except OSError as exc:  # as httpcore reports a name that does not resolve
            raise httpcore.ConnectError(str(exc)) from exc
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport over a connection pool with the pinning backend."""

    def __init__(self, guard: Guard) -> None:
        super().__init__()
        # httpx takes no network backend, so its pool is replaced; checked, so that a renamed attribute fails
        # here instead of leaving connections unpinned.
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise TypeError("httpx.HTTPTransport has no _pool to pin; this httpx version is not supported")
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                             network_backend=_PinnedBackend(guard))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _check_port(request.url)
        try:
            return super().handle_request(request)
        except _Internal as exc:
            raise _refusal(request.url, str(exc.args[0])) from None


class _ProxiedTransport(httpx.BaseTransport):
    """A proxy's transport, which checks the name as it resolves here before the proxy gets the request."""

    def __init__(self, proxy: str, guard: Guard) -> None:
        self.inner = httpx.HTTPTransport(proxy=proxy)
        self.guard = guard

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        _check_port(url)
        if not self.guard.allows(url.host, _port(url)):
            try:
                self.guard.addresses(url.host, _port(url))
            except _Internal as exc:
                raise _refusal(url, str(exc.args[0])) from None
            except OSError:
                pass  # the proxy may know the name; nothing here can tell where it points
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def client(guard: Guard, **options: Any) -> httpx.Client:
    """An ``httpx.Client`` whose every connection the guard allowed: direct ones pinned, proxied ones checked
    before they are sent. Proxies come from the environment, as httpx would choose them (an explicit transport
    turns httpx's own choice off, so the same mounts are made here)."""
    # get_environment_proxies is private, but it is how httpx reads HTTP(S)_PROXY, ALL_PROXY and NO_PROXY; a
    # copy of its NO_PROXY rules here would drift from them.
    mounts: dict[str, httpx.BaseTransport | None] = {
        pattern: None if proxy is None else _ProxiedTransport(proxy, guard)
        for pattern, proxy in get_environment_proxies().items()}
    return httpx.Client(transport=_PinnedTransport(guard), mounts=mounts, **options)
