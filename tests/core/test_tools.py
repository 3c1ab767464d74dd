"""Agent tools through their public functions, against real repos and a loopback HTTP server."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from genie_tui.config.settings import load_settings
from genie_tui.tools import registry
from genie_tui.tools.base import ToolContext, ToolError
from genie_tui.tools.testrun import detect_test_command, run_command


@pytest.fixture
def ctx(make_repo) -> ToolContext:
    lines = "".join(f"line {n}\n" for n in range(1, 1001))
    repo = make_repo({"src/app.py": "def main():\n    return 1\n", "big.txt": lines, "docs/readme.md": "# hi\n"})
    (repo / "blob.bin").write_bytes(b"\x00\x01binary")
    return ToolContext(repo, load_settings(repo, {}))


def run(ctx: ToolContext, name: str, **args):
    return registry.run_simple(ctx, name, registry.validate(name, args))


def test_read_file_is_line_numbered_and_windowed(ctx):
    out = run(ctx, "read_file", path="big.txt")
    lines = out.text.splitlines()
    assert lines[0] == "big.txt lines 1-300 of 1000"
    assert lines[1] == "  1| line 1" and lines[300] == "300| line 300"
    assert "call read_file with start_line=301" in lines[-1]
    assert out.looked.hits == (("big.txt", 1, 300, "lines 1-300"),)
    out = run(ctx, "read_file", path="big.txt", start_line=998, end_line=2000)
    assert out.text.splitlines()[1:] == [" 998| line 998", " 999| line 999", "1000| line 1000"]
    out = run(ctx, "read_file", path="src/app.py", start_line="2", end_line=2)
    assert out.text.splitlines()[1] == "2|     return 1"


@pytest.mark.parametrize("args, message", [
    ({"path": "../etc/passwd"}, "outside the repository"),
    ({"path": "/etc/passwd"}, "outside the repository"),
    ({"path": ".git/config"}, ".git directory is off limits"),
    ({"path": "missing.py"}, "no such file"),
    ({"path": "blob.bin"}, "binary file"),
    ({"path": "src"}, "is a directory"),
    ({"path": "big.txt", "start_line": 0}, "positive integer"),
    ({"path": "big.txt", "start_line": 5000}, "past the end"),
    ({"path": "big.txt", "start_line": 9, "end_line": 3}, "before start_line"),
])
def test_read_file_refusals(ctx, args, message):
    with pytest.raises(ToolError, match=message):
        run(ctx, "read_file", **args)


def test_symlink_leaving_repo_is_refused(ctx, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    (ctx.repo / "link.txt").symlink_to(outside)
    with pytest.raises(ToolError, match="outside the repository"):
        run(ctx, "read_file", path="link.txt")


def test_list_dir_and_validation(ctx):
    out = run(ctx, "list_dir", path=".")
    assert "src/" in out.text and "big.txt" in out.text and ".git" not in out.text
    assert run(ctx, "list_dir").text == out.text  # models often leave the root's "." out
    with pytest.raises(ToolError, match="missing required argument"):
        registry.validate("read_file", {})
    with pytest.raises(ToolError, match="unknown argument"):
        registry.validate("read_file", {"path": "a", "lines": 3})
    with pytest.raises(ToolError, match="must be an integer"):
        registry.validate("read_file", {"path": "a", "start_line": "ten"})


def test_find_files_and_search_use_the_index(ctx):
    assert run(ctx, "find_files", pattern="**/*.py").text.splitlines() == ["src/app.py"]
    out = run(ctx, "search_code", query="main")
    assert out.text.startswith("src/app.py") and out.looked.kind == "search"
    out = run(ctx, "go_to_definition", symbol="main")
    assert out.text.startswith("src/app.py:1:")


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D401 - silence
        pass

    def do_GET(self):  # noqa: N802 - stdlib name
        if self.path.startswith("/docs"):
            body, ctype = ("<html><head><title>t</title><script>var x=1;</script></head><body><nav>menu</nav>"
                           "<h1>Config</h1><p>Use <code>load()</code> to read.</p><pre>a = 1\n  b = 2</pre>"
                           "</body></html>"), "text/html; charset=utf-8"
        elif self.path.startswith("/huge"):  # 12 MB of text, streamed
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b"y" * 60_000)
            return
        elif self.path.startswith("/trickle"):  # a byte at a time, never timing out a single read
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                for _ in range(600):
                    self.wfile.write(b"t")
                    self.wfile.flush()
                    time.sleep(0.01)
            except OSError:
                pass
            return
        elif self.path.startswith("/redirect-to/"):  # /redirect-to/PORT: to the same page on another port
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.path.split('/')[2]}/docs")
            self.end_headers()
            return
        elif self.path.startswith("/slow-headers"):
            time.sleep(3)
            body, ctype = "late", "text/plain"
        elif self.path.startswith("/utf16"):
            data = "\ufeffWide text here".encode("utf-16-le")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-16")
            self.end_headers()
            self.wfile.write(data)
            return
        elif self.path.startswith("/png-as-html"):
            body, ctype = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/html"
        elif self.path.startswith("/search"):
            body, ctype = json.dumps({"results": [{"title": "Config docs", "url": "http://127.0.0.1/docs",
                                                   "content": "how to load config"}]}), "application/json"
        elif self.path.startswith("/html-search"):
            body, ctype = ('<a href="/l/?uddg=https%3A%2F%2Fexample.org%2Fpage">Example page</a>'
                           '<a href="/local">local link</a>'), "text/html"
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_browse_url_extracts_text(ctx, site):
    ctx.settings.web_allow_hosts = "127.0.0.1"  # the test site is on loopback, an internal address
    out = run(ctx, "browse_url", url=f"{site}/docs")
    assert "Config" in out.text and "Use load() to read." in out.text and "a = 1\n  b = 2" in out.text
    assert "var x" not in out.text and "menu" not in out.text
    with pytest.raises(ToolError, match="HTTP 404"):
        run(ctx, "browse_url", url=f"{site}/missing")
    with pytest.raises(ToolError, match="http\\(s\\) URL"):
        run(ctx, "browse_url", url="file:///etc/passwd")
    with pytest.raises(ToolError, match="cannot fetch"):
        run(ctx, "browse_url", url="http://127.0.0.1:9/")


def test_browse_url_keeps_off_internal_addresses_unless_allowed(ctx, site):
    """The model names the URLs; a prompt injected into a page or an issue must not make genie read a cloud
    metadata service or an intranet page. Every address here is refused before any connection is made."""
    port = site.rsplit(":", 1)[1]
    for url in (f"{site}/docs", f"http://localhost:{port}/docs", f"http://[::ffff:127.0.0.1]:{port}/docs",
                "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:9/"):
        with pytest.raises(ToolError, match="internal address .*web_allow_hosts"):
            run(ctx, "browse_url", url=url)
    ctx.settings.web_allow_hosts = f"127.0.0.1:{port}"  # this one host and port
    assert "Use load() to read." in run(ctx, "browse_url", url=f"{site}/docs").text
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ToolError, match=f"127.0.0.1:{other.server_address[1]} is an internal address"):
            run(ctx, "browse_url", url=f"{site}/redirect-to/{other.server_address[1]}")  # checked per redirect
        ctx.settings.web_allow_hosts = "*"
        assert "Use load() to read." in run(ctx, "browse_url", url=f"{site}/redirect-to/{other.server_address[1]}").text
    finally:
        other.shutdown()
        other.server_close()


def test_web_search_json_and_html(ctx, site):
    ctx.settings.web_search_url = f"{site}/search?q={{query}}"
    out = run(ctx, "web_search", question="how to load config")
    assert "1. Config docs" in out.text and "how to load config" in out.text
    ctx.settings.web_search_url = f"{site}/html-search?q={{query}}"
    out = run(ctx, "web_search", question="x")
    assert "Example page\n   https://example.org/page" in out.text and "local link" not in out.text


def test_test_runner_detects_and_runs(make_repo, monkeypatch):
    repo = make_repo({"test_a.py": "def test_ok():\n    assert True\n", "pyproject.toml": "[project]\nname='x'\n"})
    # the project's own virtualenv wins over genie's interpreter
    wrapper = repo / ".venv" / "bin" / "python"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("GENIE_API_KEY", "sk-must-not-leak-to-tests-123")
    command = detect_test_command(repo)
    assert command == f"{wrapper} -m pytest -q -x --no-header -p no:cacheprovider"
    seen: list[str] = []
    result = asyncio.run(run_command(repo, command, 60, seen.append))
    assert result.passed and result.exit_code == 0 and any("passed" in s for s in seen)
    result = asyncio.run(run_command(repo, f"{sys.executable} -c 'import time; time.sleep(30)'", 0.5))
    assert result.timed_out and not result.passed and "TIMED OUT" in result.report()
    result = asyncio.run(run_command(repo, "exit 3", 10))
    assert result.exit_code == 3 and not result.passed
    result = asyncio.run(run_command(repo, "env; python3 -c \"print('x' * 200000)\"", 10))
    assert result.passed and "sk-must-not-leak" not in result.output and "xxxx ..." in result.output


def test_test_run_is_killed_on_cancel(make_repo):
    repo = make_repo({"a.py": ""})

    async def go() -> float:
        task = asyncio.create_task(run_command(repo, "sleep 30", 60))
        await asyncio.sleep(0.3)
        task.cancel()
        started = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - started

    assert asyncio.run(go()) < 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reaper is Linux's child subreaper")
@pytest.mark.parametrize("how", ["exit", "timeout", "cancel"])
def test_what_the_tests_started_in_a_session_of_its_own_is_killed_too(make_repo, tmp_path, how):
    """A server started with start_new_session (setsid) leaves the process group, so killing the group missed
    it: it held the output pipe (the run ended seconds late) and kept running after the run."""
    repo = make_repo({"a.py": ""})
    pidfile = tmp_path / "bg.pid"
    script = (f"import subprocess, sys, time; p = subprocess.Popen(['sleep', '300'], stdout=sys.stdout, "
              f"start_new_session=True); open({str(pidfile)!r}, 'w').write(str(p.pid)); print('1 passed', "
              f"flush=True); time.sleep({0 if how == 'exit' else 30})")
    command = f"{sys.executable} -c \"{script}\""

    async def go() -> None:
        if how == "cancel":
            task = asyncio.create_task(run_command(repo, command, 60))
            while not pidfile.exists():
                await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:
            result = await run_command(repo, command, 60 if how == "exit" else 1.5)
            assert result.passed if how == "exit" else result.timed_out

    started = time.monotonic()
    asyncio.run(go())
    assert time.monotonic() - started < 4  # not held up by the pipe the escaped process kept open
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reaper is Linux's child subreaper")
def test_a_daemon_the_tests_stop_is_gone_at_once(make_repo):
    """Orphans come to the reaper; it must reap them while the command runs, or a daemon the tests kill stays
    a zombie and `kill -0` says it is alive."""
    repo = make_repo({"a.py": ""})
    script = ("sh -c 'setsid sleep 300 & echo $! > pid' ; sleep 0.2; kill $(cat pid); "
              "for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 $(cat pid) 2>/dev/null || { echo gone; exit 0; }; "
              "sleep 0.2; done; echo still there; exit 1")
    result = asyncio.run(run_command(repo, script, 30))
    assert result.exit_code == 0 and "gone" in result.output, result.output


def test_zero_tests_is_not_a_pass(make_repo):
    repo = make_repo({"tests/test_core.py": "def test_plain():\n    assert True\n"})
    result = asyncio.run(run_command(repo, f"{sys.executable} -m unittest discover -q", 60))
    assert result.exit_code == 0 and not result.passed
    assert "no tests ran" in result.report()


def test_a_test_run_ends_when_the_command_exits_even_if_it_left_a_process_holding_the_output(make_repo, tmp_path):
    repo = make_repo({"a.py": ""})
    pidfile = tmp_path / "bg.pid"
    script = (f"import subprocess, sys; p = subprocess.Popen(['sleep', '300'], stdout=sys.stdout); "
              f"open({str(pidfile)!r}, 'w').write(str(p.pid)); print('1 passed')")
    started = time.monotonic()
    result = asyncio.run(run_command(repo, f"{sys.executable} -c \"{script}\"", 60))
    assert time.monotonic() - started < 10
    assert result.passed and result.exit_code == 0 and not result.timed_out and "1 passed" in result.output
    pid = int(pidfile.read_text())
    for _ in range(100):  # the leftover server was killed with the group
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"process {pid} left behind by the tests still runs")


def test_a_flood_of_output_times_out_on_time_and_the_report_stays_small(make_repo):
    repo = make_repo({"a.py": ""})
    seen: list[str] = []
    flood = f"{sys.executable} -c \"import sys\nwhile True: sys.stdout.write('z' * 60 + chr(10))\""
    started = time.monotonic()
    result = asyncio.run(run_command(repo, flood, 2, seen.append))
    assert result.timed_out and time.monotonic() - started < 10
    assert len(seen) < 200  # progress is throttled, not one event per line
    wide = asyncio.run(run_command(repo, f"{sys.executable} -c \"print(('w' * 5000 + chr(10)) * 100)\"", 30))
    report = wide.report()
    assert wide.passed and len(report) < 13_000 and "more characters]" in report


def test_read_file_of_wide_lines_stops_early_and_a_large_file_knows_its_end(ctx):
    (ctx.repo / "wide.txt").write_text("".join(f"{n} " + "w" * 480 + "\n" for n in range(1, 601)))
    out = run(ctx, "read_file", path="wide.txt")
    assert len(out.text) < 45_000
    last = out.text.splitlines()[-1]
    shown = int(out.text.splitlines()[-2].split("|")[0])
    assert shown < 100 and f"call read_file with start_line={shown + 1}" in last
    ctx.settings.max_file_bytes = 1000  # big.txt (about 9 KB) is now a "large file", read in windows
    out = run(ctx, "read_file", path="big.txt", start_line=995)
    assert out.text.splitlines()[0] == "big.txt lines 995-1000 of 1000"
    assert "more lines" not in out.text


def test_browse_url_caps_size_and_time_and_refuses_binary(ctx, site, monkeypatch):
    from genie_tui.tools import web

    ctx.settings.web_allow_hosts = "127.0.0.1"
    out = run(ctx, "browse_url", url=f"{site}/huge")
    assert len(out.text) < 21_000 and "the page was cut at 5 MB" in out.text
    monkeypatch.setattr(web, "TOTAL_S", 1.0)
    started = time.monotonic()
    with pytest.raises(ToolError, match="took longer than 1 s"):
        run(ctx, "browse_url", url=f"{site}/trickle")
    assert time.monotonic() - started < 4
    with pytest.raises(ToolError, match="binary content"):
        run(ctx, "browse_url", url=f"{site}/png-as-html")
    started = time.monotonic()
    with pytest.raises(ToolError, match="took longer than 1 s"):  # the deadline holds before any byte too
        run(ctx, "browse_url", url=f"{site}/slow-headers")
    assert time.monotonic() - started < 2.5
    assert "Wide text here" in run(ctx, "browse_url", url=f"{site}/utf16").text


def test_a_test_command_that_closes_its_output_still_runs_to_its_exit(make_repo, tmp_path):
    repo = make_repo({"a.py": ""})
    result = asyncio.run(run_command(repo, "exec >/dev/null 2>&1; sleep 0.5; exit 3", 30))
    assert result.exit_code == 3 and not result.timed_out
    log = tmp_path / "log.txt"
    result = asyncio.run(run_command(repo, f"exec >{log} 2>&1; sleep 0.3; echo '1 passed'; exit 0", 30))
    assert result.passed and log.read_text() == "1 passed\n"


def test_a_symlink_out_of_the_repository_shows_as_a_link_not_as_its_target(ctx, tmp_path):
    """list_dir showed the size of the file outside (``passwdlink (1221 bytes)``) that read_file refuses."""
    outside = tmp_path / "secret.txt"
    outside.write_text("s" * 1221)
    (ctx.repo / "passwdlink.txt").symlink_to(outside)
    (ctx.repo / "outdir").symlink_to(tmp_path)
    (ctx.repo / "inlink.txt").symlink_to(ctx.repo / "big.txt")
    listing = run(ctx, "list_dir", path=".").text
    assert "passwdlink.txt -> outside the repository" in listing and "1221" not in listing
    assert "outdir -> outside the repository" in listing and "outdir/" not in listing
    assert "inlink.txt  (" in listing
    found = run(ctx, "find_files", pattern="*link*").text.splitlines()
    assert "passwdlink.txt -> outside the repository" in found and "inlink.txt" in found
