"""The package's parts import only downwards: the pure browser model at the bottom, the stack and
the probe above it, the emulators and tools above those, the course, widgets, labs and CLI on top
(each package's docstring says what it may import; docs/architecture.md draws the layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "corslab"

#: part -> the parts of corslab it may import (itself always allowed).
MAY_IMPORT = {
    "fetch": {"errors"},
    "stack": {"errors", "fetch"},
    "probing": {"errors", "fetch", "stack"},
    "emulate": {"errors", "fetch", "stack"},
    "tools": {"errors", "fetch", "stack", "probing", "emulate"},
}


def imported_parts(path: Path) -> set[str]:
    parts = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] if node.module != "corslab" else [f"corslab.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        parts |= {n.split(".")[1] for n in names if n.startswith("corslab.")}
    return parts


@pytest.mark.parametrize("part", sorted(MAY_IMPORT))
def test_each_part_imports_only_the_parts_below_it(part):
    wrong = {}
    for path in sorted((PACKAGE / part).glob("*.py")):
        extra = imported_parts(path) - MAY_IMPORT[part] - {part}
        if extra:
            wrong[path.name] = sorted(extra)
    assert not wrong, f"corslab/{part} may import only {sorted(MAY_IMPORT[part])}: {wrong}"


def test_the_top_level_holds_only_the_entry_points():
    """Every module lives in the package of its part; the top level keeps the CLI and the errors."""
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py", "errors.py"]


@pytest.mark.parametrize("part", sorted(p.name for p in PACKAGE.iterdir()
                                        if (p / "__init__.py").exists()))
def test_each_part_says_what_it_holds(part):
    doc = ast.get_docstring(ast.parse((PACKAGE / part / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc.splitlines()) >= 3, f"corslab/{part}/__init__.py needs a docstring"
