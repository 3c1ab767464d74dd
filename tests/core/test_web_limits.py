"""browse_url and web_search against pages built to hurt: compression bombs (a 2 KB gzip of a gzip of hundreds of
MB, one hidden in a redirect's body), stacked or unknown encodings, HTML that sends the parser's memory to the
hundreds of MB, search results megabytes long, charsets that are not text encodings, and URLs no message should
echo whole. All through the tools' public functions, against a loopback server.

The fetches that could eat memory run in a child process under ``ulimit -v`` that reports its peak memory, so a
regression fails the test instead of eating the machine's memory."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import zlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError

ROOT = Path(__file__).resolve().parents[2]
MEMORY_KB = 2_000_000


def _gzip_of_zeros(size: int) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"A" * 1_000_000
    return b"".join(squeeze.compress(block) for _ in range(size // len(block))) + squeeze.flush()


_BOMB = _gzip_of_zeros(300_000_000)  # 300 MB of text in about 300 KB
_MEMBERS = gzip.compress(b"<p>one member</p>") + gzip.compress(b"") + gzip.compress(b"<p>and another</p>")
_INNER_ONE = gzip.compress(b"<p>inner one</p>")
_INNER = _INNER_ONE + gzip.compress(b"<p>inner two</p>")
_CUT = len(_INNER_ONE) + 1  # an outer member ends between the magic bytes of the second inner one
_PAGES: dict[str, tuple[int, list[tuple[str, str]], bytes]] = {
    "/gzip": (200, [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")], _BOMB),
    "/gzip-gzip": (200, [("Content-Type", "text/plain"), ("Content-Encoding", "gzip, gzip")], gzip.compress(_BOMB)),
    "/redirect-bomb": (302, [("Location", "/small"), ("Content-Type", "text/plain"), ("Content-Encoding", "gzip")],
                       _BOMB),
    "/small": (200, [("Content-Type", "text/plain")], b"the small page"),
    "/deflate": (200, [("Content-Type", "text/html"), ("Content-Encoding", "deflate")],
                 zlib.compress(b"<p>zlib-wrapped deflate</p>")),
    "/raw-deflate": (200, [("Content-Type", "text/html"), ("Content-Encoding", "deflate")],
                     zlib.compress(b"<p>raw deflate</p>")[2:-4]),
    "/members-bomb": (200, [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")],
                      gzip.compress(b"AAAA") + _BOMB),
    "/gzip-members": (200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], _MEMBERS + b"\0" * 8),
    "/trickle/gzip-members": (200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], _MEMBERS),
    "/gzip-gzip-members": (200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip, gzip")],
                           gzip.compress(_INNER[:_CUT]) + gzip.compress(_INNER[_CUT:])),
    "/gzip-small": (200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                    gzip.compress(b"<p>one gzip</p>")),
    "/thrice": (200, [("Content-Type", "text/plain"), ("Content-Encoding", "gzip, gzip, gzip")],
                gzip.compress(gzip.compress(gzip.compress(b"three times")))),
    "/brotli": (200, [("Content-Type", "text/plain"), ("Content-Encoding", "br")], b"\x0b\x02\x80hi\x03"),
    "/broken-gzip": (200, [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")], b"\x1f\x8bnot gzip at all"),
    "/lt": (200, [("Content-Type", "text/html")], b"<p>first</p>" + b"<a " * 1_500_000),
    "/big-tag": (200, [("Content-Type", "text/html")],
                 b"<p>before</p><svg><path d='" + b"M1 2 " * 60_000 + b"'/></svg><p>after</p>"),
    "/idna": (200, [("Content-Type", "text/html; charset=idna")], b"<p>hello \xff</p>"),
    "/undefined": (200, [("Content-Type", "text/html; charset=undefined")], b"<p>hello there</p>"),
    "/hex": (200, [("Content-Type", "text/plain; charset=hex")], b"plain words"),
    "/to-bad-port": (302, [("Location", "http://127.0.0.1:99999/")], b""),
    "/search-json": (200, [("Content-Type", "application/json")], json.dumps({"results": [
        {"title": "T" * 500_000, "url": "http://example.org/" + "u" * 100_000, "content": "c\n" * 1000}
        for _ in range(8)]}).encode()),
    "/search-html": (200, [("Content-Type", "text/html")], "".join(
        f'<a href="/l/?uddg=http%3A%2F%2Fex{i}.org%2F">{"W" * 200_000} r{i}</a>' for i in range(20)).encode()),
    "/search-deep": (200, [("Content-Type", "application/json")], b"[" * 200_000),
}


class _Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except OSError:  # the client closed a kept-alive connection
            pass

    def do_GET(self):
        status, headers, body = _PAGES.get(self.path.split("?")[0], (404, [], b""))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if self.path.startswith("/trickle/"):  # a byte at a time: a gzip member's magic bytes arrive apart
                for at in range(len(body)):
                    self.wfile.write(body[at:at + 1])
                    self.wfile.flush()
                    time.sleep(0.002)
            else:
                self.wfile.write(body)
        except OSError:  # the client had enough
            pass


@pytest.fixture(scope="module")
def site(loopback_site):
    return loopback_site


@pytest.fixture
def ctx(loopback_ctx) -> ToolContext:
    return loopback_ctx


def run(ctx: ToolContext, name: str, **args):
    return registry.run_simple(ctx, name, registry.validate(name, args))


_CHILD = """
import json, resource, sys, types
from pathlib import Path
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError
settings = types.SimpleNamespace(web_allow_hosts="127.0.0.1", web_search_url=sys.argv[2])
ctx = ToolContext(Path("."), settings)
name, args = sys.argv[1], json.loads(sys.argv[3])
try:
    text = registry.run_simple(ctx, name, registry.validate(name, args)).text
