"""C++ gtest files named as Chromium and much of C++ name them (``widget_unittest.cc``, ``_browsertest.cc``) are
tests, ranked below the code they test, as ``widget_test.cc`` is."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

WIDGET = "#include \"widget.h\"\n\nint Widget::Layout(int width) {\n  return width / 2;\n}\n"
TEST = ("#include \"widget.h\"\n#include \"gtest/gtest.h\"\n\n// Widget layout width: layout of a widget of width 10\n"
        "TEST(WidgetTest, Layout) {\n  Widget w;\n  EXPECT_EQ(w.Layout(10), 5);\n  EXPECT_EQ(w.Layout(4), 2);\n}\n")


def test_cpp_unittest_files_are_tests(make_repo):
    ix = RepoIndex.open(make_repo({"ui/widget.cc": WIDGET, "ui/widget_unittest.cc": TEST,
                                   "ui/widget_browsertest.cc": TEST}))
    try:
        ranked = [r.path for r in ix.search("Widget::Layout returns the wrong width for a widget layout", k=3)]
    finally:
        ix.close()
    assert ranked[0] == "ui/widget.cc"
