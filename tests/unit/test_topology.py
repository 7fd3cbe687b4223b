"""The topology is the one source of truth: the documented ports, loopback binding, origins, and
the port offset that shifts all of them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from corslab.stack import compose, topology
from corslab.errors import CorsLabError

ROOT = compose.nginxconf.ROOT
DEFAULT_PORTS = {"frontend": 3000, "admin": 3001, "untrusted": 4000, "api": 8095,
                "api-appcors": 8096, "same-origin": 8080, "cors-proxy": 8081,
                "ingress": 8082, "alb": 8083, "gateway": 8084}


def test_default_ports_are_the_documented_ones():
    known = {n: s.default_port for n, s in topology.SERVICES.items()} | topology.RESERVED_PORTS
    for name, port in DEFAULT_PORTS.items():
        assert known[name] == port, name


def test_every_port_is_its_default_shifted_by_the_offset():
    for svc in topology.SERVICES.values():
        assert svc.port == svc.default_port + topology.PORT_OFFSET, svc.name
        assert svc.origin == f"{svc.scheme}://{svc.host}:{svc.port}"


def test_no_two_services_share_a_port():
    ports = [s.port for s in topology.SERVICES.values()] + list(topology.RESERVED_PORTS.values())
    assert len(ports) == len(set(ports))


def test_services_bind_loopback_by_default():
    assert topology.BIND_HOST == "127.0.0.1"


def _topology_under(offset: str, code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter whose environment sets CORSLAB_PORT_OFFSET=offset."""
    env = dict(os.environ, CORSLAB_PORT_OFFSET=offset)
    return subprocess.run([sys.executable, "-c", "from corslab.stack import topology, policy\n" + code],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)


def test_trusted_origins_share_the_site_and_the_untrusted_one_does_not():
    """localhost ports are same-site cross-origin; 127.0.0.1 is another site (RFC 6454 origins;
    the site is the registrable domain, Chromium's net/base/registry_controlled_domains)."""
    result = _topology_under("0", "print(topology.APP_ORIGIN, topology.ADMIN_ORIGIN, topology.UNTRUSTED_ORIGIN)")
    assert result.stdout.split() == ["http://localhost:3000", "http://localhost:3001", "http://127.0.0.1:4000"]
    assert topology.APP_ORIGIN.startswith("http://localhost:")
    assert topology.UNTRUSTED_ORIGIN.startswith("http://127.0.0.1:")


def test_the_offset_shifts_every_origin_and_the_lab_policy():
    result = _topology_under("20000", "print(topology.APP_ORIGIN, topology.UNTRUSTED_ORIGIN, "
                                      "topology.origin('cors-proxy'), *policy.ALLOWED_ORIGINS)")
    assert result.stdout.split() == ["http://localhost:23000", "http://127.0.0.1:24000",
                                     "http://localhost:28081", "http://localhost:23000",
                                     "http://localhost:23001"], result.stderr


@pytest.mark.parametrize("value,message", [
    ("abc", "CORSLAB_PORT_OFFSET='abc' is not an integer"),
    ("1.5", "CORSLAB_PORT_OFFSET='1.5' is not an integer"),
    ("60000", "CORSLAB_PORT_OFFSET=60000 moves the stack's ports (3000-8097) outside 1-65535"),
    ("-3000", "CORSLAB_PORT_OFFSET=-3000 moves the stack's ports (3000-8097) outside 1-65535"),
])
def test_a_bad_offset_is_one_clear_error(value, message):
    with pytest.raises(CorsLabError, match=re.escape(message)):
        topology.parse_port_offset(value)


@pytest.mark.parametrize("value,offset", [(None, 0), ("", 0), (" 7 ", 7), ("-2999", -2999),
                                          ("57438", 57438)])
def test_offsets_that_keep_every_port_valid_are_accepted(value, offset):
    assert topology.parse_port_offset(value) == offset


