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


LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))[1:]   # 01-13; 00 is the kit's tour


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_shape(path):
    """Every lesson has one skeleton: time and objectives first, why before how, key points and the
    Korean terms as one labelled table at the end, and a link on to the next notebook."""
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert "*About " in text and "**Objectives**" in text and "## Why this matters" in text
    assert text.index("## Why this matters") < text.index("## 1.")
    assert "## Key points" in text and "**Korean terms (용어)**\n\n| English | 한국어 |" in text
    assert text.index("## Key points") > text.index("### Exercise 2")
    if path != LESSONS[-1]:
        assert "**Next:** [" in text
    assert "widgets." in "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


@pytest.mark.parametrize("number", ["05", "07", "08", "09", "10", "13", "14"])
def test_notebooks_that_prepare_labs_list_them_with_links(number, monkeypatch):
    """Each lab's lab.toml names the notebook that prepares it; that notebook lists it
    (course.labs) in a "Practise in the labs" section, and the list links to the lab's README."""
    import corslab.course as course

    (path,) = (ROOT / "notebooks").glob(f"{number}-*.ipynb")
    cells = nbformat.read(path, as_version=4).cells
    assert any(c.cell_type == "markdown" and "## Practise in the labs" in c.source for c in cells)
    assert any(c.cell_type == "code" and "course.labs(" in c.source for c in cells)
    monkeypatch.chdir(ROOT / "notebooks")  # the kernel runs in the notebook's folder
    listing = course.labs(number)
    assert listing.labs, f"no lab names notebook {number}"
    for lab in listing.labs:
        assert f"href='../labs/{lab.name}/README.md'" in listing._repr_html_()
        assert (ROOT / "labs" / lab.name / "README.md").is_file()
    assert "`" not in listing._repr_html_()  # titles' `code` is drawn as code, never a raw backtick
    monkeypatch.chdir(ROOT / "notebooks" / "ko")  # the Korean edition, one folder deeper
    assert f"href='../../labs/{listing.labs[0].name}/README.md'" in listing._repr_html_()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_assert_or_test_cell_in_the_learners_view(path):
    """What a notebook shows is checked from outside (tests/course/test_notebook_outputs_07_13.py
    reads the executed notebook); a learner never meets an `assert` cell."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            assert not re.search(r"^\s*assert ", cell.source, re.M), cell.source
            assert "test" not in cell.metadata.get("tags", []), cell.source
