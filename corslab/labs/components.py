"""Run the learner's files in the real component, on a lab port, in front of the lab's API.

    with running(lab, files_dir, block="check") as run:
        run.url            # what the browser fetches: http://api.example.test:PORT
        run.address        # the same on 127.0.0.1, for a plain HTTP client

Components:
  nginx          ``python -m corslab emulate nginx`` (corslab.emulate.nginx, run in process): the
                 system's nginx runs the file's ``server {}`` blocks (plus http-level ``map``,
                 ``upstream``, ``proxy_cache_path``) on the lab port; ``proxy_pass
                 http://backend;`` reaches the lab's API; nginx's line numbers are the file's.
  flask          the learner's ``app.py`` (a module with ``app`` or ``create_app()``) is the API
  PRODUCT        an emulator: ``python -m corslab emulate PRODUCT FILE --port P --upstream URL``
                 (ingress-nginx, kong, alb, apigw-http, istio, gateway-api)
The lab's API (corslab/labs/backend.py) runs in this process, in a thread.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from corslab.stack import ports as portcheck
from corslab.errors import CorsLabError
from corslab.labs import hosts

START_TIMEOUT = 15.0


@dataclass
class Running:
    component: str
    port: int
    backend_port: int

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


def load_flask_app(path: Path):
    """The Flask app of the learner's ``app.py``, imported under a fresh module name."""
    name = f"corslab_lab_app_{abs(hash((str(path), time.time_ns())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the learner's code: say where, in one line
        tb = exc.__traceback__
        line = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == str(path):
                line = tb.tb_lineno
            tb = tb.tb_next
        if isinstance(exc, SyntaxError):
            line = exc.lineno
        where = f"{path.name}:{line}" if line else path.name
        raise CorsLabError(f"{where}: {type(exc).__name__}: {exc}") from None
    app = getattr(module, "app", None)
    if app is None and callable(getattr(module, "create_app", None)):
        app = module.create_app()
    if app is None:
        raise CorsLabError(f"{path.name} defines neither `app` nor `create_app()`; keep the one it had")
    return app


@contextlib.contextmanager
def running(lab, files_dir: Path, block: str = "check"):
    """Start the lab's API and the component with the files in ``files_dir``; stop both after."""
    from corslab.labs import backend

    backend_port, port = hosts.ports(block)
    _free(backend_port, "the lab's API")
    _free(port, lab.component)
    config = files_dir / lab.config
    if not config.is_file():
        raise CorsLabError(f"{config} is missing; `python -m corslab lab reset {lab.name}` restores it")
    if lab.component == "flask":
        with serve_wsgi(load_flask_app(config), port):
            yield Running("flask", port, port)
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


# -- emulators -----------------------------------------------------------------------------------

@contextlib.contextmanager
def emulator(product: str, config: Path, port: int, upstream: str):
    command = [sys.executable, "-m", "corslab", "emulate", product, str(config), "--port", str(port),
               "--upstream", upstream]
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=root, env=env, start_new_session=True)

    def failure():
        text = proc.stderr.read().strip().splitlines()
        line = text[-1] if text else f"exited with status {proc.returncode}"
        return f"the {product} emulator refuses {config.name}: " + line.split("error: ", 1)[-1]

    try:
        _wait_listening(proc, port, product, failure)
        yield proc
    finally:
        _stop(proc)


def _wait_listening(proc: subprocess.Popen, port: int, what: str, failure) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CorsLabError(failure())
        if portcheck.is_listening(port) and _answers(port):
            return
        time.sleep(0.03)
    raise CorsLabError(f"{what} did not listen on port {port} within {START_TIMEOUT:g} s")


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
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr:
        proc.stderr.close()
