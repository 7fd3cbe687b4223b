"""Several stacks on one machine (a classroom server) cannot collide.

Each stack is started the way an instructor does (``python -m corslab up`` with its own
``CORSLAB_PORT_OFFSET`` and ``CORSLAB_RUNTIME``), in processes of their own. What must hold
(docs/instructor.md, "Several learners on one server"):

* one runtime folder holds one stack: a second offset on it is refused in one line, and cannot
  stop the first stack through its pid files;
* two ``up`` at the same moment on one folder take turns: one stack, no orphans;
* an offset whose ports overlap a running stack's is refused, naming the offsets that are free -
  never "replacing" the other stack's processes as if they were this stack's leftovers;
* ``up`` reports a service healthy only when the process it started answers on the port;
* a full disk under the runtime folder is one line, and leaves nothing running.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from corslab.stack import ports, topology

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def offsets() -> list[int]:
    """Offsets free in this network namespace (the session's stack, if any, holds its own)."""
    found = ports.free_offsets(topology.DEFAULT_PORTS, count=8)
    assert len(found) >= 4, found
    return found[1:]


def corslab(*args, offset: int, runtime: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, CORSLAB_PORT_OFFSET=str(offset), CORSLAB_RUNTIME=str(runtime))
    return subprocess.run([sys.executable, "-m", "corslab", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def marked(runtime: Path) -> list[int]:
    """Every live process started for ``runtime``: it carries CORSLAB_RUNTIME in its environment,
    or (nginx, which rewrites that memory for its process titles) its prefix in its command line."""
    mark, prefix = f"CORSLAB_RUNTIME={runtime}".encode(), f"{runtime}/nginx/".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if mark in (entry / "environ").read_bytes().split(b"\0") or \
                        prefix in (entry / "cmdline").read_bytes():
                    if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def stacks(tmp_path):
    """Start stacks with ``start(offset, name)``; every one is stopped at the end."""
    started = []

    def start(offset: int, name: str) -> Path:
        runtime = tmp_path / name
        done = corslab("up", offset=offset, runtime=runtime)
        assert done.returncode == 0, done.stdout + done.stderr
        started.append((offset, runtime))
        return runtime

    yield start
    for offset, runtime in started:
        corslab("down", offset=offset, runtime=runtime)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("corslab "), done.stderr
    return lines[0]


def test_another_offset_on_a_running_stacks_runtime_folder_is_refused(stacks, offsets):
    first, second = offsets[0], offsets[1]
    runtime = stacks(first, "shared")
    for verb in ("up", "down", "status"):
        line = one_line_error(corslab(verb, offset=second, runtime=runtime))
        assert f"CORSLAB_PORT_OFFSET={first}" in line and "CORSLAB_RUNTIME" in line
    assert corslab("status", offset=first, runtime=runtime).returncode == 0  # untouched


def test_an_overlapping_offset_is_refused_with_free_offsets_and_the_other_stack_survives(
        stacks, offsets, tmp_path):
    first = offsets[0]
    runtime = stacks(first, "first")
    line = one_line_error(corslab("up", offset=first + 1, runtime=tmp_path / "second"))
    assert str(runtime) in line and f"CORSLAB_PORT_OFFSET={first}" in line
    free = [int(o) for o in line.split("offsets free now: ")[1].split(" ")[0].replace(",", " ").split()]
    assert free and first not in free
    assert corslab("status", offset=first, runtime=runtime).returncode == 0
    assert marked(tmp_path / "second") == []


def test_two_ups_at_the_same_moment_start_one_stack(tmp_path, offsets):
    offset, runtime = offsets[2], tmp_path / "race"
    env = dict(os.environ, CORSLAB_PORT_OFFSET=str(offset), CORSLAB_RUNTIME=str(runtime))
    both = [subprocess.Popen([sys.executable, "-m", "corslab", "up"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        outputs = [p.communicate(timeout=90) for p in both]
        assert [p.returncode for p in both] == [0, 0], outputs
        recorded = {int((runtime / f"{name}.pid").read_text().split()[0]) for name in topology.SERVICES}
        sessions = {int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3])
                    for pid in marked(runtime)}
        assert sessions == recorded  # every process of the folder belongs to a recorded service
    finally:
        corslab("down", offset=offset, runtime=runtime)
    assert marked(runtime) == []


class LabLookalike(BaseHTTPRequestHandler):
    """Answers every health path the way the lab's services do: another stack, say."""

    def do_GET(self):
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_up_reports_healthy_only_when_its_own_process_answers(tmp_path, offsets):
    """The port is free when `up` looks and taken before its service binds (a race with another
    program): the answer on the port is not its service's, so `up` must not call it healthy. nginx
    retries a port in use for about 2.5 s (ngx_open_listening_sockets: 5 tries, 500 ms apart) -
    alive all that time, while the other program answers the health path."""
    offset, runtime = offsets[3], tmp_path / "race-port"
    port = topology.DEFAULT_SERVICES["cors-proxy"].port + offset
    server = ThreadingHTTPServer(("127.0.0.1", port), LabLookalike)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = (f"import sys; from corslab.stack import ports, runner; real = ports.is_free; "
              f"ports.is_free = lambda p, h='127.0.0.1': True if p == {port} else real(p, h); "
              f"sys.exit(__import__('corslab.cli', fromlist=['main']).main(['up']))")
    env = dict(os.environ, CORSLAB_PORT_OFFSET=str(offset), CORSLAB_RUNTIME=str(runtime))
    try:
        done = subprocess.run([sys.executable, "-c", driver], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
        corslab("down", offset=offset, runtime=runtime)
    assert done.returncode != 0, done.stdout
    assert "cors-proxy" in done.stdout + done.stderr
    assert marked(runtime) == []


def test_a_full_disk_is_one_line_and_leaves_nothing_running(tmp_path, offsets):
    """/dev/full answers every write with ENOSPC, as a full disk does (null(4))."""
    runtime = tmp_path / "full"
    runtime.mkdir()
    (runtime / "stack.json").symlink_to("/dev/full")
    line = one_line_error(corslab("up", offset=offsets[0], runtime=runtime))
    assert "No space left on device" in line and str(runtime) in line
    assert marked(runtime) == []
