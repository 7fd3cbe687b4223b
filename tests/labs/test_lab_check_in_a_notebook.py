"""`lab check` from a notebook cell: grading works inside a running asyncio loop.

A Jupyter kernel runs every cell inside its asyncio loop, where Playwright's sync API refuses to
start ("It looks like you are using Playwright Sync API inside the asyncio loop", playwright-python
``sync_api/_context_manager.py``). The checker launches its own Chromium (corslab.probing.chromium.Driver),
so the same call must work in a script and in a cell. The "kernel" here is a thread running an
asyncio loop (the test session's own Playwright driver may keep a loop in the main thread).
"""

from __future__ import annotations

import argparse
import asyncio

import pytest

from corslab.probing import chromium
from corslab.labs import catalog
from corslab.labs.checker import check_lab

LAB = "01-duplicate-acao"


@pytest.fixture(autouse=True)
def needs_chromium():
    if chromium.unavailable():
        pytest.fail(f"the lab checks drive Chromium: {chromium.unavailable()}")


def in_a_kernel_cell(fn, *args):
    """Call ``fn`` the way a cell runs: from a coroutine of a running asyncio loop."""
    from concurrent.futures import ThreadPoolExecutor

    async def cell():
        asyncio.get_running_loop()  # the loop a kernel keeps running
        return fn(*args)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kernel") as kernel:
        return kernel.submit(asyncio.run, cell()).result()


def test_lab_check_grades_in_chromium_from_inside_a_running_asyncio_loop(playwright):
    lab = catalog.find(LAB)
    solved = in_a_kernel_cell(check_lab, lab, lab.solution)
    handed_out = in_a_kernel_cell(check_lab, lab, lab.handout)  # as committed, whatever the learner did
    assert solved.passed, solved.text()
    assert "judged by Chromium" in solved.text()
    assert not handed_out.passed, handed_out.text()


def test_lab_check_command_runs_from_inside_a_running_asyncio_loop(capsys):
    from corslab.labs import cli

    args = argparse.Namespace(action="check", name=LAB, solution=True, model=False)
    assert in_a_kernel_cell(cli.run, args) == 0
    assert "checks pass - solved." in capsys.readouterr().out
