"""Benchmark: cold `up` until every service is healthy, and `down`, in seconds.

    python benchmarks/bench_stack.py [--runs 5] [--tiny]

Goals (on a 2-core machine): up <= 1.5 s, down <= 0.5 s. Also times how fast the CLI
starts (`python -m corslab --help`; goal <= 0.3 s). Prints figures; asserts nothing (a benchmark,
not a timed test). Stops the stack if it is running, and leaves it as it found it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corslab.stack import runner  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tiny", action="store_true",
                        help="one run: checks the benchmark runs (the test suite)")
    args = parser.parse_args()
    if args.tiny:
        args.runs = 1
    was_running = any(r.state == "healthy" for r in runner.status())
    runner.down()
    ups, downs = [], []
    for _ in range(args.runs):
        ups.append(timed(runner.up))
        downs.append(timed(runner.down))
    root = Path(runner.ROOT)
    cli = [timed(lambda: subprocess.run([sys.executable, "-m", "corslab", "--help"], cwd=root,
                                        capture_output=True, check=True)) for _ in range(args.runs)]
    n = len(runner.topology.SERVICES)
    print(f"services: {n} ({', '.join(runner.topology.SERVICES)})")
    print(f"cold up -> all healthy: median {statistics.median(ups):.2f} s "
          f"(min {min(ups):.2f}, max {max(ups):.2f}, {args.runs} runs; goal <= 1.5 s)")
    print(f"down -> no process, ports free: median {statistics.median(downs):.2f} s "
          f"(min {min(downs):.2f}, max {max(downs):.2f}; goal <= 0.5 s)")
    print(f"CLI start (--help): median {statistics.median(cli):.3f} s (goal <= 0.3 s)")
    if was_running:
        runner.up()


if __name__ == "__main__":
    main()
