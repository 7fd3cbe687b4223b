"""The course's side of the kit: what the notebooks call.

Every notebook starts with the same cell::

    # Setup - the same first cell in every notebook: start the lab (or use the one running).
    import corslab.course as course
    course.start()

``start()`` makes sure the lab stack answers (it starts it natively when it is not running, or
uses a stack that already runs, natively or under docker compose) and says so in one line - or
shows every service with its state when one of them does not answer.
Lesson checkers live in ``corslab.course.lessonNN`` (``NN`` is the notebook's number); their
common form is ``corslab.course.grading``; the live helpers the notebooks share are in
``corslab.course.live``; ``labs("07")`` lists the labs a notebook prepares. Widgets live in
``corslab.widgets``.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

FIRST_CELL = ("# Setup - the same first cell in every notebook: start the lab (or use the one running).\n"
              "import corslab.course as course\n"
              "course.start()")


class LabStatus:
    """The stack's services and their state. When every service answers it shows as one line
    (a notebook's first cell should not push the lesson down the page); when one does not, as the
    table of every service with its state, so the learner sees which one and what to run."""

    def __init__(self, rows):
        self.rows = list(rows)

    @property
    def healthy(self) -> bool:
        return bool(self.rows) and all(r.serving for r in self.rows)

    def summary(self) -> str:
        app = next((r.url for r in self.rows if r.name == "frontend"), "")
        return (f"The lab is running: all {len(self.rows)} services answer (the app's page: {app}). "
                "`python -m corslab status` lists them.")

    def table(self) -> str:
        from corslab.stack import runner

        return runner.format_table(self.rows)

    def __repr__(self) -> str:
        if self.healthy:
            return self.summary()
        return ("Some services are not running: run `python -m corslab status` in a terminal, or "
                "`python -m corslab logs NAME`.\n" + self.table())

    def _repr_html_(self) -> str:
        if self.healthy:
            return (f"<div style='font-family:system-ui,sans-serif;font-size:13px;color:#2e7d32'>"
                    f"&#10004; {escape(self.summary())}</div>")
        colour = {"healthy": "#e8f5e9", "starting": "#fff8e1"}
        body = "".join(
            f"<tr style='background:{colour.get(r.state, '#e8f5e9' if r.serving else '#ffebee')}'>"
            f"<td style='padding:2px 8px'>{escape(r.name)}</td>"
            f"<td style='padding:2px 8px'><code>{escape(r.url)}</code></td>"
            f"<td style='padding:2px 8px'>{'method ' + str(r.method) if r.method else ''}</td>"
            f"<td style='padding:2px 8px'>{escape(r.state)}{' - ' + escape(r.detail) if r.detail else ''}</td></tr>"
            for r in self.rows)
        verdict = ("Some services are not running: run <code>python -m corslab status</code> in a "
                   "terminal, or <code>python -m corslab logs NAME</code>.")
        return (f"<div style='font-family:system-ui,sans-serif;font-size:13px'><b>{verdict}</b>"
                "<table style='border-collapse:collapse'><tr><th align=left>service</th>"
                "<th align=left>URL</th><th align=left>method</th><th align=left>state</th></tr>"
                f"{body}</table></div>")


class Contents:
    """The course's notebooks with their titles, as links (a table in a notebook)."""

    def __init__(self):
        folder = Path(__file__).resolve().parents[2] / "notebooks"
        self.items = [(p.name, _title(p)) for p in sorted(folder.glob("[0-9][0-9]-*.ipynb"))]

    def __repr__(self) -> str:
        return "\n".join(f"{name}  {title}" for name, title in self.items)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td style='padding:2px 8px;text-align:left'><a href='{escape(name)}'>{escape(name)}</a></td>"
                       f"<td style='padding:2px 8px;text-align:left'>{escape(title)}</td></tr>" for name, title in self.items)
        return ("<table style='border-collapse:collapse;font-family:system-ui,sans-serif;font-size:13px'>"
                f"<tr><th align=left>notebook</th><th align=left>what it is about</th></tr>{rows}</table>")


def _title(path) -> str:
    import json

    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return ""
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


class Labs:
    """The labs a notebook prepares (all of them without a number), as links to their READMEs."""

    def __init__(self, notebook: str | None = None):
        from corslab.labs import catalog

        self.notebook = notebook
        self.labs = catalog.for_notebook(notebook) if notebook else catalog.all_labs()

    def __repr__(self) -> str:
        rows = [f"labs/{lab.name}/README.md  ({lab.minutes} min, {lab.method})  {lab.title}" for lab in self.labs]
        return "\n".join(rows + [HOW_TO_LAB]) if rows else "no lab continues this notebook"

    def _repr_html_(self) -> str:
        import os

        from corslab.labs.catalog import ROOT as LABS
        from corslab.widgets.request import code_spans  # `always` in a title: <code>, no raw backtick

        # JupyterLab resolves an output's link from the notebook's folder, the kernel's working
        # folder: ../labs from notebooks/, ../../labs from the Korean edition in notebooks/ko/.
        here = Path(os.path.relpath(LABS, os.getcwd())).as_posix()
        rows = "".join(
            f"<tr><td style='padding:2px 8px;text-align:left'><a href='{escape(here)}/{escape(lab.name)}/README.md'>"
            f"{escape(lab.name)}</a></td><td style='padding:2px 8px;text-align:left'>{lab.minutes} min</td>"
            f"<td style='padding:2px 8px;text-align:left'>{escape(lab.method)}</td>"
            f"<td style='padding:2px 8px;text-align:left' class='tex2jax_ignore'>{code_spans(escape(lab.title))}</td></tr>"
            for lab in self.labs)
        return ("<table style='border-collapse:collapse;font-family:system-ui,sans-serif;font-size:13px'>"
                "<tr><th align=left>lab (its README)</th><th align=left>time</th><th align=left>method</th>"
                f"<th align=left>what is broken</th></tr>{rows}</table>"
                f"<p style='font-family:system-ui,sans-serif;font-size:13px'>{escape(HOW_TO_LAB)}</p>")


HOW_TO_LAB = ("In JupyterLab's terminal (File > New > Terminal): python -m corslab lab start NAME, edit the file it names, then "
              "python -m corslab lab check NAME (real Chromium decides).")


def labs(notebook: str | None = None) -> Labs:
    """The labs that continue notebook ``NN`` (``course.labs("07")``), or every lab."""
    return Labs(notebook)


def contents() -> Contents:
    """The notebooks of the course, in order, with their titles."""
    return Contents()


def start(quiet: bool = False) -> LabStatus | None:
    """Bring the lab stack up (or use the one that runs) and return its table.

    ``quiet=True`` returns nothing (for scripts); in a notebook the table shows as the cell's result.
    """
    from corslab.stack import runner

    _one_line_errors()
    status = LabStatus(runner.up())
    return None if quiet else status


def _one_line_errors() -> None:
    """In IPython, a CorsLabError shows as its one line (what is wrong, how to fix it), no traceback."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from corslab.errors import CorsLabError

    def one_line(shell, etype, value, tb, tb_offset=None):
        print(f"CorsLabError: {value}")
        return [f"CorsLabError: {value}"]

    shell.set_custom_exc((CorsLabError,), one_line)
