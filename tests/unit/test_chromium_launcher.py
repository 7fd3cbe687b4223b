"""corslab.probing.chromium: one place that finds Chromium and drives Playwright from any thread.

Playwright's sync API refuses to start inside a running asyncio loop (playwright-python
``sync_api/_context_manager.py``) - where a Jupyter kernel runs cells - so Driver runs it in a
thread of its own.
"""

from __future__ import annotations

import asyncio

import pytest

from corslab.probing import chromium
from corslab.errors import CorsLabError


def test_corslab_chromium_is_the_only_place_looked_at_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("CORSLAB_CHROMIUM", str(tmp_path / "nowhere"))
    assert chromium.path() is None
    assert chromium.unavailable() == (f"CORSLAB_CHROMIUM={tmp_path / 'nowhere'} does not exist; "
                                      "point it at a Chromium binary")
    with pytest.raises(CorsLabError, match="^cannot run Chromium: CORSLAB_CHROMIUM="):
        chromium.Driver()


def test_a_missing_chromium_on_path_is_one_line_naming_the_package(monkeypatch, tmp_path):
    monkeypatch.delenv("CORSLAB_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(chromium.os, "access", lambda p, mode: False)
    assert chromium.unavailable() == ("no Chromium found (Debian: apt-get install chromium; "
                                      "elsewhere set CORSLAB_CHROMIUM to its path)")


def test_driver_runs_chromium_from_inside_a_running_asyncio_loop():
    if chromium.unavailable():
        pytest.fail(chromium.unavailable())

    def user_agent(playwright):
        browser = chromium.launch(playwright)
        page = browser.new_page()
        return page.evaluate("navigator.userAgent")

    async def cell():
        with chromium.Driver() as driver:
            return driver.call(user_agent, driver.playwright)

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as kernel:  # a loop of its own, as a kernel's
        assert "HeadlessChrome/" in kernel.submit(asyncio.run, cell()).result()
