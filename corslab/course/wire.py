"""Small pictures the lessons need beside the widgets: what reached a backend, and header tables.

    seen = wire.seen_log("api", trace)      # the backend's own /_lab/seen log, as a table
    seen.methods                            # ["OPTIONS", "PUT"]: what reached it, in order
    wire.headers(result.preflight)          # the CORS lines of an answer, as a table
    wire.trace()                            # a fresh id to follow one scenario through the hops
    wire.lines("servers/api.py", "def _add_flask_cors", "max_age=")   # (first, last) line numbers

Everything renders as HTML in Jupyter and as aligned text elsewhere: no raw dicts.
"""

from __future__ import annotations

import html
import http.client
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from corslab import topology
from corslab.errors import CorsLabError

ROOT = Path(__file__).resolve().parents[2]

SHOWN_REQUEST_HEADERS = ("origin", "access-control-request-method", "access-control-request-headers",
                         "cookie", "sec-fetch-mode", "sec-fetch-site", "content-type", "authorization",
                         "x-trace-id")
CORS_RESPONSE_PREFIXES = ("access-control-", "vary", "set-cookie", "location", "x-request-id")


def trace() -> str:
    """A fresh id: put ``?trace=ID`` on a URL and follow it through every backend log."""
    return uuid.uuid4().hex[:12]


def _table(head: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"<p><i>{html.escape(empty)}</i></p>"
    th = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'><code>{html.escape(c)}</code></td>"
                                    for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _text(head: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return empty
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), *[line(r) for r in rows]])


@dataclass
class SeenLog:
    """The requests that reached one backend (optionally only one trace's)."""

    service: str
    entries: list[dict] = field(default_factory=list)

    @property
    def methods(self) -> list[str]:
        return [e["method"] for e in self.entries]

    def header(self, index: int, name: str) -> str | None:
        return next((v for n, v in self.entries[index]["headers"] if n.lower() == name.lower()), None)

    def _rows(self) -> tuple[list[str], list[list[str]]]:
        head = ["#", "method", "path", "request headers that matter"]
        rows = []
        for i, e in enumerate(self.entries, 1):
            shown = "; ".join(f"{n}: {v}" for n, v in e["headers"] if n.lower() in SHOWN_REQUEST_HEADERS)
            rows.append([str(i), e["method"], e["path"], shown or "-"])
        return head, rows

    def _empty(self) -> str:
        return f"nothing reached {self.service}"

    def __str__(self) -> str:
        head, rows = self._rows()
        return f"What reached {self.service} (its /_lab/seen log):\n" + _text(head, rows, self._empty())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head, rows = self._rows()
        return (f"<b>What reached <code>{html.escape(self.service)}</code></b> (its own "
                f"<code>/_lab/seen</code> log)" + _table(head, rows, self._empty()))


def seen_log(service: str, trace_id: str | None = None) -> SeenLog:
    """Read ``service``'s /_lab/seen log (a Flask backend of the stack), filtered by trace id."""
    svc = topology.service(service)
    path = "/_lab/seen" + (f"?trace={trace_id}" if trace_id else "")
    conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=3)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        data = json.loads(answer.read())
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise CorsLabError(f"cannot read {service}'s /_lab/seen log ({exc}); is the stack "
                           "running? `python -m corslab up`") from None
    finally:
        conn.close()
    return SeenLog(service, data.get("requests", []))


@dataclass
class HeaderTable:
    """Header lines of one answer (duplicates kept, in order)."""

    title: str
    lines: list[tuple[str, str]]

    def __str__(self) -> str:
        return f"{self.title}:\n" + _text(["header", "value"], [list(h) for h in self.lines], "(none)")

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return f"<b>{html.escape(self.title)}</b>" + _table(["header", "value"],
                                                           [list(h) for h in self.lines], "(none)")


def headers(response, title: str | None = None, everything: bool = False) -> HeaderTable:
    """The CORS-relevant header lines of an answer (a model.HttpResponse), or all of them."""
    if response is None:
        return HeaderTable(title or "no answer (the request was never sent)", [])
    lines = [(n, v) for n, v in response.headers
             if everything or n.lower().startswith(CORS_RESPONSE_PREFIXES)]
    return HeaderTable(title or f"answer {response.status}", lines)


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
