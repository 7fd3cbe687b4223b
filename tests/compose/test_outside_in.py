"""The native integration checks, run unchanged against the stack under docker compose.

The same outside-in checks (plain HTTP and the kit's probe, against the host ports the topology
gives) must hold whether the lab runs natively or in containers: each method's configuration is
the same file either way. The checks are imported from the integration tests, not copied; here
the ``stack`` fixture is this folder's (compose) one. Checks that need anything but the stack
and their own parameters (e.g. a private nginx on a free port) stay native-only.
"""

from __future__ import annotations

import inspect

import pytest

from corslab.stack import topology
from tests.integration import test_api, test_methods_infra, test_methods_nginx, test_probe_stack
from tests.rawhttp import send

pytestmark = pytest.mark.usefixtures("stack")


def _stack_checks(module) -> dict:
    """The module's tests whose only inputs are their parametrize arguments."""
    out = {}
    for name, fn in vars(module).items():
        if not (name.startswith("test_") and inspect.isfunction(fn)):
            continue
        params = {arg.strip() for mark in getattr(fn, "pytestmark", []) if mark.name == "parametrize"
                  for arg in (mark.args[0].split(",") if isinstance(mark.args[0], str) else mark.args[0])}
        if set(inspect.signature(fn).parameters) <= params:
            out[name] = fn
    return out


for _module in (test_api, test_methods_nginx, test_methods_infra, test_probe_stack):
    globals().update(_stack_checks(_module))


@pytest.mark.parametrize("service", [s.name for s in topology.SERVICES.values() if s.kind == "nginx"])
def test_nginx_in_a_container_names_no_version_like_native(service):
    """`server_tokens off` (nginx docs, ngx_http_core_module) holds in the container too: the
    official image's own nginx.conf does not say it, the lab's settings do."""
    reply = send("GET", topology.origin(service) + "/no-such-page")
    assert reply.one("server") == "nginx"
