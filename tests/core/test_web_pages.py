"""browse_url and web_search on ordinary pages that real sites send: HTML that leaves out end tags, text served
under labels other than text/*, a charset named only in the page, tables and lists of options. Each page comes
from a loopback server the test starts."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError

_HTML = "text/html"
_PAGES: dict[str, tuple[str, bytes]] = {
    # no </head> (valid HTML5): <body>, or any tag that cannot be in <head>, ends it
    "/no-head-end": (_HTML, (b"<!doctype html><html><head><meta charset=utf-8><title>T</title>"
                            b"<body><h1>Hello</h1><p>World</p></body></html>")),
    "/no-head-no-body": (_HTML, b"<html><head><title>T</title><link rel=icon href=/i><h1>Hello</h1><p>World</p>"),
    "/head-then-text": (_HTML, b"<html><head><title>T</title>Plain words</html>"),
    "/search-no-head-end": (_HTML, (b"<html><head><title>results</title><body>"
                                   b"<a href='https://example.org/a'>Result A</a></body></html>")),
    # skipped blocks left open end with their parent, or where the main content starts
    "/open-nav": (_HTML, b"<body><nav><ul><li>Home<li>About</ul><main><p>Main text</p></main></body>"),
    "/open-nav-in-div": (_HTML, b"<body><div><nav><a href=/x>Menu</a></div><p>After the menu</p></body>"),
    "/open-noscript": (_HTML, b"<body><div><noscript><p>Please enable JS</p></div><p>The app</p></body>"),
    "/open-svg": (_HTML, b"<body><svg><title>icon</title><path d='M0'><p>After the icon</p></body>"),
    "/closed-skips": (_HTML, (b"<html><head><title>T</title></head><body><nav>Menu</nav><noscript>JS!</noscript>"
                             b"<p>Body</p><footer>Foot</footer></body></html>")),
    # text under labels other than text/*: by their type, or (octet-stream, types unknown) by their bytes
    "/js": ("application/javascript", b"function hello() { return 1; }"),
    "/ecma": ("application/ecmascript; charset=utf-8", b"export const x = 1;"),
    "/yaml": ("application/yaml", b"key: value"),
    "/toml": ("application/toml", b"[tool]\nname = 'x'"),
    "/sh": ("application/x-sh", b"#!/bin/sh\necho hi"),
    "/manifest": ("application/manifest+json", b'{"name": "app"}'),
    "/octet-text": ("application/octet-stream", "plain text, caf\u00e9\tand a tab".encode()),
    "/unknown-text": ("application/vnd.example.notes", b"notes\r\nmore notes"),
    "/octet-binary": ("application/octet-stream", bytes(range(128, 256)) * 4),
    "/octet-controls": ("application/octet-stream", b"PK\x03\x04\x14\x01\x02 zip-like header"),
    "/image-text": ("image/png", b"looks like text but is labelled an image"),
    # a charset named only in the page
    "/meta-charset": (_HTML, '<html><head><meta charset="windows-1252"></head><body><p>caf\u00e9 \u201cq\u201d</p>'
                             .encode("cp1252")),
    "/meta-http-equiv": (_HTML, ('<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
                                 "<p>\u043f\u0440\u0438\u0432\u0435\u0442</p>").encode("koi8-r")),
    "/meta-unlabelled": ("", "<meta charset=cp1252><p>na\u00efve</p>".encode("cp1252")),
    "/meta-header-wins": ("text/html; charset=utf-8", "<meta charset=windows-1252><p>caf\u00e9</p>".encode()),
    "/meta-bogus": (_HTML, "<meta charset=no-such-thing><p>caf\u00e9</p>".encode()),
    "/meta-utf16": (_HTML, "<meta charset=utf-16><p>caf\u00e9</p>".encode()),
    # a <meta> that only mentions a charset declares none (its name is no http-equiv of Content-Type)
    "/meta-description": (_HTML, ('<meta name="description" content="How to set charset=windows-1251 in a form">'
                                  "<p>R\u00e9sum\u00e9: na\u00efve caf\u00e9</p>").encode()),
    "/meta-single-quotes": (_HTML, "<meta http-equiv='content-type' content='text/html;charset=cp1252'><p>na\u00efve</p>"
                            .encode("cp1252")),
    # a numeric character reference of thousands of digits (Python's int() refuses them) is U+FFFD, as past U+10FFFF
    "/huge-charref": (_HTML, b"<p>before &#" + b"9" * 5000 + b"; after &#" + b"0" * 5000 + b"65;</p>"),
    "/meta-too-late": (_HTML, b"<p>" + b"x" * 5000 + "</p><meta charset=windows-1252><p>caf\u00e9</p>".encode()),
    # not pages: an unlabelled script that mentions a meta charset; a charset no page's ASCII markup is written in
    "/meta-in-code": ("", 'HEAD = \'<meta charset="iso-8859-1">\'\nname = "caf\u00e9"\n'.encode()),
    "/meta-ebcdic": (_HTML, "<meta charset=cp037><p>caf\u00e9</p>".encode()),
    # a byte order mark names the encoding, whatever the label
    "/utf16-octet": ("application/octet-stream", "\ufeffhello, caf\u00e9".encode("utf-16-le")),
    "/utf16-plain": ("text/plain", "\ufeffhello, caf\u00e9".encode("utf-16-be")),
    "/utf8-bom-latin1": ("text/plain; charset=iso-8859-1", "\ufeffhello, caf\u00e9".encode("utf-8")),
    # tables and options
    "/table": (_HTML, b"<table><tr><th>Name</th><th>Value</th></tr><tr><td>alpha</td><td>42</td></tr></table>"),
    "/table-loose": (_HTML, (b"<p>Sizes:</p><table>\n <tr>\n  <td> alpha </td>\n  <td>42</td>\n </tr>\n"
                            b" <tr><td>beta<td>7<tr><td>gamma<td></table><p>After</p>")),
    "/select": (_HTML, b"<p>Pick one</p><select><option>Opt1</option><option>Opt2<option>Opt3</select><p>After</p>"),
}


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        ctype, body = _PAGES[self.path.split("?")[0]]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site(loopback_site):
    return loopback_site


@pytest.fixture
def ctx(loopback_ctx) -> ToolContext:
    return loopback_ctx


def browse(ctx: ToolContext, site: str, path: str) -> str:
    """The page's text, without the URL line browse_url puts first."""
    out = registry.run_simple(ctx, "browse_url", registry.validate("browse_url", {"url": site + path})).text
    url, _, text = out.partition("\n\n")
    assert url == site + path
    return text


