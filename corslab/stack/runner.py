"""The native runner: every service of the topology as a child process, on loopback.

``up()`` starts what is not already running, waits until each service answers its health path,
and returns a status table; ``down()`` stops everything and waits until the ports are free;
``status()`` tells healthy / unhealthy / down / port taken by something else. All three are plain
functions, so notebooks and tests call them directly (no signal-grabbing process manager), and
``python -m corslab up|down|status|logs`` calls the same functions.

State lives in a runtime folder (``.run/`` in the repository, or $CORSLAB_RUNTIME):
``<name>.pid`` (pid and start time, so a recycled pid is never mistaken for ours),
``<name>.log`` (the service's output) and ``nginx/<name>/`` (nginx prefix, config, pid, logs).

One runtime folder holds one stack. ``stack.json`` names its port offset, and a verb run with
another offset on a folder whose stack is running is refused (its pid files would lead it to the
other stack's processes); ``up.lock`` makes two ``up`` at the same moment take turns. Every
process the runner starts carries its runtime folder (``CORSLAB_RUNTIME`` in its environment,
nginx's ``-p`` prefix), so a port held by another stack's process is told apart from this stack's
own leftovers: it is refused, with offsets that are free named, never taken over.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import http.client
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from corslab.stack import nginxconf, nginxhost, ports, tls, topology
from corslab.errors import CorsLabError, seconds

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0  # seconds; a cold start takes about one
STOP_TIMEOUT = 5.0
KILL_WAIT = 2.0  # seconds for SIGKILLed processes to vanish
LOCK_WAIT = 60.0  # seconds an `up` waits for another `up` on the same runtime folder

# Children started by this Python process, so we can reap them (no zombies in a notebook kernel).
_children: dict[str, subprocess.Popen] = {}


def runtime_dir() -> Path:
    """The runtime folder (``.run/`` in the repository, or $CORSLAB_RUNTIME), created if needed;
    CorsLabError in one line when it cannot be used (empty, not a folder, not writable)."""
    value = os.environ.get("CORSLAB_RUNTIME")
    if value is None:
        return _usable_folder(str(ROOT / ".run"), "the runtime folder")
    if not value.strip():
        raise CorsLabError("CORSLAB_RUNTIME is set but empty; unset it (the lab then keeps its "
                           "state in .run/ of the repository) or set it to a folder it may write to")
    return _usable_folder(value, f"CORSLAB_RUNTIME={value}")


@functools.lru_cache(maxsize=None)
def _usable_folder(value: str, what: str) -> Path:
    """``value`` as a folder that exists and takes new files (checked once per value)."""
    path = Path(value).expanduser()
    fix = "set CORSLAB_RUNTIME to a folder you may write to (or unset it)"
    if path.exists() and not path.is_dir():
        raise CorsLabError(f"{what} is not a folder (it is a file); {fix}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorsLabError(f"{what} cannot be created ({exc.strerror}); {fix}") from None
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".corslab-write-test-"):
            pass
    except OSError as exc:
        why = f" ({exc.strerror})" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS,
                                                    errno.ENOSPC, errno.EDQUOT) else ""
        raise CorsLabError(f"{what} is not writable{why}; {fix}") from None
    return path


def check_timeout(value: float, what: str = "--timeout") -> float:
    """A timeout in seconds: a finite number above zero (NaN would never expire, inf never end)."""
    return seconds(value, what, example=20)


@dataclass
class ServiceState:
    name: str
    url: str
    method: int | None
    state: str  # healthy | unhealthy | orphan | docker | external | down | taken
    pid: int | None = None
    detail: str = ""

    @property
    def serving(self) -> bool:
        """True when the service answers like the lab's: ours, or a stack already there (compose)."""
        return self.state in SERVING


#: States in which a service answers as the lab's: started by us, or by compose (or another way).
SERVING = ("healthy", "docker", "external")


# ---- identity of our processes --------------------------------------------------------------

def _pidfile(name: str) -> Path:
    return runtime_dir() / f"{name}.pid"


