"""browse_url and web_search with URLs that carry credentials or lead somewhere odd, and pages with nothing to
read, against a loopback server, through the tool registry."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError

_APP = (b"<html><head><title>App</title><script>boot()</script></head><body><nav><a href='/'>Home</a></nav>"
        b"<div id='root'></div><script>render()</script><style>div{}</style><noscript>Enable JS</noscript></body></html>")

_CHALLENGE = b"<form action='/challenge'><a href='/help'>Why?</a><p>Select all squares with ducks</p></form>"

_PAGE = (b"<!DOCTYPE html>\n<html><head><title>T</title><style>p { color: red }</style><script>track()</script>"
         b"</head><body><nav>Menu</nav><p>The answer is 42.</p></body></html>")


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        pages = {
            "/ok": (200, [("Content-Type", "text/html")], b"<p>hello</p>"),
            "/missing": (404, [("Content-Type", "text/html")], b"<p>gone</p>"),
            "/to-secret": (302, [("Location", f"http://carol:swordfish@127.0.0.1:{port}/ok")], b""),
            "/search": (200, [("Content-Type", "application/json")], b'{"no": "results"}'),
            "/app": (200, [("Content-Type", "text/html")], _APP),
            "/empty": (200, [("Content-Type", "text/plain")], b" \n"),
            "/limited": (202, [("Content-Type", "text/html")], _CHALLENGE),
            "/limited-json": (202, [("Content-Type", "application/json")], b'{"results": []}'),
            "/nothing": (200, [("Content-Type", "application/json")], b'{"results": []}'),
            "/nulls": (200, [("Content-Type", "application/json")],
                       b'{"results": [{"title": null, "url": "https://example.org/a", "content": null}]}'),
            "/unlabelled": (200, [], _PAGE),
            "/octet": (200, [("Content-Type", "application/octet-stream")], b"\xef\xbb\xbf" + _PAGE),
            "/plain": (200, [("Content-Type", "text/plain")], _PAGE),
        }
        if self.path.startswith("/to?"):
            pages["/to"] = (302, [("Location", self.path.partition("?")[2])], b"")
        status, headers, body = pages.get(self.path.split("?")[0], (404, [], b""))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def ctx(loopback_ctx) -> ToolContext:
    return loopback_ctx


def run(ctx: ToolContext, name: str, **args):
    return registry.run_simple(ctx, name, registry.validate(name, args))


def test_credentials_in_a_url_are_never_echoed(ctx, loopback_site):
    """http://user:password@host/ was repeated whole in every message and in the page's heading."""
    site = loopback_site.replace("http://", "http://alice:hunter2@")
    assert run(ctx, "browse_url", url=f"{site}/ok").text == f"{loopback_site.replace('//', '//***@')}/ok\n\nhello"
    redirected = run(ctx, "browse_url", url=f"{loopback_site}/to-secret").text
    assert redirected.startswith("http://***@127.0.0.1:") and "swordfish" not in redirected
    for url in (f"{site}/missing", site.replace("http:", "ftp:"), f"{site}:0/", "http://alice:hunter2@10.0.0.1/"):
        with pytest.raises(ToolError) as caught:
            run(ctx, "browse_url", url=url)
        assert "hunter2" not in str(caught.value) and "alice" not in str(caught.value), str(caught.value)
        assert "***@" in str(caught.value) or "10.0.0.1 is an internal address" in str(caught.value)
    ctx.settings.web_search_url = f"{site}/search?q={{query}}"
    with pytest.raises(ToolError, match=r"without a 'results' list \(http://\*\*\*@127") as caught:
        run(ctx, "web_search", question="anything")
    assert "hunter2" not in str(caught.value)


def test_a_page_with_no_text_says_so(ctx, loopback_site):
    """A page built by JavaScript, or an empty one, came back as its URL and nothing else."""
    out = run(ctx, "browse_url", url=f"{loopback_site}/app").text
    assert out.startswith(f"{loopback_site}/app\n\n[the page has no text outside scripts, styles and navigation")
    assert "JavaScript" in out
    assert run(ctx, "browse_url", url=f"{loopback_site}/empty").text == f"{loopback_site}/empty\n\n[the page is empty]"


