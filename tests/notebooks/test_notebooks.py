"""Notebooks are product code: each executes top to bottom, headless, against the running stack,
and its own assertions check what it teaches. In git they are kept without outputs."""

from __future__ import annotations

import json

import nbformat
import pytest

from corslab.course import FIRST_CELL
from corslab.course.execute import ROOT, execute, notebooks

NOTEBOOKS = notebooks()
pytestmark = pytest.mark.usefixtures("stack")


def test_there_is_a_course():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path):
    book, _ = execute(path)
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean(path):
    """Outputs stripped, no execution counts (STYLE: notebooks are product code, diffs stay small)."""
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
