"""Run the learner's files in the real component, on a lab port, in front of the lab's API.

    with running(lab, files_dir, block="check") as run:
        run.url            # what the browser fetches: http://api.example.test:PORT
        run.address        # the same on 127.0.0.1, for a plain HTTP client

Components:
  nginx          the system's nginx runs the file as it is; the file holds ``server {}`` blocks
                 (plus http-level ``map``, ``upstream``, ``proxy_cache_path``) and proxies with
                 ``proxy_pass http://backend;`` - ``upstream backend`` is the lab's API. Its
                 ``listen`` lines are pointed at the lab port (on the same line, so nginx's line
                 numbers are the file's).
  flask          the learner's ``app.py`` (a module with ``app`` or ``create_app()``) is the API
  PRODUCT        an emulator: ``python -m corslab emulate PRODUCT FILE --port P --upstream URL``
                 (ingress-nginx, kong, alb, apigw-http, istio, gateway-api)
The lab's API (corslab/labs/backend.py) runs in this process, in a thread.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from corslab import ports as portcheck
from corslab.errors import CorsLabError
from corslab.labs import hosts

START_TIMEOUT = 15.0
LISTEN = re.compile(r"^(\s*)listen\s+[^;]*;", re.M)
SERVER_OPEN = re.compile(r"^(\s*server\s*\{)", re.M)


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


def _free(port: int, what: str) -> None:
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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
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
            with nginx(config, port, upstream, _runtime(lab.name, block)):
                yield Running("nginx", port, backend_port)
        else:
            with emulator(lab.component, config, port, upstream):
                yield Running(lab.component, port, backend_port)


def _runtime(name: str, block: str) -> Path:
    from corslab.runner import runtime_dir

    return runtime_dir() / "labs" / f"{name}-{block}"


# -- nginx ---------------------------------------------------------------------------------------

def nginx_site(text: str, port: int) -> str:
    """The learner's config with every ``listen`` on the lab port (line numbers unchanged)."""
    listen = f"listen 127.0.0.1:{port};"
    if LISTEN.search(text):
        return LISTEN.sub(lambda m: m.group(1) + listen, text)
    return SERVER_OPEN.sub(lambda m: m.group(1) + " " + listen, text)


@contextlib.contextmanager
def nginx(config: Path, port: int, upstream: str, prefix: Path):
    from corslab.nginxconf import nginx_binary, render_main

    binary = nginx_binary()
    shutil.rmtree(prefix, ignore_errors=True)
    for sub in ("tmp", "cache"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # workers run as nobody: let them write the cache and temp files
        for path in (prefix, prefix / "tmp", prefix / "cache"):
            path.chmod(0o777)
    site = prefix / config.name
    site.write_text(nginx_site(config.read_text(), port))
    upstream_host = upstream.split("://", 1)[1]
    main = render_main(site, prefix).replace(
        f"    include {site};",
        f"    upstream backend {{ server {upstream_host}; }}  # the lab's API\n    include {site};")
    (prefix / "nginx.conf").write_text(main)
    command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    test = subprocess.run(command + ["-t", "-q"], capture_output=True, text=True)
    if test.returncode != 0:
        raise CorsLabError(_nginx_error(test.stderr, site, config))
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_listening(proc, port, "nginx", lambda: _nginx_error(proc.stderr.read(), site, config))
        yield proc
    finally:
        _stop(proc)


def _nginx_error(stderr: str, site: Path, config: Path) -> str:
    lines = [l for l in stderr.splitlines() if "[emerg]" in l or "[error]" in l] or stderr.splitlines() or ["?"]
    message = re.sub(r"^.*?\[(emerg|error)\] \d+#\d+: ", "", lines[0])
    message = message.replace(f" in {site}:", f" in {config.name}:").replace(str(site), config.name)
    return f"nginx refuses {config.name}: {message}"


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
        if portcheck.is_listening(port):
            return
        time.sleep(0.03)
    raise CorsLabError(f"{what} did not listen on port {port} within {START_TIMEOUT:g} s")


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
