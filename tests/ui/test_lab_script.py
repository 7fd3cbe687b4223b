"""``scripts/lab.sh`` as a learner runs it: it ends with a banner (the URL to open, the first
notebook, how to stop, where JupyterLab's log went), JupyterLab answers that URL, and Ctrl-C stops
JupyterLab and leaves the stack it found running. CORSLAB_BROWSER=none: no browser window here."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from corslab.stack import runner
from corslab.stack.ports import free_port, is_free

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("stack")


def _ctrl_c_stops() -> None:
    """As in a terminal's foreground: SIGINT at its default (a test run from a background job
    inherits it ignored, and a shell cannot trap a signal ignored when it started)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_lab_sh_ends_with_the_banner_and_ctrl_c_stops_jupyterlab(tmp_path):
    port = free_port()
    env = dict(os.environ, CORSLAB_BROWSER="none", JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    proc = subprocess.Popen(["scripts/lab.sh", f"--port={port}", "--ServerApp.port_retries=0"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=_ctrl_c_stops)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("JupyterLab log" in line for line in lines):
            assert proc.poll() is None, "".join(lines)
            time.sleep(0.1)
        out = "".join(lines)
        assert "JupyterLab log" in out, out
        first = re.search(r"Open +(\S+)", out)
        assert first and first.group(1).startswith(f"http://127.0.0.1:{port}/lab/tree/notebooks/"
                                                   "00-start-here.ipynb?token="), out
        assert re.search(r"First notebook +notebooks/00-start-here\.ipynb", out), out
        assert re.search(r"Stop +Ctrl-C here", out), out
        log = re.search(r"JupyterLab log +(\S+)", out).group(1)
        assert "ServerApp" in (ROOT / log).read_text() and "ServerApp" not in out  # its log: a file
        with urllib.request.urlopen(first.group(1), timeout=10) as answer:
            assert answer.status == 200

        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            raise AssertionError("lab.sh did not stop within 60 s of Ctrl-C:\n" + "".join(lines)) from None
        reader.join(5)
        assert proc.returncode == 0, "".join(lines)
        assert is_free(port), "JupyterLab still listens after Ctrl-C"
        assert all(r.serving for r in runner.status()), "lab.sh stopped a stack it did not start"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
