"""Notebooks are product code: each executes top to bottom, headless, against the running stack,
and its own assertions check what it teaches. In git they are kept without outputs."""

from __future__ import annotations

import json

import nbformat
import pytest

from corslab.course import FIRST_CELL
from corslab.course.execute import ROOT, execute, executed, notebooks

NOTEBOOKS = notebooks()
pytestmark = pytest.mark.usefixtures("stack")


def test_there_is_a_course():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path):
    book = executed(path.stem)
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean(path):
    """Outputs stripped, no execution counts (notebooks are product code; diffs stay small)."""
    book = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(book["cells"]) if c["cell_type"] == "code"
             and (c["outputs"] or c["execution_count"] is not None)]
    assert not dirty, (
        f"{path.relative_to(ROOT)} is stored with outputs (code cells {dirty}); strip them with "
        f"`.venv/bin/python -m nbstripout {path.relative_to(ROOT)}` - and run scripts/setup.sh once "
        "so git strips them on every commit")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_starts_with_the_setup_cell(path):
    """The contract's first cell: no sys.path edit, the installed kit starts (or finds) the lab."""
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert code[0].source == FIRST_CELL


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_widget_renders_its_first_result_headless(path):
    """nbclient runs no widget JavaScript: a widget's output must carry its own HTML beside the
    widget view, or a headless run (and a static view of the notebook) shows an empty box."""
    book = executed(path.stem)
    views = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    for output in views:
        assert output["data"].get("text/html", "").strip(), output["data"].get("text/plain")


def test_the_first_cell_shows_the_lab_and_later_kit_errors_as_one_line(tmp_path):
    """course.start() shows the stack's table (no raw list of objects), and a CorsLabError raised
    later in the notebook is its one line - what is wrong and how to fix it - not a traceback."""
    from nbclient.exceptions import CellExecutionError

    book = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(FIRST_CELL),
        nbformat.v4.new_code_cell("from corslab.widgets import Scenario\nScenario('no-such-service')"),
    ])
    path = tmp_path / "first-cell.ipynb"
    nbformat.write(book, path)
    with pytest.raises(CellExecutionError) as failed:
        execute(path)
    lines = [line for line in str(failed.value).splitlines() if "CorsLabError" in line]
    assert lines and all("Traceback" not in line for line in lines)
    assert "unknown service 'no-such-service'" in lines[0]
