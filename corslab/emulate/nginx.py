"""Your own nginx ``server {}`` blocks, run in real nginx in front of an upstream.

``python -m corslab emulate nginx CONF --port P --upstream URL``

CONF holds one or more ``server {}`` blocks and, beside them, any http-level directives they need
(``map``, ``upstream``, ``proxy_cache_path``, ...) - what you would put in a file under
``/etc/nginx/conf.d/``. The emulator:

- wraps CONF in the kit's own main ``nginx.conf`` (``corslab.stack.nginxhost``, the kit's one nginx host: its own
  prefix, pid, temp and log files in a folder under the lab's runtime folder; unprivileged workers
  when started as root), with the headers-more module loaded when it is installed, so
  ``more_set_headers`` works as it does with Debian's ``libnginx-mod-http-headers-more-filter``;
- forces every server's address to ``127.0.0.1:P``: your own ``listen`` lines are blanked out
  (they name production ports and TLS certificates that do not exist here) and the kit's is put
  on the line of ``server {``, so nginx's line numbers still point into CONF;
- defines ``upstream backend { server HOST:PORT; }`` from ``--upstream``, so a config says
  ``proxy_pass http://backend;``. **If CONF defines ``upstream backend`` itself, CONF wins**: it
  is used as written, ``--upstream`` is not used, and the emulator says so on stderr;
- runs ``nginx -t`` first: a config nginx refuses is one line naming CONF and the line;
- prints ``ready on URL`` once nginx listens; Ctrl-C (SIGINT) or SIGTERM stops it.

From Python, :func:`running` starts it on a free port and yields the URL::

    with running("my-site.conf", upstream="http://127.0.0.1:8095") as url:
        probe(url + "/v1/users", origin=...)

Behaviour is nginx's own (the system's nginx, 1.22 on Debian 12): nothing is emulated.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from corslab.errors import CorsLabError
from corslab.stack.ports import free_port

UPSTREAM_NAME = "backend"
# Directives that belong in nginx.conf's main or events context, not in a conf.d file.
MAIN_ONLY = {"http", "events", "stream", "mail", "load_module", "worker_processes", "user", "pid",
             "daemon", "env", "worker_rlimit_nofile"}
_WORD = re.compile(r"[^\s;{}\"']+")


@dataclass(frozen=True)
class Statement:
    """One nginx directive: its words, where it starts and ends in the text, its nesting."""

    words: tuple[str, ...]
    start: int
    end: int  # just past ';' or past the matching '}'
    open_brace: int | None  # offset of '{' for a block
    line: int
    parent: int | None  # index of the enclosing block statement


@dataclass(frozen=True)
class NginxSite:
    """What :func:`load` returns: CONF's text and path, and where its pieces are."""

    source: str
    text: str
    statements: tuple[Statement, ...]

    def servers(self) -> list[Statement]:
        return [s for s in self.statements if s.parent is None and s.words[:1] == ("server",)
                and s.open_brace is not None]

    def defines_backend(self) -> Statement | None:
        return next((s for s in self.statements if s.parent is None and s.open_brace is not None
                     and s.words[:2] == ("upstream", UPSTREAM_NAME)), None)


# --- reading CONF --------------------------------------------------------------------------------


