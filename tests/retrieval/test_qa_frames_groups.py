"""Python 3.11's exception groups: the tracebacks of a group's sub-exceptions, drawn in ``|`` boxes, are read,
and each sub-exception's raising frame counts as a raising frame, not as a caller of the group's frames; a chain
of tracebacks in a box counts as a chain does, and so does a chain that holds a group (as pytest prints them)."""

from __future__ import annotations

import pytest

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
# captured from CPython 3.11's ``traceback.format_exc()``, the files moved to /srv/app (its blank lines in a box
# end in a space, as printed)

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


# --- a group in a chain of tracebacks ---------------------------------------------------------------------------

# CPython 3.11: ``raise SyncError(...) from eg`` over the group it caught
RAISED_FROM_GROUP = """  + Exception Group Traceback (most recent call last):
  |   File "/srv/app/wrap.py", line 11, in sync
  |     raise ExceptionGroup("sync", [runner.one(client.get, "a"), runner.one(parse.parse, "b")])
  | ExceptionGroup: sync (2 sub-exceptions)
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
    |   File "/srv/app/parse.py", line 2, in parse
    |     return int(s)
    |            ^^^^^^
    | ValueError: invalid literal for int() with base 10: 'b'
    +------------------------------------

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/app/wrap.py", line 17, in <module>
    sync()
  File "/srv/app/wrap.py", line 13, in sync
    raise SyncError("sync failed") from eg
SyncError: sync failed
"""


def test_a_group_that_caused_an_exception_counts_as_the_chain_s_root_cause(make_repo, trace_signal, frame_places):
    # the group is the chain's first exception: its sub-exceptions', then its own raising frame, then the
    # SyncError's raised from it; then their callers
    assert frame_places(RAISED_FROM_GROUP) == [("wrap.py", 17), ("runner.py", 7), ("wrap.py", 13), ("wrap.py", 11),
                                               ("parse.py", 2), ("client.py", 2)]
    trace = trace_signal(make_repo({**CHAINS, "src/app/wrap.py": CHAINS["src/app/more.py"]}), RAISED_FROM_GROUP)
    assert trace[A + "client.py"] == 1.0
    assert 1.0 > trace[A + "parse.py"] > trace[A + "wrap.py"] > trace[A + "runner.py"] > 0.0


