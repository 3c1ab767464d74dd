"""A long pasted log (``genie search @build.log``: up to 200,000 characters are read) is analysed in about a
second: each name in it was compared with each stack frame in it (6.5-10 s for a log of frames here, 1 s now)."""

from __future__ import annotations

import time

from genie_tui.retrieval.query import analyze


def test_a_long_log_of_frames_is_analysed_in_linear_time():
    log = "goroutine 1 [running]:\n" + "".join(f"main.f()\n\t/a/s{i}.go:{i}\n" for i in range(30000))
    start = time.process_time()  # CPU time: the suite shares the cores
    q = analyze(log)
    took = time.process_time() - start
    assert len(q.frames) > 7000 and q.frames[-1].path == "a/s0.go"  # the innermost, strongest
    assert took < 4.0, f"{took:.1f} s"


def _cpu(text: str) -> float:
    start = time.process_time()
    analyze(text)
    return time.process_time() - start


def test_a_long_run_of_blanks_on_a_line_is_read_in_linear_time():
    # the boilerplate heading's blanks before and after its optional ``#`` were split every way: 10,000 blanks
    # took 9 s, 200,000 would have taken most of an hour
    for blank in (" ", "\t", "\u00a0"):
        took = _cpu("Refund crashes\n\nlog line:\n" + blank * 10_000 + "done\n")
        assert took < 1.0, f"{blank!r}: {took:.1f} s"


def test_many_ipython_frame_headers_or_unclosed_details_are_read_in_linear_time():
    # each line that looks like an IPython frame's header read every numbered line after it for the arrow (5 s
    # here); each unclosed <details> read the text to its end for a </details> (3 s)
    assert _cpu("1.py in f(x)\n" * 6_000) < 1.5
    assert _cpu("<details> version 1.1 2.2 3.3 4.4 5.5\n" * 5_000) < 1.5


def test_a_long_line_of_places_that_starts_like_an_apple_frame_is_read_in_linear_time():
    # each place of the line read the line to its end for an Apple crash report's address (9 s here)
    line = "1 x " + "".join(f"a.py:{i} " for i in range(8_000))
    assert _cpu(line) < 1.5
