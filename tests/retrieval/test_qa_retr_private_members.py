"""JavaScript's private members (``#secret() {}``, ``#onTick = () => {}``) are definitions, found as
``Service.#secret``, ``Service.secret`` or ``#secret``; ``Service.#secret`` split at its ``#`` as Ruby's
``Thing#go`` and found nothing."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

SERVICE = ("export class Service {\n  static #secret() {\n    return 1;\n  }\n\n  #onTick = () => {\n"
           "    return Service.#secret();\n  };\n}\n")


def test_private_members_are_definitions_and_their_uses_references(make_repo):
    repo = make_repo({"src/service.ts": SERVICE, "lib/thing.rb": "class Thing\n  def go\n  end\nend\n"})
    ix = RepoIndex.open(repo)
    try:
        for symbol in ("Service.#secret", "Service.secret", "#secret", "Service::secret"):
            assert [(d.path, d.line, d.end_line) for d in ix.definitions(symbol)] == [("src/service.ts", 2, 4)]
        assert [(d.line, d.end_line) for d in ix.definitions("Service.#onTick")] == [(6, 8)]
        assert [r.line for r in ix.references("Service.#secret", "src/service.ts")] == [7]
        assert [d.line for d in ix.definitions("Thing#go")] == [2]
    finally:
        ix.close()
