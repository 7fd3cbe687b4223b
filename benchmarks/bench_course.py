"""Benchmark: the whole course executed headless (nbclient), notebook by notebook, in seconds.

    python benchmarks/bench_course.py [--tiny]      (--tiny: the first notebook only)

Goal: the whole course in <= 60 s on a 2-core machine, against a running stack (started here if it
is not running, and stopped again afterwards). Each notebook starts its own kernel, as in the
tests. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corslab.stack import runner  # noqa: E402
from corslab.course.execute import execute, notebooks  # noqa: E402

GOAL = 60.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true",
                        help="the first notebook only: checks the benchmark runs (the test suite)")
    args = parser.parse_args(argv)
    chosen = notebooks()[:1] if args.tiny else notebooks()
    was_running = all(r.state == "healthy" for r in runner.status())
    runner.up()
    failed = []
    try:
        total_start = time.perf_counter()
        for path in chosen:
            try:
                _, seconds = execute(path)
                print(f"{path.name:40} {seconds:6.1f} s")
            except Exception as exc:  # a broken notebook is a figure too: report it, go on
                failed.append(path.name)
                print(f"{path.name:40} FAILED: {str(exc).strip().splitlines()[-1][:80]}")
        total = time.perf_counter() - total_start
    finally:
        if not was_running:
            runner.down()
    print(f"{'course (' + str(len(chosen)) + ' notebooks)':40} {total:6.1f} s   "
          f"(goal <= {GOAL:.0f} s: {'met' if total <= GOAL else 'NOT met'})")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
