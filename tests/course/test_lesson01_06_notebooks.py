"""The shape of lessons 01-06, checked on the stored notebooks: exercises that Run All cannot
spoil, solutions only in collapsed markdown, a widget in every lesson, configs shown from files
that exist, and no port written by hand."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted(p for p in (ROOT / "notebooks").glob("0[1-6]-*.ipynb"))


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def test_there_are_six_lessons():
    assert [p.name[:2] for p in LESSONS] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_at_least_two_exercises_each_unanswered_and_checked(path):
    code = [source(c) for c in cells(path) if c["cell_type"] == "code"]
    exercises = [s for s in code if re.search(r"^answer = \.\.\.", s, re.M)]
    assert len(exercises) >= 2
    n = path.name[:2]
    assert all(f"lesson{n}.check_" in s for s in exercises)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_solutions_are_collapsed_markdown_never_code(path):
    all_cells = cells(path)
    solutions = [c for c in all_cells if "<summary>Solution</summary>" in source(c)]
    assert len(solutions) >= 2 and all(c["cell_type"] == "markdown" for c in solutions)
    for c in all_cells:
        if c["cell_type"] == "code":
            assert not re.search(r"^answer = (?!\.\.\.)", source(c), re.M), source(c)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_shows_a_widget_and_korean_terms(path):
    text = "\n".join(source(c) for c in cells(path))
    assert re.search(r"widgets\.(request_builder|method_switcher|origin_comparer|cache_timeline|"
                     r"config_editor|show_config|show)\(", text)
    assert re.search(r"[\uac00-\ud7a3]", text)  # Hangul
    assert "## Key points" in text


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_configs_are_shown_from_files_that_exist(path):
    text = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "code")
    for shown in re.findall(r"show_config\(\"([^\"]+)\"", text):
        assert (ROOT / shown).is_file(), shown


@pytest.mark.parametrize("path", [ROOT / "notebooks" / "00-start-here.ipynb", *LESSONS], ids=lambda p: p.stem)
def test_no_port_written_by_hand_and_no_assert_or_test_cell_in_the_learners_view(path):
    """The checks live in tests/course/test_notebook_outputs_00_06.py, which reads the executed
    notebooks from outside; a learner never meets an `assert ... •••` cell."""
    for c in cells(path):
        if c["cell_type"] != "code":
            continue
        s = source(c)
        assert not re.search(r"localhost:\d|127\.0\.0\.1:\d|:80[89]\d\b", s), s
        assert not re.search(r"^\s*assert\b", s, re.M), s
        assert "test" not in c.get("metadata", {}).get("tags", []), s
        assert not c.get("metadata", {}).get("jupyter", {}).get("source_hidden"), s
