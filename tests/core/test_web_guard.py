"""browse_url's guard against internal addresses, with this machine's DNS and network simulated: names resolve
to what each test says, and a connection to a "public" address goes to a loopback server standing in for it.
Nothing leaves loopback; a connection to any other address is refused (and recorded)."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError

PUBLIC = "93.184.216.34"  # a public address; connections to it reach the test's stand-in server, never the internet
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


class _Recorder(BaseHTTPRequestHandler):
    """Serves a page naming the server, or /redirect?to=URL; records every request line's target and Host."""

    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Host")))
        target = parse_qs(urlparse(self.path).query).get("to")
        if target:
            self.send_response(302)
            self.send_header("Location", target[0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = f"<html><body><p>served by {self.server.name}</p></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    def __init__(self, name: str) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.name = name
        self.seen: list[tuple[str, str | None]] = []
        self.port = self.server_address[1]


@pytest.fixture
def servers() -> Iterator[object]:
    started: list[_Server] = []

    def start(name: str, tls: ssl.SSLContext | None = None) -> _Server:
        server = _Server(name)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@dataclass
class Net:
    dns: dict[str, list[list[str]]] = field(default_factory=dict)
    """name -> one answer per lookup; the last one repeats (a rebinding DNS server changes its answer)"""
    stand_ins: dict[str, int] = field(default_factory=dict)
    """public address -> port of the loopback server standing in for it"""
    lookups: list[str] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)


@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch) -> Net:
    fake = Net(dns={"localhost": [["127.0.0.1"]]})
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return real_getaddrinfo(host, port, *args, **kwargs)  # a literal: no lookup
        fake.lookups.append(host)
        answers = fake.dns.get(host)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in answer]

    def create_connection(address: tuple, timeout: object = None, *args: object, **kwargs: object) -> socket.socket:
        error: OSError = OSError("no address")
        for info in getaddrinfo(address[0], address[1], 0, socket.SOCK_STREAM):
            ip = info[4][0]
            fake.connects.append(ip)
            if ipaddress.ip_address(ip).is_loopback:
                return real_connect((ip, address[1]), timeout, *args, **kwargs)
            if ip in fake.stand_ins:
                return real_connect(("127.0.0.1", fake.stand_ins[ip]), timeout, *args, **kwargs)
            error = ConnectionRefusedError(f"test network: {ip} is unreachable")
        raise error

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)
    return fake


@pytest.fixture
def ctx(make_repo) -> ToolContext:
    repo = make_repo({"a.py": ""})
    return ToolContext(repo, load_settings(repo, {}))


def browse(ctx: ToolContext, url: str) -> str:
    return registry.run_simple(ctx, "browse_url", registry.validate("browse_url", {"url": url})).text


@pytest.mark.parametrize("no_proxy", [None, "example.org,.internal"])
def test_a_rebinding_name_never_reaches_the_internal_address(ctx, net, servers, monkeypatch, no_proxy):
    """DNS rebinding: the name resolves to a public address first and to 127.0.0.1 afterwards. genie resolves
    it once and connects to the address it checked, so the internal server never sees the request, and the
    public one sees it with the name in its Host header. NO_PROXY alone proxies nothing: the connection is
    direct, so pinned."""
    if no_proxy:
        monkeypatch.setenv("NO_PROXY", no_proxy)
    internal, public = servers("internal"), servers("public")
    net.dns["rebind.test"] = [[PUBLIC], ["127.0.0.1"]]
    net.stand_ins[PUBLIC] = public.port
    assert "served by public" in browse(ctx, f"http://rebind.test:{internal.port}/docs")
    assert internal.seen == []
    assert public.seen == [("/docs", f"rebind.test:{internal.port}")]
    assert net.lookups == ["rebind.test"] and net.connects == [PUBLIC]


def test_each_redirect_is_resolved_once_and_pinned(ctx, net, servers):
    internal, public = servers("internal"), servers("public")
    net.stand_ins[PUBLIC] = public.port
    net.dns["first.test"] = [[PUBLIC]]
    net.dns["second.test"] = [[PUBLIC], ["127.0.0.1"]]
    net.dns["inside.test"] = [["10.0.0.7"]]
    hop = f"http://second.test:{internal.port}/docs"
    assert "served by public" in browse(ctx, f"http://first.test:{internal.port}/r?to={hop}")
    assert internal.seen == [] and [host for _, host in public.seen] == [f"first.test:{internal.port}",
                                                                         f"second.test:{internal.port}"]
    assert net.lookups == ["first.test", "second.test"] and net.connects == [PUBLIC, PUBLIC]
    net.connects.clear()
    with pytest.raises(ToolError, match=r"^http://inside.test:8080 is an internal address \(10\.0\.0\.7\); .*"
                                        r"web_allow_hosts setting$"):
        browse(ctx, f"http://first.test:{internal.port}/r?to=http://inside.test:8080/")
    assert net.connects == [PUBLIC]  # the first hop only: the refused one was never connected to


