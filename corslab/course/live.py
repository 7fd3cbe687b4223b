"""The live helpers every notebook shares: run a product's config on a free port, read what
reached a backend, and show rows as a table instead of a printed dict.

    from corslab.course import live
    with live.emulate("istio", "infra/istio/virtualservice.yaml") as base:
        result = probe(base + "/v1/users", topology.APP_ORIGIN)
    live.table([...rows...], ["service", "verdict"])        # an HTML table in Jupyter

``emulate`` runs ``python -m corslab emulate PRODUCT CONFIG --port P --upstream URL`` (the same
command a learner types) in a child process, waits for its ``ready on`` line and stops it on
leaving the ``with`` block; ``nginx`` configs run in real nginx (``corslab.emulate.nginx``);
``emulate_many`` starts several side by side. Ports are picked free by the kernel, never written
by hand, and under ``CORSLAB_PORT_OFFSET`` the lab origins in a config are shifted as the stack
shifts its own. Also here: ``generate`` (what ``python -m corslab generate`` prints), ``raw``
(one request exactly as given, like ``curl -i``), ``seen`` / ``seen_log`` (what reached a backend,
as data / as a table), ``headers`` (the CORS lines of an answer), ``lines`` (a part of a repo file
found by its content), ``variant`` (a repo file with one line changed, to run beside it) and ``table``. Every picture renders as HTML in Jupyter (the widgets' own
table, ``corslab.widgets.html``) and as aligned text elsewhere.
"""

from __future__ import annotations

import html
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from corslab.stack import topology
from corslab.errors import CorsLabError
from corslab.stack.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 15.0  # seconds for an emulator (or nginx) to print `ready on`


def _scratch(generated) -> str:
    """A generated config written to a temporary file (kept until the interpreter exits)."""
    import atexit
    import tempfile

    from corslab.tools.generate import SUFFIX

    with tempfile.NamedTemporaryFile("w", suffix="." + SUFFIX[generated.product], delete=False,
                                     encoding="utf-8") as fh:
        fh.write(generated.text)
    atexit.register(lambda: os.path.exists(fh.name) and os.unlink(fh.name))
    return fh.name


def repo_path(path: str) -> str:
    """A repo-relative path (``infra/kong/kong.yml``) as an absolute one, checked to exist."""
    full = Path(path) if Path(path).is_absolute() else ROOT / path
    if not full.exists():
        raise CorsLabError(f"{path} does not exist in this checkout")
    return str(full)


def variant(path: str, old: str, new: str) -> str:
    """A copy of the repo file ``path`` with ``old`` replaced by ``new`` (each must occur), in a
    temporary file removed when the interpreter exits: one changed line, run in the product's
    emulator beside the original (``live.emulate(product, variant(...))``)."""
    import atexit
    import tempfile

    text = Path(repo_path(path)).read_text(encoding="utf-8")
    if old not in text:
        raise CorsLabError(f"{path} has no {old!r} to replace; give a piece of one of its lines")
    with tempfile.NamedTemporaryFile("w", suffix=Path(path).suffix, delete=False, encoding="utf-8") as fh:
        fh.write(text.replace(old, new))
    atexit.register(lambda: os.path.exists(fh.name) and os.unlink(fh.name))
    return fh.name


def upstream_of(service: str = "api") -> str:
    """The URL a proxy in front of a stack service forwards to (127.0.0.1, port from topology)."""
    return f"http://127.0.0.1:{topology.service(service).port}"


def emulate_command(product: str, config: str, port: int, upstream: str | None,
                    targets: dict[str, str] | None = None) -> list[str]:
    """The command line, as a learner would type it (with ``python`` for this interpreter);
    without ``upstream`` the emulator uses its product's default (the lab's API)."""
    command = [sys.executable, "-m", "corslab", "emulate", product, repo_path(config),
               "--port", str(port)] + (["--upstream", upstream] if upstream else [])
    for name, url in (targets or {}).items():
        command += ["--target", f"{name}={url}"]
    return command


