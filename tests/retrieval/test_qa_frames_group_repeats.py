"""An exception group raised while handling another group that it holds (``except ExceptionGroup as eg: raise
ExceptionGroup("run", [eg, ...])``): Python prints the handled group twice, once as the chain's exception above
the new one and once in the new group's box. ``traceback.format_exc()`` (``print_exc``, logging's ``exception``,
pytest's rendering of a group) prints the handled group's cause only the second time, the first copy short; the
interpreter's own hook prints it the first time, the copy in the box short. Either way the root cause's raising
frame counts most, as in a plain chain: a traceback printed twice in a chain counts at its later copy. A group
raised ``from`` the handled group without holding it prints it once.

Every trace here is captured verbatim from CPython 3.11.7 and pytest 8.4.2, run in /tmp/proj on these files:

app/config.py::

    def lookup(d, k):
        return d[k]

app/loader.py::

    from app import config


    def load_plain():
        raise ExceptionGroup("load", [ValueError("no db")])


    def load():
        try:
            config.lookup({}, "db")
        except KeyError as e:
            raise ExceptionGroup("load", [ValueError("no db")]) from e


    def parse(s):
        try:
            return config.lookup({}, s)
        except KeyError as e:
            raise ValueError(s) from e


    def load_all():
        errors = []
        try:
            parse("x")
        except ValueError as e:
            errors.append(e)
        raise ExceptionGroup("load_all", errors)

app/runner.py::

    from app import loader


    def run_plain():
        try:
            loader.load_plain()
        except ExceptionGroup as eg:
            raise ExceptionGroup("run", [eg, TypeError("x")])


    def run():
        try:
            loader.load()
        except ExceptionGroup as eg:
            raise ExceptionGroup("run", [eg, TypeError("x")])


    def run_all():
        try:
            loader.load_all()
        except ExceptionGroup as eg:
            raise ExceptionGroup("run", [eg, TypeError("x")])


    def run_from():
        try:
            loader.load()
        except ExceptionGroup as eg:
            raise ExceptionGroup("run", [TypeError("x")]) from eg


    def start():
        try:
            run()
        except ExceptionGroup as eg:
            raise RuntimeError("could not start") from eg

``main.py`` calls ``getattr(runner, sys.argv[1])()`` at line 9 under ``try: ... except Exception:
traceback.print_exc()`` (at line 7, before it, without one: the interpreter's hook prints it); ``test_run.py``'s
``test_start`` calls ``runner.start()`` at line 9.
"""

from __future__ import annotations

import pytest

PY = {f"app/{name}.py": "\n".join(f"def f{i}():\n    return {i}" for i in range(30)) + "\n"
      for name in ("config", "loader", "runner")}
PY["app/__init__.py"] = ""

# --- traceback.format_exc(): the first copy of the handled group is short -----------------------------------

# runner.run(): the handled group was raised from a KeyError, printed only in the copy in the new group's box
TB_RUN = """  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 13, in run
  |     loader.load()
  |   File "/tmp/proj/app/loader.py", line 12, in load
  |     raise ExceptionGroup("load", [ValueError("no db")]) from e
  | ExceptionGroup: load (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: no db
    +------------------------------------

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/main.py", line 9, in <module>
  |     getattr(runner, sys.argv[1])()
  |   File "/tmp/proj/app/runner.py", line 15, in run
  |     raise ExceptionGroup("run", [eg, TypeError("x")])
  | ExceptionGroup: run (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/tmp/proj/app/loader.py", line 10, in load
    |     config.lookup({}, "db")
    |   File "/tmp/proj/app/config.py", line 2, in lookup
    |     return d[k]
    |            ~^^^
    | KeyError: 'db'
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/proj/app/runner.py", line 13, in run
    |     loader.load()
    |   File "/tmp/proj/app/loader.py", line 12, in load
    |     raise ExceptionGroup("load", [ValueError("no db")]) from e
    | ExceptionGroup: load (1 sub-exception)
    +-+---------------- 1 ----------------
      | ValueError: no db
      +------------------------------------
    +---------------- 2 ----------------
    | TypeError: x
    +------------------------------------
"""


