"""Semantic search: chunk embeddings from an OpenAI-compatible endpoint (the scripted loopback server, whose
vectors make words of one meaning similar), cached in the index, fused into the ranking; failures leave
the keyword ranking alone."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from genie_tui.providers.scripted import ScriptedServer
from genie_tui.providers.wire import Reply
from genie_tui.retrieval import RepoIndex

FILES = {
    "imaging/thumbs.py": ('def log_message(text):\n    print("note:", text)\n\n\n'
                          'def shrink_picture(photo, factor):\n    """Scale a photo down by factor."""\n'
                          '    return photo.resize(factor)\n'),
    "net/fetch.py": "def download_url(url):\n    return http_request(url)\n",
    "db/store.py": "def save_record(row):\n    return sql_insert(row)\n",
    "README.md": "# tools\n\nSmall helpers.\n",
}
QUERY = "downsize images"  # no word in common with imaging/thumbs.py; the same concepts
CODE = "def shrink_picture(img):\n    return img.resize(0.5)\n"


@pytest.fixture
def server():
    with ScriptedServer([]) as srv:
        yield srv


def inputs(srv: ScriptedServer, since: int = 0) -> list[str]:
    return [t for body in srv.embedding_requests[since:] for t in body["input"]]


def test_a_file_with_no_word_of_the_query_is_found_by_meaning_and_its_chunk_comes_first(configure, make_repo, server):
    repo = make_repo(FILES)
    ix = RepoIndex.open(repo)  # keywords alone: nothing in the repository says "downsize" or "images"
    assert "imaging/thumbs.py" not in [r.path for r in ix.search(QUERY)]
    ix.close()
    configure(embeddings_model="embed-a", embeddings_base_url=server.base_url)
    ix = RepoIndex.open(repo)
    results = ix.search(QUERY, hyde=False)
    ix.close()
    assert results[0].path == "imaging/thumbs.py"
    assert results[0].spans[0].symbol == "shrink_picture"  # not log_message, the first chunk of the file
    assert "similar code" in results[0].why
    assert server.requests == []  # no chat model configured: no hypothetical code asked for


def test_vectors_are_cached_so_only_changed_chunks_are_embedded_and_a_new_model_re_embeds(configure, make_repo, server):
    repo = make_repo(FILES)
    configure(embeddings_model="embed-a", embeddings_base_url=server.base_url)
    ix = RepoIndex.open(repo)
    first = inputs(server)
    assert ix.semantic is not None and ix.semantic["chunks"] == len(first) >= 5
    assert any("def shrink_picture" in t for t in first) and any("def log_message" in t for t in first)
    ix.close()
    n = len(server.embedding_requests)
    RepoIndex.open(repo).close()
    assert len(server.embedding_requests) == n  # nothing changed: nothing sent

    path = repo / "imaging/thumbs.py"
    path.write_text(path.read_text().replace("return photo.resize(factor)", "return photo.resize(factor / 2)"))
    ix = RepoIndex.open(repo)
    sent = inputs(server, n)
    assert len(sent) == 1 and "factor / 2" in sent[0]  # log_message, unchanged, was not sent again
    assert ix.search(QUERY, hyde=False)[0].path == "imaging/thumbs.py"
    ix.close()

    n = len(server.embedding_requests)
    configure(embeddings_model="embed-b", embeddings_base_url=server.base_url)
    ix = RepoIndex.open(repo)
    assert len(inputs(server, n)) == len(first)
    assert {b["model"] for b in server.embedding_requests[n:]} == {"embed-b"}
    assert ix.search(QUERY, hyde=False)[0].path == "imaging/thumbs.py"
    ix.close()


def test_many_chunks_go_in_batches_and_all_get_vectors(configure, make_repo, server):
    many = "".join(f"def helper_{i}(value):\n    return value + {i}\n\n\n" for i in range(300))
    repo = make_repo({**FILES, "pkg/many.py": many})
    configure(embeddings_model="embed-a", embeddings_base_url=server.base_url)
    ix = RepoIndex.open(repo)
    sizes = [len(b["input"]) for b in server.embedding_requests]
    assert max(sizes) <= 128 and len(sizes) >= 3
    assert ix.semantic is not None and ix.semantic["chunks"] == sum(sizes) >= 300
    assert ix.search(QUERY, hyde=False)[0].path == "imaging/thumbs.py"
    ix.close()


def test_a_pass_that_fails_half_way_keeps_what_it_embedded_and_the_next_one_finishes(configure, make_repo):
    helpers = {f"pkg/m{k}.py": "".join(f"def helper_{k}_{i}(value):\n    return value + {i}\n\n\n"
                                       for i in range(120)) for k in range(6)}
    repo = make_repo({**FILES, **helpers})
    # the first flush (512 chunks or more: 5 requests) succeeds, then the endpoint refuses for good (400)
    with ScriptedServer([], embed_faults=[Reply()] * 5 + [Reply(fault="400")] * 10) as srv:
        configure(embeddings_model="embed-a", embeddings_base_url=srv.base_url)
        ix = RepoIndex.open(repo)
        assert len(ix.warnings) == 1 and "semantic search is off" in ix.warnings[0]
        assert ix.semantic is not None
        kept = ix.semantic["chunks"]
        assert 512 <= kept < 720
        assert ix.search("helper_0_3 value")  # searches with what is embedded so far
        ix.close()
        n = len(srv.embedding_requests)
        srv.embed_faults.clear()
        ix = RepoIndex.open(repo)
        assert ix.warnings == [] and ix.semantic is not None and ix.semantic["chunks"] > 720
        assert len(inputs(srv, n)) == ix.semantic["chunks"] - kept  # nothing embedded twice
        ix.close()


def test_background_indexing_embeds_too(configure, make_repo, server):
    repo = make_repo(FILES)
    configure(embeddings_model="embed-a", embeddings_base_url=server.base_url)
    ix = RepoIndex.open(repo, background=True)
    assert ix.wait(30)
    assert ix.search(QUERY, hyde=False)[0].path == "imaging/thumbs.py"
    ix.close()


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_an_unreachable_endpoint_is_one_warning_and_keyword_search_goes_on(configure, make_repo, capsys):
    from genie_tui.cli import main

    repo = make_repo(FILES)
    configure(embeddings_model="embed-a", embeddings_base_url=_dead_url(), backoff_base=1.0)
    t0 = time.monotonic()
    assert main(["search", "shrink_picture", "--repo", str(repo)]) == 0
    assert time.monotonic() - t0 < 10
    out, err = capsys.readouterr()
    assert "imaging/thumbs.py" in out
    warnings = [line for line in err.splitlines() if line.startswith("genie: warning:")]
    assert len(warnings) == 1 and "semantic search is off" in warnings[0] and "connection" in warnings[0]


def test_a_rate_limit_is_waited_out(configure, make_repo):
    repo = make_repo(FILES)
    with ScriptedServer([], embed_faults=[Reply(fault="429", retry_after=0)]) as srv:
        configure(embeddings_model="embed-a", embeddings_base_url=srv.base_url)
        ix = RepoIndex.open(repo)
        assert ix.warnings == []
        assert len(srv.embedding_requests) == 2  # the 429, then the same batch again
        assert srv.embedding_requests[0]["input"] == srv.embedding_requests[1]["input"]
        assert ix.search(QUERY, hyde=False)[0].path == "imaging/thumbs.py"
        ix.close()


def test_a_server_without_base64_vectors_gets_json_floats(configure, make_repo):
    repo = make_repo(FILES)
    with ScriptedServer([], reject_base64=True) as srv:
        configure(embeddings_model="embed-a", embeddings_base_url=srv.base_url)
        ix = RepoIndex.open(repo)
        assert ix.warnings == []
        assert [b["encoding_format"] for b in srv.embedding_requests] == ["base64", "float"]
        assert ix.search(QUERY, hyde=False)[0].path == "imaging/thumbs.py"
        assert srv.embedding_requests[-1]["encoding_format"] == "float"  # remembered
        ix.close()


def test_hypothetical_code_is_embedded_with_the_query_and_a_failed_chat_falls_back(configure, make_repo):
    repo = make_repo(FILES)
    with ScriptedServer([Reply(content=f"```python\n{CODE}```")]) as srv:
        configure(base_url=srv.base_url, embeddings_model="embed-a")  # one endpoint for chat and embeddings
        ix = RepoIndex.open(repo)
        assert ix.semantic is not None and ix.semantic["hyde"]
        n = len(srv.embedding_requests)
        assert ix.search(QUERY)[0].path == "imaging/thumbs.py"
        assert len(srv.requests) == 1 and QUERY in json.dumps(srv.requests[0]["messages"])
        assert inputs(srv, n) == [QUERY, CODE.strip()]  # fences stripped

        n = len(srv.embedding_requests)
        assert ix.search("make photos smaller")[0].path == "imaging/thumbs.py"  # script exhausted: HTTP 500
        assert inputs(srv, n) == ["make photos smaller"]
        assert any("hypothetical-code query" in w for w in ix.warnings)

        n = len(srv.embedding_requests)
        ix.search("shrink thumbnails", hyde=False)
        assert inputs(srv, n) == ["shrink thumbnails"]
        ix.close()


def test_cli_index_and_search_json_with_embeddings(configure, make_repo, server, capsys):
    from genie_tui.cli import main

    repo = make_repo(FILES)
    configure(embeddings_model="embed-a", embeddings_base_url=server.base_url)
    assert main(["index", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "semantic search:" in out and "embedded with embed-a" in out
    assert main(["search", QUERY, "--repo", str(repo), "--json", "--no-hyde", "-k", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    top = data["results"][0]
    assert top["path"] == "imaging/thumbs.py" and top["spans"][0]["symbol"] == "shrink_picture"


def test_search_without_embeddings_loads_neither_numpy_nor_the_sdk(make_repo):
    repo = make_repo(FILES)
    code = ("import sys; from genie_tui.cli import main\n"
            f"main(['search', 'shrink_picture', '--repo', {str(repo)!r}])\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'openai'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
