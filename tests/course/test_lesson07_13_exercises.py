"""Notebooks 07-13 keep the exercise contract: at least two exercises each, every exercise cell
calls a checker that exists in its lesson module with an unanswered `answer` (so Run All grades
nothing and reveals nothing), and every solution is a collapsed markdown `<details>` block that
never runs."""

import importlib
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = [p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")) if 7 <= int(p.name[:2]) <= 13]
CHECK = re.compile(r"lesson(\d\d)\.(check_\w+)\(answer")


def test_part_b_has_its_seven_notebooks():
    assert [int(p.name[:2]) for p in NOTEBOOKS] == list(range(7, 14))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_call_real_checkers_with_unanswered_answers(path):
    cells = nbformat.read(path, as_version=4).cells
    exercises = [c for c in cells if c.cell_type == "code" and CHECK.search(c.source)]
    assert len(exercises) >= 2
    for cell in exercises:
        number, name = CHECK.search(cell.source).groups()
        assert number == path.name[:2]
        checker = getattr(importlib.import_module(f"corslab.course.lesson{number}"), name)
        assert callable(checker)
        assert re.search(r"^answer = .*\.\.\.", cell.source, re.M), cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_is_followed_by_a_collapsed_solution(path):
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and CHECK.search(cell.source):
            after = cells[i + 1]
            assert after.cell_type == "markdown" and after.source.startswith("<details><summary>Solution")
    assert not any("<details>" in c.source for c in cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_shape(path):
    """Time and objectives first, why before how, key points and Korean terms at the end."""
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert "*About " in text and "**Objectives**" in text and "## Why this matters" in text
    assert "## Key points" in text and "**Korean terms:**" in text
    assert "widgets." in "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
