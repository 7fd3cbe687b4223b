"""Figures for the labs: how long `lab check` takes per lab, in Chromium and with the model.

    python benchmarks/bench_labs.py            (run it in its own network namespace on a shared box)

Prints one line per lab: seconds for the handed-out and the solved edition, judged by Chromium
(one browser for the whole run, as the tests share it) and by corslab's model.
"""

from __future__ import annotations

import time

from corslab.labs import catalog
from corslab.labs.browser import LabBrowser
from corslab.labs.checker import check_lab


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    totals = [0.0, 0.0]
    with LabBrowser() as shared:
        print(f"{'lab':28} {'chromium handout/solution':>26} {'model handout/solution':>24}")
        for lab in catalog.all_labs():
            c = [timed(lambda f=f: check_lab(lab, f, browser=shared.browser)) for f in (lab.handout, lab.solution)]
            m = [timed(lambda f=f: check_lab(lab, f, model=True)) for f in (lab.handout, lab.solution)]
            totals[0] += sum(c)
            totals[1] += sum(m)
            print(f"{lab.name:28} {c[0]:12.2f} {c[1]:6.2f} s {m[0]:15.2f} {m[1]:6.2f} s")
    print(f"total: chromium {totals[0]:.1f} s, model {totals[1]:.1f} s "
          f"({len(catalog.all_labs())} labs, 2 editions each)")


if __name__ == "__main__":
    main()
