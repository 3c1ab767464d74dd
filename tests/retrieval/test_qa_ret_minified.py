"""Minified means very long lines with little whitespace (or a line over 50,000 characters), not a long first line:
a soft-wrapped Markdown paragraph of 4,600 characters, or a module whose one-line docstring is that long, is
indexed; a bundle of a few long lines without spaces is not."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

PARA = " ".join(["The retry policy applies to every outgoing request of the client."] * 70)  # 4,619 characters
FILES = {
    "design.md": PARA + "\n\n## Backoff\n\nThe frobnicator_backoff setting doubles the delay.\n",
    "policy.py": '"""' + PARA + '"""\n\ndef frobnicator_policy():\n    return 1\n',
    "docs/zh.md": "重试策略适用于客户端的每一个请求。" * 300 + "\n\nquokkazh\n",  # prose with no spaces at all
    "web/app.js": "\n".join("!function(e){var t=" + "e.a(t,n);" * 400 + "}(wombatbundle);" for _ in range(3)) + "\n",
}


def test_only_long_lines_with_little_whitespace_are_minified(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    try:
        assert [d.path for d in ix.definitions("frobnicator_policy")] == ["policy.py"]
        assert "design.md" in [r.path for r in ix.search("frobnicator_backoff")]
        assert ix.search("quokkazh")[0].path == "docs/zh.md"
        assert ix.explain("design.md") == "design.md: indexed (5 lines; indexed as plain text (keywords only))"
        assert ix.explain("web/app.js") == ("web/app.js: not indexed: minified or machine-written (lines of 3,636 "
                                            "bytes on average, 0% whitespace)")
        assert ix.search("wombatbundle") == []
    finally:
        ix.close()