@pytest.mark.parametrize("path", ["/no-head-end", "/no-head-no-body"])
def test_a_head_left_open_ends_where_the_body_begins(ctx, site, path):
    assert browse(ctx, site, path) == "Hello\n\nWorld"


def test_text_in_a_head_left_open_begins_the_body(ctx, site):
    assert browse(ctx, site, "/head-then-text") == "Plain words"


def test_web_search_reads_results_from_a_page_without_head_end(ctx, site):
    ctx.settings.web_search_url = site + "/search-no-head-end?q={query}"
    out = registry.run_simple(ctx, "web_search", {"question": "x"}).text
    assert out.startswith("1. Result A\n   https://example.org/a\n")


@pytest.mark.parametrize(("path", "text"), [
    ("/open-nav", "Main text"),
    ("/open-nav-in-div", "After the menu"),
    ("/open-noscript", "The app"),
    ("/open-svg", "After the icon"),
    ("/closed-skips", "Body"),
])
def test_a_skipped_block_left_open_does_not_hide_the_rest_of_the_page(ctx, site, path, text):
    assert browse(ctx, site, path) == text


@pytest.mark.parametrize(("path", "text"), [
    ("/js", "function hello() { return 1; }"),
    ("/ecma", "export const x = 1;"),
    ("/yaml", "key: value"),
    ("/toml", "[tool]\nname = 'x'"),
    ("/sh", "#!/bin/sh\necho hi"),
    ("/manifest", '{"name": "app"}'),
    ("/octet-text", "plain text, caf\u00e9\tand a tab"),
    ("/unknown-text", "notes\r\nmore notes"),
])
def test_text_is_shown_whatever_textual_type_it_is_labelled(ctx, site, path, text):
    assert browse(ctx, site, path) == text


@pytest.mark.parametrize(("path", "ctype"), [
    ("/octet-binary", "application/octet-stream"),
    ("/octet-controls", "application/octet-stream"),
    ("/image-text", "image/png"),
])
def test_binary_is_still_refused(ctx, site, path, ctype):
    with pytest.raises(ToolError, match=f"^{site}{path}: content type {ctype} is not text$"):
        browse(ctx, site, path)


@pytest.mark.parametrize(("path", "text"), [
    ("/meta-charset", "caf\u00e9 \u201cq\u201d"),
    ("/meta-http-equiv", "\u043f\u0440\u0438\u0432\u0435\u0442"),
    ("/meta-unlabelled", "na\u00efve"),  # unlabelled but starts as a page: read as HTML, decoded right
])
def test_a_charset_named_only_in_the_page_is_used(ctx, site, path, text):
    assert browse(ctx, site, path) == text


@pytest.mark.parametrize("path", ["/meta-header-wins", "/meta-bogus", "/meta-utf16"])
def test_the_header_charset_wins_and_a_bad_one_in_the_page_reads_as_utf8(ctx, site, path):
    assert browse(ctx, site, path) == "caf\u00e9"


def test_a_meta_charset_is_read_only_from_a_page_in_an_ascii_compatible_charset(ctx, site):
    assert browse(ctx, site, "/meta-in-code").rstrip().endswith('name = "caf\u00e9"')
    assert browse(ctx, site, "/meta-ebcdic") == "caf\u00e9"


@pytest.mark.parametrize("path", ["/utf16-octet", "/utf16-plain", "/utf8-bom-latin1"])
def test_a_byte_order_mark_names_the_encoding(ctx, site, path):
    assert browse(ctx, site, path) == "hello, caf\u00e9"


def test_only_a_meta_that_declares_a_charset_names_one(ctx, site):
    # the description's "charset=windows-1251" decoded a UTF-8 page as Cyrillic: "RГ©sumГ©"
    assert browse(ctx, site, "/meta-description") == "R\u00e9sum\u00e9: na\u00efve caf\u00e9"
    assert browse(ctx, site, "/meta-single-quotes") == "na\u00efve"


def test_a_huge_numeric_character_reference_leaves_the_page_readable(ctx, site):
    # one such reference failed the whole page: "ValueError: Exceeds the limit (4300 digits)"
    assert browse(ctx, site, "/huge-charref") == "before \ufffd after A"


def test_a_charset_named_past_the_prescan_is_not_used(ctx, site):
    assert browse(ctx, site, "/meta-too-late").endswith("\n\ncaf\u00e9")


@pytest.mark.parametrize(("path", "text"), [
    ("/table", "Name | Value\nalpha | 42"),
    ("/table-loose", "Sizes:\n\nalpha | 42\nbeta | 7\ngamma |\n\nAfter"),  # end tags left out too
    ("/select", "Pick one\n\nOpt1\nOpt2\nOpt3\n\nAfter"),
])
def test_table_cells_are_kept_apart_and_rows_and_options_are_lines(ctx, site, path, text):
    assert browse(ctx, site, path) == text