def test_the_command_line_says_a_bad_offset_in_one_line():
    env = dict(os.environ, CORSLAB_PORT_OFFSET="ten")
    result = subprocess.run([sys.executable, "-m", "corslab", "status"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "corslab status: error: CORSLAB_PORT_OFFSET='ten' is not an integer; set it to a whole "
        "number such as 10000 (every port of the stack is shifted by it), or unset it"]


def test_shift_text_moves_the_lab_origins_and_nothing_else():
    text = ('"~^http://localhost:3000$" localhost:3001 http://127.0.0.1:4000/x http://localhost:8095 '
            'http://localhost:30001 http://localhost:9999 http://api:8095 http://evil.localhost:3000')
    assert topology.shift_text(text, 20000) == (
        '"~^http://localhost:23000$" localhost:23001 http://127.0.0.1:24000/x http://localhost:28095 '
        'http://localhost:30001 http://localhost:9999 http://api:8095 http://evil.localhost:3000')
    assert topology.shift_text(text, 0) == text


def test_every_upstream_is_a_service():
    for svc in topology.SERVICES.values():
        assert set(svc.upstreams) <= set(topology.SERVICES), svc.name


def test_committed_compose_file_is_the_rendering_of_the_topology():
    """docker-compose.yml is generated (`python -m corslab.stack.compose`, without a port offset): no
    port copied by hand."""
    committed = (ROOT / "docker-compose.yml").read_text()
    env = dict(os.environ, CORSLAB_PORT_OFFSET="0")
    rendered = subprocess.run([sys.executable, "-m", "corslab.stack.compose"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=30)
    assert committed == rendered.stdout, "run: python -m corslab.stack.compose > docker-compose.yml"


def test_compose_publishes_every_service_on_loopback_with_a_healthcheck():
    doc = yaml.safe_load(compose.render())
    assert set(doc["services"]) == set(topology.SERVICES)
    for name, svc in doc["services"].items():
        port = topology.SERVICES[name].port
        assert svc["ports"] == [f"127.0.0.1:{port}:{port}"]
        assert svc["healthcheck"]["test"][0] == "CMD"
        for dep in svc.get("depends_on", {}).values():
            assert dep == {"condition": "service_healthy"}


def test_readme_map_matches_the_topology():
    """The README's table of services is documentation of the topology: keep them in step."""
    readme = (ROOT / "README.md").read_text()
    known = {n: s.default_port for n, s in topology.SERVICES.items()} | topology.RESERVED_PORTS
    for name, port in known.items():
        assert f"| `{name}` | {port} |" in readme, f"README.md lacks the row for {name} ({port})"


def test_the_classroom_spacing_in_the_instructor_guide_never_overlaps_two_learners():
    """docs/instructor.md gives learner N the offset N * STEP. No two such offsets may share a port
    of the stack or of the labs (corslab/labs/hosts.py: LAB_SHIFT above the stack's lowest port),
    for every learner whose ports stay below the ephemeral range (ports.ephemeral_start)."""
    import re
    from pathlib import Path

    from corslab.labs import hosts
    from corslab.stack import ports

    text = (Path(__file__).resolve().parents[2] / "docs" / "instructor.md").read_text()
    step = int(re.search(r"an offset that is a multiple of \*\*(\d+)\*\*", text).group(1))
    lab_base = min(topology.DEFAULT_PORTS) + hosts.LAB_SHIFT
    kit = set(topology.DEFAULT_PORTS) | set(range(lab_base, lab_base + 2 * hosts.BLOCK))
    learners = (32767 - max(kit)) // step + 1
    assert f"{learners} learners" in text and f"offsets 0 to {(learners - 1) * step}" in text
    for a in range(learners):
        for b in range(a + 1, learners):
            assert not ports.overlap(kit, a * step, b * step), (a, b)
    assert ports.spacing(kit, 32767) == step  # the smallest step that is safe
