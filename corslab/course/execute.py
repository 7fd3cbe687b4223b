"""Run the course's notebooks headless, as the tests and the course benchmark do.

``execute(path)`` runs one notebook top to bottom with nbclient (no widget JavaScript: every widget
renders its first result server-side) in a kernel that imports this checkout of the kit, and returns
the executed notebook and the seconds it took. Needs nbclient and nbformat (requirements-test.txt).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def notebooks() -> list[Path]:
    """The numbered notebooks of the course, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def kernel_env() -> dict[str, str]:
    """The kernel imports this checkout, whatever else is installed in the environment."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return dict(os.environ, PYTHONPATH=path)


def execute(path: Path, timeout: int = 120):
    """Run ``path`` top to bottom; return (executed notebook, seconds). Errors raise nbclient's
    CellExecutionError naming the cell."""
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(book, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute(env=kernel_env())
    return book, time.perf_counter() - start
