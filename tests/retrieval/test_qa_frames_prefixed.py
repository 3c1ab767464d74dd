"""Traces printed innermost frame first are read so wherever they are pasted from: behind a log's prefix on every
line (docker compose's ``api_1  | ``, a CI timestamp, valgrind's ``==123==``), and in a browser's console
(Firefox's and Safari's ``fn@url:line:col``, Chrome's frames of webpack's eval-source-map, ``?:41:27``)."""

from __future__ import annotations

from genie_tui.retrieval.query import analyze


def _cs(cls: str) -> str:
    return f"namespace Acme.Shop\n{{\n    public class {cls}\n    {{\n" + "".join(
        f"        public int Fn{i}(Invoice invoice, int total)\n        {{\n            return invoice.Total + total;\n"
        f"        }}\n\n" for i in range(8)) + "    }\n}\n"


def _c(n: int) -> str:
    return "".join(f"int fn{i}(struct invoice *invoice, int total)\n{{\n    return invoice->total + total;\n}}\n\n"
                   for i in range(n))


def _js(n: int) -> str:
    return "".join(f"function fn{i}(invoice, total) {{\n  return invoice.total + total;\n}}\n\n" for i in range(n))


CS = """Unhandled exception. System.NullReferenceException: Object reference not set to an instance of an object.
   at Acme.Shop.Refunds.Fn6(Invoice invoice, Int32 total) in /app/src/Acme.Shop/Refunds.cs:line 30
   at Acme.Shop.Orders.Fn2(Invoice invoice) in /app/src/Acme.Shop/Orders.cs:line 12
"""
VALGRIND = """==123== Invalid read of size 4
==123==    at 0x10916D: fn6 (refunds.c:32)
==123==    by 0x1091A0: fn2 (orders.c:12)
==123==    by 0x1091C0: main (main.c:1)
"""


def _prefixed(prefix: str, text: str) -> str:
    return "".join(prefix + line for line in text.splitlines(keepends=True))


def test_a_trace_behind_a_log_s_prefix_counts_its_first_frame_most(make_repo, trace_signal):
    repo = make_repo({"src/Acme.Shop/Refunds.cs": _cs("Refunds"), "src/Acme.Shop/Orders.cs": _cs("Orders"),
                      "csrc/refunds.c": _c(8), "csrc/orders.c": _c(8), "csrc/main.c": "int main(void) { return 0; }\n"})
    for prefix in ("api_1  | ", "api-1  | ", "2024-01-15T10:23:45.1234567Z ", "[2024-01-15 10:23:45,123] [ERROR] "):
        trace = trace_signal(repo, _prefixed(prefix, CS))
        assert (prefix, trace["src/Acme.Shop/Refunds.cs"]) == (prefix, 1.0)
        assert trace["src/Acme.Shop/Orders.cs"] < 1.0
    trace = trace_signal(repo, VALGRIND)
    assert trace["csrc/refunds.c"] == 1.0 > trace["csrc/orders.c"] > trace["csrc/main.c"]


JAVA = """Exception in thread "main" java.lang.IllegalStateException: cannot load
\tat com.acme.shop.Loader.load(Loader.java:20)
\tat com.acme.shop.Main.main(Main.java:5)
Caused by: java.lang.NullPointerException: key is null
\tat com.acme.shop.Parser.parse(Parser.java:57)
\tat com.acme.shop.Loader.load(Loader.java:18)
\t... 1 more
"""


def test_the_root_cause_of_a_java_trace_behind_a_log_s_prefix_counts_most(frame_places):
    assert frame_places(_prefixed("api_1  | ", JAVA))[-1] == ("Parser.java", 57)
    assert frame_places(_prefixed("2024-01-15T10:23:45.1234567Z ", JAVA)) == frame_places(JAVA)


