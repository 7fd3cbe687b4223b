"""Lesson 05 - app-level CORS, and why teams move it to the infrastructure: helpers and checkers.

``serve_fastapi()`` runs the FastAPI example (``examples/app-level/fastapi_app.py``) with uvicorn
in a thread on a free loopback port (never the stack's) and returns a :class:`Running` with
``.url`` and ``.stop()`` (also a context manager). The nginx of the duplicate-header demo runs with
``corslab.emulate.nginx.running`` (``python -m corslab emulate nginx``).

The checkers grade with real parts: ``check_flask_cors`` builds a Flask app with the learner's
flask-cors arguments and sends it real requests (Flask's test client); the browser's verdict on
each answer comes from :mod:`corslab.fetch.model`.
"""

from __future__ import annotations

import atexit
import importlib.util
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from corslab.fetch import headers as fh
from corslab.fetch import model
from corslab.stack import policy, topology
from corslab.course.grading import Feedback, judge_allowlist, unanswered
from corslab.stack.ports import free_port
from corslab.errors import CorsLabError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "app-level"
START_TIMEOUT = 10.0


def _wait_listening(port: int, alive, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if not alive():
                break
            time.sleep(0.05)
    raise CorsLabError(f"{what} did not start listening on 127.0.0.1:{port} within "
                       f"{START_TIMEOUT:g} s")


@dataclass
class Running:
    """A server started by the lesson: ``url`` to probe, ``stop()`` when done."""

    url: str
    _stop: object = field(repr=False)
    stopped: bool = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self._stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def serve_fastapi(path: Path = EXAMPLES / "fastapi_app.py",
                  origins: tuple[str, ...] = policy.ALLOWED_ORIGINS) -> Running:
    """Serve the FastAPI example (its ``create_app(origins)``) with uvicorn in a thread."""
    try:
        import uvicorn
    except ImportError:
        raise CorsLabError("uvicorn is not installed; `pip install fastapi uvicorn` "
                           "(both are in requirements.txt)") from None
    spec = importlib.util.spec_from_file_location("fastapi_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    port = free_port()
    config = uvicorn.Config(module.create_app(list(origins)), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fastapi-example", daemon=True)
    thread.start()
    _wait_listening(port, thread.is_alive, "the FastAPI example")

    def stop():
        server.should_exit = True
        thread.join(5)

    running = Running(f"http://localhost:{port}", stop)
    atexit.register(running.stop)
    return running


# -- exercise 1: configure flask-cors for the lab policy -----------------------------------------

def _flask_cors_client(kwargs: dict):
    """A test client of a fresh Flask app with ``CORS(app, **kwargs)`` and one PUT route."""
    from flask import Flask, jsonify
    from flask_cors import CORS

    app = Flask("exercise")

    @app.route("/v1/users/<int:uid>", methods=["PUT"])
    def update(uid):
        return jsonify(id=uid)

    CORS(app, **kwargs)
    return app.test_client()


def flask_cors_answers(kwargs: dict, origin: str, client=None):
    """(preflight, response) of a fresh Flask app with ``CORS(app, **kwargs)`` for a PUT with
    JSON from ``origin`` (preflight, then the PUT itself), as raw :class:`model.HttpResponse`."""
    client = client or _flask_cors_client(kwargs)
    pre = client.options("/v1/users/1", headers={
        "Origin": origin, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type"})
    resp = client.put("/v1/users/1", json={"name": "ada"}, headers={"Origin": origin})
    as_model = lambda r: model.HttpResponse(r.status_code, list(r.headers.items()))  # noqa: E731
    return as_model(pre), as_model(resp)


def _browser_allows(kwargs: dict, origin: str, api_url: str, client=None) -> tuple[bool, str | None]:
    req = model.FetchRequest(api_url, origin, "PUT", [("Content-Type", "application/json")],
                             credentials="include", body='{"name": "ada"}')
    pre, resp = flask_cors_answers(kwargs, origin, client)
    decision = model.decide(req, pre, resp)
    return decision.allowed, decision.reason


def _regex_note(kwargs: dict, kind: str) -> str:
    """Why flask-cors let a look-alike through, when a regex in ``origins`` explains it."""
    origins = kwargs.get("origins")
    origins = [origins] if isinstance(origins, str) else list(origins or [])
    regexes = [o for o in origins if isinstance(o, str) and any(c in o for c in "^$*+?[]()\\|")]
    if not regexes:
        return ""
    if kind == "other-port-allowed":
        return " A regex that accepts any port trusts every program on that host."
    if kind in ("prefix-match", "special-characters"):
        return (" flask-cors matches a regex from the start only (Python's re.match): end it "
                "with $.")
    if kind == "unescaped-dot":
        return " An unescaped '.' in a regex matches any character: write \\. or [.]."
    return ""


def check_flask_cors(answer, api_url: str, allowed=policy.ALLOWED_ORIGINS) -> Feedback:
    """Exercise 1: ``answer`` = the keyword arguments of ``CORS(app, ...)`` (a dict) so that the
    allowed origins may send a credentialed JSON PUT and nobody else can read the answer.

    Judged by behaviour: a real Flask app runs the answer (flask-cors compares strings exactly,
    case-insensitively, and a regex with ``re.match``), and the browser model decides each
    exchange, for the allowed origins and for every attack origin derived from them
    (:func:`corslab.fetch.attacks.attack_origins`). The feedback names each origin that got
    through and why it is dangerous.
    """
    from corslab.fetch.attacks import attack_origins

    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to a dict of flask-cors arguments, e.g. "
                             "{\"origins\": [...], \"supports_credentials\": ..., ...}.")
    fb = Feedback("Your flask-cors configuration, run in a real Flask app")
    attacks = attack_origins(allowed)
    try:
        client = _flask_cors_client(answer)
        results = {o: _browser_allows(answer, o, api_url, client)
                   for o in (*allowed, *(a.origin for a in attacks))}
    except Exception as exc:  # noqa: BLE001 - the learner's arguments, whatever flask-cors says
        fb.check(False, f"CORS(app, **answer) fails: {exc.__class__.__name__}: {exc} - check the "
                        "argument names and values")
        return fb
    for origin in allowed:
        ok, reason = results[origin]
        fb.check(ok, f"{origin} may PUT with credentials" if ok else
                 f"{origin} is blocked: {reason}")
    through = judge_allowlist(fb, lambda o: results[o][0], allowed, check_allowed=False,
                              note=lambda kind: _regex_note(answer, kind))
    if len(through) == len({a.kind for a in attacks}) and "origins" not in answer:
        fb.check(False, "without `origins`, flask-cors' default origins='*' reflects every origin")
    _, resp = flask_cors_answers(answer, allowed[0], client)
    vary = (resp.get("vary") or "").lower()
    fb.check("origin" in vary, "Vary: Origin is sent" if "origin" in vary else
             "no Vary: Origin - a shared cache could give one origin's answer to another")
    return fb


# -- exercise 2: the duplicate header ------------------------------------------------------------

def duplicate_facts(url: str, origin: str) -> dict:
    """Two layers each add ``Access-Control-Allow-Origin: <origin>``: what the browser reads."""
    resp = model.HttpResponse(200, [("Access-Control-Allow-Origin", origin),
                                    ("Access-Control-Allow-Origin", origin)])
    decision = model.decide(model.FetchRequest(url, origin), None, resp)
    return {"value_read": fh.get(resp.headers, "access-control-allow-origin"),
            "allowed": decision.allowed, "layers_that_should_add_it": 1}


def check_duplicate(answer, url: str, origin: str) -> Feedback:
    """Exercise 2: ``answer = {"value_read": "...", "allowed": bool, "layers_that_should_add_it": n}``."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"value_read\": \"...\", \"allowed\": True/False, "
                             "\"layers_that_should_add_it\": <a number>}.")
    truth = duplicate_facts(url, origin)
    fb = Feedback("Two layers, one header")
    value = answer.get("value_read")
    fb.check(isinstance(value, str) and value.replace(" ", "") == truth["value_read"].replace(" ", ""),
             "value_read: right - repeated header lines are joined with ', '" if
             isinstance(value, str) and value.replace(" ", "") == truth["value_read"].replace(" ", "")
             else "value_read: not right - how does a browser read a header sent twice?")
    allowed = answer.get("allowed")
    fb.check(allowed is truth["allowed"], "allowed: right" if allowed is truth["allowed"] else
             "allowed: not right - is that value equal to the page's origin?")
    layers = answer.get("layers_that_should_add_it")
    fb.check(layers == truth["layers_that_should_add_it"] and not isinstance(layers, bool),
             "one owner for CORS: right" if layers == 1 else
             "layers_that_should_add_it: not right - how many lines may the browser receive?")
    return fb


# -- exercise 3: forward or reverse proxy (정방향 / 역방향 프록시) --------------------------------

#: Who does the proxy act for? The client (forward) or the server (reverse).
PROXIES: dict[str, tuple[str, str]] = {
    "a": ("nginx in front of the API, which the browser calls as if it were the API", "reverse"),
    "b": ("a company proxy that every employee's browser is configured to send its traffic "
          "through", "forward"),
    "c": ("the dev server's proxy option (/api -> the backend) that makes the API same-origin "
          "during development", "reverse"),
    "d": ("a Kubernetes ingress controller routing /v1/ to the API service", "reverse"),
}


def check_proxy_kind(answer) -> Feedback:
    """Exercise 3: ``answer = {"a": "forward" | "reverse", ...}``."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"a\": \"forward\" or \"reverse\", ...} for a-d.")
    fb = Feedback("Forward or reverse proxy?")
    for key, (_, kind) in PROXIES.items():
        given = answer.get(key)
        if given not in ("forward", "reverse"):
            fb.check(False, f"{key}: answer \"forward\" or \"reverse\"")
        else:
            fb.check(given == kind, f"{key}: right" if given == kind else
                     f"{key}: not right - who configured it, and on whose behalf does it act: "
                     "the client's or the server's?")
    return fb


# -- the same scenarios through flask-cors, Express and FastAPI ----------------------------------

def serve_express(folder: Path = EXAMPLES / "express",
                  origins: tuple[str, ...] = policy.ALLOWED_ORIGINS) -> Running:
    """Run the Express example (``node server.js`` with the ``cors`` package) on a free port."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        raise CorsLabError("Node.js is not installed; Debian: apt-get install nodejs npm "
                           "(scripts/setup.sh does it), then run lesson 05 again")
    if not (folder / "node_modules" / "cors").is_dir():
        raise CorsLabError(f"the Express example's packages are missing; run `npm ci --prefix "
                           f"{folder.relative_to(ROOT)}` (scripts/setup.sh does it)")
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "ALLOWED_ORIGINS": ",".join(origins), "PORT": str(port)}
    child = subprocess.Popen([node, "server.js"], cwd=folder, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)

    def stop():
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    try:
        _wait_listening(port, lambda: child.poll() is None, "the Express example")
    except CorsLabError:
        stop()
        raise
    running = Running(f"http://localhost:{port}", stop)
    atexit.register(running.stop)
    return running


def framework_scenarios() -> dict[str, dict]:
    """The requests every framework gets: what the lab's pages do, and what an attacker tries
    (the look-alike comes from :func:`corslab.fetch.attacks.attack_origins`)."""
    from corslab.fetch.attacks import attack_origins

    look_alike = attack_origins(policy.ALLOWED_ORIGINS, kinds=["prefix-match"])[0].origin
    json_put = dict(path="/v1/users/1", method="PUT", headers=[("Content-Type", "application/json")],
                    body='{"name": "Ada"}', credentials="include")
    return {
        "app page: credentialed JSON PUT": dict(json_put, origin=topology.APP_ORIGIN),
        "admin page: GET with a token": dict(path="/v1/users", origin=topology.ADMIN_ORIGIN,
                                             headers=[("Authorization", "Bearer t0ken")]),
        "untrusted page: credentialed JSON PUT": dict(json_put, origin=topology.UNTRUSTED_ORIGIN),
        f"look-alike {look_alike}: GET": dict(path="/v1/users", origin=look_alike),
        "null origin (sandboxed iframe): GET": dict(path="/v1/users", origin="null"),
    }


def compare_frameworks(bases: dict[str, str]):
    """Each scenario against each framework (name -> base URL): the browser's verdict and the
    status of the preflight answer, from live probes. A :class:`corslab.course.live.Table`."""
    from corslab.course import live
    from corslab.probing.probe import probe

    rows = []
    for label, spec in framework_scenarios().items():
        spec = dict(spec)
        path = spec.pop("path")
        row = [label]
        for base in bases.values():
            r = probe(base + path, **spec)
            pre = f", preflight {r.preflight.status}" if r.preflight is not None else ""
            row.append(("allowed" if r.allowed else "blocked") + pre)
        rows.append(row)
    return live.table(rows, ["scenario", *bases], "The same requests, three frameworks (live)")


# -- forward and reverse proxies, and a server-side proxy as a workaround -------------------------

class _Relay:
    """A tiny HTTP relay on a free loopback port, in a thread; ``seen`` keeps each request line.

    ``upstream=None``: a **forward** proxy - the client names the full URL in its request line
    (``GET http://host:port/path HTTP/1.1``, RFC 9112 §3.2.2 absolute-form) and the proxy fetches
    it for the client. ``upstream=URL``: a **server-side (reverse) proxy** - the browser calls
    ``/proxy/...`` on the proxy's own origin, which fetches ``URL + ...`` server to server. Only
    GET, for the lesson; the relay forwards no cookies (it has none of the upstream's).
    """

    FORWARDED = ("accept", "content-type", "authorization", "x-trace-id")

    def __init__(self, upstream: str | None = None, host: str = "localhost"):
        import http.client
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        relay = self
        self.upstream, self.seen = upstream, []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: the lesson prints what matters
                pass

            def do_GET(self):
                relay.seen.append(self.requestline)
                if relay.upstream is None:
                    target = self.path if "://" in self.path else None
                else:
                    target = (relay.upstream + self.path[len("/proxy"):]
                              if self.path.startswith("/proxy/") else None)
                if target is None:
                    self.send_error(400, "not a request this proxy relays")
                    return
                parts = urlsplit(target)
                conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=5)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() in relay.FORWARDED}
                    conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                                 headers=headers)
                    answer = conn.getresponse()
                    body = answer.read()
                except OSError as exc:
                    self.send_error(502, f"upstream unreachable: {exc}")
                    return
                finally:
                    conn.close()
                self.send_response(answer.status)
                for name in ("Content-Type", "X-Request-Id"):
                    if answer.getheader(name):
                        self.send_header(name, answer.getheader(name))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), name="lesson05-relay", daemon=True).start()
        atexit.register(self.stop)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def forward_proxy() -> _Relay:
    """A forward proxy (정방향 프록시): the client sends it the whole URL it wants."""
    return _Relay()


def server_side_proxy(upstream: str, host: str = "127.0.0.1") -> _Relay:
    """Your own server relaying ``/proxy/...`` to ``upstream`` - on another site than the
    upstream's by default (``127.0.0.1``), as a real app's backend is."""
    return _Relay(upstream, host)


def through_forward_proxy(proxy: _Relay, url: str) -> tuple[int, str]:
    """What a client configured with ``proxy`` does: connect to the proxy, name the full URL."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
    try:
        conn.request("GET", url)  # absolute-form request target: this is what makes it a forward proxy
        answer = conn.getresponse()
        return answer.status, answer.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _get_ms(url: str, headers=()) -> float:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=5)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=dict(headers))
        conn.getresponse().read()
    finally:
        conn.close()
    return (time.perf_counter() - start) * 1000


def hop_cost_ms(direct: str, proxied: str, n: int = 25) -> tuple[float, float]:
    """Median milliseconds of a GET of ``direct`` and of ``proxied`` (the same resource through a
    server-side proxy), each on a new connection; measured alternately after one warm-up each, so
    both see the same machine load."""
    import statistics

    _get_ms(direct), _get_ms(proxied)
    a, b = [], []
    for _ in range(n):
        a.append(_get_ms(direct))
        b.append(_get_ms(proxied))
    return statistics.median(a), statistics.median(b)