@pytest.mark.parametrize("answer", [[PUBLIC, "127.0.0.1"], ["::1", PUBLIC], [PUBLIC, "::ffff:169.254.169.254"]])
def test_a_name_with_any_internal_address_is_refused_before_connecting(ctx, net, servers, answer):
    public = servers("public")
    net.stand_ins[PUBLIC] = public.port
    net.dns["mixed.test"] = [answer]
    with pytest.raises(ToolError, match=r"mixed.test is an internal address \((127\.0\.0\.1|::1|::ffff:169.254.169.254)\)"):
        browse(ctx, "http://mixed.test/")
    assert net.connects == [] and public.seen == []


def test_the_checked_addresses_are_tried_in_turn(ctx, net, servers):
    public = servers("public")
    net.stand_ins[PUBLIC] = public.port
    net.dns["two.test"] = [["93.184.216.1", PUBLIC]]  # the first is unreachable
    assert "served by public" in browse(ctx, "http://two.test/")
    assert net.connects == ["93.184.216.1", PUBLIC] and net.lookups == ["two.test"]
    net.dns["gone.test"] = [["93.184.216.1"]]
    with pytest.raises(ToolError, match=r"^http://gone.test/: cannot fetch \(ConnectError: .*unreachable\)$"):
        browse(ctx, "http://gone.test/")
    with pytest.raises(ToolError, match=r"^http://nowhere.test/: cannot fetch \(ConnectError: .*not known\)$"):
        browse(ctx, "http://nowhere.test/")


def test_an_ipv6_literal_is_connected_to_as_given(ctx, net, servers):
    public = servers("public")
    net.stand_ins["2606:4700::1111"] = public.port
    assert "served by public" in browse(ctx, "http://[2606:4700::1111]/page")
    assert public.seen == [("/page", "[2606:4700::1111]")] and net.lookups == [] and net.connects == ["2606:4700::1111"]
    with pytest.raises(ToolError, match=r"\[fd00::1\]:8000 is an internal address \(fd00::1\)"):
        browse(ctx, "http://[fd00::1]:8000/")


def test_allowed_hosts_may_resolve_to_internal_addresses(ctx, net, servers):
    internal = servers("internal")
    net.dns["docs.intranet"] = [["127.0.0.1"]]
    ctx.settings.web_allow_hosts = f"docs.intranet:{internal.port}"
    assert "served by internal" in browse(ctx, f"http://docs.intranet:{internal.port}/")
    ctx.settings.web_allow_hosts = f"[::1]:{internal.port}, docs.intranet:1"
    with pytest.raises(ToolError, match="internal address"):
        browse(ctx, f"http://docs.intranet:{internal.port}/")


def test_behind_a_proxy_the_name_is_checked_before_the_proxy_sees_it(ctx, net, servers, monkeypatch):
    """The proxy resolves the name and connects, so genie cannot pin: it refuses a name that resolves to an
    internal address here, and leaves one it cannot resolve to the proxy. NO_PROXY hosts are fetched directly,
    pinned."""
    proxy, public = servers("proxy"), servers("public")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("NO_PROXY", "direct.test")
    net.dns["outside.test"] = [[PUBLIC]]
    net.dns["inside.test"] = [["10.0.0.7"]]
    net.dns["direct.test"] = [[PUBLIC], ["127.0.0.1"]]
    net.stand_ins[PUBLIC] = public.port
    assert "served by proxy" in browse(ctx, "http://outside.test/a")
    assert "served by proxy" in browse(ctx, "http://unknown.test/b")
    with pytest.raises(ToolError, match=r"http://inside.test is an internal address \(10\.0\.0\.7\)"):
        browse(ctx, "http://inside.test/c")
    assert proxy.seen == [("http://outside.test/a", "outside.test"), ("http://unknown.test/b", "unknown.test")]
    assert "served by public" in browse(ctx, f"http://direct.test:{proxy.port}/d")
    assert public.seen == [("/d", f"direct.test:{proxy.port}")] and len(proxy.seen) == 2


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate for secure.test (key and certificate in one file)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    pem = tmp_path / "secure.test.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=secure.test", "-addext", "subjectAltName=DNS:secure.test",
                    "-keyout", str(pem), "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    pem.write_text(pem.read_text() + (tmp_path / "cert.pem").read_text())
    return pem


