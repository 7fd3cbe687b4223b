"""The kit installs like a package, and git keeps notebooks without outputs.

Why: the first cell of every notebook is ``import corslab.course as course`` - no sys.path edit -
which works only when scripts/setup.sh has installed the kit (editable) into .venv; and learners'
outputs must never reach a commit (PEP 660 editable installs; nbstripout's git filter).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= requirement_names(path.parent / line[3:].strip())
        elif line:
            names.add(line)
    return names


def test_pyproject_dependencies_are_the_runtime_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert set(project["dependencies"]) == requirement_names(ROOT / "requirements.txt")


def test_an_editable_install_imports_the_checkout_from_anywhere(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "--no-deps", "-e", str(ROOT)], check=True,
                   capture_output=True, timeout=240)
    found = subprocess.run([str(python), "-c", "import corslab.course, corslab; print(corslab.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()) == ROOT / "corslab" / "__init__.py"


def test_git_strips_notebook_outputs_on_commit(tmp_path):
    def git(*args):
        return subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True,
                              text=True).stdout

    git("init", "-q")
    shutil.copy(ROOT / ".gitattributes", tmp_path / ".gitattributes")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")  # the filter runs the checkout's .venv
    subprocess.run([str(ROOT / "scripts" / "git-filters.sh")], cwd=tmp_path, check=True)
    book = {"cells": [{"cell_type": "code", "execution_count": 3, "id": "a1", "metadata": {},
                       "outputs": [{"output_type": "stream", "name": "stdout", "text": "secret\n"}],
                       "source": "print('secret')"}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "lesson.ipynb").write_text(json.dumps(book))
    git("add", "lesson.ipynb")
    stored = json.loads(git("show", ":lesson.ipynb"))
    cell = stored["cells"][0]
    assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "secret" in (tmp_path / "lesson.ipynb").read_text()  # the learner's copy keeps them


def test_jupyterlab_opens_at_the_repository_on_the_notebooks_folder():
    from corslab.course.jupyter import arguments

    args = arguments(["--port", "1"])
    assert f"--ServerApp.root_dir={ROOT}" in args
    assert "--LabApp.default_url=/lab/tree/notebooks" in args
    assert args[-2:] == ["--port", "1"]
    assert re.search(r"jupyter\.py", (ROOT / "scripts" / "lab.sh").read_text()) or \
        "corslab.course.jupyter" in (ROOT / "scripts" / "lab.sh").read_text()