def test_a_browser_s_trace_counts_its_first_frame_most(make_repo, trace_signal):
    repo = make_repo({"src/refunds.js": _js(12), "src/orders.js": _js(12), "src/main.js": "fn2();\n"})
    firefox = ("TypeError: invoice is undefined\nfn6@http://localhost:3000/src/refunds.js:26:27\n"
               "fn2@http://localhost:3000/src/orders.js:10:10\n@http://localhost:3000/src/main.js:1:1\n")
    safari = firefox.replace("\n@http", "\nglobal code@http")
    webpack = ("TypeError: Cannot read properties of undefined (reading 'total')\n"
               "    at fn6 (webpack:///./src/refunds.js?:26:27)\n    at fn2 (webpack:///./src/orders.js?:10:10)\n"
               "    at eval (webpack:///./src/main.js?:1:1)\n")
    for text in (firefox, safari, webpack):
        trace = trace_signal(repo, text)
        assert trace["src/refunds.js"] == 1.0 > trace["src/orders.js"] > trace["src/main.js"] > 0, text


def test_a_frame_in_a_scoped_package_keeps_its_directory():
    q = analyze("TypeError: x\n    at route (/app/node_modules/@acme/ui/lib/button.js:3:14)\n")
    assert [f.path for f in q.frames] == ["app/node_modules/@acme/ui/lib/button.js"]


GO = """panic: runtime error: invalid memory address or nil pointer dereference
goroutine 1 [running]:
main.lookup(...)
\t/home/u/app/store/lookup.go:12 +0x1d
panic({0x4a1b20, 0xc000012345})
\t/usr/local/go/src/runtime/panic.go:914 +0x21f
main.parse(0xc000)
\t/home/u/app/store/parse.go:30 +0x40
main.handler(0xc000)
\t/home/u/app/web/handler.go:40 +0x55

goroutine 7 [select]:
main.worker()
\t/home/u/app/web/worker.go:5 +0x25
"""


def test_a_goroutine_behind_a_log_s_prefix_is_read_as_one(frame_places):
    """Behind a prefix the goroutine's frames had been read as frames of no trace, the last printed strongest:
    the panicking one (after its ``panic(...)``) came out weakest but one."""
    plain = frame_places(GO)
    assert plain[-1] == ("parse.go", 30) and plain[0] == ("worker.go", 5)
    for prefix in ("api_1  | ", "2024-01-15T10:23:45.1234567Z ", "app-7d9f6c  | ", "> "):
        assert (prefix, frame_places(_prefixed(prefix, GO))) == (prefix, plain)


def test_a_goroutine_whose_header_alone_is_prefixed_or_indented_is_read_from_its_first_column(frame_places):
    """Go's ``log`` prefixes only a message's first line (``log.Print(string(debug.Stack()))``), and a header may be
    indented over frames that are not: their lines are read whole, not from the header's column (which had cut
    ``panic(`` to ``nic(``, so the panicking frame came out weakest), while prose before a header makes no block."""
    plain = frame_places(GO)
    logged = GO.replace("goroutine 1 [running]:", "2024/01/15 10:23:45 goroutine 1 [running]:")
    assert frame_places(logged) == plain
    assert frame_places(GO.replace("goroutine 1 [running]:", "  goroutine 1 [running]:")) == plain
    quoted = "".join(("> " if line.startswith("goroutine") else ">") + line for line in GO.splitlines(keepends=True))
    assert frame_places(quoted) == plain
    prose = "Stuck at goroutine 1 [running]:\nmy notes, not a trace\nsee web/handler.go:40 and store/parse.go:30\n"
    assert frame_places(prose) == [("handler.go", 40), ("parse.go", 30)]


def test_a_goroutine_behind_timestamps_of_varying_width_is_read_as_one(frame_places):
    """``kubectl logs --timestamps`` prints RFC 3339 times with their nanoseconds' trailing zeros dropped, so the
    prefix's width varies from line to line: read from the header's column, a shorter prefix's line had lost the
    start of ``panic(`` and the panicking frame came out weakest."""
    plain = frame_places(GO)
    nanos = ["123456789", "12345", "1", "1234567", "98765432", "5", "123", "4567", "12", "333333333", "7", "88",
             "999", "1000001"]
    lines = GO.splitlines(keepends=True)
    stamped = "".join(f"2024-01-15T10:23:45.{nanos[i % len(nanos)]}Z {line}" for i, line in enumerate(lines))
    assert frame_places(stamped) == plain
