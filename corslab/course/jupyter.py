"""``python -m corslab.course.jupyter [ARGS]``: JupyterLab the way the course wants it.

Rooted at the repository (so ``nginx/``, ``infra/`` and ``labs/`` are reachable from the file
browser), opening on ``notebooks/``, on loopback, without a browser window of its own. Extra
arguments go to JupyterLab (``--port 8899``). ``scripts/lab.sh`` and the JupyterLab UI test both
start it this way.

Its terminals run ``python`` of the course (the venv): the server's PATH starts with the folder of
the Python that runs it, and the shell is bash with ``scripts/terminal.bashrc`` (no login shell,
whose /etc/profile would put the system's PATH back), opened at the repository root.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def arguments(extra: list[str] | None = None, root: Path = ROOT) -> list[str]:
    """The command line: python -m jupyterlab with the course's settings, then ``extra``.

    ``root``: the folder JupyterLab serves (the repository; a test serves a copy).
    """
    args = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
            "--LabApp.default_url=/lab/tree/notebooks", "--ServerApp.ip=127.0.0.1", "--no-browser"]
    bash, rc = shutil.which("bash"), ROOT / "scripts" / "terminal.bashrc"
    if bash and rc.is_file():
        shell = [bash, "--rcfile", str(rc)]
        args.append("--ServerApp.terminado_settings=" + json.dumps({"shell_command": shell}))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return args + list(extra or [])


def environment(base: dict | None = None, root: Path = ROOT) -> dict:
    """The server's environment: this Python's folder first on PATH (a terminal's ``python`` is the
    course's, with corslab installed), and where terminal.bashrc puts the terminal."""
    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    env.update(CORSLAB_TERMINAL_BIN=bin_dir, CORSLAB_TERMINAL_DIR=str(root))
    return env


def main(argv: list[str] | None = None) -> None:
    args = arguments(sys.argv[1:] if argv is None else argv)
    os.execve(args[0], args, environment())


if __name__ == "__main__":
    main()