@contextmanager
def emulate(product: str, config: str, upstream: str | None = None,
            targets: dict[str, str] | None = None):
    """Run PRODUCT's emulator on CONFIG on a free port; yield its base URL (``http://localhost:P``).

    ``targets`` maps a backend name of CONFIG to a URL (``--target NAME=URL``).
    """
    if isinstance(config, Generated):
        if config.text is None:
            raise CorsLabError(f"nothing to run: {config.error}")
        config = _scratch(config)
    if product == "nginx":
        with _nginx(config, upstream or upstream_of("api")) as url:
            yield url
        return
    port = free_port()
    with _shifted(config) as path:
        yield from _run_emulator(product, path, port, upstream or upstream_of("api"), targets)


@contextmanager
def _shifted(config: str):
    """The config as the stack runs it: under CORSLAB_PORT_OFFSET the lab's origins in it are
    shifted (``topology.shift_text``), in a temporary copy; otherwise the repository's file."""
    text = Path(repo_path(config)).read_text(encoding="utf-8")
    shifted = topology.shift_text(text)
    if shifted == text:
        yield config
        return
    import tempfile

    suffix = Path(config).suffix
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8") as fh:
        fh.write(shifted)
    try:
        yield fh.name
    finally:
        os.unlink(fh.name)


def _start(product, config, port, upstream, targets) -> subprocess.Popen:
    command = emulate_command(product, config, port, upstream, targets)
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _stop(child: subprocess.Popen) -> None:
    child.terminate()
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    if child.stdout:
        child.stdout.close()


def _run_emulator(product, config, port, upstream, targets):
    child = _start(product, config, port, upstream, targets)
    try:
        _wait_ready(child, port, product)
        yield f"http://localhost:{port}"
    finally:
        _stop(child)


@contextmanager
def running(product: str, config: str, port: int, upstream: str | None = None):
    """``python -m corslab emulate PRODUCT CONFIG --port PORT`` for any config file (a learner's
    copy, say) as it is - not shifted, no upstream unless given - until the block ends."""
    yield from _run_emulator(product, config, port, upstream, None)


class EmulatorDidNotStart(CorsLabError):
    """An emulator that exited (or hung) before ``ready on``; ``said`` is its output, last line last."""

    def __init__(self, product: str, port: int, said: list[str]):
        self.said = said
        super().__init__(f"the {product} emulator did not start on port {port}; it said: "
                         f"{' / '.join(said[-3:]) or 'nothing'}")


@contextmanager
def emulate_many(*specs):
    """Several emulators at once, started side by side (faster than one after the other).

    Each spec is ``(PRODUCT, CONFIG)`` or ``(PRODUCT, CONFIG, UPSTREAM)``; yields their base URLs
    in the same order. (nginx configs: use :func:`emulate`.)
    """
    from contextlib import ExitStack

    with ExitStack() as stack:
        started = []
        for spec in specs:
            product, config, upstream = (tuple(spec) + (None,))[:3]
            if product == "nginx":
                raise CorsLabError("emulate_many runs the Python emulators; run nginx with live.emulate")
            path = stack.enter_context(_shifted(config))
            port = free_port()
            child = _start(product, path, port, upstream or upstream_of("api"), None)
            stack.callback(_stop, child)
            started.append((child, port, product))
        for child, port, product in started:
            _wait_ready(child, port, product)
        yield [f"http://localhost:{port}" for _, port, _ in started]


@contextmanager
def _nginx(config: str, upstream: str):
    """A conf.d-style file in real nginx (``corslab.emulate.nginx``). The lab's own templates say
    ``proxy_pass http://${API_UPSTREAM}``; that placeholder is pointed at the emulator's upstream
    ``backend``, so ``nginx/cors-proxy.conf`` runs as it is in the stack."""
    from corslab.emulate import nginx as nginx_product

    text = Path(repo_path(config)).read_text(encoding="utf-8").replace("${API_UPSTREAM}", "backend")
    text = topology.shift_text(text)
    with nginx_product.running(nginx_product.load_text(text, config), upstream=upstream, quiet=True) as url:
        yield url.replace("//127.0.0.1:", "//localhost:")


def _wait_ready(child: subprocess.Popen, port: int, product: str) -> None:
    lines: list[str] = []

    def read():
        for line in child.stdout:  # type: ignore[union-attr]
            lines.append(line.rstrip())
            if line.startswith("ready on"):
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if any(line.startswith("ready on") for line in lines):
            return
        if child.poll() is not None:
            break
        time.sleep(0.02)
    child.kill()
    raise EmulatorDidNotStart(product, port, [line for line in lines if line.strip()])


