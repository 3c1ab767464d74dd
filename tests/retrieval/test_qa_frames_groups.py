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


# --- a sub-exception that is a chain of tracebacks --------------------------------------------------------------
# captured from CPython 3.11's ``traceback.format_exc()`` (its blank lines in a box end in a space, as printed)

CHAINS = {f"src/app/{name}.py": "\n".join(f"def f{i}():\n    return {i}" for i in range(30)) + "\n"
          for name in ("runner", "loader", "config", "client", "parse", "more")}
CHAINS["src/app/__init__.py"] = ""

# the first sub-exception is ``raise ConfigError(...) from e`` over a KeyError
CHAINED_BOX = """  + Exception Group Traceback (most recent call last):
  |   File "/srv/app/runner.py", line 35, in <module>
  |     f()
  |   File "/srv/app/runner.py", line 14, in main
  |     raise ExceptionGroup("outer", errors)
  | ExceptionGroup: outer (3 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/srv/app/loader.py", line 10, in load
    |     return config.lookup(d, "db")
    |            ^^^^^^^^^^^^^^^^^^^^^^
    |   File "/srv/app/config.py", line 2, in lookup
    |     return d[k]
    |            ~^^^
    | KeyError: 'db'
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Traceback (most recent call last):
    |   File "/srv/app/runner.py", line 7, in one
    |     f(*a)
    |   File "/srv/app/loader.py", line 12, in load
    |     raise ConfigError("no db") from e
    | app.loader.ConfigError: no db
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |   File "/srv/app/runner.py", line 7, in one
    |     f(*a)
    |   File "/srv/app/client.py", line 2, in get
    |     raise ConnectionError(url)
    | ConnectionError: http://x
    +---------------- 3 ----------------
    | Traceback (most recent call last):
    |   File "/srv/app/runner.py", line 7, in one
    |     f(*a)
    |   File "/srv/app/parse.py", line 2, in parse
    |     return int(s)
    |            ^^^^^^
    | ValueError: invalid literal for int() with base 10: 'x'
    +------------------------------------
"""

# a nested group's first sub-exception is raised while handling a KeyError
HANDLED_IN_NESTED = """  + Exception Group Traceback (most recent call last):
  |   File "/srv/app/runner.py", line 35, in <module>
  |     f()
  |   File "/srv/app/runner.py", line 19, in nested
  |     raise ExceptionGroup("outer", [one(client.get, "http://y"), inner])
  | ExceptionGroup: outer (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/srv/app/runner.py", line 7, in one
    |     f(*a)
    |   File "/srv/app/client.py", line 2, in get
    |     raise ConnectionError(url)
    | ConnectionError: http://y
    +---------------- 2 ----------------
    | ExceptionGroup: inner (2 sub-exceptions)
    +-+---------------- 1 ----------------
      | Traceback (most recent call last):
      |   File "/srv/app/loader.py", line 17, in load_during
      |     return config.lookup(d, "db")
      |            ^^^^^^^^^^^^^^^^^^^^^^
      |   File "/srv/app/config.py", line 2, in lookup
      |     return d[k]
      |            ~^^^
      | KeyError: 'db'
      | 
      | During handling of the above exception, another exception occurred:
      | 
      | Traceback (most recent call last):
      |   File "/srv/app/runner.py", line 7, in one
      |     f(*a)
      |   File "/srv/app/loader.py", line 19, in load_during
      |     raise ConfigError("no db")
      | app.loader.ConfigError: no db
      +---------------- 2 ----------------
      | Traceback (most recent call last):
      |   File "/srv/app/runner.py", line 7, in one
      |     f(*a)
      |   File "/srv/app/parse.py", line 2, in parse
      |     return int(s)
      |            ^^^^^^
      | ValueError: invalid literal for int() with base 10: 'y'
      +------------------------------------
"""

# the first sub-exception is ``raise RuntimeError(...) from eg`` over a group of two
GROUP_CAUSE_IN_BOX = """  + Exception Group Traceback (most recent call last):
  |   File "/srv/app/more.py", line 17, in <module>
  |     main()
  |   File "/srv/app/more.py", line 13, in main
  |     raise ExceptionGroup("outer", [runner.one(wrap), runner.one(parse.parse, "x")])
  | ExceptionGroup: outer (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Exception Group Traceback (most recent call last):
    |   File "/srv/app/more.py", line 7, in wrap
    |     raise ExceptionGroup("tries", [runner.one(client.get, "a"), runner.one(client.get, "b")])
    | ExceptionGroup: tries (2 sub-exceptions)
    +-+---------------- 1 ----------------
      | Traceback (most recent call last):
      |   File "/srv/app/runner.py", line 7, in one
      |     f(*a)
      |   File "/srv/app/client.py", line 2, in get
      |     raise ConnectionError(url)
      | ConnectionError: a
      +---------------- 2 ----------------
      | Traceback (most recent call last):
      |   File "/srv/app/runner.py", line 7, in one
      |     f(*a)
      |   File "/srv/app/client.py", line 2, in get
      |     raise ConnectionError(url)
      | ConnectionError: b
      +------------------------------------
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Traceback (most recent call last):
    |   File "/srv/app/runner.py", line 7, in one
    |     f(*a)
    |   File "/srv/app/more.py", line 9, in wrap
    |     raise RuntimeError("all tries failed") from eg
    | RuntimeError: all tries failed
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |   File "/srv/app/runner.py", line 7, in one
    |     f(*a)
    |   File "/srv/app/parse.py", line 2, in parse
    |     return int(s)
    |            ^^^^^^
    | ValueError: invalid literal for int() with base 10: 'x'
    +------------------------------------
"""


def test_a_chain_in_a_sub_exception_s_box_counts_its_root_cause_most(make_repo, trace_signal, frame_places):
    # the box's first traceback (the KeyError) is the root cause, its raising frame the strongest of all; the
    # ConfigError raised from it next, then the other sub-exceptions' and the group's own; then their callers
    assert frame_places(CHAINED_BOX) == [("runner.py", 35), ("runner.py", 7), ("loader.py", 10), ("runner.py", 14),
                                         ("parse.py", 2), ("client.py", 2), ("loader.py", 12), ("config.py", 2)]
    trace = trace_signal(make_repo(CHAINS), CHAINED_BOX)
    assert trace[A + "config.py"] == 1.0
    assert 1.0 > trace[A + "loader.py"] > trace[A + "client.py"] > trace[A + "parse.py"] > trace[A + "runner.py"] \
        > 0.0


def test_a_chain_in_a_nested_group_s_box_counts_its_root_cause_first(frame_places):
    # the outer group's first sub-exception, then the nested group's: its first sub-exception's chain, root cause
    # first, then its second sub-exception; then the outer group's own frames
    assert frame_places(HANDLED_IN_NESTED) == [("runner.py", 35), ("loader.py", 17), ("runner.py", 7),
                                               ("runner.py", 19), ("parse.py", 2), ("loader.py", 19),
                                               ("config.py", 2), ("client.py", 2)]


def test_a_group_that_caused_a_sub_exception_counts_before_it(frame_places):
    # the box's chain starts with a group: its sub-exception's raising frame, then its own, then the RuntimeError
    # raised from it, then the next sub-exception's
    assert frame_places(GROUP_CAUSE_IN_BOX) == [("more.py", 17), ("runner.py", 7), ("more.py", 13), ("parse.py", 2),
                                                ("more.py", 9), ("more.py", 7), ("client.py", 2)]
