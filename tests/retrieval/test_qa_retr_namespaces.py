"""The code of a namespace or module between its definitions (a table, constants) is searched in spans like
module-level code: a C++ file inside ``namespace app { ... }`` or a Ruby ``module`` kept it in no span, and a
search for it offered the namespace's first line instead."""

from __future__ import annotations

import textwrap

from genie_tui.retrieval import RepoIndex

REGISTRY = textwrap.dedent('''
    #include <map>

    namespace app {

    int helper(int x) {
        return x;
    }

    static const std::map<int, const char*> kErrorNames = {
        {1, "quota exceeded"},
        {2, "bucket missing"},
    };

    int lookup(int code) {
        return code;
    }

    }  // namespace app
    ''').lstrip()

LIMITS = textwrap.dedent('''
    module Billing
      class Invoice
        def total
          0
        end
      end

      RETRY_LIMIT = 3
      GRACE_PERIOD_DAYS = 14
    end
    ''').lstrip()


def _first_span(repo, query):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        top = ix.search(query, k=1)[0]
    finally:
        ix.close()
    return top.path, (top.spans[0].start, top.spans[0].end)


def test_code_between_the_definitions_of_a_namespace_is_a_span(make_repo):
    repo = make_repo({"src/registry.cpp": REGISTRY, "src/billing.rb": LIMITS})
    path, (start, end) = _first_span(repo, "kErrorNames has no entry for bucket missing")
    assert path == "src/registry.cpp" and start <= 9 and end >= 12 and end - start < 10
    path, (start, end) = _first_span(repo, "GRACE_PERIOD_DAYS should be 30")
    assert path == "src/billing.rb" and start <= 9 and end >= 9 and end - start < 5
