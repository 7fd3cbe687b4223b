"""The lab under docker compose, for the tests in this folder.

``compose``: a session-wide handle on the container engine and the compose CLI (``docker
compose``, else Debian's ``docker-compose`` 1.29). Where no engine runs, or a base image is
neither here nor pullable, every test here skips with that one reason - quickly: nothing is
pulled once a pull has failed, and images are looked up before anything is built.

``stack`` (overrides the native one for this folder): the whole stack brought up with compose
on the topology's host ports, healthy, then torn down at the end of the module. A native lab
holding those ports is stopped for the while and started again afterwards.

Up and down times are collected and printed at the end of the run. With
``CORSLAB_REQUIRE_COMPOSE=1`` (CI's compose job, which has an engine and a registry) a reason to
skip is a failure instead.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field

import pytest
import yaml

from corslab.stack import compose as compose_file
from corslab.stack import nginxconf, runner, topology

ROOT = nginxconf.ROOT
# Never the learner's own project (that one is named after the folder); one per port offset.
PROJECT = f"corslab-test-{topology.PORT_OFFSET}" if topology.PORT_OFFSET else "corslab-test"
HEALTHY_WITHIN = 180.0  # seconds; the healthchecks retry for 60 s after the images are there
TIMINGS: list[tuple[str, float, float, float]] = []  # (profiles, up, stop, stop + down) in s


@functools.lru_cache(maxsize=None)
def compose_path():
    """The committed docker-compose.yml, or under a port offset the shifted rendering of it."""
    if not topology.PORT_OFFSET:
        return ROOT / "docker-compose.yml"
    path = ROOT / ".run" / f"compose-{topology.PORT_OFFSET}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(compose_file.render())
    return path


def cannot_run(reason: str):
    """Skip with the reason - or fail, where compose is required to run (CI's compose job)."""
    if os.environ.get("CORSLAB_REQUIRE_COMPOSE"):
        pytest.fail(f"CORSLAB_REQUIRE_COMPOSE is set, but: {reason}", pytrace=False)
    pytest.skip(reason)


def _run(argv: list[str], timeout: float = 30, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kw)


def _last_line(result: subprocess.CompletedProcess) -> str:
    text = (result.stderr or result.stdout or "").strip().splitlines()
    return text[-1] if text else f"exit status {result.returncode}"


@dataclass
class Compose:
    """The compose CLI for this project, plus what this machine cannot run (service -> why)."""

    cli: list[str]
    missing: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, profiles: tuple[str, ...] = (), timeout: float = 300,
                 check: bool = True) -> subprocess.CompletedProcess:
        argv = [*self.cli, "-p", PROJECT, "-f", str(compose_path()), "--project-directory", str(ROOT)]
        for profile in profiles:
            argv += ["--profile", profile]
        result = _run([*argv, *args], timeout=timeout)
        if check and result.returncode != 0:
            pytest.fail(f"{' '.join(argv[len(self.cli):])} {' '.join(args)}: exit "
                        f"{result.returncode}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        return result

    def containers(self) -> dict[str, dict]:
        """service -> `docker inspect` State of this project's containers (running or not)."""
        ids = _run(["docker", "ps", "-aq", "--filter",
                    f"label=com.docker.compose.project={PROJECT}"]).stdout.split()
        if not ids:
            return {}
        out = json.loads(_run(["docker", "inspect", *ids]).stdout)
        return {c["Config"]["Labels"]["com.docker.compose.service"]: c["State"] for c in out}

    def runnable(self, services: list[str]) -> bool:
        return not any(name in self.missing for name in services)

    def why_not(self, services: list[str]) -> str:
        return "; ".join(sorted({self.missing[n] for n in services if n in self.missing}))


def _images_by_service() -> dict[str, str]:
    """service -> the base image it needs (the Python services: the Dockerfile's FROM)."""
    doc = yaml.safe_load(compose_path().read_text())
    dockerfile = (ROOT / "servers" / "Dockerfile").read_text()
    python_base = next(line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM "))
    return {name: python_base if "build" in svc else svc["image"]
            for name, svc in doc["services"].items()}


@functools.lru_cache(maxsize=None)
def _image_available(image: str) -> str | None:
    """None if the image is here (or was just pulled), else why not."""
    if _run(["docker", "image", "inspect", image]).returncode == 0:
        return None
    try:
        pulled = _run(["docker", "pull", "-q", image], timeout=600)
    except subprocess.TimeoutExpired:
        return f"{image} could not be pulled within 10 minutes"
    return None if pulled.returncode == 0 else (
        f"{image} is not on this machine and cannot be pulled ({_last_line(pulled)})")


def _in_a_network_namespace_of_its_own() -> bool:
    """True inside e.g. `unshare -n`: the engine publishes ports on the host's loopback, which
    this process cannot reach. Such a namespace has a loopback interface and nothing else."""
    import socket

    return [name for _, name in socket.if_nameindex()] == ["lo"]


@functools.lru_cache(maxsize=None)
def _engine() -> Compose | str:
    """The compose CLI with what it can run here, or the one reason nothing can run."""
    if not shutil.which("docker"):
        return "no container engine: the docker CLI is not installed"
    if _in_a_network_namespace_of_its_own():
        return ("this process runs in a network namespace of its own, where the engine's "
                "published ports cannot be reached: run tests/compose in the host's")
    try:
        info = _run(["docker", "info", "--format", "{{json .ServerVersion}}"], timeout=20)
    except subprocess.TimeoutExpired:
        return "no container engine: `docker info` did not answer in 20 s"
    if info.returncode != 0:
        return f"no container engine: `docker info` says: {_last_line(info)}"
    if _run(["docker", "compose", "version"]).returncode == 0:
        cli = ["docker", "compose"]
    elif shutil.which("docker-compose"):
        cli = ["docker-compose"]
    else:
        return "neither `docker compose` nor `docker-compose` is installed"
    if os.environ.get("CORSLAB_COMPOSE"):  # e.g. CORSLAB_COMPOSE=docker-compose to try v1
        cli = os.environ["CORSLAB_COMPOSE"].split()
    missing: dict[str, str] = {}
    unavailable: str | None = None
    tried: set[str] = set()
    for service, image in _images_by_service().items():
        # Once one pull has failed (no registry), look the others up locally only: no long waits.
        if unavailable is None or image in tried:
            why = _image_available(image)
        elif _run(["docker", "image", "inspect", image]).returncode == 0:
            why = None
        else:
            why = f"{image} is not on this machine (and the registry was not reachable)"
        tried.add(image)
        if why:
            missing[service] = why
            unavailable = unavailable or why
    if set(missing) == set(topology.SERVICES) or "api" in missing:
        return f"cannot run the stack in containers: {missing.get('api') or unavailable}"
    return Compose(cli, missing)


@pytest.fixture(scope="session")
def compose() -> Compose:
    engine = _engine()
    if isinstance(engine, str):
        cannot_run(engine)
    built = engine("build", timeout=900, check=False)
    if built.returncode != 0:
        pytest.fail(f"building the lab image failed:\n{built.stdout[-3000:]}\n{built.stderr[-3000:]}")
    return engine


def wait_healthy(compose: Compose, expected: list[str]) -> dict[str, dict]:
    """Poll until every expected service is running and healthy; fail with the logs if not."""
    deadline = time.monotonic() + HEALTHY_WITHIN
    while True:
        states = compose.containers()
        if set(states) >= set(expected) and all(
                states[n].get("Health", {}).get("Status") == "healthy" for n in expected):
            return states
        exited = [n for n, s in states.items() if s["Status"] == "exited"]
        if exited or time.monotonic() > deadline:
            logs = compose("logs", "--tail", "30", *(exited or expected), check=False).stdout
            summary = {n: s.get("Health", {}).get("Status", s["Status"]) for n, s in states.items()}
            pytest.fail(f"not healthy: {summary}\n{logs[-4000:]}")
        time.sleep(0.25)


@dataclass
class Run:
    profiles: tuple[str, ...]
    services: list[str]
    states: dict[str, dict]
    up_seconds: float


def up(compose: Compose, profile: str) -> Run:
    """`--profile PROFILE up -d`, then wait until its services are healthy (timed together)."""
    services = compose_file.profiles()[profile]
    _clean_slate(compose)
    started = time.monotonic()
    compose("up", "-d", profiles=(profile,))
    states = wait_healthy(compose, services)
    return Run((profile,), services, states, time.monotonic() - started)


def down(compose: Compose, run: Run) -> tuple[float, dict[str, dict]]:
    """`stop` then `down` (what a plain `down` does), each timed; returns the containers' states
    read between the two (their exit codes: stopped by their signal, or killed)."""
    started = time.monotonic()
    compose("stop", profiles=run.profiles)
    stop_seconds = time.monotonic() - started
    stopped = compose.containers()
    started = time.monotonic()
    compose("down", "--remove-orphans", profiles=run.profiles)
    seconds = stop_seconds + time.monotonic() - started
    TIMINGS.append((",".join(run.profiles), run.up_seconds, stop_seconds, seconds))
    return seconds, stopped


def _clean_slate(compose: Compose) -> None:
    """The lab's ports free: no native lab, nothing an interrupted run of ours left behind."""
    _stop_native_lab()
    if compose.containers():
        compose("down", "--remove-orphans", profiles=(compose_file.ALL,))


_native_stopped: list[bool] = [False]


def _stop_native_lab() -> None:
    """A native lab (this session's, or a developer's) holds the ports: stop it for the while
    (until the end of the module: `_native_lab_back_after_the_module`)."""
    if not _native_stopped[0] and any(r.state == "healthy" for r in runner.status()):
        runner.down()
        _native_stopped[0] = True


@pytest.fixture(scope="module", autouse=True)
def _native_lab_back_after_the_module():
    """Set up before (so torn down after) the module's compose stack: the tests that come next
    find the native lab as the session left it."""
    yield
    if _native_stopped[0]:
        _native_stopped[0] = False
        runner.up()


@pytest.fixture(scope="module")
def stack(compose):
    """The whole stack under compose (every profile this machine can run), healthy."""
    runnable = [p for p, services in compose_file.profiles().items()
                if p != compose_file.ALL and compose.runnable(services)]
    services = sorted({s for p in runnable for s in compose_file.profiles()[p]})
    _clean_slate(compose)
    started = time.monotonic()
    compose("up", "-d", profiles=tuple(runnable))
    wait_healthy(compose, services)
    run = Run(tuple(runnable), services, {}, time.monotonic() - started)
    yield topology
    down(compose, run)


@pytest.fixture(autouse=True)
def _skip_what_cannot_run_here(request):
    """A reused check that needs a service this machine cannot run (e.g. no Kong image) skips."""
    if "stack" not in request.fixturenames:
        return
    engine = _engine()
    if isinstance(engine, str):
        return  # the `compose` fixture skips with the engine's reason
    words = {request.node.name, *map(str, getattr(getattr(request.node, "callspec", None),
                                                     "params", {}).values())}
    for service in engine.missing:
        if any(service in word for word in words):
            cannot_run(engine.missing[service])


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.write_sep("-", "docker compose: seconds to up (until healthy), stop, down")
        for profiles, up_s, stop_s, down_s in TIMINGS:
            terminalreporter.write_line(
                f"{profiles:<50} up {up_s:5.1f}   stop {stop_s:4.1f}   stop+down {down_s:4.1f}")
