"""The lab stack as the probe sees it (corslab.stack.labstack): the service behind a URL, found through
the topology (so under a port offset too), and a probe that never needs the display module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from corslab.stack import labstack, topology

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(topology.SERVICES))
def test_a_url_of_the_stack_is_answered_by_the_service_on_its_port(name):
    svc = topology.SERVICES[name]
    assert labstack.stack_service(svc.origin + "/v1/users?x=1") is svc
    assert labstack.stack_service(f"http://127.0.0.1:{svc.port}/") is svc


def test_urls_outside_the_stack_have_no_service():
    free = max(topology.all_ports()) + 1
    assert labstack.stack_service(f"http://localhost:{free}/") is None
    assert labstack.stack_service("http://example.com:%d/" % topology.SERVICES["api"].port) is None


def test_a_probe_computes_its_result_without_the_display_module():
    """The probe's result (its explanation and the lab's hint included) needs no display code:
    the display imports the probe, never the other way round."""
    code = ("import sys\n"
            "from corslab.probing import probe\nfrom corslab.stack import topology\n"
            "r = probe.probe(topology.origin('api') + '/v1/users', topology.APP_ORIGIN, method='CONNECT')\n"
            "print(r.allowed, 'corslab.probing.display' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=30)
    assert result.stdout.split() == ["False", "False"], result.stderr
