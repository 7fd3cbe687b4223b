"""Run the learner's files in the real component, on a lab port, in front of the lab's API.

    with running(lab, files_dir, block="check") as run:
        run.url            # what the browser fetches: http://api.example.test:PORT
        run.address        # the same on 127.0.0.1, for a plain HTTP client

Components:
  nginx          ``python -m corslab emulate nginx`` (corslab.emulate.nginx, run in process): the
                 system's nginx runs the file's ``server {}`` blocks (plus http-level ``map``,
                 ``upstream``, ``proxy_cache_path``) on the lab port; ``proxy_pass
                 http://backend;`` reaches the lab's API; nginx's line numbers are the file's.
  flask          the learner's ``app.py`` (a module with ``app`` or ``create_app()``) is the API,
                 in a process of its own (corslab.labs.app_process): its code cannot touch the checker
  PRODUCT        an emulator: ``python -m corslab emulate PRODUCT FILE --port P --upstream URL``
                 (ingress-nginx, kong, alb, apigw-http, istio, gateway-api)
The lab's API (corslab/labs/backend.py) runs in this process, in a thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from corslab.stack import ports as portcheck
from corslab.errors import CorsLabError
from corslab.labs import hosts

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 15.0
APP_START_TIMEOUT = 10.0  # a learner's app.py: importing it and binding the port


@dataclass
class Running:
    component: str
    port: int
    backend_port: int
    process: subprocess.Popen | None = None  # the learner's app, when it is the API

    def exited(self) -> str | None:
        """Why the learner's app is gone, if it exited while it was being checked."""
        if self.process is None or self.process.poll() is None:
            return None
        return (f"your {self.component} app exited (status {self.process.returncode}) during the "
                "checks: an app that stops answering fixes nothing")

    @property
    def url(self) -> str:
        return hosts.api_url(self.port)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _free(port: int, what: str, wait: float = 2.0) -> None:
    """A clear error if the port stays taken (a moment's grace: the previous run may be closing)."""
    deadline = time.monotonic() + wait
    while not portcheck.is_free(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not portcheck.is_free(port):
        raise CorsLabError(f"port {port} ({what}) is held by {portcheck.describe_owner(port)}; stop it "
                           "(or the `lab start` still running) and try again")


@contextlib.contextmanager
def serve_wsgi(app, port: int):
    """Serve a WSGI app on 127.0.0.1:port in a thread for the duration of the block."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # the report says what happened
            pass

    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def running(lab, files_dir: Path, block: str = "check"):
    """Start the lab's API and the component with the files in ``files_dir``; stop both after."""
    from corslab.labs import backend

    backend_port, port = hosts.ports(block)
    _free(backend_port, "the lab's API")
    _free(port, lab.component)
    config = files_dir / lab.config
    if config.is_dir():
        raise CorsLabError(f"{config} is a folder, where the lab's {lab.config} should be; move it away, "
                           f"then `python -m corslab lab reset {lab.name}` restores the file")
    if not config.is_file():
        raise CorsLabError(f"{config} is missing; `python -m corslab lab reset {lab.name}` restores it")
    if lab.component == "flask":
        with flask_app(config, port) as proc:
            yield Running("flask", port, port, proc)
        return
    api = backend.create_api(lab.backend, automatic_options=lab.automatic_options)
    with serve_wsgi(api, backend_port):
        upstream = f"http://127.0.0.1:{backend_port}"
        if lab.component == "nginx":
            with nginx(config, port, upstream):
                yield Running("nginx", port, backend_port)
        else:
            with emulator(lab.component, config, port, upstream):
                yield Running(lab.component, port, backend_port)


# -- nginx ---------------------------------------------------------------------------------------

@contextlib.contextmanager
def nginx(config: Path, port: int, upstream: str):
    """The learner's server blocks in real nginx: the kit's ``emulate nginx`` product, in process."""
    from corslab.emulate.nginx import running as nginx_running

    try:
        with nginx_running(str(config), upstream=upstream, port=port, quiet=True):
            yield
    except CorsLabError as exc:
        raise CorsLabError("nginx refuses " + str(exc).replace(str(config), config.name)) from None


# -- the learner's Flask app ----------------------------------------------------------------------

@contextlib.contextmanager
def flask_app(config: Path, port: int):
    """``app.py`` served by corslab.labs.app_process in its own process group, until the block ends."""
    from corslab.labs import backend

    env = dict(os.environ, **backend.secrets_env(),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "corslab.labs.app_process", str(config), str(port)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                cwd=config.parent, env=env, start_new_session=True)

        def failure():
            return app_failure(config.name, proc.returncode, _tail(stderr))

        try:
            _wait_listening(proc, port, f"{config.name} (your app)", failure, APP_START_TIMEOUT,
                            hint="a loop, a sleep or app.run() at import? the lab serves `app` itself")
            yield proc
        finally:
            _stop(proc)


def app_failure(name: str, status: int, tail: str) -> str:
    """One line: why the learner's app did not start (its own one-line reason when it gave one)."""
    from corslab.labs.app_process import MARK

    for line in reversed(tail.splitlines()):
        if line.startswith(MARK):
            return _printable(line[len(MARK):])
    if status == 0:
        return f"{name} exited (status 0) before it served: an app that exits is not graded as solved"
    last = next((line for line in reversed(tail.splitlines()) if line.strip()), "")
    return f"{name} exited with status {status} before it served" + (f": {_printable(last)}" if last else "")


def _tail(file, limit: int = 4096) -> str:
    """The end of a file the child wrote (bounded, whatever it printed)."""
    file.seek(0, os.SEEK_END)
    file.seek(max(0, file.tell() - limit))
    return file.read().decode("utf-8", "replace")


def _printable(text: str, limit: int = 300) -> str:
    """One line, control characters escaped, at most ``limit`` characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- emulators -----------------------------------------------------------------------------------

@contextlib.contextmanager
def emulator(product: str, config: Path, port: int, upstream: str):
    command = [sys.executable, "-m", "corslab", "emulate", product, str(config), "--port", str(port),
               "--upstream", upstream]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env, start_new_session=True)

    def failure():
        text = proc.stderr.read().strip().splitlines()
        line = text[-1] if text else f"exited with status {proc.returncode}"
        return f"the {product} emulator refuses {config.name}: " + line.split("error: ", 1)[-1]

    try:
        _wait_listening(proc, port, product, failure)
        yield proc
    finally:
        _stop(proc)


def _wait_listening(proc: subprocess.Popen, port: int, what: str, failure,
                    timeout: float = START_TIMEOUT, hint: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CorsLabError(failure())
        if portcheck.is_listening(port) and _answers(port):
            if proc.poll() is None:
                return
            raise CorsLabError(failure())
        time.sleep(0.03)
    raise CorsLabError(f"{what} did not answer on port {port} within {timeout:g} s; stopped it"
                       + (f" ({hint})" if hint else ""))


def _answers(port: int) -> bool:
    """An HTTP answer (any status) from 127.0.0.1:port: listening is not yet serving."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/v1/health")
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _stop(proc: subprocess.Popen) -> None:
    """Stop the process and whatever it started in its process group (a fork that outlived it)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(5 if sig == signal.SIGTERM else None)
            break
        except subprocess.TimeoutExpired:
            continue
    # a child that forked and outlived the leader: kill the group, wait until it is gone
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            break
        time.sleep(0.02)
    if proc.stderr:
        proc.stderr.close()
