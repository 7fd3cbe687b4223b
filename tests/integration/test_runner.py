"""The native runner's promises, with real processes and real ports.

These tests stop and restart parts of the session's stack; each leaves it running again.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from corslab.stack import ports, runner, topology
from corslab.errors import CorsLabError

pytestmark = pytest.mark.usefixtures("stack")
ROOT = Path(runner.ROOT)


def cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "corslab", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=60)


def our_processes() -> list[str]:
    """Every process of this checkout's lab: nginx with our runtime folder in its command line, or
    a service or emulator started from this checkout (another checkout's lab is not ours)."""
    found = []
    runtime = str(runner.runtime_dir())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z":
            continue
        try:
            here = Path(os.readlink(proc / "cwd")) == ROOT  # started from this checkout
        except OSError:
            here = False
        if runtime in cmd or (here and ("servers.run" in cmd or "corslab emulate" in cmd)):
            found.append(f"{proc.name}: {cmd}")
    return found


def test_up_is_idempotent():
    before = {r.name: r.pid for r in runner.status()}
    rows = runner.up()
    assert all(r.state == "healthy" for r in rows)
    assert {r.name: r.pid for r in rows} == before  # nothing restarted


def test_down_leaves_no_listening_port_and_no_process():
    """`down` leaves no listening port among the lab's ports and no child process."""
    result = cli("down")
    assert result.returncode == 0, result.stderr
    try:
        listening = [p for p in topology.all_ports() if ports.is_listening(p)]
        assert listening == []
        assert our_processes() == []
        status = cli("status")
        assert status.returncode == 3 and "healthy" not in status.stdout
    finally:
        assert cli("up").returncode == 0


def test_status_reports_every_service_healthy_with_its_url():
    result = cli("status")
    assert result.returncode == 0, result.stdout
    for svc in topology.SERVICES.values():
        assert svc.url in result.stdout and svc.name in result.stdout


def test_a_port_held_by_another_program_is_named_with_its_owner():
    victim = topology.SERVICES["untrusted"]
    runner.down([victim.name])
    squatter = socket.socket()
    try:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", victim.port))
        squatter.listen()
        status = runner.state_of(victim)
        assert status.state == "taken" and f"pid {os.getpid()}" in status.detail
        result = cli("up")
        assert result.returncode == 2
        message = result.stderr.strip()
        assert len(message.splitlines()) == 1 and "Traceback" not in message
        assert f"port {victim.port} ({victim.name})" in message and f"pid {os.getpid()}" in message
    finally:
        squatter.close()
    assert runner.up()[0].state == "healthy"


def test_a_service_that_dies_while_starting_shows_its_log(tmp_path):
    """A real program that exits at once stands in for a broken nginx; the error must say which
    service died and show the end of its log - and leave nothing half-started."""
    victim = topology.SERVICES["cors-proxy"]
    runner.down([victim.name])
    fake = tmp_path / "nginx"
    fake.write_text("#!/bin/sh\necho 'nginx: [emerg] unknown directive \"oops\"' >&2\nexit 1\n")
    fake.chmod(0o755)
    try:
        result = cli("up", env={"CORSLAB_NGINX": str(fake)})
        assert result.returncode == 2
        assert f"{victim.name} exited with status 1 while starting" in result.stderr
        assert 'unknown directive "oops"' in result.stderr
        assert "Traceback" not in result.stderr
        assert not ports.is_listening(victim.port)
    finally:
        assert cli("up").returncode == 0


def test_missing_nginx_is_one_clear_line():
    runner.down(["same-origin"])
    try:
        result = cli("up", env={"CORSLAB_NGINX": "/nonexistent/nginx"})
        assert result.returncode == 2
        assert "apt-get install -y nginx" in result.stderr and "Traceback" not in result.stderr
    finally:
        assert cli("up").returncode == 0


def test_logs_shows_a_service_log_and_refuses_unknown_names():
    assert "starting:" in cli("logs", "api").stdout
    result = cli("logs", "nope")
    assert result.returncode == 2 and "unknown service 'nope'" in result.stderr


def test_every_verb_answers_help():
    for verb in ("up", "down", "status", "logs"):
        assert cli(verb, "--help").returncode == 0


def test_down_stops_lab_processes_even_when_their_pid_files_are_lost():
    """Nothing left behind, even after someone deleted the runtime folder's pid files."""
    for pidfile in runner.runtime_dir().glob("*.pid"):
        pidfile.unlink()
    try:
        runner.down()
        assert [p for p in topology.all_ports() if ports.is_listening(p)] == []
        assert our_processes() == []
    finally:
        assert cli("up").returncode == 0


def test_a_second_stack_runs_beside_this_one_under_a_port_offset(tmp_path):
    """CORSLAB_PORT_OFFSET shifts every port and origin: a second stack, with its own runtime
    folder, serves methods 1-5 on the shifted ports beside the session's stack, its pages hand out
    the shifted topology, and each method allows the shifted app origin (the configs of the
    repository are fed to nginx and the emulators with their origins shifted)."""
    # Below Linux's ephemeral ports (32768 and up), where a client's connection could hold one, and
    # clear of this session's ports: of three offsets 7000 apart one is always far enough.
    width = max(topology.DEFAULT_PORTS) - min(topology.DEFAULT_PORTS)
    offset = next(o for o in (10000, 17000, 24000) if abs(o - topology.PORT_OFFSET) > width)
    env = {"CORSLAB_PORT_OFFSET": str(offset), "CORSLAB_RUNTIME": str(tmp_path / "run")}
    shifted = {name: svc.default_port + offset for name, svc in topology.SERVICES.items()}
    app = f"http://localhost:{shifted['frontend']}"
    try:
        started = cli("up", env=env)
        assert started.returncode == 0, started.stderr
        for name, port in shifted.items():
            assert f"{topology.SERVICES[name].scheme}://{topology.SERVICES[name].host}:{port}/" in started.stdout, name
        pages = json.loads(urllib.request.urlopen(f"{app}/_lab/topology.json", timeout=5).read())
        assert {s["name"]: s["port"] for s in pages["services"]} == shifted
        assert pages["policy"]["allowed_origins"] == [app, f"http://localhost:{shifted['admin']}"]
        for svc in topology.SERVICES.values():
            if svc.method is None or svc.method == 1:
                continue
            url = f"http://localhost:{shifted[svc.name]}/v1/users"
            result = cli("probe", url, "--origin", app, "--method", "PUT", "--header",
                         "Content-Type: application/json", "--json", env=env)
            verdict = json.loads(result.stdout)
            assert verdict["allowed"] and verdict["preflight"] is not None, (svc.name, result.stdout)
        same = f"http://localhost:{shifted['same-origin']}"
        assert urllib.request.urlopen(f"{same}/v1/health", timeout=5).status == 200
    finally:
        stopped = cli("down", env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert [p for p in shifted.values() if ports.is_listening(p)] == []
    assert all(r.state == "healthy" for r in runner.status())  # the session's stack is untouched


# ---- faults: whatever was killed or lost, `down` stops it all and `up` recovers ------------------

def _session_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3])


