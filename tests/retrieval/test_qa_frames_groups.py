"""Python 3.11's exception groups: the tracebacks of a group's sub-exceptions, drawn in ``|`` boxes, are read,
and each sub-exception's raising frame counts as a raising frame, not as a caller of the group's frames."""

from __future__ import annotations

# --- Python 3.11: an exception group's sub-exceptions ----------------------------------------------------------

PY = {f"src/app/{name}.py": "\n".join(f"def f{i}():\n    return {i}" for i in range(30)) + "\n"
      for name in ("main", "runner", "fetch", "client", "worker", "parse")}
PY["src/app/__init__.py"] = ""
A = "src/app/"

GROUP = """Both tasks fail and the group hides which one first:

```
  + Exception Group Traceback (most recent call last):
  |   File "/srv/app/main.py", line 10, in <module>
  |     asyncio.run(main())
  |   File "/usr/lib/python3.11/asyncio/runners.py", line 190, in run
  |     return runner.run(main)
  |   File "/srv/app/runner.py", line 20, in main
  |     async with asyncio.TaskGroup() as tg:
  |   File "/usr/lib/python3.11/asyncio/taskgroups.py", line 133, in __aexit__
  |     raise me from None
  | ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/srv/app/fetch.py", line 5, in fetch
    |     return await client.get(url)
    |   File "/srv/app/client.py", line 30, in get
    |     raise ConnectionError(url)
    | ConnectionError: http://example.com/feed
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |   File "/srv/app/worker.py", line 12, in work
    |     return parse(line)
    |   File "/srv/app/parse.py", line 7, in parse
    |     return int(s)
    | ValueError: invalid literal for int() with base 10: 'x'
    +------------------------------------
```
"""


def test_the_frames_in_an_exception_group_s_boxes_are_read(make_repo, trace_signal):
    trace = trace_signal(make_repo(PY), GROUP)
    assert all(trace[A + f"{name}.py"] > 0.0 for name in ("main", "runner", "fetch", "client", "worker", "parse"))


def test_each_sub_exception_s_raising_frame_counts_as_a_raising_frame(make_repo, trace_signal, frame_places):
    # the raising frames first, the first sub-exception's (the first task to fail) most, then the group's own
    # (where it was raised); then their callers, as far from the raising frame as each other
    assert frame_places(GROUP)[-6:] == [("runner.py", 20), ("worker.py", 12), ("fetch.py", 5), ("taskgroups.py", 133),
                                        ("parse.py", 7), ("client.py", 30)]
    trace = trace_signal(make_repo(PY), GROUP)
    assert trace[A + "client.py"] == 1.0
    assert 1.0 > trace[A + "parse.py"] > trace[A + "fetch.py"] > trace[A + "worker.py"] > trace[A + "runner.py"] \
        > trace[A + "main.py"] > 0.0


def test_a_nested_group_s_sub_exceptions_count_before_its_own_frames(frame_places):
    # a sub-exception that is a group counts as a whole, before the next sub-exception: its own sub-exceptions,
    # then its own frames
    text = """  + Exception Group Traceback (most recent call last):
  |   File "/srv/app/main.py", line 10, in <module>
  |     run()
  | ExceptionGroup: outer (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Exception Group Traceback (most recent call last):
    |   File "/srv/app/runner.py", line 20, in main
    |     raise ExceptionGroup("inner", errors)
    | ExceptionGroup: inner (1 sub-exception)
    +-+---------------- 1 ----------------
      | Traceback (most recent call last):
      |   File "/srv/app/parse.py", line 7, in parse
      |     return int(s)
      | ValueError: invalid literal for int() with base 10: 'x'
      +------------------------------------
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |   File "/srv/app/client.py", line 30, in get
    |     raise ConnectionError(url)
    | ConnectionError: http://example.com/feed
    +------------------------------------
"""
    assert frame_places(text) == [("main.py", 10), ("client.py", 30), ("runner.py", 20), ("parse.py", 7)]


def test_a_plain_traceback_after_a_group_keeps_the_last_word(frame_places):
    # a group is one trace among the text's: a traceback printed after it still counts more, as the last one does
    after = ('\nTraceback (most recent call last):\n  File "/srv/app/report.py", line 3, in <module>\n'
             "    build()\nNameError: name 'build' is not defined\n")
    assert frame_places(GROUP.replace("```\n", "", 1) + after)[-1] == ("report.py", 3)