def _logfile(name: str) -> Path:
    return runtime_dir() / f"{name}.log"


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (None if it is gone or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        if not Path("/proc").is_dir():  # no procfs (macOS): fall back to "a process exists"
            try:
                os.kill(pid, 0)
                return "?"
            except OSError:
                return None
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    return fields[19]


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: [state, ppid, pgrp, session, ...]."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].decode().split()
    except (OSError, IndexError):
        return None


def _recorded(name: str) -> tuple[int, str] | None:
    try:
        pid_text, started = _pidfile(name).read_text().split()
        return int(pid_text), started
    except (OSError, ValueError):
        return None


def _our_pid(name: str) -> int | None:
    """The pid of our running process for ``name`` (the leader the runner started), or None."""
    recorded = _recorded(name)
    if recorded is None:
        return None
    pid, started = recorded
    now = _start_time(pid)
    if now is not None and (now == started or now == "?" or started == "?"):
        return pid
    return None


def _sessions() -> dict[int, list[int]]:
    """Every live process of the machine by session id, from one pass over /proc.

    Each service is started as the leader of a session of its own, and its processes stay in it
    even when the leader is gone (``kill -9`` of an nginx master leaves its workers serving). A
    session id cannot be reused while a process is in the session, so its members are ours."""
    sessions: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return sessions
    for name in names:
        if name.isdigit():
            fields = _stat(int(name))
            if fields and fields[0] != "Z":
                sessions.setdefault(int(fields[3]), []).append(int(name))
    return sessions


def _orphan_session(svc: topology.Service) -> int | None:
    """The session of a lab process that holds ``svc``'s port although no pid file leads to it
    (the runtime folder was deleted, or its leader was killed): recognised by its nginx prefix
    in our runtime folder, or by being a service, emulator or nginx started from this checkout."""
    if ports.is_free(svc.port, topology.BIND_HOST):
        return None
    found = ports.owner(svc.port)
    if found is None:
        return None
    pid, cmd = found
    fields = _stat(pid)
    if fields is None:
        return None
    stack = _stack_of([pid, int(fields[3])])
    if stack is not None:  # started by a runner: ours only if started for this runtime folder
        return int(fields[3]) if stack == runtime_dir().resolve() else None
    program = os.path.basename(cmd.split()[0]) if cmd.split() else ""
    started_here = _cwd(pid) == ROOT and (
        "-m servers.run" in cmd or "-m corslab emulate" in cmd or program in ("nginx", "nginx:"))
    ours = str(runtime_dir() / "nginx" / svc.name) in cmd or started_here
    return int(fields[3]) if ours else None


def _stack_of(pids: list[int]) -> Path | None:
    """The runtime folder of the stack that started these processes (a service and its session
    leader), from ``CORSLAB_RUNTIME`` in their environment or nginx's ``-p RUNTIME/nginx/NAME``;
    None when they carry neither (not a runner's, or one from before the marker)."""
    for pid in pids:
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
        except OSError:
            continue
        for item in environ:
            if item.startswith(b"CORSLAB_RUNTIME="):
                return Path(os.fsdecode(item.split(b"=", 1)[1]))
        if b"-p" in args[:-1] and args[0].rsplit(b"/", 1)[-1] in (b"nginx", b"nginx:"):
            prefix = Path(os.fsdecode(args[args.index(b"-p") + 1]))
            if prefix.parent.name == "nginx":
                return prefix.parent.parent
    return None


def other_stack(svc: topology.Service) -> Path | None:
    """The runtime folder of another lab stack whose process holds ``svc``'s port, or None."""
    found = ports.owner(svc.port)
    if found is None:
        return None
    fields = _stat(found[0])
    stack = _stack_of([found[0], int(fields[3])] if fields else [found[0]])
    return stack if stack is not None and stack != runtime_dir().resolve() else None


def _lab_processes(svc: topology.Service,
                   sessions: dict[int, list[int]] | None = None) -> tuple[int | None, list[int]]:
    """(session, its live processes) of ``svc``: the pid file's session, or an orphan's.
    ``sessions`` is a snapshot from ``_sessions()`` (taken here when not given)."""
    recorded = _recorded(svc.name)
    if recorded is not None:
        pid, _started = recorded
        if _our_pid(svc.name) is not None:
            members = (_sessions() if sessions is None else sessions).get(pid)
            return pid, members or [pid]
        if _start_time(pid) is None:  # the leader is gone; its session may live on
            members = (_sessions() if sessions is None else sessions).get(pid)
            if members:
                return pid, members
        _pidfile(svc.name).unlink(missing_ok=True)  # stale: the pid now belongs to another program
    if not Path("/proc").is_dir():
        return None, []
    sid = _orphan_session(svc)
    if sid is None:
        return None, []
    return sid, (_sessions() if sessions is None else sessions).get(sid, [])


def _describe(pids: list[int]) -> str:
    return ", ".join(f"pid {pid} ({ports.command_line(pid)})" for pid in pids[:3]) + (
        f" and {len(pids) - 3} more" if len(pids) > 3 else "")


# ---- one stack per runtime folder --------------------------------------------------------------

def _stack_file(folder: Path | None = None) -> Path:
    return (folder or runtime_dir()) / "stack.json"


def recorded_offset(folder: Path | None = None) -> int | None:
    """The port offset of the stack last started in ``folder`` (this runtime folder by default)."""
    try:
        with open(_stack_file(folder), "rb") as recorded:
            return int(json.loads(recorded.read(4096))["offset"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _running_here() -> list[str]:
    """The services whose pid file in this runtime folder leads to a live process."""
    return [name for name in topology.SERVICES if _our_pid(name) is not None]


def check_runtime() -> None:
    """One stack per runtime folder: refuse, in one line, to act on a folder whose running stack
    has another port offset (its pid files would lead this call to that stack's processes)."""
    offset = recorded_offset()
    if offset is None or offset == topology.PORT_OFFSET or not _running_here():
        return
    raise CorsLabError(
        f"the runtime folder {runtime_dir()} holds a running stack with CORSLAB_PORT_OFFSET={offset}, "
        f"not {topology.PORT_OFFSET}; give this stack a folder of its own (CORSLAB_RUNTIME=...), "
        f"or use that offset")


@contextlib.contextmanager
def _turn(wait: float = LOCK_WAIT):
    """Hold ``up.lock`` of the runtime folder: two ``up`` at the same moment take turns (the second
    waits up to ``wait`` s, then is refused), never start two half-stacks."""
    path = runtime_dir() / "up.lock"
    with open(path, "a+") as lock:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    lock.seek(0)
                    holder = lock.read().strip() or "another process"
                    raise CorsLabError(f"another `up` (pid {holder}) has held {path} for "
                                       f"{wait:.0f} s; wait for it to finish, or stop it") from None
                time.sleep(0.05)
        try:
            lock.seek(0)
            lock.truncate()
            lock.write(str(os.getpid()))
            lock.flush()
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _taken_by_other_stacks(services: list[topology.Service]) -> str | None:
    """One line when ports of ``services`` are held by another lab stack, naming free offsets."""
    held = [(svc, stack) for svc in services if not ports.is_free(svc.port, topology.BIND_HOST)
            and (stack := other_stack(svc)) is not None]
    if not held:
        return None
    stacks = sorted({stack for _, stack in held})
    where = "; ".join(f"{stack} (CORSLAB_PORT_OFFSET={recorded_offset(stack)})" for stack in stacks)
    names = ", ".join(f"{svc.port} ({svc.name})" for svc, _ in held[:4]) + (" ..." if len(held) > 4 else "")
    free = ports.free_offsets(topology.DEFAULT_PORTS, topology.BIND_HOST)
    return (f"CORSLAB_PORT_OFFSET={topology.PORT_OFFSET} overlaps the running lab stack of {where}: "
            f"ports {names} are its; offsets free now: {', '.join(map(str, free)) or 'none'} "
            "(docs/instructor.md gives each learner an offset that never overlaps another's)")


# ---- health ---------------------------------------------------------------------------------

def _connection(svc: topology.Service, timeout: float) -> http.client.HTTPConnection:
    """A connection to ``svc`` on loopback; HTTPS twins are checked against the lab's CA, under
    the name a browser uses (their certificate lists it)."""
    if not svc.twin_of:
        return http.client.HTTPConnection("127.0.0.1", svc.port, timeout=timeout)
    return tls.https_connection(svc.host, svc.port, timeout, runtime_dir(), system=False)


def is_healthy(svc: topology.Service, timeout: float = 0.5) -> bool:
    conn = _connection(svc, timeout)
    try:
        conn.request("GET", svc.health, headers={"Host": f"{svc.host}:{svc.port}"})
        return 200 <= conn.getresponse().status < 400
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def answers_like_lab(svc: topology.Service, timeout: float = 0.5) -> bool:
    """True if what listens on ``svc``'s port answers its health check as the lab's service does:
    2xx with the JSON the lab's apps send (``{"status": "ok", ...}`` or ``{"ok": true, ...}``),
    naming this site or service where the answer names one. A compose container behind
    docker-proxy does; an unrelated program on the port does not."""
    conn = _connection(svc, timeout)
    try:
        conn.request("GET", svc.health, headers={"Host": f"{svc.host}:{svc.port}"})
        reply = conn.getresponse()
        body = reply.read(4096)
        if not 200 <= reply.status < 300:
            return False
        answer = json.loads(body)
    except (OSError, http.client.HTTPException, ValueError):
        return False
    finally:
        conn.close()
    if not isinstance(answer, dict) or not (answer.get("status") == "ok" or answer.get("ok") is True):
        return False
    site = svc.app_args.get("site")
    return answer.get("site", site) == site and answer.get("service", svc.name) == svc.name


def served_elsewhere(svc: topology.Service) -> tuple[str, str] | None:
    """("docker" or "external", who) when ``svc``'s port is held by a program the runner did not
    start that answers like the lab's service (a compose stack, typically); None otherwise."""
    if ports.is_free(svc.port, topology.BIND_HOST) or not answers_like_lab(svc):
        return None
    found = ports.owner(svc.port)
    if found is None:
        return "external", "a program this user cannot see (a container engine, maybe)"
    pid, cmd = found
    program = os.path.basename(cmd.split()[0]) if cmd.split() else ""
    label = "docker" if program in CONTAINER_PROXIES else "external"
    return label, f"pid {pid} ({cmd})"


#: Programs that publish a container's port on the host: Docker's, Podman's and rootless ones.
CONTAINER_PROXIES = ("docker-proxy", "rootlessport", "rootlesskit", "slirp4netns", "pasta", "conmon")


def state_of(svc: topology.Service, sessions: dict[int, list[int]] | None = None) -> ServiceState:
    pid = _our_pid(svc.name)
    row = ServiceState(svc.name, svc.url, svc.method, "down", pid)
    if pid is not None:
        row.state = "healthy" if is_healthy(svc) else "unhealthy"
        if row.state == "unhealthy":
            row.detail = f"running but not answering {svc.health}; see `python -m corslab logs {svc.name}`"
        return row
    session, members = _lab_processes(svc, sessions)
    if members:
        row.state, row.pid = "orphan", session
        row.detail = (f"the lab's own {_describe(members)}, left running without its pid file or "
                      f"its parent; `python -m corslab up` replaces it, `down` stops it")
    elif (elsewhere := served_elsewhere(svc)) is not None:
        row.state, who = elsewhere
        row.detail = f"served by {who}; the lab uses it as it is"
    elif not ports.is_free(svc.port, topology.BIND_HOST):
        row.state = "taken"
        row.detail = (f"port {svc.port} is held by {ports.describe_owner(svc.port)}, which does not "
                      f"answer {svc.health} like the lab's {svc.name}")
    return row


def status(names: list[str] | None = None) -> list[ServiceState]:
    check_runtime()
    sessions = _sessions()
    return [state_of(svc, sessions) for svc in _select(names)]


# ---- commands -------------------------------------------------------------------------------

def command_for(svc: topology.Service) -> list[str]:
    """How to start an nginx or emulator service natively (nginx configs are written into its
    prefix first). Flask services start together, forked from one process: ``_spawn_flask``."""
    if svc.kind == "nginx":
        return _prepare_nginx(svc)
    if svc.kind == "emulator":
        product, _config = svc.emulate
        return [sys.executable, "-m", "corslab", "emulate", product, str(_emulator_config(svc)),
                "--port", str(svc.port), "--upstream", topology.native_url(topology.upstream_of(svc).name)]
    raise CorsLabError(f"service {svc.name}: unknown kind {svc.kind!r} in corslab/stack/topology.py")


def _emulator_config(svc: topology.Service) -> Path:
    """The product config an emulator service runs: the repository's file, or under a port offset
    a copy in the runtime folder whose lab origins are shifted (``topology.shift_text``)."""
    source = ROOT / svc.emulate[1]
    if not topology.PORT_OFFSET:
        return source
    copy = runtime_dir() / "config" / svc.name / source.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(topology.shift_text(source.read_text(encoding="utf-8")), encoding="utf-8")
    return copy


def _prepare_nginx(svc: topology.Service) -> list[str]:
    """Write the service's config into its nginx prefix (``nginx/<name>/`` of the runtime folder)
    and return nginx's command line; nginx is hosted like everywhere in the kit (nginxhost)."""
    prefix = nginxhost.prepare(runtime_dir() / "nginx" / svc.name)
    site = prefix / f"{svc.name}.conf"
    # An HTTPS twin: the lab's CA and certificate are made (or checked) before its nginx starts.
    site.write_text(nginxconf.render_site(svc, tls.ensure(runtime_dir()) if svc.twin_of else None))
    conf = nginxhost.write_config(nginxconf.render_main(site, prefix), prefix)
    return nginxhost.command(prefix, conf)


# ---- up / down ------------------------------------------------------------------------------

def up(names: list[str] | None = None, timeout: float = START_TIMEOUT) -> list[ServiceState]:
    """Start every service that is not running, wait until all are healthy, return the table.

    Idempotent: services already running (ours, healthy) are left alone, and so are services
    another program already serves the lab's way (a compose stack: state "docker"); the lab's own
    processes an earlier run left behind are replaced. A port held by another program, a missing nginx, or a service that dies while starting raises CorsLabError with the
    fix; services this call started are stopped again in that case.
    """
    timeout = check_timeout(timeout, "the start timeout")
    services = _select(names)
    try:
        with _turn():
            check_runtime()
            return _up(services, timeout)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise CorsLabError(f"cannot write to the runtime folder {runtime_dir()}: "
                               f"{exc.strerror}; free some space there, or set CORSLAB_RUNTIME "
                               "to a folder on another disk") from None
        raise


def _up(services: list[topology.Service], timeout: float) -> list[ServiceState]:
    elsewhere = _taken_by_other_stacks(services)
    if elsewhere:
        raise CorsLabError(elsewhere)
    _stack_file().write_text(json.dumps({"offset": topology.PORT_OFFSET, "root": str(ROOT)}) + "\n")
    sessions = _sessions()
    orphans = [svc.name for svc in services
               if _our_pid(svc.name) is None and _lab_processes(svc, sessions)[1]]
    if orphans:  # the lab's own processes left behind (a killed parent, a lost pid file)
        down(orphans)
    to_start = []
    conflicts = []
    for svc in services:
        if _our_pid(svc.name) is not None:
            continue
        if not ports.is_free(svc.port, topology.BIND_HOST):
            if served_elsewhere(svc) is not None:
                continue  # a stack already there (compose): use it
            conflicts.append(f"port {svc.port} ({svc.name}) is held by {ports.describe_owner(svc.port)}")
            continue
        to_start.append(svc)
    if conflicts:
        raise CorsLabError(
            "cannot start the stack: " + "; ".join(conflicts)
            + ". Stop that program (or `python -m corslab down` if it is an old lab run) and retry."
        )
    # Built before anything starts, so a missing nginx fails early with nothing to undo.
    commands = {svc.name: command_for(svc) for svc in to_start if svc.kind != "flask"}

    started: dict[str, int] = {}  # name -> pid, for this call
    try:
        flask = [svc for svc in to_start if svc.kind == "flask"]
        if flask:
            started.update(_spawn_flask(flask))
        for svc in to_start:
            if svc.kind != "flask":
                started[svc.name] = _spawn(svc, commands[svc.name])
        _wait_healthy(services, started, timeout)
    except BaseException:
        down(list(started))
        raise
    rows = status([s.name for s in services])
    for row in rows:
        if row.name in orphans:
            row.detail = "restarted: replaced the lab's processes an earlier run left behind"
    return rows


def _child_env() -> dict[str, str]:
    # CORSLAB_RUNTIME marks every process as this stack's (see _stack_of)
    return dict(os.environ, PYTHONUNBUFFERED="1", CORSLAB_RUNTIME=str(runtime_dir().resolve()),
                PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def _log_start(name: str, command: list[str]) -> None:
    with open(_logfile(name), "ab") as log:
        log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(command)}\n".encode())


def _write_pidfile(name: str, pid: int) -> None:
    _pidfile(name).write_text(f"{pid} {_start_time(pid) or '?'}\n")


def _spawn(svc: topology.Service, command: list[str]) -> int:
    _log_start(svc.name, command)
    log = open(_logfile(svc.name), "ab")
    try:
        proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=_child_env(), start_new_session=True)
    except OSError as exc:
        raise CorsLabError(f"cannot start {svc.name}: {exc}") from None
    finally:
        log.close()
    stale = _children.pop(svc.name, None)  # an earlier child stopped by another process
    if stale is not None:
        stale.poll()
    _children[svc.name] = proc
    _write_pidfile(svc.name, proc.pid)
    return proc.pid


def _spawn_flask(services: list[topology.Service]) -> dict[str, int]:
    """Start every Flask service with one ``servers.run --detach``: Flask is imported once and
    each service forked from there (see servers/run.py), each in its own session and log."""
    names = [svc.name for svc in services]
    command = [sys.executable, "-m", "servers.run", "--detach", str(runtime_dir()), *names]
    for name in names:
        _log_start(name, [sys.executable, "-m", "servers.run", name, "(forked by the runner)"])
    try:
        result = subprocess.run(command, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, env=_child_env(), timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CorsLabError(f"cannot start the Flask services ({', '.join(names)}): {exc}") from None
    pids = {}
    for line in result.stdout.splitlines():
        name, _, pid = line.partition(" ")
        if name in names and pid.isdigit():
            pids[name] = int(pid)
    try:
        for name, pid in pids.items():
            _write_pidfile(name, pid)
    except OSError:  # a full disk: nothing may run that no pid file leads to
        for pid in pids.values():
            _signal_all(pid, [pid], signal.SIGKILL)
        raise
    if result.returncode != 0 or set(pids) != set(names):
        down(list(pids))
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise CorsLabError(f"cannot start the Flask services ({', '.join(names)}): {last}")
    return pids


def _alive(name: str, pid: int) -> bool:
    proc = _children.get(name)
    if proc is not None and proc.pid == pid:
        proc.poll()  # reap our own child, so its death shows
    return _start_time(pid) is not None


def _wait_healthy(services: list[topology.Service], started: dict[str, int], timeout: float) -> None:
    """Wait until every service answers; fail fast if one this call ``started`` exits."""
    pending = {svc.name: svc for svc in services}
    deadline = time.monotonic() + timeout
    while pending:
        for name, svc in list(pending.items()):
            if name in started and not _alive(name, started[name]):
                proc = _children.get(name)
                status = f" with status {proc.returncode}" if proc is not None and proc.returncode is not None else ""
                raise CorsLabError(
                    f"{name} exited{status} while starting. "
                    f"The end of its log ({_logfile(name)}):\n{tail(name, 15)}"
                )
            if is_healthy(svc, timeout=0.3) and (name not in started or _answered_by(svc, started[name])):
                del pending[name]
        if not pending:
            return
        if time.monotonic() > deadline:
            names = ", ".join(pending)
            raise CorsLabError(
                f"not healthy after {timeout:.0f} s: {names}. "
                f"See `python -m corslab logs {next(iter(pending))}`. The end of its log:\n"
                f"{tail(next(iter(pending)), 15)}"
            )
        time.sleep(0.02)


def _answered_by(svc: topology.Service, session: int) -> bool:
    """True when the process behind ``svc``'s port is of ``session`` (the one this call started),
    not another program that answers on it (another stack's, say); True when /proc cannot tell."""
    found = ports.owner(svc.port)
    if found is None:
        return True
    fields = _stat(found[0])
    return fields is not None and int(fields[3]) == session


def down(names: list[str] | None = None, timeout: float = STOP_TIMEOUT) -> list[str]:
    """Stop our services (all, or ``names``); return the names stopped. Leaves no process or port.

    Every process of a service's session is stopped - nginx's workers too, even when the master
    was killed - and lab processes whose pid files were lost are found by the port they hold."""
    timeout = check_timeout(timeout, "the stop timeout")
    check_runtime()
    services = _select(names)
    stopping: dict[str, tuple[list[int], topology.Service]] = {}
    sessions = _sessions()
    for svc in services:
        session, members = _lab_processes(svc, sessions)
        if not members:
            continue
        _signal_all(session, members, signal.SIGTERM)
        stopping[svc.name] = (members, svc)
    stopped = [svc.name for svc in services if svc.name in stopping]
    _wait_stopped(stopping, timeout)
    if stopping:  # did not stop in time: no mercy, then wait for the kernel to finish them
        for members, _svc in stopping.values():
            _signal_all(None, members, signal.SIGKILL)
        _wait_stopped(stopping, KILL_WAIT)
    for name in [s.name for s in services]:
        proc = _children.pop(name, None)
        if proc is not None:
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        _pidfile(name).unlink(missing_ok=True)
    return stopped


def _wait_stopped(stopping: dict[str, tuple[list[int], topology.Service]], timeout: float) -> None:
    """Wait until every process in ``stopping`` is gone and its port free; drop those that are."""
    deadline = time.monotonic() + timeout
    while stopping and time.monotonic() < deadline:
        for name, (members, svc) in list(stopping.items()):
            proc = _children.get(name)
            if proc is not None:
                proc.poll()  # reap our own child so it does not linger as a zombie
            if all(_start_time(pid) is None for pid in members) and ports.is_free(svc.port, topology.BIND_HOST):
                del stopping[name]
        time.sleep(0.01)


def _cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return None


def _signal_all(session: int | None, pids: list[int], sig: int) -> None:
    """Signal the session leader's process group and every member of the session."""
    targets = list(pids)
    if session is not None:
        try:
            os.killpg(session, sig)
        except (ProcessLookupError, PermissionError):
            pass
    for pid in targets:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


# ---- logs -----------------------------------------------------------------------------------

def tail(name: str, lines: int = 50) -> str:
    path = _logfile(name)
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log yet at {path})"
    out = text.splitlines()[-lines:]
    svc = topology.SERVICES.get(name)
    if svc is not None and svc.kind == "nginx":
        err = runtime_dir() / "nginx" / name / "error.log"
        if err.exists():
            out += ["--- nginx error.log ---"] + err.read_text(errors="replace").splitlines()[-lines:]
    return "\n".join(out)


def _select(names: list[str] | None) -> list[topology.Service]:
    """``None`` is every service; a list (even an empty one) is just those."""
    if names is None:
        return list(topology.SERVICES.values())
    return [topology.service(n) for n in names]


def format_table(rows: list[ServiceState]) -> str:
    header = ("service", "url", "method", "state")
    body = [(r.name, r.url, str(r.method or ""), r.state + (f" - {r.detail}" if r.detail else ""))
            for r in rows]
    widths = [max(len(x) for x in col) for col in zip(header, *body)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(b) for b in body])