# -- generated configs ---------------------------------------------------------------------------

class Generated:
    """What ``python -m corslab generate PRODUCT ...`` prints for one policy (or its one-line error)."""

    def __init__(self, product: str, command: str, text: str | None, error: str | None):
        self.product, self.command, self.text, self.error = product, command, text, error

    def __str__(self) -> str:
        return f"$ {self.command}\n" + (self.text if self.text is not None else f"error: {self.error}")

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from corslab.widgets import html as pictures

        text = str(self)
        body = f"<pre style='font-size:12px'>{html.escape(text)}</pre>"
        return pictures.fold(f"$ {self.command}", body, text.count("\n") + 1)


def generate(product: str, origins, methods=(), headers=(), expose=(), credentials: bool = False,
             max_age: int | None = None) -> Generated:
    """The secure config ``corslab generate`` writes for this policy (in-process, same output)."""
    from corslab.tools import generate as gen

    parts = ["python -m corslab generate", product]
    for flag, values in (("--origin", origins), ("--method", methods), ("--header", headers),
                         ("--expose", expose)):
        parts += [f"{flag} {v}" for v in values]
    parts += ["--credentials"] if credentials else []
    parts += [f"--max-age {max_age}"] if max_age is not None else []
    try:
        policy = gen.make_policy(list(origins), list(methods), list(headers), list(expose),
                                 credentials, max_age, upstream_of("api"))
        return Generated(product, " ".join(parts), gen.generate(product, policy), None)
    except CorsLabError as exc:
        return Generated(product, " ".join(parts), None, str(exc))


# -- what reached the API ------------------------------------------------------------------------

SHOWN_REQUEST_HEADERS = ("origin", "access-control-request-method", "access-control-request-headers",
                         "cookie", "sec-fetch-mode", "sec-fetch-site", "content-type", "authorization",
                         "x-trace-id")
CORS_RESPONSE_PREFIXES = ("access-control-", "vary", "set-cookie", "location", "x-request-id")


def seen(service: str = "api", trace: str | None = None) -> list[dict]:
    """The requests that reached a stack backend (its ``/_lab/seen`` log), optionally one trace."""
    path = "/_lab/seen" + (f"?trace={trace}" if trace else "")
    conn = http.client.HTTPConnection("127.0.0.1", topology.service(service).port, timeout=3)
    try:
        conn.request("GET", path)
        return json.loads(conn.getresponse().read()).get("requests", [])
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise CorsLabError(f"cannot read {service}'s /_lab/seen log ({exc}); is the stack "
                           "running? `python -m corslab up`") from None
    finally:
        conn.close()


class SeenLog:
    """The requests that reached one backend (optionally only one trace's), shown as a table."""

    def __init__(self, service: str, entries: list[dict]):
        self.service, self.entries = service, entries

    @property
    def methods(self) -> list[str]:
        return [e["method"] for e in self.entries]

    def header(self, index: int, name: str) -> str | None:
        return next((v for n, v in self.entries[index]["headers"] if n.lower() == name.lower()), None)

    def table(self) -> "Table":
        rows = []
        for i, e in enumerate(self.entries, 1):
            shown = "; ".join(f"{n}: {v}" for n, v in e["headers"] if n.lower() in SHOWN_REQUEST_HEADERS)
            rows.append([i, e["method"], e["path"], shown or "-"])
        return Table(rows, ["#", "method", "path", "request headers that matter"],
                     f"What reached {self.service} (its own /_lab/seen log)",
                     empty=f"nothing reached {self.service}")

    def __str__(self) -> str:
        return str(self.table())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


def seen_log(service: str, trace: str | None = None) -> SeenLog:
    """What reached ``service`` (a Flask backend of the stack), filtered by trace id, as a table."""
    return SeenLog(service, seen(service, trace))


def headers(response, title: str | None = None, everything: bool = False) -> "Table":
    """The CORS-relevant header lines of an answer (a model.HttpResponse), or all of them, in order
    and with duplicates kept."""
    if response is None:
        return Table([], ["header", "value"], title or "no answer (the request was never sent)", empty="(none)")
    lines = [[n, v] for n, v in response.headers
             if everything or n.lower().startswith(CORS_RESPONSE_PREFIXES)]
    return Table(lines, ["header", "value"], title or f"answer {response.status}", empty="(none)")