def test_a_group_raised_while_handling_a_group_counts_the_root_cause_first(make_repo, trace_signal, frame_places):
    # the KeyError's raising frame (config.py:2), then the handled group's (loader.py:12), then the new group's
    # (runner.py:15); then their callers in the same order
    assert frame_places(TB_RUN)[::-1] == [("config.py", 2), ("loader.py", 12), ("runner.py", 15), ("loader.py", 10),
                                          ("runner.py", 13), ("main.py", 9)]
    trace = trace_signal(make_repo(PY), TB_RUN)
    assert trace["app/config.py"] == 1.0
    assert 1.0 > trace["app/loader.py"] > trace["app/runner.py"] > 0.0


# the interpreter's hook prints the same exception with the KeyError above the first copy, the copy in the box
# short: the same order
HOOK_RUN = """Traceback (most recent call last):
  File "/tmp/proj/app/loader.py", line 10, in load
    config.lookup({}, "db")
  File "/tmp/proj/app/config.py", line 2, in lookup
    return d[k]
           ~^^^
KeyError: 'db'

The above exception was the direct cause of the following exception:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 13, in run
  |     loader.load()
  |   File "/tmp/proj/app/loader.py", line 12, in load
  |     raise ExceptionGroup("load", [ValueError("no db")]) from e
  | ExceptionGroup: load (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: no db
    +------------------------------------

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/main.py", line 7, in <module>
  |     getattr(runner, sys.argv[1])()
  |   File "/tmp/proj/app/runner.py", line 15, in run
  |     raise ExceptionGroup("run", [eg, TypeError("x")])
  | ExceptionGroup: run (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/proj/app/runner.py", line 13, in run
    |     loader.load()
    |   File "/tmp/proj/app/loader.py", line 12, in load
    |     raise ExceptionGroup("load", [ValueError("no db")]) from e
    | ExceptionGroup: load (1 sub-exception)
    +-+---------------- 1 ----------------
      | ValueError: no db
      +------------------------------------
    +---------------- 2 ----------------
    | TypeError: x
    +------------------------------------
"""


def test_the_interpreter_s_rendering_of_it_counts_the_same(frame_places):
    assert frame_places(HOOK_RUN)[::-1] == [("config.py", 2), ("loader.py", 12), ("runner.py", 15),
                                            ("loader.py", 10), ("runner.py", 13), ("main.py", 7)]


# runner.run_all(): the handled group's sub-exception is the chain (a ValueError raised from a KeyError)
TB_RUN_ALL = """  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 20, in run_all
  |     loader.load_all()
  |   File "/tmp/proj/app/loader.py", line 28, in load_all
  |     raise ExceptionGroup("load_all", errors)
  | ExceptionGroup: load_all (1 sub-exception)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/tmp/proj/app/loader.py", line 25, in load_all
    |     parse("x")
    |   File "/tmp/proj/app/loader.py", line 19, in parse
    |     raise ValueError(s) from e
    | ValueError: x
    +------------------------------------

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/main.py", line 9, in <module>
  |     getattr(runner, sys.argv[1])()
  |   File "/tmp/proj/app/runner.py", line 22, in run_all
  |     raise ExceptionGroup("run", [eg, TypeError("x")])
  | ExceptionGroup: run (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/proj/app/runner.py", line 20, in run_all
    |     loader.load_all()
    |   File "/tmp/proj/app/loader.py", line 28, in load_all
    |     raise ExceptionGroup("load_all", errors)
    | ExceptionGroup: load_all (1 sub-exception)
    +-+---------------- 1 ----------------
      | Traceback (most recent call last):
      |   File "/tmp/proj/app/loader.py", line 17, in parse
      |     return config.lookup({}, s)
      |            ^^^^^^^^^^^^^^^^^^^^
      |   File "/tmp/proj/app/config.py", line 2, in lookup
      |     return d[k]
      |            ~^^^
      | KeyError: 'x'
      | 
      | The above exception was the direct cause of the following exception:
      | 
      | Traceback (most recent call last):
      |   File "/tmp/proj/app/loader.py", line 25, in load_all
      |     parse("x")
      |   File "/tmp/proj/app/loader.py", line 19, in parse
      |     raise ValueError(s) from e
      | ValueError: x
      +------------------------------------
    +---------------- 2 ----------------
    | TypeError: x
    +------------------------------------
"""


