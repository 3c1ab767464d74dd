"""A misbehaving embeddings endpoint (wrong vector count or length, no data, not JSON, NaN, a 401, a hang):
one warning line, keyword ranking, and a cache that the next run with a good endpoint completes."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from genie_tui.cli import main
from genie_tui.providers.scripted import CONCEPTS, ScriptedServer, concept_vector
from genie_tui.providers.wire import Reply

FILES = {
    "imaging/thumbs.py": ('def log_message(text):\n    print("note:", text)\n\n\n'
                          'def shrink_picture(photo, factor):\n    """Scale a photo down by factor."""\n'
                          '    return photo.resize(factor)\n'),
    "net/fetch.py": "def download_url(url):\n    return http_request(url)\n",
    "db/store.py": "def save_record(row):\n    return sql_insert(row)\n",
}
QUERY = "downsize images"  # no word in common with imaging/thumbs.py: only the embeddings find it


def _answer(mode: str, inputs: list[str]) -> bytes:
    """Good vectors (those the scripted server would send), then spoiled as ``mode`` says."""
    vecs = [concept_vector(t, CONCEPTS, 256) for t in inputs]
    if mode == "nonjson":
        return b"<html><body>502 Bad Gateway</body></html>"
    if mode == "deep":  # nested deeper than the parser goes: its RecursionError was retried as a stream's chunk
        return b'{"data": ' + b"[" * 100_000
    if mode == "count":
        vecs = vecs[:-1] if len(vecs) > 1 else vecs * 2
    elif mode == "empty":
        vecs = []
    elif mode == "nan":
        vecs[0][0] = math.nan
    elif mode == "lengths":
        vecs[0] = vecs[0][:100]
    elif mode == "nested":
        vecs = [[v] for v in vecs]
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vecs)]
    return json.dumps({"object": "list", "data": data, "model": "embed-a"}).encode()


class _Spoiled(BaseHTTPRequestHandler):
    mode = ""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        raw = _answer(self.server.mode, body["input"])  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def spoiled():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Spoiled)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _found_by_meaning_with_a_good_endpoint(configure, repo, capsys) -> None:
    with ScriptedServer([]) as good:
        configure(embeddings_model="embed-a", embeddings_base_url=good.base_url)
        assert main(["search", QUERY, "--repo", str(repo), "--json", "--no-hyde"]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        top = json.loads(out)["results"][0]
        assert top["path"] == "imaging/thumbs.py" and "similar code" in top["why"]


@pytest.mark.parametrize(("mode", "reason"), [
    ("count", "vectors for"), ("empty", "0 vectors for"), ("nonjson", "Expecting value"),
    ("deep", "(invalid JSON: nested too deeply)"),
    ("nan", "NaN or infinite values"), ("lengths", "vectors of lengths [100, 256]"),
    ("nested", "not a list of numbers")])
def test_a_malformed_answer_is_one_warning_and_does_not_poison_the_cache(configure, make_repo, spoiled, capsys, mode, reason):
    repo = make_repo(FILES)
    spoiled.mode = mode
    configure(embeddings_model="embed-a", embeddings_base_url=f"http://127.0.0.1:{spoiled.server_port}/v1")
    assert main(["index", "--repo", str(repo)]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line and not line.startswith("indexing [")]
    assert len(err) == 1 and "malformed answer" in err[0] and reason in err[0], err
    assert "semantic search is off for this run" in err[0]
    _found_by_meaning_with_a_good_endpoint(configure, repo, capsys)


@pytest.mark.parametrize("fault", [Reply(fault="401"), Reply(fault="hang", hang_seconds=5)])
def test_a_refusal_or_a_hang_is_one_warning_and_keyword_search_goes_on(configure, make_repo, capsys, fault):
    repo = make_repo(FILES)
    with ScriptedServer([], embed_faults=[fault] * 3) as bad:
        configure(embeddings_model="embed-a", embeddings_base_url=bad.base_url, timeout=1, max_retries=0)
        assert main(["search", "shrink_picture", "--repo", str(repo), "--no-hyde"]) == 0
        out, err = capsys.readouterr()
    assert out.split()[1] == "imaging/thumbs.py"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and ("401" in lines[0] or "timeout" in lines[0]) and "semantic search is off" in lines[0]
    _found_by_meaning_with_a_good_endpoint(configure, repo, capsys)


def test_a_hung_endpoint_is_tried_twice_not_max_retries_times(configure, make_repo, capsys):
    """Each attempt waits the whole timeout: five of them (the chat policy) held `genie index` for ten minutes."""
    repo = make_repo(FILES)
    with ScriptedServer([], embed_faults=[Reply(fault="hang", hang_seconds=30)] * 8) as bad:
        configure(embeddings_model="embed-a", embeddings_base_url=bad.base_url, timeout=0.5, max_retries=4)
        assert main(["index", "--repo", str(repo)]) == 0
        _, err = capsys.readouterr()
        attempts = len(bad.embedding_requests)
    assert attempts == 2, attempts
    warning = [ln for ln in err.splitlines() if "embeddings endpoint" in ln]
    assert len(warning) == 1 and "gave up after 2 attempts" in warning[0], err


def test_vectors_of_another_dimension_are_dropped_and_embedded_again(configure, make_repo, capsys):
    repo = make_repo(FILES)
    with ScriptedServer([], embed_dim=64) as small:  # the same model name, another model behind it
        configure(embeddings_model="embed-a", embeddings_base_url=small.base_url)
        assert main(["index", "--repo", str(repo)]) == 0
    capsys.readouterr()
    with ScriptedServer([]) as good:
        configure(embeddings_model="embed-a", embeddings_base_url=good.base_url)
        assert main(["search", QUERY, "--repo", str(repo), "--json", "--no-hyde"]) == 0
        out, err = capsys.readouterr()
        assert "similar code" not in out
        assert err.count("\n") == 1 and "now answers with 256-dimensional vectors" in err
        assert "64-dimensional" in err
    _found_by_meaning_with_a_good_endpoint(configure, repo, capsys)


def test_a_query_argument_that_is_not_utf8_is_embedded_not_blamed_on_the_endpoint(configure, make_repo):
    repo = make_repo(FILES)
    with ScriptedServer([]) as good:
        configure(embeddings_model="embed-a", embeddings_base_url=good.base_url)
        r = subprocess.run([sys.executable, "-m", "genie_tui.cli", "search", QUERY.encode() + b" caf\xe9",
                            "--repo", str(repo), "--json", "--no-hyde"], capture_output=True, text=True,
                           timeout=60, check=False)
    assert (r.returncode, r.stderr) == (0, "")
    assert json.loads(r.stdout)["results"][0]["path"] == "imaging/thumbs.py"


def test_index_says_so_when_another_process_is_embedding(configure, make_repo, capsys):
    import fcntl

    from genie_tui.retrieval.store import db_path

    repo = make_repo(FILES)
    with ScriptedServer([]) as good:
        configure(embeddings_model="embed-a", embeddings_base_url=good.base_url)
        assert main(["index", "--repo", str(repo)]) == 0
        (repo / "net/fetch.py").write_text("def download_url(url):\n    return fetch_request(url)\n")
        with open(str(db_path(repo)) + ".embed.lock", "a+b") as fh:  # what a running `genie index` holds
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            capsys.readouterr()
            assert main(["index", "--repo", str(repo)]) == 0
        out = capsys.readouterr().out.splitlines()
    assert out[-1] == "semantic search: 4 chunks embedded with embed-a so far; another genie process is embedding the rest"


def test_a_repository_chosen_embeddings_endpoint_is_not_sent_the_users_key_and_says_so(make_repo, monkeypatch, capsys):
    with ScriptedServer([]) as chosen:
        repo = make_repo({**FILES, ".genie/config.toml": f'embeddings_model = "embed-a"\n'
                                                         f'embeddings_base_url = "{chosen.base_url}"\n'})
        monkeypatch.setenv("OPENAI_API_KEY", "sk-user-key-123456")
        for argv in (["index"], ["search", "shrink_picture", "--no-hyde"]):
            assert main([*argv, "--repo", str(repo)]) == 0
            out, err = capsys.readouterr()
            lines = [line for line in err.splitlines() if line and not line.startswith("indexing [")]
            assert len(lines) == 1, err
            assert lines[0].startswith("genie: warning: semantic search is off: config file ")
            assert "embeddings_base_url is set by the repository" in lines[0]
            assert "set it in your user config" in lines[0] and "--base-url" not in lines[0]
            assert "sk-user-key" not in out + err
        assert out.split()[1] == "imaging/thumbs.py"  # keyword search goes on
        assert chosen.embedding_requests == [] and chosen.requests == []
