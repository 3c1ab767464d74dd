"""Start-up time of the commands scripts call often (target: under 0.3 s each on a 2-core machine).

Usage: python tools/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

COMMANDS = [["--help"], ["apply", "--help"], ["search", "--help"], ["config", "show"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    genie = shutil.which("genie")
    base = [genie] if genie else [sys.executable, "-m", "genie_tui"]
    print(f"{'command':<24} {'median':>8} {'max':>8}")
    for argv in COMMANDS:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run([*base, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times.append(time.perf_counter() - started)
        print(f"genie {' '.join(argv):<18} {statistics.median(times):>7.3f}s {max(times):>7.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
