"""An Apple crash report whose crashed thread is not the first printed: its frames count more than the other
threads', the innermost most, and an uncaught exception's ``Last Exception Backtrace:`` more still."""

from __future__ import annotations

# --- Apple crash reports: the crashed thread, wherever it is printed -----------------------------------------

CRASHED_THIRD = """Exception Type:  EXC_BAD_ACCESS (SIGSEGV)
Exception Codes: KERN_INVALID_ADDRESS at 0x0000000000000010
Triggered by Thread:  3

Thread 0:: Dispatch queue: com.apple.main-thread
0   libsystem_kernel.dylib        0x00000001a0b2c3d4 mach_msg2_trap + 8
1   MyApp                         0x0000000100f2e040 -[AppDelegate run] + 24 (AppDelegate.m:12)
2   MyApp                         0x0000000100f2e100 main + 24 (main.m:12)

Thread 1:
0   libsystem_kernel.dylib        0x00000001a0b2c3d4 __workq_kernreturn + 8

Thread 3 Crashed:: Dispatch queue: com.example.parse
0   MyApp                         0x0000000100f2c3a4 -[Parser parse:] + 120 (Parser.m:57)
1   MyApp                         0x0000000100f2b111 -[Loader load] + 88 (Loader.m:30)
2   libdispatch.dylib             0x00000001a0b2c3d4 _dispatch_call_block_and_release + 32

Thread 4:
0   MyApp                         0x0000000100f2e200 -[Cache flush] + 4 (Cache.m:9)

Thread 3 crashed with ARM Thread State (64-bit):
    x0: 0x0000000000000000   x1: 0x0000000000000001
"""

# an uncaught Objective-C exception: the crashed thread only aborts; where it was thrown is the ``Last
# Exception Backtrace``, printed before the threads
LAST_EXCEPTION = """Exception Type:  EXC_CRASH (SIGABRT)
Triggered by Thread:  2

Last Exception Backtrace:
0   CoreFoundation                0x00000001a0b2c3d4 __exceptionPreprocess + 164
1   libobjc.A.dylib               0x00000001a0b2c3d4 objc_exception_throw + 60
2   CoreFoundation                0x00000001a0b2c3d4 -[__NSArrayI objectAtIndex:] + 0
3   MyApp                         0x0000000100f2c3a4 -[Parser parse:] + 120 (Parser.m:57)
4   MyApp                         0x0000000100f2b111 -[Loader load] + 88 (Loader.m:30)

Thread 0:: Dispatch queue: com.apple.main-thread
0   libsystem_kernel.dylib        0x00000001a0b2c3d4 mach_msg2_trap + 8
1   MyApp                         0x0000000100f2e040 -[AppDelegate run] + 24 (AppDelegate.m:12)
2   MyApp                         0x0000000100f2e100 main + 24 (main.m:12)

Thread 2 Crashed:: Dispatch queue: com.example.sync
0   libsystem_kernel.dylib        0x00000001a0b2c3d4 __pthread_kill + 8
1   libsystem_c.dylib             0x00000001a0b2c3d4 abort + 180
2   libobjc.A.dylib               0x00000001a0b2c3d4 _objc_terminate() + 144
3   MyApp                         0x0000000100f2d000 -[Worker run] + 40 (Worker.m:8)
"""


def _m(name: str) -> str:
    return f"#import \"{name}.h\"\n\n@implementation {name}\n" + "".join(f"// line {n}\n" for n in range(4, 61)) \
        + "@end\n"


APPLE = {f"MyApp/{name}.m": _m(name) for name in ("Parser", "Loader", "AppDelegate", "main", "Cache", "Worker")}


def test_the_crashed_thread_counts_more_than_the_threads_printed_before_it(make_repo, trace_signal, frame_places):
    # the crashed thread innermost first, then the other threads, each innermost first, the first printed most
    assert frame_places(CRASHED_THIRD) == [("Cache.m", 9), ("main.m", 12), ("AppDelegate.m", 12), ("Loader.m", 30),
                                           ("Parser.m", 57)]
    trace = trace_signal(make_repo(APPLE), CRASHED_THIRD)
    assert trace["MyApp/Parser.m"] == 1.0 > trace["MyApp/Loader.m"] > trace["MyApp/AppDelegate.m"] \
        > trace["MyApp/Cache.m"] > 0.0


def test_the_last_exception_backtrace_counts_most_then_the_crashed_thread(make_repo, trace_signal, frame_places):
    assert frame_places(LAST_EXCEPTION) == [("main.m", 12), ("AppDelegate.m", 12), ("Worker.m", 8), ("Loader.m", 30),
                                            ("Parser.m", 57)]
    trace = trace_signal(make_repo(APPLE), LAST_EXCEPTION)
    assert trace["MyApp/Parser.m"] == 1.0 > trace["MyApp/Worker.m"] > trace["MyApp/AppDelegate.m"] > 0.0
