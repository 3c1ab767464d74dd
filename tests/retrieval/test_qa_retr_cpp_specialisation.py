"""A C++ class template's specialisation (``template <> class Box<int> {}``) is a definition of ``Box``, with its
methods as ``Box``'s: it was named ``Box<int>``, which no one asks for, and ``Box`` found nothing."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

BOX = ("template <typename T>\nclass Box {\npublic:\n    T get() const { return T(); }\n};\n\n"
       "template <>\nclass Box<bool> {\npublic:\n    bool get() const { return false; }\n};\n")


def test_a_specialisation_is_a_definition_of_its_template(make_repo):
    repo = make_repo({"box.hpp": BOX})
    ix = RepoIndex.open(repo)
    try:
        assert [(d.line, d.end_line, d.kind) for d in ix.definitions("Box")] == [(2, 5, "class"), (8, 11, "class")]
        assert [d.line for d in ix.definitions("Box::get")] == [4, 10]
    finally:
        ix.close()