def test_https_keeps_the_name_for_sni_and_certificate_checks(ctx, net, servers, certificate, monkeypatch):
    """The connection goes to the pinned address, but TLS is still about the name: the server gets it as SNI,
    and a certificate for another name is refused."""
    names: list[str | None] = []
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate)
    tls.sni_callback = lambda sock, name, context: names.append(name)
    public = servers("public", tls)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    net.stand_ins[PUBLIC] = public.port
    net.dns["secure.test"] = [[PUBLIC], ["127.0.0.1"]]
    net.dns["other.test"] = [[PUBLIC]]
    assert "served by public" in browse(ctx, "https://secure.test/")
    assert names == ["secure.test"] and public.seen == [("/", "secure.test")] and net.connects == [PUBLIC]
    with pytest.raises(ToolError, match="other.test/: cannot fetch .*certificate verify failed"):
        browse(ctx, "https://other.test/")
    assert len(public.seen) == 1


def test_a_socks_proxy_without_socksio_is_a_one_line_error(ctx, net, monkeypatch):
    """httpx needs the optional socksio package for a socks5:// proxy; without it the fetch is refused with
    the reason (it ended the download thread with no result before, an IndexError)."""
    pytest.importorskip("httpx")
    try:
        import socksio  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("socksio is installed here")
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")
    net.dns["outside.test"] = [[PUBLIC]]
    with pytest.raises(ToolError, match=r"^http://outside.test/a: cannot fetch \(.*socksio") as err:
        browse(ctx, "http://outside.test/a")
    assert "\n" not in str(err.value)



@pytest.mark.parametrize("address", [
    "64:ff9b::a9fe:a9fe",  # NAT64 (DNS64 networks): the gateway connects to 169.254.169.254
    "64:ff9b:1::a00:5",  # local-use NAT64 prefix: 10.0.0.5
    "2002:a00:5::1",  # 6to4: 10.0.0.5
    "::7f00:1",  # IPv4-compatible: 127.0.0.1
    "::ffff:0:7f00:1",  # IPv4-translated: 127.0.0.1
    "fec0::1",  # site-local
])
def test_an_ipv6_form_of_an_internal_ipv4_address_is_refused(ctx, net, servers, address):
    """IPv6 addresses that carry an IPv4 one reach it through the network (a NAT64 gateway on an IPv6-only
    network connects to 64:ff9b::a9fe:a9fe as 169.254.169.254, the cloud metadata service), yet Python 3.11
    calls them global. The test network delivers them to the internal server, as such a gateway would."""
    internal = servers("internal")
    net.stand_ins[address] = internal.port
    net.dns["dns64.test"] = [[address]]
    for url in (f"http://[{address}]/", "http://dns64.test/"):
        with pytest.raises(ToolError, match=r"is an internal address"):
            browse(ctx, url)
    assert internal.seen == [] and net.connects == []


def test_a_nat64_form_of_a_public_address_is_fetched(ctx, net, servers):
    public = servers("public")
    net.stand_ins["64:ff9b::5db8:d822"] = public.port  # 93.184.216.34
    assert "served by public" in browse(ctx, "http://[64:ff9b::5db8:d822]/")


def test_an_allowed_host_may_be_written_in_unicode(ctx, net, servers):
    """httpx connects to an IDN host by its ASCII (punycode) name, so `web_allow_hosts = bücher.intranet` never
    matched and the host stayed refused as internal."""
    internal = servers("internal")
    net.dns["xn--bcher-kva.intranet"] = [["127.0.0.1"]]
    for allowed in (f"bücher.intranet:{internal.port}", f"BÜCHER.intranet:{internal.port}",
                    f"xn--bcher-kva.intranet:{internal.port}", "bücher.intranet"):
        ctx.settings.web_allow_hosts = allowed
        assert "served by internal" in browse(ctx, f"http://bücher.intranet:{internal.port}/"), allowed
    ctx.settings.web_allow_hosts = "bücher.intranet:1"
    with pytest.raises(ToolError, match="internal address"):
        browse(ctx, f"http://bücher.intranet:{internal.port}/")
