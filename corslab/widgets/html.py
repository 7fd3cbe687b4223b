"""Small HTML pieces the widgets share: a table, a coloured verdict, one error line.

Every picture is built here in Python, so it renders the same in JupyterLab, in a headless run
(nbclient keeps the HTML) and in a static view of the notebook.
"""

from __future__ import annotations

from html import escape

GREEN, AMBER, RED, GREY = "#e8f5e9", "#fff8e1", "#ffebee", "#f5f5f5"
FONT = "font-family: system-ui, sans-serif; font-size: 13px;"


#: JupyterLab right-aligns table cells in outputs; the pictures read left to right. One rule,
#: scoped to the kit's own outputs, leaves cells that set their own alignment alone.
STYLE = ("<style>.corslab-w td:not([style*='text-align']), .corslab-w th:not([style*='text-align'])"
         " {text-align: left;} .corslab-w {line-height: 1.35;}</style>")


def wrap(markup: str) -> str:
    """The kit's output, with the style that keeps its tables left-aligned."""
    return f"<div class='corslab-w tex2jax_ignore'>{STYLE}{markup}</div>"  # no $...$ as math


def e(text) -> str:
    return escape(str(text))


def table(head: list[str], rows: list[list[str]], colours: list[str] | None = None,
          raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw`` (then they are HTML already)."""
    cell = (lambda v: str(v)) if raw else e
    th = "".join(f"<th style='text-align:left;padding:3px 8px;border-bottom:1px solid #999'>"
                 f"{e(h)}</th>" for h in head)
    body = []
    for i, row in enumerate(rows):
        bg = f" style='background:{colours[i]}'" if colours and colours[i] else ""
        tds = "".join(f"<td style='text-align:left;padding:3px 8px;vertical-align:top'>{cell(v)}</td>" for v in row)
        body.append(f"<tr{bg}>{tds}</tr>")
    return f"<table style='border-collapse:collapse;{FONT}'><tr>{th}</tr>{''.join(body)}</table>"


def status(result) -> str:
    """The actual request's status, with a word when it is an error; '-' when never sent."""
    if result.response is None:
        return "-"
    code = result.response.status
    return f"{code} (not a success)" if code >= 400 else str(code)


def error_line(message: str) -> str:
    """One line saying what is wrong and how to fix it (a CorsLabError's text)."""
    return (f"<div class='corslab-error' style='{FONT}background:{RED};padding:6px'>"
            f"<b>Cannot run this:</b> {e(message)}</div>")


def note(message: str) -> str:
    return f"<div style='{FONT}color:#555;padding:4px 0'>{e(message)}</div>"


def outcome(result) -> tuple[str, str]:
    """(label, background colour) of a ProbeResult's verdict; a readable 4xx/5xx is amber:
    CORS let the page read it, but it is not a success."""
    if result.allowed:
        failed = result.response is not None and result.response.status >= 400
        return "allowed", AMBER if failed else GREEN
    if result.opaque:
        return "opaque", AMBER
    if result.kind in ("type-error", "fetch-api"):
        return "refused before sending", GREY
    if result.kind == "network":
        return "network error", RED
    return "blocked", RED


#: A config longer than this many lines is folded: its first lines show, the rest opens on a click.
FOLD_LINES = 30


def fold(summary: str, body: str, lines: int, limit: int = FOLD_LINES) -> str:
    """``body`` (HTML) as it is when it has at most ``limit`` lines, else inside a closed
    ``<details>`` whose ``<summary>`` says what it is and how long - a learner reads the story
    around a config, and opens the config when they want it."""
    if lines <= limit:
        return body
    return (f"<details class='corslab-fold'><summary style='{FONT}cursor:pointer'>{e(summary)} "
            f"<small>({lines} lines - click to open)</small></summary>{body}</details>")


def scalable_svg(cls: str, width: float, height: float, content: str) -> str:
    """An SVG that scales down to the width it is given (JupyterLab with the file browser open)
    and never beyond its natural size: a viewBox, width 100%, height from the aspect ratio."""
    return (f"<svg class='{cls}' xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width:.0f} {height:.0f}' "
            f"width='100%' preserveAspectRatio='xMinYMin meet' "
            f"style='{FONT}max-width:{width:.0f}px;height:auto;display:block'>{content}</svg>")
