"""Fixtures shared by every test layer.

``stack``: the real native stack, brought up once per test session with ``corslab.stack.runner.up()``
(the same function as ``python -m corslab up``) and stopped at the end - unless it was already
running when the session began (a developer's lab, a compose stack, or .ci/run), in which case it
is left running. Ports and origins come from ``corslab.stack.topology`` (CORSLAB_PORT_OFFSET included).
"""

from __future__ import annotations

import pytest

from corslab.stack import runner, topology


def pytest_configure(config):
    config.addinivalue_line("markers", "stack: needs the native lab stack (the `stack` fixture)")


@pytest.fixture(scope="session")
def stack():
    was_running = all(r.serving for r in runner.status())
    rows = runner.up()
    assert all(r.serving for r in rows), runner.format_table(rows)
    yield topology
    if not was_running:
        runner.down()


@pytest.fixture
def url():
    """``url("cors-proxy", "/v1/users")`` -> http://localhost:8081/v1/users (ports from topology)."""

    def build(service: str, path: str = "/") -> str:
        return topology.service(service).origin + path

    return build


@pytest.fixture(scope="session")
def playwright():
    """One Playwright driver for the whole session. Its sync API keeps an event loop running in
    the main thread and refuses a second instance there, so every layer that drives Chromium
    (browser, labs, tools) launches its browser from this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw
