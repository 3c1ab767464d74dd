"""`genie models` against a models list that misbehaves (a loopback server): an endless body was read into
memory forever (3.3 GB in 9 s), ids that are no text or a body that is no list raised from inside the SDK (a
traceback), and an id holding a line break printed as two models (found by a review)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from genie_tui.cli import main


def _serve(body: Iterable[bytes]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for part in body:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def _models(body: Iterable[bytes], capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    server, url = _serve(body)
    try:
        code = main(["models", "--base-url", url, "--model", "m", *extra])
    finally:
        server.shutdown()
    out, err = capsys.readouterr()
    return code, out, err


def _endless(slow: float = 0.0) -> Iterator[bytes]:
    yield b'{"object": "list", "data": ['
    while True:
        yield b'{"id": "m", "object": "model"},' * 1000
        time.sleep(slow)


@pytest.mark.parametrize("body, reason", [
    ([b"null"], "the models list is not an object with a list of models under \"data\""),
    ([b"[1, 2]"], "the models list is not an object with a list of models under \"data\""),
    ([b'{"data": [5, null]}'], "the models list is not an object with a list of models under \"data\""),
    ([b"<html>busy</html>"], "the models list is not JSON"),
])
def test_a_models_list_of_the_wrong_shape_is_a_one_line_error(body, reason, capsys) -> None:
    code, out, err = _models(iter(body), capsys)
    assert (code, out) == (1, "")
    assert err.strip().endswith(reason) and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("body", [b'{"data": ' + b"[" * 100_000, b'{"data": ' + b"[" * 5000 + b"]" * 5000 + b"}"],
                         ids=["unclosed", "valid but deep"])
def test_a_models_list_nested_too_deeply_is_a_one_line_error(body, capsys) -> None:
    """A RecursionError of the parser: it was a 57-line traceback (review). Served again to a second request, as
    an endpoint does: a retry must not make it another error."""
    code, out, err = _models([body], capsys)  # a list, not an iterator: the same body for each request
    assert (code, out) == (1, "")
    assert err.strip().endswith("the models list is not JSON") and len(err.strip().splitlines()) == 1, err


def test_an_endless_models_list_is_cut_off(make_repo, capsys) -> None:
    repo = make_repo({".genie/config.toml": "timeout = 2\n"})
    t0 = time.monotonic()
    code, out, err = _models(_endless(), capsys)
    assert (code, out) == (1, "") and time.monotonic() - t0 < 15
    assert err.strip().endswith("the models list passed 4 MB"), err
    t0 = time.monotonic()  # slower than the read timeout, endless all the same
    code, out, err = _models(_endless(slow=0.2), capsys, "--repo", str(repo))
    assert (code, out) == (1, "") and time.monotonic() - t0 < 10
    assert "the models list did not arrive within 2s (timeout)" in err, err


def test_ids_that_are_no_text_are_left_out_and_a_line_break_is_shown_escaped(capsys) -> None:
    data = [{"id": "b-model"}, {"id": 5}, {"id": None}, {"id": "evil\nm"}, {"id": "a-model"}, {}]
    code, out, err = _models(iter([json.dumps({"data": data}).encode()]), capsys)
    assert code == 0 and out.splitlines() == ["a-model", "b-model", '"evil\\nm"']
    assert "'m' is not among these" in err
