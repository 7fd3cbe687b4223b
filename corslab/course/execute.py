"""Run the course's notebooks headless, as the tests and the course benchmark do.

``execute(path)`` runs one notebook top to bottom with nbclient (no widget JavaScript: every widget
renders its first result server-side) in a kernel that imports this checkout of the kit, and returns
the executed notebook and the seconds it took. Needs nbclient and nbformat (requirements-test.txt).
"""

from __future__ import annotations

import os
import subprocess
import time
from functools import lru_cache
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


def committed_text(path: Path) -> str:
    """The notebook as committed (git HEAD), never a learner's edited copy: the tests must pass
    after a learner has answered every exercise. ``CORSLAB_NOTEBOOKS=worktree`` (or no git
    checkout) reads the file on disk instead - for an author trying an uncommitted change."""
    if os.environ.get("CORSLAB_NOTEBOOKS") != "worktree":
        rel = Path(path).resolve().relative_to(ROOT).as_posix()
        try:
            return subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=ROOT, capture_output=True,
                                  text=True, check=True, timeout=30).stdout
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
    return Path(path).read_text(encoding="utf-8")


def execute(path: Path, timeout: int = 120, committed: bool = False, allow_errors: bool = False):
    """Run ``path`` top to bottom; return (executed notebook, seconds). Errors raise nbclient's
    CellExecutionError naming the cell (``allow_errors``: they stay in the cell's outputs and the
    run goes on). ``committed``: run the committed version (see :func:`committed_text`)."""
    import nbformat
    from nbclient import NotebookClient

    if committed:
        book = nbformat.reads(committed_text(path), as_version=4)
    else:
        book = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # coalesce_streams: a cell's prints are one stdout output however the kernel's messages were
    # split (under load a loop's lines arrive as several), as JupyterLab shows them.
    NotebookClient(book, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                   coalesce_streams=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute(env=kernel_env())
    return book, time.perf_counter() - start


@lru_cache(maxsize=None)
def executed(name: str):
    """The committed notebook ``name`` (e.g. ``"03-preflight"`` or ``"03"``), executed once per
    process: the tests read its outputs from outside (no assert cells in a learner's view)."""
    matches = [p for p in notebooks() if p.stem == name or p.stem.startswith(f"{name}-")]
    if len(matches) != 1:
        raise LookupError(f"no single notebook named {name!r} in {NOTEBOOKS}")
    book, _ = execute(matches[0], committed=True)
    return book


def outputs_text(book) -> list[str]:
    """Each code cell's outputs as plain text (streams, text/plain and text/html joined), by cell."""
    out = []
    for cell in book.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                parts.append(o.get("text", ""))
            else:
                data = o.get("data", {})
                parts.append(data.get("text/plain", "") + "\n" + data.get("text/html", ""))
        out.append("\n".join(parts))
    return out
