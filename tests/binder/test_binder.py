"""The repo2docker configuration (binder/): what a Binder launch or a JupyterHub whose images
repo2docker builds installs, and what each learner's server runs when it starts.

Expected behaviour: repo2docker's configuration files (apt.txt, requirements.txt, runtime.txt,
postBuild, start: "start must end with exec \\"$@\\""); with a binder/ folder, repo2docker reads
only the files in it. The package lists must be the ones scripts/setup.sh installs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from corslab.stack import nginxconf, runner, topology

ROOT = nginxconf.ROOT
BINDER = ROOT / "binder"


def _listed(path) -> list[str]:
    return [line.partition("#")[0].strip() for line in path.read_text().splitlines()
            if line.partition("#")[0].strip()]


def test_binder_installs_the_system_packages_setup_sh_installs_for_the_lab():
    """Every lab package of scripts/setup.sh (Debian) comes from apt.txt (Ubuntu) - except
    Chromium: Ubuntu's ``chromium`` package only installs the snap, and snaps do not run in a
    container, so postBuild installs Playwright's Chromium build and links it as ``chromium`` on
    PATH, where corslab.probing.chromium.path() finds it."""
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    lab_packages = re.search(r"^packages=\(([^)]*)\)", setup, re.M).group(1).split()
    apt = set(_listed(BINDER / "apt.txt"))
    assert "chromium" in lab_packages, "lab check grades in Chromium: the lab setup installs it"
    assert set(lab_packages) - {"chromium"} <= apt
    assert "chromium" not in apt and "chromium-browser" not in apt
    post_build = (BINDER / "postBuild").read_text()
    assert "playwright install chromium" in post_build
    assert '$HOME/.local/bin/chromium"' in post_build  # repo2docker puts ~/.local/bin on PATH


def test_binder_installs_the_lab_requirements_and_the_tests_playwright():
    lines = _listed(BINDER / "requirements.txt")
    assert "-r ../requirements.txt" in lines
    playwright = [line for line in _listed(ROOT / "requirements-test.txt") if line.startswith("playwright")]
    assert playwright and set(playwright) <= set(lines)
    assert [line for line in lines if not line.startswith("-r")] == playwright


def test_binder_scripts_are_executable_bash_and_start_hands_over_to_the_server():
    for name in ("postBuild", "start"):
        script = BINDER / name
        assert os.access(script, os.X_OK), f"chmod +x binder/{name}"
        checked = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
    assert (BINDER / "start").read_text().rstrip().endswith('exec "$@"')


def test_start_brings_up_the_learners_stack_then_runs_the_server_command(tmp_path):
    was_running = all(r.state == "healthy" for r in runner.status())
    # `python` is the environment's Python, as in the image repo2docker builds.
    env = {**os.environ, "REPO_DIR": str(ROOT), "HOME": str(tmp_path),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    env.pop("PYTHONPATH", None)
    server = [sys.executable, "-c", "import corslab, os; print(os.path.dirname(corslab.__file__))"]
    try:
        result = subprocess.run([str(BINDER / "start"), *server], capture_output=True, text=True,
                                cwd=tmp_path, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(ROOT / "corslab")  # the kit imports from anywhere
        rows = runner.status()
        assert {r.name: r.state for r in rows} == {name: "healthy" for name in topology.SERVICES}
    finally:
        if not was_running:
            runner.down()