# captured from pytest 8.4.2 (the project moved to /home/u/proj); pytest prints a group as CPython does since
# 7.2, with every ``--tb`` but ``line`` (``path:line: ExceptionGroup: ...`` alone), in a chain with the other
# exceptions in its own style (``E   `` before their exception, ``path:line`` places); before 7.2 its long and
# short styles printed ``E       ExceptionGroup: several (2 sub-exceptions)`` and no sub-exception at all
PYTEST_GROUP_CAUSED = {  # a test whose ``raise ServiceError(...) from eg`` is over a group
    "long": """=================================== FAILURES ===================================
__________________________________ test_start __________________________________
  + Exception Group Traceback (most recent call last):
  |   File "/home/u/proj/shop/service.py", line 10, in start
  |     runner.run_all()
  |   File "/home/u/proj/shop/runner.py", line 13, in run_all
  |     raise ExceptionGroup("several", errors)
  | ExceptionGroup: several (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/client.py", line 2, in get
    |     raise ConnectionError(url)
    | ConnectionError: http://x
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/parse.py", line 2, in parse
    |     return int(s)
    |            ^^^^^^
    | ValueError: invalid literal for int() with base 10: 'x'
    +------------------------------------

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/home/u/proj/test_svc.py", line 5, in test_start
    service.start()
  File "/home/u/proj/shop/service.py", line 12, in start
    raise ServiceError("could not start") from eg
shop.service.ServiceError: could not start

The above exception was the direct cause of the following exception:

    def test_start():
>       service.start()

test_svc.py:5: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

    def start():
        try:
            runner.run_all()
        except ExceptionGroup as eg:
>           raise ServiceError("could not start") from eg
E           shop.service.ServiceError: could not start

shop/service.py:12: ServiceError
=========================== short test summary info ============================
FAILED test_svc.py::test_start - shop.service.ServiceError: could not start
============================== 1 failed in 0.80s ===============================
""",
    "short": """=================================== FAILURES ===================================
__________________________________ test_start __________________________________
  + Exception Group Traceback (most recent call last):
  |   File "/home/u/proj/shop/service.py", line 10, in start
  |     runner.run_all()
  |   File "/home/u/proj/shop/runner.py", line 13, in run_all
  |     raise ExceptionGroup("several", errors)
  | ExceptionGroup: several (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/client.py", line 2, in get
    |     raise ConnectionError(url)
    | ConnectionError: http://x
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/parse.py", line 2, in parse
    |     return int(s)
    |            ^^^^^^
    | ValueError: invalid literal for int() with base 10: 'x'
    +------------------------------------

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/home/u/proj/test_svc.py", line 5, in test_start
    service.start()
  File "/home/u/proj/shop/service.py", line 12, in start
    raise ServiceError("could not start") from eg
shop.service.ServiceError: could not start

The above exception was the direct cause of the following exception:
test_svc.py:5: in test_start
    service.start()
shop/service.py:12: in start
    raise ServiceError("could not start") from eg
E   shop.service.ServiceError: could not start
=========================== short test summary info ============================
FAILED test_svc.py::test_start - shop.service.ServiceError: could not start
============================== 1 failed in 0.74s ===============================
""",
}
PYTEST_GROUP_FROM = {  # a test whose ``raise ExceptionGroup(...) from e`` is over a ValueError
    "long": """=================================== FAILURES ===================================
_______________________________ test_from_cause ________________________________

    def start_from_cause():
        try:
>           runner.parse.parse("q")

shop/service.py:17: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

s = 'q'

    def parse(s):
>       return int(s)
               ^^^^^^
E       ValueError: invalid literal for int() with base 10: 'q'

shop/parse.py:2: ValueError

The above exception was the direct cause of the following exception:
Traceback (most recent call last):
  File "/home/u/proj/shop/service.py", line 17, in start_from_cause
    runner.parse.parse("q")
  File "/home/u/proj/shop/parse.py", line 2, in parse
    return int(s)
           ^^^^^^
ValueError: invalid literal for int() with base 10: 'q'

The above exception was the direct cause of the following exception:

  + Exception Group Traceback (most recent call last):
  |   File "/home/u/proj/test_svc.py", line 9, in test_from_cause
  |     service.start_from_cause()
  |   File "/home/u/proj/shop/service.py", line 19, in start_from_cause
  |     raise ExceptionGroup("several", [runner.one(runner.client.get, "u")]) from e
  | ExceptionGroup: several (1 sub-exception)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/client.py", line 2, in get
    |     raise ConnectionError(url)
    | ConnectionError: u
    +------------------------------------
=========================== short test summary info ============================
FAILED test_svc.py::test_from_cause - ConnectionError('u') [single exception ...
============================== 1 failed in 0.78s ===============================
""",
    "short": """=================================== FAILURES ===================================
_______________________________ test_from_cause ________________________________
shop/service.py:17: in start_from_cause
    runner.parse.parse("q")
shop/parse.py:2: in parse
    return int(s)
           ^^^^^^
E   ValueError: invalid literal for int() with base 10: 'q'

The above exception was the direct cause of the following exception:
Traceback (most recent call last):
  File "/home/u/proj/shop/service.py", line 17, in start_from_cause
    runner.parse.parse("q")
  File "/home/u/proj/shop/parse.py", line 2, in parse
    return int(s)
           ^^^^^^
ValueError: invalid literal for int() with base 10: 'q'

The above exception was the direct cause of the following exception:

  + Exception Group Traceback (most recent call last):
  |   File "/home/u/proj/test_svc.py", line 9, in test_from_cause
  |     service.start_from_cause()
  |   File "/home/u/proj/shop/service.py", line 19, in start_from_cause
  |     raise ExceptionGroup("several", [runner.one(runner.client.get, "u")]) from e
  | ExceptionGroup: several (1 sub-exception)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/client.py", line 2, in get
    |     raise ConnectionError(url)
    | ConnectionError: u
    +------------------------------------
=========================== short test summary info ============================
FAILED test_svc.py::test_from_cause - ConnectionError('u') [single exception ...
============================== 1 failed in 0.76s ===============================
""",
}


