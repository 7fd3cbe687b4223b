"""A classroom server: N learners' stacks started at the same moment, each with its own offset.

    python benchmarks/bench_classroom.py [--stacks 6] [--tiny]   (in its own network namespace)

Starts N stacks at once (``python -m corslab up`` with offsets N * spacing from
``corslab.stack.ports.spacing``, each in a runtime folder of its own), prints the time until every
one is healthy and the memory they hold together (the proportional set size of every process
they started: shared pages split between their sharers), then stops them. ``--tiny``: 2 stacks. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corslab.stack import ports, topology  # noqa: E402


def processes_of(runtime: Path) -> list[int]:
    """Every live process a stack started (CORSLAB_RUNTIME in its environment, or nginx's prefix)."""
    mark, prefix = f"CORSLAB_RUNTIME={runtime}".encode(), f"{runtime}/nginx/".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark in (entry / "environ").read_bytes().split(b"\0") or \
                        prefix in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(resident, proportional) set size of ``pid`` in KiB: Rss counts pages shared with other
    processes (the forked Flask services share most of theirs) in full, Pss splits them."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=6, help="learners' stacks (default 6)")
    parser.add_argument("--tiny", action="store_true", help="2 stacks: checks the benchmark runs")
    args = parser.parse_args(argv)
    count = 2 if args.tiny else args.stacks
    offsets = ports.free_offsets(topology.DEFAULT_PORTS, topology.BIND_HOST, count + 1)
    offsets = [o for o in offsets if o != topology.PORT_OFFSET][:count]
    with tempfile.TemporaryDirectory(prefix="corslab-classroom-") as tmp:
        runtimes = [Path(tmp) / f"learner-{n}" for n in range(len(offsets))]

        def launch(verb, offset, runtime):
            env = dict(os.environ, CORSLAB_PORT_OFFSET=str(offset), CORSLAB_RUNTIME=str(runtime))
            return subprocess.Popen([sys.executable, "-m", "corslab", verb], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        started = time.perf_counter()
        ups = [launch("up", o, r) for o, r in zip(offsets, runtimes)]
        failed = [err.strip().splitlines()[-1:] for p in ups for _, err in [p.communicate()] if p.returncode]
        elapsed = time.perf_counter() - started
        pids = [pid for r in runtimes for pid in processes_of(r)]
        sizes = [memory_kib(pid) for pid in pids]
        rss, pss = sum(r for r, _ in sizes), sum(p for _, p in sizes)
        for p in [launch("down", o, r) for o, r in zip(offsets, runtimes)]:
            p.communicate()
    print(f"{len(offsets)} stacks at once (offsets {', '.join(map(str, offsets))}): all healthy in "
          f"{elapsed:.2f} s; {len(pids)} processes, memory {pss / 1024:.0f} MiB proportional "
          f"({pss / 1024 / max(1, len(offsets)):.0f} MiB a stack; resident sets summed {rss / 1024:.0f} MiB)")
    if failed:
        print(f"failed: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