def _parse(text: str, source: str) -> tuple[Statement, ...]:
    """Split nginx config text into statements (words, ``;``, ``{``, ``}``, ``#`` comments and
    quoted strings as nginx's own parser treats them) - enough to find blocks and directives."""
    statements: list[Statement] = []
    stack: list[int] = []  # indexes of open blocks (their Statement is filled in at '}')
    pending: dict[int, tuple] = {}
    words: list[str] = []
    start = None
    line = first_line = 1
    i, n = 0, len(text)

    def fail(why: str) -> CorsLabError:
        return CorsLabError(f"{source}:{line}: {why}")

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#":  # at the start of a word: a comment to the end of the line
            while i < n and text[i] != "\n":
                i += 1
        elif c == ";":
            if not words:
                raise fail("unexpected ';' - a directive name must come before it")
            statements.append(Statement(tuple(words), start, i + 1, None, first_line,
                                        stack[-1] if stack else None))
            words, start = [], None
            i += 1
        elif c == "{":
            if not words:
                raise fail("unexpected '{' - a block needs a name, like server {")
            index = len(statements)
            statements.append(None)  # placeholder, completed at the matching '}'
            pending[index] = (tuple(words), start, i, first_line, stack[-1] if stack else None)
            stack.append(index)
            words, start = [], None
            i += 1
        elif c == "}":
            if words:
                raise fail(f"'{words[0]}' is not terminated by ';'")
            if not stack:
                raise fail("unexpected '}' - there is no block to close")
            index = stack.pop()
            w, s, brace, first, parent = pending.pop(index)
            statements[index] = Statement(w, s, i + 1, brace, first, parent)
            i += 1
        else:
            if not words:
                start, first_line = i, line
            if c in "\"'":
                end = i + 1
                while end < n and text[end] != c:
                    end += 2 if text[end] == "\\" else 1
                if end >= n:
                    raise fail("a quoted string is never closed")
                line += text.count("\n", i, end)
                words.append(text[i + 1:end])
                i = end + 1
            else:
                m = _WORD.match(text, i)
                token = m.group()
                # a word may contain quotes or braces only in ${var} form; keep it simple
                while m.end() < n and text[m.end()] == "{" and token.endswith("$"):
                    close = text.find("}", m.end())
                    if close < 0:
                        break
                    token += text[m.end():close + 1]
                    m = _WORD.match(text, close + 1) or re.compile("").match(text, close + 1)
                    token += m.group()
                words.append(token)
                i = m.end()
    if words:
        raise fail(f"'{words[0]}' is not terminated by ';' at the end of the file")
    if stack:
        raise CorsLabError(f"{source}:{pending[stack[-1]][3]}: this '{pending[stack[-1]][0][0]}' "
                           "block is never closed with '}'")
    return tuple(statements)


def load(path: str) -> NginxSite:
    """Read CONF and check its shape: server blocks at the top, nothing of nginx.conf's main level."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise CorsLabError(f"{path}: no such file; check the CONFIG path") from None
    except IsADirectoryError:
        raise CorsLabError(f"{path}: is a folder; give the file that holds your server {{}} blocks") from None
    except OSError as exc:
        raise CorsLabError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise CorsLabError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None
    return load_text(text, path)


def load_text(text: str, source: str = "<config>") -> NginxSite:
    site = NginxSite(source, text, _parse(text, source))
    for s in site.statements:
        if s.parent is None and s.words[0] in MAIN_ONLY:
            raise CorsLabError(
                f"{source}:{s.line}: '{s.words[0]}' belongs in nginx.conf's main level; CONF holds "
                "only what goes inside http {} (server blocks, map, upstream, ...) - remove it")
    if not site.servers():
        raise CorsLabError(f"{source}: no server {{}} block; CONF must hold at least one, e.g. "
                           "server { location / { proxy_pass http://backend; } }")
    return site


# --- rendering -----------------------------------------------------------------------------------


def _host_port(upstream: str) -> str:
    from corslab.emulate.proxy import upstream_url

    parts = urlsplit(upstream_url(upstream))
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port or 80}"


def render_site(site: NginxSite, *, host: str, port: int, upstream: str | None) -> str:
    """CONF with the kit's listen address and upstream, line numbers unchanged."""
    text = site.text
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the end
    servers = {site.statements.index(s) for s in site.servers()}
    listen = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
    for index in servers:
        s = site.statements[index]
        edits.append((s.open_brace + 1, s.open_brace + 1, f" listen {listen};"))
    for s in site.statements:
        if s.parent in servers and s.words[0] == "listen":
            blank = re.sub(r"[^\n]", " ", text[s.start:s.end])
            edits.append((s.start, s.end, blank))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    if site.defines_backend() is None:
        if upstream is None:
            raise CorsLabError("no --upstream given and CONF does not define upstream backend; "
                               "pass --upstream http://HOST:PORT")
        text += (f"\n# Added by corslab emulate nginx from --upstream:\n"
                 f"upstream {UPSTREAM_NAME} {{ server {_host_port(upstream)}; }}\n")
    return text


def _modules() -> tuple[str, ...]:
    """headers-more when Debian's module is installed, so ``more_set_headers`` works."""
    from corslab.stack import nginxhost

    return (nginxhost.HEADERS_MORE_MODULE,) if os.path.exists(nginxhost.HEADERS_MORE_MODULE) else ()


