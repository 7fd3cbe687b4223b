"""Figures for the labs: how long `lab check` takes per lab, in Chromium and with the model.

    python benchmarks/bench_labs.py [--tiny]   (run it in its own network namespace on a shared box)

Prints one line per lab: seconds for the handed-out and the solved edition, judged by Chromium
(one browser for the whole run, as the tests share it) and by corslab's model. ``--tiny``: the
first lab's solution only (the test suite runs it so a broken benchmark fails CI).

The browser is launched from this thread's Playwright and handed to every check
(``check_lab(browser=...)``): a Playwright object may only be used from the thread that made it,
and :class:`corslab.labs.browser.LabBrowser` without a browser drives its own in a thread of its own.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corslab.labs import catalog  # noqa: E402
from corslab.labs.browser import launch  # noqa: E402
from corslab.labs.checker import check_lab  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def show(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true",
                        help="the first lab's solution only: checks the benchmark runs (the test suite)")
    args = parser.parse_args(argv)
    labs = catalog.all_labs()[:1] if args.tiny else catalog.all_labs()
    from playwright.sync_api import sync_playwright

    totals = [0.0, 0.0]
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            print(f"{'lab':28} {'chromium handout/solution':>26} {'model handout/solution':>24}")
            for lab in labs:
                editions = (lab.solution,) if args.tiny else (lab.handout, lab.solution)
                c = [timed(lambda f=f: check_lab(lab, f, browser=browser)) for f in editions]
                m = [timed(lambda f=f: check_lab(lab, f, model=True)) for f in editions]
                totals[0] += sum(c)
                totals[1] += sum(m)
                c, m = ([None] * (2 - len(editions)) + c), ([None] * (2 - len(editions)) + m)
                print(f"{lab.name:28} {show(c[0]):>12} {show(c[1]):>6} s {show(m[0]):>15} {show(m[1]):>6} s")
        finally:
            browser.close()
    print(f"total: chromium {totals[0]:.1f} s, model {totals[1]:.1f} s "
          f"({len(labs)} labs, {1 if args.tiny else 2} editions each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
