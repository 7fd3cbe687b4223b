"""Figures the tools tests print at the end of a run (explain's N/N, generate's matrix)."""

FIGURES: dict[str, list[int]] = {}  # name -> [right, total]


def count(name: str, right: bool) -> None:
    figure = FIGURES.setdefault(name, [0, 0])
    figure[0] += bool(right)
    figure[1] += 1


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.write_sep("=", "tools figures")
        for name, (right, total) in FIGURES.items():
            terminalreporter.write_line(f"{name}: {right}/{total}")


# ---- helpers shared by the generate and widget tests ---------------------------------------------

import http.client  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import pytest  # noqa: E402


def send(url: str, method: str = "GET", headers: dict | None = None):
    """One raw exchange: (status, [(name lower-cased, value)...] with duplicates)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status, [(k.lower(), v) for k, v in resp.getheaders()]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def upstream():
    """A real upstream (tests/emulate's): records what reached it; ?upstream_cors=1 adds its own CORS headers."""
    from tests.emulate.conftest import Upstream

    up = Upstream()
    up.thread.start()
    yield up
    up.server.shutdown()
    up.server.server_close()