def _nginx_workers(master: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and p.name != str(master)
            and (p / "stat").exists() and _session_of_or_none(int(p.name)) == master]


def _session_of_or_none(pid: int) -> int | None:
    """The session of a live process; None once it is gone (or a zombie waiting to be reaped)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else int(fields[3])


def test_killing_an_nginx_master_leaves_workers_that_down_stops_and_up_replaces():
    """`kill -9` of nginx's master leaves a worker holding the port (nginx's workers keep the
    listening socket they inherited: nginx.org/en/docs/control.html). status names it the lab's
    orphan, `down` stops it, and `up` replaces it instead of refusing the port."""
    victim = topology.SERVICES["cors-proxy"]
    master = runner._our_pid(victim.name)
    workers = _nginx_workers(master)
    assert workers, "nginx should run a worker under its master"
    os.kill(master, 9)
    deadline = time.monotonic() + 5
    while Path(f"/proc/{master}").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        assert ports.is_listening(victim.port), "a worker still serves the port"
        (row,) = runner.status([victim.name])
        assert row.state == "orphan" and "the lab's own pid" in row.detail, row
        assert "taken" not in runner.format_table([row])
        result = cli("status", victim.name)
        assert result.returncode == 3 and "orphan" in result.stdout
        assert runner.down([victim.name]) == [victim.name]
        assert not ports.is_listening(victim.port)
        assert all(_session_of_or_none(w) is None for w in workers), "every worker stopped"
        os.kill(runner._our_pid("api"), 0)  # the rest of the stack untouched
    finally:
        assert cli("up").returncode == 0


def test_up_replaces_an_orphaned_nginx_worker_itself():
    victim = topology.SERVICES["same-origin"]
    master = runner._our_pid(victim.name)
    workers = _nginx_workers(master)
    os.kill(master, 9)
    while Path(f"/proc/{master}").exists():
        time.sleep(0.02)
    result = cli("up", victim.name)
    assert result.returncode == 0, result.stderr
    assert "restarted" in result.stdout and "healthy" in result.stdout
    assert all(_session_of_or_none(w) is None for w in workers)
    assert runner._our_pid(victim.name) not in (None, master)


def test_after_the_runtime_folder_is_lost_down_says_what_it_stopped(tmp_path):
    """With .run/ gone (pid files, nginx prefixes and logs), status calls the running services
    the lab's orphans - not "taken" - and `down` stops them and names them."""
    moved = tmp_path / "run-moved"
    runtime = runner.runtime_dir()
    runtime.rename(moved)
    try:
        runner._usable_folder.cache_clear()
        result = cli("status")
        assert "taken" not in result.stdout and result.stdout.count("orphan") == len(topology.SERVICES), result.stdout
        stopped = cli("down")
        assert stopped.returncode == 0
        assert stopped.stdout.strip() == "stopped: " + ", ".join(topology.SERVICES)
        assert [p for p in topology.all_ports() if ports.is_listening(p)] == []
        assert our_processes() == []
    finally:
        if moved.exists() and not runtime.exists():
            moved.rename(runtime)
        assert cli("up").returncode == 0


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_a_timeout_that_is_not_finite_and_positive_is_one_clear_line(value):
    """`up --timeout nan` used to wait forever (every comparison with NaN is false)."""
    result = cli("up", "--timeout", value)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"corslab up: error: the start timeout {float(value)} is not a usable "
                                     f"number of seconds; give a finite number greater than 0, e.g. 20")