except ToolError as exc:
    text = "ToolError: " + str(exc)
try:  # this process's own peak: ru_maxrss carries over the peak of the process that forked it (pytest)
    peak_kb = int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1])
except OSError:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"text": text, "peak_mb": peak_kb // 1024}))
"""


def in_child(name: str, search_url: str = "", **args) -> tuple[str, int]:
    """The tool's output (or its ToolError) and the peak memory in MB of a child process, under ``ulimit -v``,
    that ran it."""
    script = f'ulimit -v {MEMORY_KB}; exec "$@"'
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(["sh", "-c", script, "sh", sys.executable, "-c", _CHILD, name, search_url, json.dumps(args)],
                          capture_output=True, text=True, timeout=120, check=False, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    return result["text"], result["peak_mb"]


@pytest.mark.parametrize("path", ["/gzip", "/gzip-gzip", "/members-bomb"])
def test_a_compression_bomb_is_inflated_only_to_the_cap(site, path):
    """300 MB of text in 300 KB of gzip (the stacked one in 1 KB): before, httpx inflated each block whole,
    158 MB for the one and 2 GB for a gzip of a gzip."""
    text, peak = in_child("browse_url", url=f"{site}{path}")
    assert text.startswith(f"{site}{path}\n\nAAAA") and "the page was cut at 5 MB" in text, text[-300:]
    assert len(text) < 21_000
    assert peak < 100, f"{peak} MB"


def test_a_compression_bomb_in_a_redirects_body_is_not_read(site):
    text, peak = in_child("browse_url", url=f"{site}/redirect-bomb")
    assert text == f"{site}/small\n\nthe small page"
    assert peak < 100, f"{peak} MB"


def test_a_tag_that_never_ends_does_not_send_the_html_parser_to_hundreds_of_mb(site):
    """4.5 MB of ``<a `` held 800 MB in the parser's regular expression."""
    text, peak = in_child("browse_url", url=f"{site}/lt")
    assert text.startswith(f"{site}/lt\n\nfirst")
    assert peak < 150, f"{peak} MB"


def test_gzip_and_both_kinds_of_deflate_are_read(ctx, site):
    assert run(ctx, "browse_url", url=f"{site}/gzip-small").text.endswith("\n\none gzip")
    assert run(ctx, "browse_url", url=f"{site}/deflate").text.endswith("\n\nzlib-wrapped deflate")
    assert run(ctx, "browse_url", url=f"{site}/raw-deflate").text.endswith("\n\nraw deflate")


