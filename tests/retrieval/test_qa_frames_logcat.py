"""An Android logcat's Java trace, each of whose lines carries logcat's prefix (``E/AndroidRuntime( 1234): ``,
``01-15 10:23:45.678  1234  1234 E AndroidRuntime: ``): read as the same trace without it, ``Caused by:`` and
each crash's first line too."""

from __future__ import annotations

import pytest

from genie_tui.retrieval.query import analyze

# --- Android logcat: a Java trace behind logcat's prefix ---------------------------------------------------------

def _java(cls: str, method: str) -> str:
    return f"package com.example.app;\n\npublic class {cls} {{\n    void {method}() {{}}\n}}\n"


J = "app/src/main/java/com/example/app/"
ANDROID = {J + f"{c}.java": _java(c, m) for c, m in (("MainActivity", "onCreate"), ("Loader", "load"),
                                                     ("Parser", "parse"))}

PLAIN = """FATAL EXCEPTION: main
Process: com.example.app, PID: 1234
java.lang.RuntimeException: Unable to start activity ComponentInfo{com.example.app/com.example.app.MainActivity}: java.lang.IllegalStateException: bad config
\tat android.app.ActivityThread.performLaunchActivity(ActivityThread.java:3449)
\tat android.app.ActivityThread.handleLaunchActivity(ActivityThread.java:3601)
\tat android.os.Looper.loop(Looper.java:223)
\tat android.app.ActivityThread.main(ActivityThread.java:7656)
Caused by: java.lang.IllegalStateException: bad config
\tat com.example.app.Loader.load(Loader.java:20)
\tat com.example.app.MainActivity.onCreate(MainActivity.java:42)
\tat android.app.Activity.performCreate(Activity.java:8000)
\t... 3 more
Caused by: java.lang.NullPointerException: Attempt to invoke virtual method 'int java.lang.String.length()' on a null object reference
\tat com.example.app.Parser.parse(Parser.java:57)
\tat com.example.app.Loader.load(Loader.java:18)
\t... 5 more
"""

# ``adb logcat`` in its old default (brief) format, as most issues paste it
BRIEF = """E/AndroidRuntime( 1234): FATAL EXCEPTION: main
E/AndroidRuntime( 1234): Process: com.example.app, PID: 1234
E/AndroidRuntime( 1234): java.lang.RuntimeException: Unable to start activity ComponentInfo{com.example.app/com.example.app.MainActivity}: java.lang.IllegalStateException: bad config
E/AndroidRuntime( 1234): \tat android.app.ActivityThread.performLaunchActivity(ActivityThread.java:3449)
E/AndroidRuntime( 1234): \tat android.app.ActivityThread.handleLaunchActivity(ActivityThread.java:3601)
E/AndroidRuntime( 1234): \tat android.os.Looper.loop(Looper.java:223)
E/AndroidRuntime( 1234): \tat android.app.ActivityThread.main(ActivityThread.java:7656)
E/AndroidRuntime( 1234): Caused by: java.lang.IllegalStateException: bad config
E/AndroidRuntime( 1234): \tat com.example.app.Loader.load(Loader.java:20)
E/AndroidRuntime( 1234): \tat com.example.app.MainActivity.onCreate(MainActivity.java:42)
E/AndroidRuntime( 1234): \tat android.app.Activity.performCreate(Activity.java:8000)
E/AndroidRuntime( 1234): \t... 3 more
E/AndroidRuntime( 1234): Caused by: java.lang.NullPointerException: Attempt to invoke virtual method 'int java.lang.String.length()' on a null object reference
E/AndroidRuntime( 1234): \tat com.example.app.Parser.parse(Parser.java:57)
E/AndroidRuntime( 1234): \tat com.example.app.Loader.load(Loader.java:18)
E/AndroidRuntime( 1234): \t... 5 more
"""


def _prefixed(prefix: str, text: str = PLAIN) -> str:
    return "".join(prefix + line for line in text.splitlines(keepends=True))


PREFIXED = {
    "brief": BRIEF,
    "brief without the pid's padding": _prefixed("E/AndroidRuntime(1234): "),
    "threadtime": _prefixed("01-15 10:23:45.678  1234  1234 E AndroidRuntime: "),
    "threadtime with the year": _prefixed("2024-01-15 10:23:45.678  1234  1234 E AndroidRuntime: "),
    "tag": _prefixed("E AndroidRuntime: "),
    "an app's own tag, padded as threadtime pads it": _prefixed("01-15 10:23:45.678  1234  1290 W Sync    : "),
}


def test_the_plain_trace_s_root_cause_counts_most(make_repo, trace_signal):
    trace = trace_signal(make_repo(ANDROID), PLAIN)
    assert trace[J + "Parser.java"] == 1.0 > trace[J + "Loader.java"] > trace[J + "MainActivity.java"] > 0.0


@pytest.mark.parametrize("form", list(PREFIXED))
def test_a_logcat_trace_reads_as_the_same_trace_without_its_prefix(make_repo, form, trace_signal):
    text = PREFIXED[form]
    assert [f for f in analyze(text).frames] == analyze(PLAIN).frames
    assert trace_signal(make_repo(ANDROID), text) == trace_signal(make_repo(ANDROID, name="plain"), PLAIN)


def test_each_crash_of_a_logcat_has_its_own_causes(frame_places):
    # a second crash after the first: its exception's line, behind the prefix, starts a trace of its own, so the
    # first crash's root cause is not counted as a cause the second one's frames come before
    second = ("FATAL EXCEPTION: pool-2-thread-1\nProcess: com.example.app, PID: 1301\n"
              "java.lang.IllegalArgumentException: empty key\n"
              "\tat com.example.app.Store.put(Store.java:31)\n"
              "\tat com.example.app.Sync.run(Sync.java:12)\n")
    plain = PLAIN + second
    assert frame_places(_prefixed("E/AndroidRuntime( 1234): ", plain)) == frame_places(plain)
    assert frame_places(_prefixed("01-15 10:23:47.002  1301  1320 E AndroidRuntime: ", plain)) == frame_places(plain)
