"""Serve the scan targets (tests/scan/targets.py) on free loopback ports, one each per session."""

from __future__ import annotations

import contextlib

import pytest

from corslab.labs.components import serve_wsgi


@pytest.fixture(scope="session")
def serve():
    """``serve(app)`` -> ``http://127.0.0.1:PORT`` where the WSGI app answers (started once)."""
    stack = contextlib.ExitStack()
    bases = {}

    def get(app):
        if id(app) not in bases:
            bases[id(app)] = f"http://127.0.0.1:{stack.enter_context(serve_wsgi(app, 0)).server_port}"
        return bases[id(app)]

    with stack:
        yield get
