"""Notebooks are product code: each executes top to bottom, headless, against the running stack,
and its own assertions check what it teaches. In git they are kept without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]-*.ipynb"))
pytestmark = pytest.mark.usefixtures("stack")


def test_there_is_a_course():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path):
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean_and_starts_with_the_setup_cell(path):
    """The project's rule (docs/architecture.md): stripped outputs, no execution counts; one identical first code cell."""
    book = json.loads(path.read_text())
    code = [c for c in book["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    first = "".join(code[0]["source"])
    reference = "".join([c for c in json.loads(NOTEBOOKS[0].read_text())["cells"]
                         if c["cell_type"] == "code"][0]["source"])
    assert first == reference and first.startswith("# Setup - the same first cell")
