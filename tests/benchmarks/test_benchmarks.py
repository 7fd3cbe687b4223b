"""Every benchmark in benchmarks/ runs, at a tiny size, so a broken one fails the suite.

Each is run as a learner runs it (``python benchmarks/bench_X.py --tiny``), in a process of its own,
against the session's stack; the test checks that it exits 0 and prints its figures. Full-size runs
print the same lines with bigger numbers. bench_stack starts and stops a stack, so it gets one of
its own: another runtime folder and a port offset clear of the session's stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from corslab.stack import topology

pytestmark = pytest.mark.usefixtures("stack")

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {  # benchmark -> a line it prints when it measured something
    "bench_classroom": "2 stacks at once",
    "bench_course": "course (1 notebooks)",
    "bench_labs": "total: chromium",
    "bench_load": "preflights, 1 keep-alive clients",
    "bench_probe": "decisions/s",
    "bench_stack": "cold up -> all healthy",
}


def test_every_benchmark_is_run_here():
    assert {p.stem for p in (ROOT / "benchmarks").glob("bench_*.py")} == set(FIGURES)


def spare_offset() -> int:
    """An offset whose ports miss every port of the session's stack."""
    ours = set(topology.all_ports())
    for offset in (20000, 10000, -2000, 30000):
        shifted = {p - topology.PORT_OFFSET + offset for p in ours}
        if not shifted & ours and all(0 < p < 65536 for p in shifted):
            return offset
    raise AssertionError("no spare offset")


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_the_benchmark_runs_at_a_tiny_size_and_prints_its_figures(name, tmp_path):
    env = dict(os.environ)
    if name == "bench_stack":
        env.update(CORSLAB_RUNTIME=str(tmp_path / "run"), CORSLAB_PORT_OFFSET=str(spare_offset()))
    done = subprocess.run([sys.executable, f"benchmarks/{name}.py", "--tiny"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert FIGURES[name] in done.stdout, done.stdout[-2000:]
