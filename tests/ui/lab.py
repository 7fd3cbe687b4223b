"""Drive a real JupyterLab with Playwright and the system Chromium (helpers for tests/ui).

The server is started the way scripts/lab.sh starts it (corslab.course.jupyter: its arguments and
its environment, so a terminal runs the course's Python), on a free port,
rooted at a temporary copy of the notebooks (running them in the UI must never write outputs into
the repository's files), with the kernel importing the checkout under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from corslab.stack.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "corslab-ui-test"


def jupyter_data_path() -> str:
    """The share/jupyter folder next to the installed JupyterLab (its static files, the widget
    manager extension) - not always sys.prefix's, e.g. when a venv borrows another's packages."""
    import jupyterlab

    prefix = Path(jupyterlab.__file__).resolve()
    while prefix != prefix.parent and not (prefix / "share" / "jupyter" / "lab").is_dir():
        prefix = prefix.parent
    return str(prefix / "share" / "jupyter")


class Lab:
    def __init__(self, workdir: Path, notebooks: list[str]):
        from corslab.course.jupyter import arguments, environment

        self.root = workdir / "course"
        (self.root / "notebooks").mkdir(parents=True)
        for name in notebooks:
            shutil.copy(ROOT / "notebooks" / name, self.root / "notebooks" / name)
        # Start the notebook's kernel without asking, and fetch no news (the test runs offline).
        settings = workdir / "settings"
        for plugin, values in {
            "@jupyterlab/docmanager-extension/plugin": '{"autoStartDefaultKernel": true}',
            "@jupyterlab/apputils-extension/notification": '{"fetchNews": "false", "checkForUpdates": false}',
            # the terminal's rows as text in the page (xterm.js's accessibility tree)
            "@jupyterlab/terminal-extension/plugin": '{"screenReaderMode": true}',
        }.items():
            target = settings / f"{plugin}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(values)
        self.port = free_port()
        data = jupyter_data_path()
        env = dict(environment(root=self.root),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                   JUPYTER_PATH=data, JUPYTERLAB_DIR=str(Path(data) / "lab"),
                   JUPYTER_CONFIG_DIR=str(workdir / "config"), JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(workdir / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"))
        args = arguments([f"--port={self.port}", f"--ServerApp.token={TOKEN}",
                          "--ServerApp.port_retries=0"], root=self.root)
        self.log = open(workdir / "jupyterlab.log", "wb")
        self.proc = subprocess.Popen(args, cwd=self.root, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait()

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {self.log.name}")
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={TOKEN}", timeout=1).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s: {self.log.name}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class BrowserThread:
    """Chromium in corslab's own Playwright thread (corslab.probing.chromium.Driver), apart from the
    session's driver in the main thread. ``run(fn, *args)`` calls ``fn(page, *args)`` there and
    returns (or raises) what it did."""

    def __init__(self, viewport=(1400, 1000)):
        from corslab.probing.chromium import Driver

        self.driver = Driver()
        try:
            chromium = self.driver.launch()
            self.page = self.driver.call(chromium.new_page,
                                         viewport={"width": viewport[0], "height": viewport[1]})
        except BaseException:
            self.driver.close()
            raise

    def run(self, fn, *args):
        return self.driver.call(fn, self.page, *args)

    def close(self) -> None:
        self.driver.close()


def open_notebook(page, lab: Lab, name: str) -> None:
    """Open a notebook and wait until its cells are shown and its kernel is idle."""
    page.goto(f"{lab.url}/lab/tree/notebooks/{name}?token={TOKEN}")
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(2).wait_for(timeout=60_000)
    select = page.locator(".jp-Dialog .jp-mod-accept", has_text="Select")
    status = page.locator(".jp-StatusBar-Widget", has_text="| Idle")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if select.count():  # JupyterLab asked which kernel: the notebook's own
            select.first.click()
        if status.count():
            return
        page.wait_for_timeout(200)
    raise RuntimeError(f"the kernel of {name} did not start within 60 s")


def run_all(page, timeout_ms: int = 120_000) -> None:
    """Run → Run All Cells, then wait until every code cell has an execution count."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""", timeout=timeout_ms)


def screenshot(page, name: str) -> None:
    """Save a PNG when CORSLAB_SCREENSHOTS names a folder (for release notes); else nothing."""
    folder = os.environ.get("CORSLAB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=False)


def terminal_run(page, lab: Lab, command: str, expect: str, timeout_ms: int = 60_000) -> str:
    """As a learner: open a Terminal from the launcher, type ``command`` and Enter; wait until the
    terminal's text matches the regular expression ``expect``; return that text."""
    page.goto(f"{lab.url}/lab?token={TOKEN}")
    page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="New Launcher").first.click()
    page.locator(".jp-LauncherCard", has_text="Terminal").first.click()
    screen = page.locator(".jp-Terminal .xterm").last
    screen.wait_for(timeout=30_000)
    page.wait_for_function("() => /[$#] *$/m.test(document.querySelector('.jp-Terminal .xterm-accessibility-tree')?.innerText || '')",
                           timeout=30_000)
    screen.click()
    page.keyboard.type(command)
    page.keyboard.press("Enter")
    tree = page.locator(".jp-Terminal .xterm-accessibility-tree").last
    try:
        page.wait_for_function(
            "(expect) => new RegExp(expect).test(document.querySelector('.jp-Terminal .xterm-accessibility-tree')?.innerText || '')",
            arg=expect, timeout=timeout_ms)
    except Exception as exc:
        raise AssertionError(f"the terminal never showed /{expect}/; it shows:\n{tree.inner_text()}") from exc
    return tree.inner_text()
