"""``python -m corslab.course.jupyter [ARGS]``: JupyterLab the way the course wants it.

Rooted at the repository (so ``nginx/``, ``infra/`` and ``labs/`` are reachable from the file
browser), opening on ``notebooks/``, on loopback, without a browser window of its own. Extra
arguments go to JupyterLab (``--port 8899``). ``scripts/lab.sh`` and the JupyterLab UI test both
start it this way.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def arguments(extra: list[str] | None = None, root: Path = ROOT) -> list[str]:
    """The command line: python -m jupyterlab with the course's settings, then ``extra``.

    ``root``: the folder JupyterLab serves (the repository; a test serves a copy).
    """
    args = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
            "--LabApp.default_url=/lab/tree/notebooks", "--ServerApp.ip=127.0.0.1", "--no-browser"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return args + list(extra or [])


def main(argv: list[str] | None = None) -> None:
    args = arguments(sys.argv[1:] if argv is None else argv)
    os.execv(args[0], args)


if __name__ == "__main__":
    main()
