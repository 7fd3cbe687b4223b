"""Configurations in the course: shown from their file, line by line, and edited and run live."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import ipywidgets as w

from corslab.stack import topology
from corslab.course import live
from corslab.stack.ports import free_port
from corslab.errors import CorsLabError
from corslab.widgets import html as h
from corslab.widgets.panel import Panel
from corslab.widgets.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]  # the repository: corslab/widgets/config.py -> ../..


def repo_file(path: str | os.PathLike) -> Path:
    """A file of the repository, by its path relative to the repository root."""
    target = (ROOT / path).resolve()
    if ROOT not in target.parents:
        raise CorsLabError(f"{path} is outside the repository; give a path such as "
                           "nginx/cors-proxy.conf")
    if not target.is_file():
        raise CorsLabError(f"{path} does not exist in the repository; give a path such as "
                           "nginx/cors-proxy.conf or infra/kong/kong.yml")
    return target


class ConfigView:
    """A repository file with line numbers and notes beside the lines (HTML for a notebook)."""

    def __init__(self, path, notes=None, lines=None):
        self.path = str(path)
        file = repo_file(path)
        text = file.read_text(encoding="utf-8").splitlines()
        first, last = lines or (1, len(text))
        if not (1 <= first <= last <= len(text)):
            raise CorsLabError(f"lines={lines!r} is outside {path}, which has {len(text)} lines; "
                               f"give (first, last) between 1 and {len(text)}")
        self.numbered = list(enumerate(text, start=1))[first - 1:last]
        self.notes = self._place(notes or {}, text, first, last)

    def _place(self, notes: dict, text: list[str], first: int, last: int) -> dict[int, str]:
        """Notes keyed by line number, or by a substring of a shown line (its first match)."""
        placed: dict[int, str] = {}
        for key, note in notes.items():
            if isinstance(key, int):
                if not first <= key <= last:
                    raise CorsLabError(f"a note is for line {key}, but the lines shown of {self.path} "
                                       f"are {first}-{last}")
                line = key
            else:
                found = [n for n, line_text in enumerate(text, start=1)
                         if first <= n <= last and key in line_text]
                if not found:
                    raise CorsLabError(f"no line of {self.path} (lines {first}-{last}) contains "
                                       f"{key!r}; a note's key is a line number or a piece of that "
                                       "line's text")
                line = found[0]
            placed[line] = placed[line] + " " + note if line in placed else note
        return placed

    def _repr_html_(self) -> str:
        rows = []
        for number, line in self.numbered:
            note = self.notes.get(number)
            bg = "background:#fff8e1;" if note else ""
            rows.append(
                f"<tr style='{bg}'><td style='color:#999;text-align:right;padding:1px 8px;"
                f"user-select:none'>{number}</td><td style='white-space:pre;padding:1px 16px 1px 0;"
                f"text-align:left'><code style='background:none'>{h.e(line)}</code></td>"
                f"<td style='color:#1a237e;padding:1px 8px;border-left:{'3px solid #ffb300' if note else '0'}'>"
                f"{h.e(note or '')}</td></tr>")
        listing = f"<table style='border-collapse:collapse;font-size:12px'>{''.join(rows)}</table>"
        return h.wrap(f"<div class='corslab-config' style='{h.FONT}'><div><b>{h.e(self.path)}</b> "
                f"<small>(read from the repository)</small></div>"
                f"{h.fold(self.path, listing, len(rows))}</div>")


def show_config(path, notes: dict | None = None, lines: tuple[int, int] | None = None) -> ConfigView:
    """A repository file shown from disk with line numbers and notes beside the lines.

    ``notes``: {line number or a substring of the line: note}. ``lines``: (first, last) to show.
    """
    return ConfigView(path, notes, lines)


# -- the config editor ------------------------------------------------------------------------------

#: product -> (the stack's file it starts from, how to run it)
PRODUCTS = {
    "nginx": "nginx/cors-proxy.conf",
    "ingress-nginx": "infra/k8s/ingress.yaml",
    "kong": "infra/kong/kong.yml",
    "istio": "infra/istio/virtualservice.yaml",
    "alb": "infra/aws/alb.json",
    "apigw-http": "infra/aws/apigw-http.json",
    "gateway-api": "infra/k8s/httproute.yaml",
}


def fill_stack_template(text: str, port: int) -> str:
    """A stack nginx template (``${LISTEN}``, ``${API_UPSTREAM}``...) as ``emulate nginx`` runs it:
    its own listen address, and ``backend`` - the upstream that ``--upstream`` defines."""
    text = text.replace("${LISTEN}", f"127.0.0.1:{port}")
    return re.sub(r"\$\{[A-Z_]+_UPSTREAM\}", "backend", text)


class Emulated:
    """``python -m corslab emulate PRODUCT CONFIG --port FREE`` for as long as the block runs."""

    def __init__(self, product: str, text: str, suffix: str, label: str = "your config"):
        self.product, self.suffix, self.label = product, suffix, label
        self.running = None
        self.port = free_port()
        # the learner edits the file as the repository shows it; it runs as the stack runs its own
        # copy: under CORSLAB_PORT_OFFSET the lab's origins and upstreams are shifted (one source)
        text = topology.shift_text(text)
        self.text = fill_stack_template(text, self.port) if product == "nginx" else text

    def __enter__(self) -> str:
        from corslab.emulate import PRODUCTS as RUNNABLE

        if self.product not in RUNNABLE:
            raise CorsLabError(f"python -m corslab emulate cannot run {self.product} in this "
                               f"checkout; it runs: {', '.join(sorted(RUNNABLE))}")
        self.dir = tempfile.TemporaryDirectory(prefix="corslab-edit-")
        config = Path(self.dir.name) / f"config{self.suffix}"
        config.write_text(self.text, encoding="utf-8")
        self.running = live.running(self.product, str(config), self.port)
        try:
            self.running.__enter__()
        except live.EmulatorDidNotStart as exc:
            self.running = None
            self.dir.cleanup()
            message = exc.said[-1] if exc.said else f"it did not start within {live.READY_TIMEOUT:g} s"
            message = message.removeprefix("error: ").replace(str(config), self.label)
            raise CorsLabError(f"{self.product} refused this config: {message}") from None
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        if self.running is not None:
            self.running.__exit__(None, None, None)
            self.running = None
        self.dir.cleanup()


def config_verdicts(product: str, text: str, scenarios: list[Scenario], suffix: str,
                    label: str = "your config", baseline: list[str] | None = None) -> tuple[str, list[str]]:
    """Run ``text`` in PRODUCT's emulator, probe it with each scenario; (HTML table, verdicts).
    With ``baseline`` (the verdicts of the file as it is), a row whose verdict changed is marked."""
    from corslab.widgets.compare import _preflight_cell

    rows, colours, verdicts = [], [], []
    with Emulated(product, text, suffix, label) as base:
        for i, s in enumerate(scenarios):
            result = s.with_(url=base + s.path, service=None).probe()
            verdict, colour = h.outcome(result)
            verdicts.append(verdict)
            was = baseline[i] if baseline and i < len(baseline) else verdict
            rows.append([s.page_origin, f"{s.method} {s.path}",
                         "; ".join(f"{n}: {v}" for n, v in s.headers) or "-",
                         s.credentials, _preflight_cell(result), h.status(result), verdict,
                         "same" if was == verdict else f"CHANGED (was {was})",
                         result.reason or ", ".join(result.exposed_headers) or "-"])
            colours.append(colour)
    head = ["page origin", "request", "headers", "credentials", "preflight", "status", "verdict",
            "vs the file", "reason / readable headers"]
    changed = sum(1 for r in rows if r[7] != "same")
    summary = ("" if baseline is None else
               f"<b>{changed} row{'s' if changed != 1 else ''} changed</b> compared with the file as it is. "
               if changed else "<b>No row changed</b> compared with the file as it is. ")
    body = "".join(
        f"<tr style='background:{c};{'outline:3px solid #6a1b9a;font-weight:bold' if r[7] != 'same' else ''}'>"
        + "".join(f"<td style='text-align:left;padding:3px 8px;vertical-align:top'>{h.e(v)}</td>" for v in r)
        + "</tr>" for r, c in zip(rows, colours))
    th = "".join(f"<th style='text-align:left;padding:3px 8px;border-bottom:1px solid #999'>{h.e(x)}</th>"
                 for x in head)
    table = f"<table style='border-collapse:collapse;{h.FONT}'><tr>{th}</tr>{body}</table>"
    return (f"<div class='corslab-editor-result' data-changed='{changed}' style='{h.FONT}'>{summary}"
            f"Your {h.e(product)} config, run on a free port and probed:" + table + "</div>"), verdicts


def default_scenarios() -> list[Scenario]:
    """The rows of the editor: the lab's requests, a 401 (where `always` matters), the untrusted
    site, and a look-alike of the app from ``corslab.fetch.attacks`` (where an anchor matters)."""
    from corslab.fetch.attacks import attack_origins

    json_put = (("Content-Type", "application/json"),)
    lookalike = next(a.origin for a in attack_origins([topology.APP_ORIGIN, topology.ADMIN_ORIGIN],
                                                      kinds=["prefix-match"])
                     if a.origin.startswith(topology.APP_ORIGIN))
    return [
        Scenario("cors-proxy", "/v1/users", topology.APP_ORIGIN, "GET"),
        Scenario("cors-proxy", "/v1/users/1", topology.APP_ORIGIN, "PUT", json_put, "include",
                 body='{"name": "ada"}'),
        Scenario("cors-proxy", "/v1/users", topology.ADMIN_ORIGIN, "GET", (), "include"),
        Scenario("cors-proxy", "/v1/me", topology.APP_ORIGIN, "GET", (), "include"),
        Scenario("cors-proxy", "/v1/users", topology.UNTRUSTED_ORIGIN, "GET"),
        Scenario("cors-proxy", "/v1/users", lookalike, "GET"),
    ]


#: One-click changes to an nginx config, each with what it teaches: (label, change, lesson).
NGINX_EDITS = {
    "as in the file": (None, ""),
    "remove every `always`": (
        lambda t: t.replace(" always;", ";"),
        "Without `always`, add_header skips 4xx/5xx: the 401 of /v1/me loses its CORS headers, so "
        "the page cannot read it."),
    "`~*` instead of `~` (case-insensitive)": (
        lambda t: re.sub(r'"~\^(?=[a-z]+://)', '"~*^', t),
        "No row changes: a browser sends scheme and host in lower case, so folding case lets no "
        "other origin in. What matters is what else a key matches - try the anchors."),
    "drop the `$` anchors and echo `$http_origin`": (
        lambda t: re.sub(r'"(~\^[a-z]+://[^"]*?)\$"(\s+)"[^"]*"', r'"\1"\2$http_origin', t),
        "Without `$`, a key matches every Origin that starts like the app's; with the common "
        "`$http_origin` as the value, the look-alike row (a port that starts with the same digits) "
        "is let in. The lab's file sends the listed origin instead - a second line of defence."),
}


class ConfigEditor(Panel):
    title = "Edit the configuration, run it, probe it"
    button_label = "Run my config"

    def __init__(self, product: str, path: str, scenarios: list[Scenario] | None = None):
        if product not in PRODUCTS:
            raise CorsLabError(f"unknown product {product!r}; choose one of: {', '.join(PRODUCTS)}")
        self.product = product
        self.path = path or PRODUCTS[product]
        self.suffix = Path(self.path).suffix
        self.scenarios = scenarios or default_scenarios()
        self.original = repo_file(self.path).read_text(encoding="utf-8")
        self.baseline: list[str] | None = None
        self.editor = w.Textarea(value=self.original, layout=w.Layout(width="100%", height="320px"))
        self.label = w.HTML(f"<small style='{h.FONT}'>Editing a copy of <b>{h.e(self.path)}</b> "
                            "(the file in the repository is not changed).</small>")
        self.lesson = w.HTML()
        extra = [self.label]
        if product == "nginx":
            self.edits = w.Dropdown(options=list(NGINX_EDITS), value="as in the file",
                                    description="try a change", layout=w.Layout(width="auto"))
            self.edits.observe(lambda change: self.try_edit(change["new"]), names="value")
            extra = [self.edits, self.label]
        super().__init__([], extra=extra, below=[self.lesson])
        self.children = self.children[:-3] + (self.editor,) + self.children[-3:]

    def try_edit(self, name: str) -> None:
        """Put one of NGINX_EDITS into the editor (from the file as it is) and run it."""
        change, lesson = NGINX_EDITS[name]
        self.editor.value = change(self.original) if change else self.original
        self.lesson.value = f"<p style='{h.FONT}color:#4a148c'>{h.e(lesson)}</p>" if lesson else ""
        self.refresh()

    def render(self) -> str:
        markup, verdicts = config_verdicts(self.product, self.editor.value, self.scenarios, self.suffix,
                                           f"your copy of {self.path}", self.baseline)
        if self.baseline is None and self.editor.value == self.original:
            self.baseline = verdicts
        return markup


def config_editor(product: str, path: str | None = None, scenarios=None) -> ConfigEditor:
    """Edit a copy of ``path``, run it in ``python -m corslab emulate PRODUCT`` on a free port,
    probe it with the lesson's scenarios, show the verdicts."""
    return ConfigEditor(product, path, scenarios)