def lines(path: str, first: str, last: str) -> tuple[int, int]:
    """(first, last) line numbers (1-based) of the part of a repo file that starts at the line
    containing ``first`` and ends at the next line containing ``last``: so a lesson shows a part of
    a file by its content, and still shows the right lines after the file is edited."""
    text = (ROOT / path).read_text().splitlines()
    try:
        start = next(i for i, line in enumerate(text) if first in line)
        end = next(i for i in range(start, len(text)) if last in text[i])
    except StopIteration:
        raise CorsLabError(f"{path}: no part from a line with {first!r} to a line with {last!r}") from None
    return start + 1, end + 1


def trace_id(label: str = "demo") -> str:
    """A fresh id to put in a URL's ``?trace=`` so ``seen(trace=...)`` finds just those requests."""
    return f"{label}-{time.time_ns() % 10**12}"


def header(response, name: str) -> str | None:
    """One response header's value(s) joined like a browser joins them, or None when absent."""
    if response is None:
        return None
    values = [v for n, v in response.headers if n.lower() == name.lower()]
    return ", ".join(values) if values else None


# -- the raw exchange (what `curl -i` shows) ------------------------------------------------------

class Raw:
    """One request sent byte for byte as given (no browser rules applied) and its raw answer."""

    def __init__(self, method, url, headers, status, reason, answer_headers, body):
        self.method, self.url, self.headers = method, url, list(headers)
        self.status, self.reason, self.answer_headers, self.body = status, reason, answer_headers, body

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.answer_headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None

    def __str__(self) -> str:
        parts = urlsplit(self.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        out = [f"> {self.method} {target} HTTP/1.1", f"> Host: {parts.netloc}"]
        out += [f"> {n}: {v}" for n, v in self.headers] + [">"]
        out += [f"< HTTP/1.1 {self.status} {self.reason}"] + [f"< {n}: {v}" for n, v in self.answer_headers]
        if self.body:
            out += ["<", self.body[:300]]
        return "\n".join(out)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"


def raw(url: str, method: str = "GET", headers=()) -> Raw:
    """Send exactly this request (like ``curl -i -X METHOD -H ...``); nothing is added or checked."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=5)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        answer = conn.getresponse()
        body = answer.read().decode("utf-8", "replace")
        return Raw(method, url, headers, answer.status, answer.reason, answer.getheaders(), body)
    finally:
        conn.close()


# -- tables --------------------------------------------------------------------------------------

class Table:
    """Rows shown as a table in Jupyter (the widgets' HTML table) and as aligned text elsewhere."""

    def __init__(self, rows: list[list], columns: list[str], caption: str | None = None,
                 empty: str = "(nothing)"):
        self.rows = [["" if c is None else str(c) for c in row] for row in rows]
        self.columns = list(columns)
        self.caption = caption
        self.empty = empty

    def __str__(self) -> str:
        widths = [max([len(c)] + [len(r[i]) for r in self.rows]) for i, c in enumerate(self.columns)]
        line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
        out = [self.caption] if self.caption else []
        if not self.rows:
            return "\n".join(out + [self.empty])
        out += [line(self.columns), line(["-" * w for w in widths])]
        return "\n".join(out + [line(r) for r in self.rows])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from corslab.widgets import html as pictures

        colour = {"allowed": "#2e7d32", "blocked": "#c62828"}

        def cell(text: str) -> str:
            if text in colour:
                return f"<b style='color:{colour[text]}'>{text}</b>"
            return pictures.e(text)

        cap = f"<div><b>{pictures.e(self.caption)}</b></div>" if self.caption else ""
        body = (pictures.table(self.columns, [[cell(c) for c in r] for r in self.rows], raw=True)
                if self.rows else f"<p><i>{pictures.e(self.empty)}</i></p>")
        return pictures.wrap(cap + body)


def table(rows: list[list], columns: list[str], caption: str | None = None,
          empty: str = "(nothing)") -> Table:
    """Rows as a table (never a printed list or dict); ``empty`` is said when there are no rows."""
    return Table(rows, columns, caption, empty)


def verdict(result) -> str:
    """``allowed`` or ``blocked`` for a probe result."""
    return "allowed" if result.allowed else "blocked"
