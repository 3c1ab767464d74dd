"""Regressions found by comparing go_to_definition and find_references before and after the session-29 symbol
changes on real repositories (gson, pytest, sphinx, cJSON): each was right before those changes."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from genie_tui.retrieval import RepoIndex


def _repo(make_repo, files: dict[str, str]) -> Path:
    return make_repo({rel: textwrap.dedent(text).lstrip("\n") for rel, text in files.items()})


@contextmanager
def _index(repo: Path) -> Iterator[RepoIndex]:
    ix = RepoIndex.open(repo)
    try:
        yield ix
    finally:
        ix.close()


def test_tests_that_request_a_pytest_fixture_are_its_references(make_repo):
    # the parameter named after the fixture was read as the function's own variable, and its lines dropped
    repo = _repo(make_repo, {
        "tests/test_markup.py": '''
            import pytest
            @pytest.fixture
            def settings():
                return {"smart_quotes": True}
            def test_quotes(settings):
                assert settings["smart_quotes"]
            ''',
        "tests/test_more.py": '''
            from tests.test_markup import settings
            def test_imported(settings):
                assert settings
            ''',
    })
    with _index(repo) as ix:
        refs = {(loc.path, loc.line) for loc in ix.references("settings", "tests/test_markup.py")}
    assert {("tests/test_markup.py", 5), ("tests/test_markup.py", 6), ("tests/test_more.py", 2),
            ("tests/test_more.py", 3)} <= refs


def test_a_java_method_of_a_class_in_the_same_package_is_not_nearer_than_the_called_class(make_repo):
    # a package makes its classes visible, not their methods: ``new Builder().create()`` is Builder's
    repo = _repo(make_repo, {
        "src/main/java/com/acme/Builder.java": '''
            package com.acme;
            public final class Builder {
              public Object create() {
                return new Object();
              }
            }
            ''',
        "src/test/java/com/acme/functional/DelegateTest.java": '''
            package com.acme.functional;
            public class DelegateTest {
              static class Stats {
                Object create(String type) {
                  return type;
                }
              }
            }
            ''',
        "src/test/java/com/acme/functional/ExclusionTest.java": '''
            package com.acme.functional;
            import com.acme.Builder;
            public class ExclusionTest {
              public void setUp() {
                Object o = new Builder().create();
              }
            }
            ''',
    })
    with _index(repo) as ix:
        top = ix.definitions("create", "src/test/java/com/acme/functional/ExclusionTest.java")[0]
    assert (top.path, top.line) == ("src/main/java/com/acme/Builder.java", 3)


def test_a_python_module_sees_nothing_of_its_directory_without_an_import(make_repo):
    repo = _repo(make_repo, {
        "pkg/__init__.py": "",
        "pkg/ast.py": "import ast as _ast\ndef parse(code):\n    return _ast.parse(code)\n",
        "tests/test_markup.py": "def parse():\n    return 1\n",
        "tests/test_ast.py": "from pkg import ast\ndef test_unparse():\n    assert ast.parse('x = 1')\n",
    })
    with _index(repo) as ix:
        top = ix.definitions("parse", "tests/test_ast.py")[0]
    assert (top.path, top.line) == ("pkg/ast.py", 2)


def test_calls_to_a_c_macro_after_a_brace_opening_macro_are_calls_not_declarations(make_repo):
    # tree-sitter's error recovery reads ``TEST_X(1, p0, 4);`` after ``EXPECT_ABORT_BEGIN`` (which opens a brace;
    # 31 lines of cJSON's vendored Unity tests, tests/unity/test/tests/testunity.c)
    # as a prototype: it was a declaration to go to, and its line no reference
    repo = _repo(make_repo, {
        "src/unity.h": "#define TEST_ASSERT_EACH_EQUAL_INT16(e, a, n) UnityAssertEachEqual((e), (a), (n))\n",
        "test/testunity.c": '''
            #include "unity.h"
                EXPECT_ABORT_BEGIN
                TEST_ASSERT_EQUAL_INT16_ARRAY(p0, p1, 4);
                VERIFY_FAILS_END
            }

            void testEqualInt16EachEqual(void)
            {
                UNITY_INT16 p0[] = {1, 1, 1, 1};
                UNITY_INT16 p1[] = {32111, 32111, 32111, 3};
                UNITY_INT16 p2[] = {-1, -1, -1, 2};
                UNITY_INT16 p3[] = {1, 50, 60, 70};

                TEST_ASSERT_EACH_EQUAL_INT16(1, p0, 1);
                TEST_ASSERT_EACH_EQUAL_INT16(1, p0, 4);
                TEST_ASSERT_EACH_EQUAL_INT16(32111, p1, 3);
                TEST_ASSERT_EACH_EQUAL_INT16(-1, p2, 3);
                TEST_ASSERT_EACH_EQUAL_INT16(1, p3, 1);
            }

            void testNotEqualInt16EachEqual(void)
            {
                UNITY_INT16 p0[] = {127, 127, 127, 3};

                EXPECT_ABORT_BEGIN
                TEST_ASSERT_EACH_EQUAL_INT16(127, p0, 4);
                VERIFY_FAILS_END
            }

            void testEqualInt32Arrays(void)
            {
                UNITY_INT32 p0[] = {1, 8, 117, 3};
            ''',   })
    with _index(repo) as ix:
        defs = [(loc.path, loc.line) for loc in ix.definitions("TEST_ASSERT_EACH_EQUAL_INT16", "src/unity.h")]
        calls = sorted(loc.line for loc in ix.references("TEST_ASSERT_EACH_EQUAL_INT16", "src/unity.h")
                       if loc.path == "test/testunity.c")
    assert defs == [("src/unity.h", 1)]
    assert calls == [14, 15, 16, 17, 18, 26]
