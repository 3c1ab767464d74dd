"""Text that ``str.isdigit`` calls digits but no port, id or number genie writes is made of: superscripts (``²``,
which ``int()`` refuses) and digits of other scripts (``٣``, which ``int()`` and httpx read as 3). Each place is
checked through what a user sees."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote

import pytest

from genie_tui.cli import main
from genie_tui.config.settings import user_config_file
from genie_tui.core.restore import restore
from genie_tui.core.session import Session
from genie_tui.patching import apply_patch, undo_last
from genie_tui.patching.undo import entries, journal_dir
from genie_tui.providers.scripted import Reply
from genie_tui.tools import registry
from genie_tui.tools.base import ToolError

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/to?"):  # a redirect to the query, sent as UTF-8 bytes as a server may send it
            head = b"HTTP/1.1 302 Found\r\nLocation: " + unquote(self.path[4:]).encode() + b"\r\nContent-Length: 0\r\n\r\n"
            self.wfile.write(head)
            return
        body = b"<p>hello</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_redirect_to_a_port_of_other_digits_is_refused_as_an_invalid_port(loopback_ctx, loopback_site):
    """httpx read ``:٨٠٨٠`` as port 8080 and followed the redirect there."""
    port = loopback_site.rpartition(":")[2]
    assert registry.run_simple(loopback_ctx, "browse_url", {"url": f"{loopback_site}/to?/ok"}).text.endswith("hello")
    target = f"http://127.0.0.1:{port.translate(ARABIC)}/ok"
    url = f"{loopback_site}/to?{target}"
    with pytest.raises(ToolError) as caught:
        registry.run_simple(loopback_ctx, "browse_url", {"url": url})
    assert str(caught.value) == f"{url}: redirects to {target}: invalid port (a port is 1 to 65535); not followed"
    with pytest.raises(ToolError) as caught:  # the URL itself: refused before anything is fetched, as before
        registry.run_simple(loopback_ctx, "browse_url", {"url": target})
    assert str(caught.value) == f"{target}: invalid port (a port is 1 to 65535)"


@pytest.mark.parametrize("entry", ["localhost:٣", "bücher.example:٨٠٨٠", "localhost:²", "[::1]:x", "localhost:0"])
def test_an_allowed_host_with_an_invalid_port_is_a_config_error(make_repo, capsys, entry):
    """``web_allow_hosts`` took any text: an entry whose port no URL can have allowed nothing, silently."""
    repo = make_repo({"a.py": ""})
    config = user_config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'web_allow_hosts = "docs.intranet:8000, {entry}"\n', encoding="utf-8")
    assert main(["config", "show", "--repo", str(repo)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert err.strip().endswith(f"web_allow_hosts entry {entry!r} has an invalid port (a port is 1 to 65535)")
    config.write_text('web_allow_hosts = "docs.intranet:8000, [::1]:8000, ::1, bücher.example, *"\n', encoding="utf-8")
    assert main(["config", "show", "--repo", str(repo)]) == 0


def test_a_session_whose_patch_id_has_other_digits_is_listed_and_resumable(make_repo, capsys):
    """``p²`` as a patch id (a hand-edited or damaged session) was a traceback from `sessions list` and resume."""
    repo = make_repo({"a.py": ""})
    s = Session.create("fix it")
    s.record("start", task="fix it", repo=str(repo), config={}, playbooks=[], tools=[])
    s.record("message", message={"role": "user", "content": "fix it"})
    s.record("patch", id="p²", applied=False, reason="refused", diff="", files=[])
    s.record("patch", id="p٣", applied=False, reason="refused", diff="", files=[])
    s.close()
    assert main(["sessions", "list"]) == 0
    assert s.id in capsys.readouterr().out
    assert restore(s.path).last_patch == 0  # neither is an id genie wrote, so the next patch is p1


def test_a_stray_file_in_the_undo_journal_named_with_other_digits_is_no_entry(make_repo):
    repo = make_repo({"n.txt": "n = 0\n"})
    journal_dir(repo).mkdir(parents=True)
    (journal_dir(repo) / "².json").write_text("{}")
    assert apply_patch(repo, "--- a/n.txt\n+++ b/n.txt\n@@ -1 +1 @@\n-n = 0\n+n = 1\n").applied
    assert [p.name for p in entries(repo)] == ["000001.json"]
    assert undo_last(repo).undone and (repo / "n.txt").read_text() == "n = 0\n"


@pytest.mark.parametrize("fault", ["٤٢٩", "⁴²⁹"])
def test_a_scripted_fault_status_is_ascii_digits(fault):
    with pytest.raises(ValueError, match="unknown fault"):
        Reply(fault=fault)