@pytest.mark.parametrize("template", ["{site}/search", "http://bob:pw1234@127.0.0.1:9/search?q=", ""])
def test_a_search_url_without_a_place_for_the_question_is_refused(ctx, loopback_site, template):
    """web_search_url without {query} sent the same request whatever the question, and the model got the same
    results back for every search."""
    ctx.settings.web_search_url = template.format(site=loopback_site)
    with pytest.raises(ToolError, match=r"^the web_search_url setting \('.*'\) has no \{query\} for the question"
                       ) as caught:
        run(ctx, "web_search", question="python httpx")
    assert "pw1234" not in str(caught.value)


def test_a_search_endpoint_that_is_limiting_requests_is_not_reported_as_no_results(ctx, loopback_site):
    """DuckDuckGo answers a rate-limited search with HTTP 202 and a challenge page: the model was told "no results
    for ..." and took it for the answer."""
    for path in ("/limited", "/limited-json"):
        ctx.settings.web_search_url = f"{loopback_site}{path}?q={{query}}"
        with pytest.raises(ToolError, match=r"^search endpoint answered HTTP 202 without results \(http://127.*\); "
                           "it may be limiting requests"):
            run(ctx, "web_search", question="python httpx")
    ctx.settings.web_search_url = f"{loopback_site}/nothing?q={{query}}"
    assert run(ctx, "web_search", question="python httpx").text == "no results for 'python httpx'"


def test_an_unlabelled_html_page_is_read_as_html(ctx, loopback_site):
    """A page with no Content-Type (or application/octet-stream) that starts as HTML came back as raw markup,
    scripts and styles included; one labelled text/plain is still shown as it is."""
    for path in ("/unlabelled", "/octet"):
        assert run(ctx, "browse_url", url=f"{loopback_site}{path}").text == f"{loopback_site}{path}\n\nThe answer is 42."
    assert run(ctx, "browse_url", url=f"{loopback_site}/plain").text == f"{loopback_site}/plain\n\n{_PAGE.decode()}"


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://alice:pw@127.0.0.1/x", "gopher://127.0.0.1/"])
def test_a_redirect_to_another_scheme_is_refused_in_words(ctx, loopback_site, target):
    """A redirect to file:///etc/passwd read "cannot fetch (UnsupportedProtocol: Request URL has an unsupported
    protocol 'file://'.)", naming neither the redirect nor where it went."""
    url = f"{loopback_site}/to?{target}"
    with pytest.raises(ToolError) as caught:
        run(ctx, "browse_url", url=url)
    shown = target.replace("alice:pw@", "***@")
    assert str(caught.value) == f"{url}: redirects to {shown}, which is not an http(s) URL; not followed"


def test_null_fields_of_a_json_search_result_are_empty(ctx, loopback_site):
    ctx.settings.web_search_url = f"{loopback_site}/nulls?q={{query}}"
    out = run(ctx, "web_search", question="anything").text
    assert out == "1. \n   https://example.org/a\n\nUse browse_url to read a result.", out


def test_a_repository_s_config_cannot_open_the_internal_network_to_fetches(make_repo, loopback_site):
    # web_allow_hosts = "*" in a cloned repository's .genie/config.toml let browse_url reach any internal address,
    # and a web_search_url it chose was fetched even when internal (the user's own choice may be)
    from genie_tui.config.settings import ConfigError, load_settings, user_config_file

    repo = make_repo({"a.py": "", ".genie/config.toml": 'web_allow_hosts = "*"\n'})
    with pytest.raises(ConfigError, match=r"config\.toml:1: web_allow_hosts does not belong in a repository"):
        load_settings(repo, {})
    search = f'web_search_url = "{loopback_site}/nothing?q={{query}}"\n'
    (repo / ".genie/config.toml").write_text(search)
    with pytest.raises(ToolError, match=r"127\.0\.0\.1:\d+ is an internal address"):
        run(ToolContext(repo, load_settings(repo, {})), "web_search", question="anything")
    (repo / ".genie/config.toml").unlink()
    user_config_file().parent.mkdir(parents=True, exist_ok=True)
    user_config_file().write_text(search)
    assert "no results" in run(ToolContext(repo, load_settings(repo, {})), "web_search", question="anything").text.lower()