def render_main(site_conf: Path, prefix: Path) -> str:
    """The kit's main nginx.conf (``corslab.stack.nginxhost``) including the rendered CONF, so nginx's
    complaints name that file and CONF's own line numbers."""
    from corslab.stack import nginxhost

    return nginxhost.render_main(f"include {site_conf};", prefix, modules=_modules(),
                                 title=f"the server blocks are the learner's own ({site_conf.name})")


# --- running -------------------------------------------------------------------------------------


def _prefix(port: int) -> Path:
    from corslab.stack.runner import runtime_dir

    base = runtime_dir() / "emulate"
    try:
        base.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix=f"nginx-{port}-", dir=base))
        (path / "tmp").mkdir()
        for p in (path, path / "tmp"):
            os.chmod(p, 0o755)  # workers run as nobody when started as root
    except OSError as exc:
        raise CorsLabError(f"cannot create nginx's folder under {base} ({exc.strerror}); set "
                           "CORSLAB_RUNTIME to a writable folder") from None
    return path


def _mapped(exc: CorsLabError, site_conf: Path, source: str) -> CorsLabError:
    """nginxhost's one-line error, with the rendered file's name and line replaced by CONF's."""
    text = str(exc).removeprefix("nginx rejected the rendered configuration: ")
    m = re.search(r" in " + re.escape(str(site_conf)) + r":(\d+)", text)
    if m:
        return CorsLabError(f"{source}:{m.group(1)}: {text[:m.start()]}{text[m.end():]} (nginx -t)")
    return CorsLabError(f"{source}: {text}" if "nginx -t" not in text else text)


def _render(config, *, upstream, host, port, quiet) -> tuple[NginxSite, Path, Path, int]:
    """Load CONF, pick the port, write the rendered CONF into a fresh prefix: (site, prefix,
    site.conf, port)."""
    from corslab.stack import ports

    site = load(config) if isinstance(config, (str, os.PathLike)) else config
    own = site.defines_backend()
    if own is not None and upstream is not None and not quiet:
        print(f"corslab emulate nginx: {site.source}:{own.line} defines upstream {UPSTREAM_NAME} "
              "itself; it is used as written and --upstream is not used", file=sys.stderr, flush=True)
    if not port:
        port = free_port(host)
    elif not ports.is_free(port, host):
        raise CorsLabError(f"port {port} on {host} is already in use ({ports.describe_owner(port)}); "
                           "stop it or pass another --port")
    text = render_site(site, host=host, port=port, upstream=upstream)
    prefix = _prefix(port)
    site_conf = prefix / "site.conf"
    site_conf.write_text(text, encoding="utf-8")
    return site, prefix, site_conf, port


@contextlib.contextmanager
def running(config: str | NginxSite, *, upstream: str | None = None, host: str = "127.0.0.1",
            port: int | None = None, quiet: bool = False):
    """Run CONF (a path or a loaded site) in real nginx; yield ``http://host:port``; stop on exit."""
    from corslab.stack import nginxhost

    site, prefix, site_conf, port = _render(config, upstream=upstream, host=host, port=port, quiet=quiet)
    try:
        try:
            proc = nginxhost.start(render_main(site_conf, prefix), prefix, host, port)
        except CorsLabError as exc:
            raise _mapped(exc, site_conf, site.source) from None
        try:
            yield f"http://{host}:{port}"
        finally:
            nginxhost.stop(proc)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def serve(config: NginxSite, *, host: str, port: int, upstream: str | None,
          targets: dict[str, str] | None = None) -> None:
    """The CLI's foreground run (``corslab.stack.nginxhost.serve``): ``ready on URL``, then until Ctrl-C
    or SIGTERM."""
    from corslab.stack import nginxhost

    if targets:
        raise CorsLabError("--target is not used by the nginx product: name the upstream in CONF "
                           "or write proxy_pass http://backend; and pass --upstream")
    site, prefix, site_conf, port = _render(config, upstream=upstream, host=host, port=port, quiet=False)
    try:
        nginxhost.serve(f"include {site_conf};", host=host, port=port, prefix=prefix, modules=_modules(),
                        title=f"the server blocks are the learner's own ({site_conf.name})",
                        ready=f"ready on http://{host}:{port}/", remove_prefix=True)
    except CorsLabError as exc:
        raise _mapped(exc, site_conf, site.source) from None
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