@pytest.mark.parametrize("path", ["/gzip-members", "/trickle/gzip-members"])
def test_a_gzip_body_of_several_members_is_read_to_its_last_member(ctx, site, path):
    assert run(ctx, "browse_url", url=f"{site}{path}").text.endswith("\n\none member\n\nand another")


def test_a_gzip_of_a_gzip_in_several_members_each_is_read_whole(ctx, site):
    assert run(ctx, "browse_url", url=f"{site}/gzip-gzip-members").text.endswith("\n\ninner one\n\ninner two")


def test_stacked_unknown_and_broken_encodings_are_refused_in_one_line(ctx, site):
    with pytest.raises(ToolError, match=r"compressed 3 times over \(Content-Encoding: gzip, gzip, gzip\); "
                                        r"genie undoes at most 2"):
        run(ctx, "browse_url", url=f"{site}/thrice")
    with pytest.raises(ToolError, match="content encoding 'br' is not supported"):
        run(ctx, "browse_url", url=f"{site}/brotli")
    with pytest.raises(ToolError, match="compressed data is broken") as broken:
        run(ctx, "browse_url", url=f"{site}/broken-gzip")
    assert "\n" not in str(broken.value)


def test_a_huge_tag_is_skipped_and_the_page_goes_on(ctx, site):
    text = run(ctx, "browse_url", url=f"{site}/big-tag").text
    assert text == f"{site}/big-tag\n\nbefore\n\nafter"


def test_a_charset_that_is_no_text_encoding_falls_back_to_utf8(ctx, site):
    assert run(ctx, "browse_url", url=f"{site}/idna").text == f"{site}/idna\n\nhello \ufffd"
    assert run(ctx, "browse_url", url=f"{site}/undefined").text == f"{site}/undefined\n\nhello there"
    assert run(ctx, "browse_url", url=f"{site}/hex").text == f"{site}/hex\n\nplain words"


def test_bad_urls_get_one_short_line(ctx, site):
    with pytest.raises(ToolError) as caught:
        run(ctx, "browse_url", url=f"{site}/a\nb\nc")
    assert "\n" not in str(caught.value) and "/a\\nb\\nc" in str(caught.value)
    with pytest.raises(ToolError, match=r"^http://127.0.0.1:99999/: invalid port"):
        run(ctx, "browse_url", url="http://127.0.0.1:99999/")
    with pytest.raises(ToolError, match=r"^http://127.0.0.1:99999: invalid port"):
        run(ctx, "browse_url", url=f"{site}/to-bad-port")
    with pytest.raises(ToolError) as caught:
        run(ctx, "browse_url", url=f"{site}/{'x' * 1_000_000}")
    assert len(str(caught.value)) < 500 and "x…: cannot fetch" in str(caught.value)
    ctx.settings.web_search_url = f"{site}/nothing?q={{query}}"
    with pytest.raises(ToolError, match="q…: cannot fetch") as caught:
        run(ctx, "web_search", question="q" * 100_000)
    assert len(str(caught.value)) < 500


@pytest.mark.parametrize("path", ["/search-json", "/search-html"])
def test_web_search_output_is_capped(ctx, site, path):
    """4.8 MB (JSON) and 1.6 MB (HTML) of results reached the model whole."""
    ctx.settings.web_search_url = f"{site}{path}?q={{query}}"
    out = run(ctx, "web_search", question="anything").text
    assert len(out) <= 20_100, len(out)
    assert out.startswith("1. ") and out.endswith("Use browse_url to read a result.")
    assert all(len(line) < 600 for line in out.splitlines())


def test_web_search_json_nested_too_deep_is_one_line(ctx, site):
    ctx.settings.web_search_url = f"{site}/search-deep?q={{query}}"
    with pytest.raises(ToolError, match="invalid JSON"):
        run(ctx, "web_search", question="anything")