@pytest.mark.parametrize("tb", ["long", "short"])
def test_pytest_s_failure_caused_by_a_group_counts_the_group_s_sub_exceptions_most(tb, frame_places):
    # the group (printed first, with pytest's bug that prints the ServiceError natively too) is the root cause:
    # its sub-exceptions' raising frames, its own, then the ServiceError's, natively and in pytest's entries
    assert frame_places(PYTEST_GROUP_CAUSED[tb]) == [
        ("test_svc.py", 5), ("test_svc.py", 5), ("service.py", 10), ("runner.py", 6), ("service.py", 12),
        ("service.py", 12), ("runner.py", 13), ("parse.py", 2), ("client.py", 2)]


@pytest.mark.parametrize("tb", ["long", "short"])
def test_pytest_s_group_raised_from_an_exception_counts_that_exception_most(tb, frame_places):
    # the ValueError, in pytest's entries and again natively, is the root cause; then the group's sub-exception
    # and the group's own raising frame
    assert frame_places(PYTEST_GROUP_FROM[tb]) == [
        ("test_svc.py", 9), ("runner.py", 6), ("service.py", 17), ("service.py", 17), ("service.py", 19),
        ("client.py", 2), ("parse.py", 2), ("parse.py", 2)]


# pytest 8.4's ``--tb=long`` (``short`` prints the same) and ``--tb=native`` (pytest's own frames above) of a test
# whose group's first sub-exception is ``raise ConfigError(...) from e``
PYTEST_CHAINED_BOX = {
    "long": """=================================== FAILURES ===================================
_________________________________ test_chained _________________________________
  + Exception Group Traceback (most recent call last):
  |   File "/home/u/proj/test_chained.py", line 5, in test_chained
  |     runner.run_chained()
  |   File "/home/u/proj/shop/runner.py", line 18, in run_chained
  |     raise ExceptionGroup("several", errors)
  | ExceptionGroup: several (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/loader.py", line 10, in load
    |     return config.lookup(d, "db")
    |            ^^^^^^^^^^^^^^^^^^^^^^
    |   File "/home/u/proj/shop/config.py", line 2, in lookup
    |     return d[k]
    |            ~^^^
    | KeyError: 'db'
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/loader.py", line 12, in load
    |     raise ConfigError("no db") from e
    | shop.loader.ConfigError: no db
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/parse.py", line 2, in parse
    |     return int(s)
    |            ^^^^^^
    | ValueError: invalid literal for int() with base 10: 'x'
    +------------------------------------
=========================== short test summary info ============================
FAILED test_chained.py::test_chained - ExceptionGroup: several (2 sub-excepti...
============================== 1 failed in 0.81s ===============================
""",
    "native": """=================================== FAILURES ===================================
_________________________________ test_chained _________________________________
  + Exception Group Traceback (most recent call last):
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/_pytest/runner.py", line 344, in from_call
  |     result: TResult | None = func()
  |                              ^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/_pytest/runner.py", line 246, in <lambda>
  |     lambda: runtest_hook(item=item, **kwds), when=when, reraise=reraise
  |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_caller.py", line 197, in __call__
  |     return self._hookexec(
  |            ^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_manager.py", line 183, in _hookexec
  |     return self._inner_hookexec(hook_name, methods, kwargs, firstresult)
  |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 195, in _multicall
  |     raise exception
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 167, in _multicall
  |     teardown.throw(exception)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/_pytest/logging.py", line 850, in pytest_runtest_call
  |     yield
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 167, in _multicall
  |     teardown.throw(exception)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/_pytest/capture.py", line 900, in pytest_runtest_call
  |     return (yield)
  |             ^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 167, in _multicall
  |     teardown.throw(exception)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 64, in run_old_style_hookwrapper
  |     return result.get_result()
  |            ^^^^^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_result.py", line 103, in get_result
  |     raise exc.with_traceback(tb)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 49, in run_old_style_hookwrapper
  |     res = yield
  |           ^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 167, in _multicall
  |     teardown.throw(exception)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 64, in run_old_style_hookwrapper
  |     return result.get_result()
  |            ^^^^^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_result.py", line 103, in get_result
  |     raise exc.with_traceback(tb)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 49, in run_old_style_hookwrapper
  |     res = yield
  |           ^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 167, in _multicall
  |     teardown.throw(exception)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/_pytest/skipping.py", line 263, in pytest_runtest_call
  |     return (yield)
  |             ^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 147, in _multicall
  |     res = hook_impl.function(*args)
  |           ^^^^^^^^^^^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/_pytest/runner.py", line 178, in pytest_runtest_call
  |     item.runtest()
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/_pytest/python.py", line 1671, in runtest
  |     self.ihook.pytest_pyfunc_call(pyfuncitem=self)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_caller.py", line 197, in __call__
  |     return self._hookexec(
  |            ^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_manager.py", line 183, in _hookexec
  |     return self._inner_hookexec(hook_name, methods, kwargs, firstresult)
  |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 195, in _multicall
  |     raise exception
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 167, in _multicall
  |     teardown.throw(exception)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 64, in run_old_style_hookwrapper
  |     return result.get_result()
  |            ^^^^^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_result.py", line 103, in get_result
  |     raise exc.with_traceback(tb)
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 49, in run_old_style_hookwrapper
  |     res = yield
  |           ^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/pluggy/_execution.py", line 147, in _multicall
  |     res = hook_impl.function(*args)
  |           ^^^^^^^^^^^^^^^^^^^^^^^^^
  |   File "/home/u/proj/.venv/lib/python3.11/site-packages/_pytest/python.py", line 157, in pytest_pyfunc_call
  |     result = testfunction(**testargs)
  |              ^^^^^^^^^^^^^^^^^^^^^^^^
  |   File "/home/u/proj/test_chained.py", line 5, in test_chained
  |     runner.run_chained()
  |   File "/home/u/proj/shop/runner.py", line 18, in run_chained
  |     raise ExceptionGroup("several", errors)
  | ExceptionGroup: several (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/loader.py", line 10, in load
    |     return config.lookup(d, "db")
    |            ^^^^^^^^^^^^^^^^^^^^^^
    |   File "/home/u/proj/shop/config.py", line 2, in lookup
    |     return d[k]
    |            ~^^^
    | KeyError: 'db'
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/loader.py", line 12, in load
    |     raise ConfigError("no db") from e
    | shop.loader.ConfigError: no db
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |   File "/home/u/proj/shop/runner.py", line 6, in one
    |     f(*a)
    |   File "/home/u/proj/shop/parse.py", line 2, in parse
    |     return int(s)
    |            ^^^^^^
    | ValueError: invalid literal for int() with base 10: 'x'
    +------------------------------------
=========================== short test summary info ============================
FAILED test_chained.py::test_chained - ExceptionGroup: several (2 sub-excepti...
============================== 1 failed in 0.95s ===============================
""",
}


@pytest.mark.parametrize("tb", ["long", "native"])
def test_pytest_s_group_counts_a_sub_exception_s_root_cause_most(tb, frame_places):
    assert frame_places(PYTEST_CHAINED_BOX[tb])[-7:] == [
        ("test_chained.py", 5), ("runner.py", 6), ("loader.py", 10), ("runner.py", 18), ("parse.py", 2),
        ("loader.py", 12), ("config.py", 2)]