def test_a_chain_in_the_handled_group_s_box_counts_its_root_cause_first(frame_places):
    # the KeyError's, the ValueError raised from it, the handled group's, the new group's
    assert frame_places(TB_RUN_ALL)[::-1] == [
        ("config.py", 2), ("loader.py", 19), ("loader.py", 28), ("runner.py", 22), ("loader.py", 17),
        ("loader.py", 25), ("runner.py", 20), ("main.py", 9)]


# runner.start(): the new group in a chain of its own, the cause of a RuntimeError
TB_START = """  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 13, in run
  |     loader.load()
  |   File "/tmp/proj/app/loader.py", line 12, in load
  |     raise ExceptionGroup("load", [ValueError("no db")]) from e
  | ExceptionGroup: load (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: no db
    +------------------------------------

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 34, in start
  |     run()
  |   File "/tmp/proj/app/runner.py", line 15, in run
  |     raise ExceptionGroup("run", [eg, TypeError("x")])
  | ExceptionGroup: run (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/tmp/proj/app/loader.py", line 10, in load
    |     config.lookup({}, "db")
    |   File "/tmp/proj/app/config.py", line 2, in lookup
    |     return d[k]
    |            ~^^^
    | KeyError: 'db'
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/proj/app/runner.py", line 13, in run
    |     loader.load()
    |   File "/tmp/proj/app/loader.py", line 12, in load
    |     raise ExceptionGroup("load", [ValueError("no db")]) from e
    | ExceptionGroup: load (1 sub-exception)
    +-+---------------- 1 ----------------
      | ValueError: no db
      +------------------------------------
    +---------------- 2 ----------------
    | TypeError: x
    +------------------------------------

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/tmp/proj/main.py", line 9, in <module>
    getattr(runner, sys.argv[1])()
  File "/tmp/proj/app/runner.py", line 36, in start
    raise RuntimeError("could not start") from eg
RuntimeError: could not start
"""


def test_a_group_in_a_group_in_a_chain_counts_the_root_cause_first(frame_places):
    assert frame_places(TB_START)[::-1] == [
        ("config.py", 2), ("loader.py", 12), ("runner.py", 15), ("runner.py", 36), ("loader.py", 10),
        ("runner.py", 13), ("runner.py", 34), ("main.py", 9)]


# runner.run_from(): a group raised from the handled group, not holding it: printed once, the KeyError above it
TB_RUN_FROM = """Traceback (most recent call last):
  File "/tmp/proj/app/loader.py", line 10, in load
    config.lookup({}, "db")
  File "/tmp/proj/app/config.py", line 2, in lookup
    return d[k]
           ~^^^
KeyError: 'db'

The above exception was the direct cause of the following exception:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 27, in run_from
  |     loader.load()
  |   File "/tmp/proj/app/loader.py", line 12, in load
  |     raise ExceptionGroup("load", [ValueError("no db")]) from e
  | ExceptionGroup: load (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: no db
    +------------------------------------

The above exception was the direct cause of the following exception:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/main.py", line 9, in <module>
  |     getattr(runner, sys.argv[1])()
  |   File "/tmp/proj/app/runner.py", line 29, in run_from
  |     raise ExceptionGroup("run", [TypeError("x")]) from eg
  | ExceptionGroup: run (1 sub-exception)
  +-+---------------- 1 ----------------
    | TypeError: x
    +------------------------------------
"""


def test_a_group_raised_from_a_group_counts_the_root_cause_first(frame_places):
    assert frame_places(TB_RUN_FROM)[::-1] == [("config.py", 2), ("loader.py", 12), ("runner.py", 29),
                                               ("loader.py", 10), ("runner.py", 27), ("main.py", 9)]


# runner.run_plain(): the handled group has no cause, both copies print it whole
TB_RUN_PLAIN = """  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 6, in run_plain
  |     loader.load_plain()
  |   File "/tmp/proj/app/loader.py", line 5, in load_plain
  |     raise ExceptionGroup("load", [ValueError("no db")])
  | ExceptionGroup: load (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: no db
    +------------------------------------

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/main.py", line 9, in <module>
  |     getattr(runner, sys.argv[1])()
  |   File "/tmp/proj/app/runner.py", line 8, in run_plain
  |     raise ExceptionGroup("run", [eg, TypeError("x")])
  | ExceptionGroup: run (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/proj/app/runner.py", line 6, in run_plain
    |     loader.load_plain()
    |   File "/tmp/proj/app/loader.py", line 5, in load_plain
    |     raise ExceptionGroup("load", [ValueError("no db")])
    | ExceptionGroup: load (1 sub-exception)
    +-+---------------- 1 ----------------
      | ValueError: no db
      +------------------------------------
    +---------------- 2 ----------------
    | TypeError: x
    +------------------------------------
"""


