"""A file's trace signal is its strongest frame's, not its last printed: a later frame that names it among others
(a bare ``util.py`` that two directories hold) shares its strength with them."""

from __future__ import annotations

UTIL = "def f(x):\n    return g(x)\n\n\ndef g(x):\n    return x.total\n" + "\n" * 10


def test_a_file_s_trace_signal_is_its_strongest_frame_s(make_repo, trace_signal):
    repo = make_repo({"a/util.py": UTIL, "b/util.py": UTIL, "a/main.py": "from a.util import f\n\nf(None)\n"})
    text = ('Traceback (most recent call last):\n  File "/home/u/proj/a/main.py", line 3, in <module>\n'
            '  File "/home/u/proj/a/util.py", line 2, in f\n  File "util.py", line 6, in g\n'
            "AttributeError: 'NoneType' object has no attribute 'total'\n")
    trace = trace_signal(repo, text)
    # the frames' strengths: main.py 2/3, a/util.py 5/6, the bare util.py 1, shared by a/ and b/
    assert (round(trace["a/util.py"], 2), round(trace["b/util.py"], 2)) == (round(5 / 6, 2), 0.5)
