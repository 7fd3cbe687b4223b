"""``lab start`` serves the lab file as saved: each save restarts the component with it, a file
nginx refuses is one line (and the next save is served), Ctrl-C/SIGTERM stops it. The answers
come from the real nginx the lab runs."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from corslab.labs import catalog, hosts

ROOT = Path(__file__).resolve().parents[2]
LAB = "02-wildcard-credentials"


def allow_origin(port: int, origin: str) -> str | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/v1/users", headers={"Origin": origin})
        answer = conn.getresponse()
        answer.read()
        return answer.getheader("Access-Control-Allow-Origin")
    finally:
        conn.close()


def test_lab_start_restarts_with_each_saved_file(tmp_path):
    folder = tmp_path / "labs" / LAB
    shutil.copytree(catalog.ROOT / LAB, folder)
    lab = catalog.load(folder)
    code = ("import sys; from pathlib import Path; from corslab.labs import catalog, files; "
            "sys.exit(files.start(catalog.load(Path(sys.argv[1])), poll=0.1))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()

    def wait_for(text: str, count: int = 1, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while sum(text in line for line in lines) < count:
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            time.sleep(0.05)

    port = hosts.ports("start")[1]
    try:
        wait_for("runs your cors.conf as saved")
        assert lines[0].startswith(f"lab {LAB}: edit labs/{LAB}/cors.conf - every save restarts")
        assert allow_origin(port, hosts.EVIL_ORIGIN) == "*"  # the handed-out wildcard

        conf = folder / "cors.conf"
        conf.write_text((lab.solution / "cors.conf").read_text())
        wait_for("runs your cors.conf as saved", 2)
        assert allow_origin(port, hosts.EVIL_ORIGIN) is None
        assert allow_origin(port, hosts.APP_ORIGIN) == hosts.APP_ORIGIN

        conf.write_text("server { listen 80; add_header Access-Control-Allow-Origin; }\n")
        wait_for("fix it and save")
        refused = next(line for line in lines if "nginx refuses" in line)
        assert "cors.conf:1: invalid number of arguments" in refused, "".join(lines)

        conf.write_text((lab.solution / "cors.conf").read_text())
        wait_for("runs your cors.conf as saved", 3)
        assert allow_origin(port, hosts.APP_ORIGIN) == hosts.APP_ORIGIN
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert proc.returncode == 0, "".join(lines)