@pytest.mark.parametrize("setting,message", [
    ("", "CORSLAB_RUNTIME is set but empty"),
    ("{file}", "CORSLAB_RUNTIME={file} is not a folder"),
    ("{file}/run", "CORSLAB_RUNTIME={file}/run cannot be created"),
    ("/proc", "CORSLAB_RUNTIME=/proc is not writable"),
])
def test_an_unusable_runtime_folder_is_one_clear_line(tmp_path, setting, message):
    """An empty CORSLAB_RUNTIME used to write pid files into the repository's root; a file or a
    read-only folder (procfs takes no new file, even from root) gave a traceback."""
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    value = setting.format(file=a_file)
    for verb in ("status", "up", "down"):
        result = cli(verb, env={"CORSLAB_RUNTIME": value})
        assert result.returncode == 2, result
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"corslab {verb}: error: " + message.format(file=a_file)), line
    assert not list(ROOT.glob("*.pid"))


# ---- a stack already there (compose): used, not refused ------------------------------------------

def _stand_in(svc: topology.Service, argv0: str, cwd: Path) -> subprocess.Popen:
    """The service's real app, served the way a container does it: not by the runner, from
    another folder, under another program name (``docker-proxy`` publishes a compose container's
    port on the host, so that is the name the kit sees)."""
    code = f"from servers.run import serve; serve({svc.name!r}, '127.0.0.1')"
    # Under another argv[0] Python does not find its virtual environment: hand it our sys.path.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, sys.path)])}
    proc = subprocess.Popen([argv0, "-c", code], executable=sys.executable, cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while not runner.is_healthy(svc):
        assert proc.poll() is None and time.monotonic() < deadline, "the stand-in did not start"
        time.sleep(0.05)
    return proc


@pytest.mark.parametrize("argv0,state", [("docker-proxy", "docker"), ("python3", "external")])
def test_a_service_another_program_serves_the_labs_way_is_used_not_refused(tmp_path, argv0, state):
    """A compose stack publishes the lab's ports through docker-proxy: status shows those services
    healthy as "docker" (exit 0), and `up` uses them instead of refusing the port."""
    victim = topology.SERVICES["echo"]
    runner.down([victim.name])
    stand_in = _stand_in(victim, argv0, tmp_path)
    try:
        (row,) = runner.status([victim.name])
        assert row.state == state and row.serving and f"pid {stand_in.pid}" in row.detail, row
        status = cli("status")
        assert status.returncode == 0, status.stdout
        assert f"{state} - served by pid {stand_in.pid}" in status.stdout
        started = cli("up")
        assert started.returncode == 0, started.stderr
        assert "the lab uses it as it is" in started.stdout
        assert stand_in.poll() is None and runner._our_pid(victim.name) is None  # used, not replaced
        assert cli("down", victim.name).stdout.strip() == "stopped: nothing was running"
        assert stand_in.poll() is None, "down never stops what the lab did not start"
    finally:
        stand_in.terminate()
        stand_in.wait(10)
        assert cli("up").returncode == 0


def test_a_port_held_by_something_that_is_not_the_lab_service_is_still_refused(tmp_path):
    """Only a healthy lab service is used: a program on the port that answers the health path
    with something else (here a plain 200 text) is "taken", and `up` refuses with its pid."""
    victim = topology.SERVICES["api-appcors"]
    runner.down([victim.name])
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "health").write_text("ok\n")
    other = subprocess.Popen([sys.executable, "-m", "http.server", str(victim.port), "--bind",
                              "127.0.0.1"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not runner.is_healthy(victim):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (row,) = runner.status([victim.name])
        assert row.state == "taken" and not row.serving and f"pid {other.pid}" in row.detail
        result = cli("up")
        assert result.returncode == 2 and f"port {victim.port} ({victim.name}) is held by pid {other.pid}" in result.stderr
    finally:
        other.terminate()
        other.wait(10)
        assert cli("up").returncode == 0


def test_down_of_an_empty_list_stops_nothing():
    """`down(names)` stops just those names: an empty list is no service, never "all" (only
    `None`, or no SERVICE on the command line, means every service)."""
    assert runner.down([]) == []
    assert all(r.state == "healthy" for r in runner.status()), runner.format_table(runner.status())