def test_a_handled_group_without_a_cause_counts_its_raising_frame_first(frame_places):
    assert frame_places(TB_RUN_PLAIN)[::-1] == [("loader.py", 5), ("runner.py", 8), ("runner.py", 6), ("main.py", 9)]


# --- pytest 8.4.2 (``-q``, ``test_run.py::test_start``) ------------------------------------------------------
# pytest prints the KeyError in its own style, then the rest of the chain natively (twice, a bug of pytest's),
# then the RuntimeError's entries in its own style again

PYTEST_START = {
    "long": """F                                                                        [100%]
=================================== FAILURES ===================================
__________________________________ test_start __________________________________

    def load():
        try:
>           config.lookup({}, "db")

app/loader.py:10: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

d = {}, k = 'db'

    def lookup(d, k):
>       return d[k]
               ^^^^
E       KeyError: 'db'

app/config.py:2: KeyError

The above exception was the direct cause of the following exception:
  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 13, in run
  |     loader.load()
  |   File "/tmp/proj/app/loader.py", line 12, in load
  |     raise ExceptionGroup("load", [ValueError("no db")]) from e
  | ExceptionGroup: load (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: no db
    +------------------------------------

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 34, in start
  |     run()
  |   File "/tmp/proj/app/runner.py", line 15, in run
  |     raise ExceptionGroup("run", [eg, TypeError("x")])
  | ExceptionGroup: run (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/tmp/proj/app/loader.py", line 10, in load
    |     config.lookup({}, "db")
    |   File "/tmp/proj/app/config.py", line 2, in lookup
    |     return d[k]
    |            ~^^^
    | KeyError: 'db'
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/proj/app/runner.py", line 13, in run
    |     loader.load()
    |   File "/tmp/proj/app/loader.py", line 12, in load
    |     raise ExceptionGroup("load", [ValueError("no db")]) from e
    | ExceptionGroup: load (1 sub-exception)
    +-+---------------- 1 ----------------
      | ValueError: no db
      +------------------------------------
    +---------------- 2 ----------------
    | TypeError: x
    +------------------------------------

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/tmp/proj/test_run.py", line 9, in test_start
    runner.start()
  File "/tmp/proj/app/runner.py", line 36, in start
    raise RuntimeError("could not start") from eg
RuntimeError: could not start

During handling of the above exception, another exception occurred:
  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 13, in run
  |     loader.load()
  |   File "/tmp/proj/app/loader.py", line 12, in load
  |     raise ExceptionGroup("load", [ValueError("no db")]) from e
  | ExceptionGroup: load (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: no db
    +------------------------------------

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 34, in start
  |     run()
  |   File "/tmp/proj/app/runner.py", line 15, in run
  |     raise ExceptionGroup("run", [eg, TypeError("x")])
  | ExceptionGroup: run (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/tmp/proj/app/loader.py", line 10, in load
    |     config.lookup({}, "db")
    |   File "/tmp/proj/app/config.py", line 2, in lookup
    |     return d[k]
    |            ~^^^
    | KeyError: 'db'
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/proj/app/runner.py", line 13, in run
    |     loader.load()
    |   File "/tmp/proj/app/loader.py", line 12, in load
    |     raise ExceptionGroup("load", [ValueError("no db")]) from e
    | ExceptionGroup: load (1 sub-exception)
    +-+---------------- 1 ----------------
      | ValueError: no db
      +------------------------------------
    +---------------- 2 ----------------
    | TypeError: x
    +------------------------------------

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/tmp/proj/test_run.py", line 9, in test_start
    runner.start()
  File "/tmp/proj/app/runner.py", line 36, in start
    raise RuntimeError("could not start") from eg
RuntimeError: could not start

The above exception was the direct cause of the following exception:

    def test_start():
>       runner.start()

test_run.py:9: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

    def start():
        try:
            run()
        except ExceptionGroup as eg:
>           raise RuntimeError("could not start") from eg
E           RuntimeError: could not start

app/runner.py:36: RuntimeError
=========================== short test summary info ============================
FAILED test_run.py::test_start - RuntimeError: could not start
1 failed in 0.85s
""",
    "short": """F                                                                        [100%]
=================================== FAILURES ===================================
__________________________________ test_start __________________________________
app/loader.py:10: in load
    config.lookup({}, "db")
app/config.py:2: in lookup
    return d[k]
           ^^^^
E   KeyError: 'db'

The above exception was the direct cause of the following exception:
  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 13, in run
  |     loader.load()
  |   File "/tmp/proj/app/loader.py", line 12, in load
  |     raise ExceptionGroup("load", [ValueError("no db")]) from e
  | ExceptionGroup: load (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: no db
    +------------------------------------

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 34, in start
  |     run()
  |   File "/tmp/proj/app/runner.py", line 15, in run
  |     raise ExceptionGroup("run", [eg, TypeError("x")])
  | ExceptionGroup: run (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/tmp/proj/app/loader.py", line 10, in load
    |     config.lookup({}, "db")
    |   File "/tmp/proj/app/config.py", line 2, in lookup
    |     return d[k]
    |            ~^^^
    | KeyError: 'db'
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/proj/app/runner.py", line 13, in run
    |     loader.load()
    |   File "/tmp/proj/app/loader.py", line 12, in load
    |     raise ExceptionGroup("load", [ValueError("no db")]) from e
    | ExceptionGroup: load (1 sub-exception)
    +-+---------------- 1 ----------------
      | ValueError: no db
      +------------------------------------
    +---------------- 2 ----------------
    | TypeError: x
    +------------------------------------

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/tmp/proj/test_run.py", line 9, in test_start
    runner.start()
  File "/tmp/proj/app/runner.py", line 36, in start
    raise RuntimeError("could not start") from eg
RuntimeError: could not start

During handling of the above exception, another exception occurred:
  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 13, in run
  |     loader.load()
  |   File "/tmp/proj/app/loader.py", line 12, in load
  |     raise ExceptionGroup("load", [ValueError("no db")]) from e
  | ExceptionGroup: load (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: no db
    +------------------------------------

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/tmp/proj/app/runner.py", line 34, in start
  |     run()
  |   File "/tmp/proj/app/runner.py", line 15, in run
  |     raise ExceptionGroup("run", [eg, TypeError("x")])
  | ExceptionGroup: run (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/tmp/proj/app/loader.py", line 10, in load
    |     config.lookup({}, "db")
    |   File "/tmp/proj/app/config.py", line 2, in lookup
    |     return d[k]
    |            ~^^^
    | KeyError: 'db'
    | 
    | The above exception was the direct cause of the following exception:
    | 
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/proj/app/runner.py", line 13, in run
    |     loader.load()
    |   File "/tmp/proj/app/loader.py", line 12, in load
    |     raise ExceptionGroup("load", [ValueError("no db")]) from e
    | ExceptionGroup: load (1 sub-exception)
    +-+---------------- 1 ----------------
      | ValueError: no db
      +------------------------------------
    +---------------- 2 ----------------
    | TypeError: x
    +------------------------------------

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/tmp/proj/test_run.py", line 9, in test_start
    runner.start()
  File "/tmp/proj/app/runner.py", line 36, in start
    raise RuntimeError("could not start") from eg
RuntimeError: could not start

The above exception was the direct cause of the following exception:
test_run.py:9: in test_start
    runner.start()
app/runner.py:36: in start
    raise RuntimeError("could not start") from eg
E   RuntimeError: could not start
=========================== short test summary info ============================
FAILED test_run.py::test_start - RuntimeError: could not start
1 failed in 0.76s
""",
}


@pytest.mark.parametrize("tb", ["long", "short"])
def test_pytest_s_rendering_counts_the_root_cause_first(tb, make_repo, trace_signal, frame_places):
    # the KeyError's raising frame as pytest prints it (app/config.py), then as Python does (/tmp/proj/...)
    assert frame_places(PYTEST_START[tb])[::-1][:3] == [("config.py", 2), ("config.py", 2), ("loader.py", 12)]
    trace = trace_signal(make_repo(PY), PYTEST_START[tb])
    assert trace["app/config.py"] == 1.0
    assert 1.0 > trace["app/loader.py"] > trace["app/runner.py"] > 0.0
