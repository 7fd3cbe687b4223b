"""docs/course-map.md names, for each of the course's 33 concepts, the notebook section that teaches
it and the checker that grades it. A section renamed or a checker removed makes the map lie: these
tests read the map and look each name up in the notebooks' headings and in corslab/course/lessonNN.py."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAP = ROOT / "docs" / "course-map.md"

REF = re.compile(r'(?:\b(\d\d) )?(?:§(\d+)(?:-(\d+))?|"([^"]+)")')


def _headings(number: str) -> list[str]:
    (path,) = (ROOT / "notebooks").glob(f"{number}-*.ipynb")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [line.lstrip("#").strip() for c in cells if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines() if line.startswith("#")]


def _rows(title: str) -> list[list[str]]:
    """The body rows of the table under the ``## title`` heading (the first table when no title)."""
    text = MAP.read_text(encoding="utf-8")
    if title:
        text = text.split(f"## {title}", 1)[1]
    rows = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not set(cells[0]) <= set("-") and cells[0] not in ("#", "claim"):
                rows.append(cells)
        elif rows:
            break
    return rows


def _sections(text: str) -> list[tuple[str, str]]:
    """(notebook, section) pairs named in a cell: ``07 §2``, ``03 §1-3``, ``12 §3, §4``, ``01 "Why this matters"``."""
    found, notebook = [], None
    for number, first, last, quoted in REF.findall(text):
        if number:
            notebook = number
        elif quoted:
            continue  # a quote not right after a notebook number is prose, not a heading
        if notebook is None:
            continue
        if quoted:
            found.append((notebook, quoted))
        else:
            found += [(notebook, f"{k}.") for k in range(int(first), int(last or first) + 1)]
    return found


def test_the_map_has_one_row_per_concept_of_the_course():
    """The course's concept checklist has 33 concepts; each needs its row, with a section and a checker."""
    rows = _rows("")
    assert [int(r[0]) for r in rows] == list(range(1, 34))
    for row in rows:
        assert _sections(row[2]), f"concept {row[0]}: no notebook section in {row[2]!r}"
        assert "lesson" in row[4], f"concept {row[0]}: no checker"


def test_every_section_named_in_the_map_is_a_heading_of_that_notebook():
    """`07 §5` must be a heading "5. ..." of notebook 07; a quoted name must be one of its headings."""
    named = [pair for row in _rows("") for pair in _sections(row[2])]
    named += [pair for row in _rows("The four corrections of the source posts") for pair in _sections(row[1])]
    assert len(named) > 60
    missing = []
    for notebook, section in named:
        headings = _headings(notebook)
        if section.endswith(".") and section[:-1].isdigit():
            ok = any(h.startswith(section + " ") for h in headings)
        else:
            ok = any(section in h for h in headings)
        if not ok:
            missing.append(f"{notebook} {section}")
    assert not missing, f"sections named in docs/course-map.md that the notebooks lack: {missing}"


def test_every_checker_named_in_the_map_exists_and_its_notebook_calls_it():
    """`lesson07.check_blog_config` must be a function of corslab/course/lesson07.py, called in notebook 07."""
    names = set(re.findall(r"`lesson(\d\d)\.(check_\w+)`", MAP.read_text(encoding="utf-8")))
    assert len(names) >= 30
    for number, name in sorted(names):
        module = importlib.import_module(f"corslab.course.lesson{number}")
        assert callable(getattr(module, name, None)), f"lesson{number}.{name} does not exist"
        (path,) = (ROOT / "notebooks").glob(f"{number}-*.ipynb")
        assert f"lesson{number}.{name}(" in path.read_text(encoding="utf-8"), f"notebook {number} never calls {name}"


def test_the_reference_parser_reads_sections_as_written_in_the_map():
    """The map's shorthand: a number before § starts a notebook; later §s belong to it."""
    assert _sections('03 §1-3; 12 §3, §4 (belief 5); 01 "Why this matters"') == [
        ("03", "1."), ("03", "2."), ("03", "3."), ("12", "3."), ("12", "4."), ("01", "Why this matters")]
