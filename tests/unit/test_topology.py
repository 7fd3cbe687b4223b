"""The topology is the one source of truth: the README's ports, loopback binding, origins."""

from __future__ import annotations

import yaml

from corslab import compose, topology

DESIGN_PORTS = {"frontend": 3000, "admin": 3001, "untrusted": 4000, "api": 8095,
                "api-appcors": 8096, "same-origin": 8080, "cors-proxy": 8081,
                "ingress": 8082, "alb": 8083, "gateway": 8084}


def test_ports_are_the_ones_design_md_fixes():
    known = {n: s.port for n, s in topology.SERVICES.items()} | topology.RESERVED_PORTS
    for name, port in DESIGN_PORTS.items():
        assert known[name] == port, name


def test_no_two_services_share_a_port():
    ports = [s.port for s in topology.SERVICES.values()] + list(topology.RESERVED_PORTS.values())
    assert len(ports) == len(set(ports))


def test_services_bind_loopback_by_default():
    assert topology.BIND_HOST == "127.0.0.1"


def test_trusted_origins_share_the_site_and_the_untrusted_one_does_not():
    """HTML "same site" (schemeful): localhost ports are same-site cross-origin; 127.0.0.1 is another site."""
    assert topology.APP_ORIGIN == "http://localhost:3000"
    assert topology.ADMIN_ORIGIN == "http://localhost:3001"
    assert topology.UNTRUSTED_ORIGIN == "http://127.0.0.1:4000"


def test_every_upstream_is_a_service():
    for svc in topology.SERVICES.values():
        assert set(svc.upstreams) <= set(topology.SERVICES), svc.name


def test_committed_compose_file_is_the_rendering_of_the_topology():
    """docker-compose.yml is generated (`python -m corslab.compose`): no port copied by hand."""
    committed = open(compose.nginxconf.ROOT / "docker-compose.yml").read()
    assert committed == compose.render(), "run: python -m corslab.compose > docker-compose.yml"


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
    readme = (compose.nginxconf.ROOT / "README.md").read_text()
    known = {n: s.port for n, s in topology.SERVICES.items()} | topology.RESERVED_PORTS
    for name, port in known.items():
        assert f"| `{name}` | {port} |" in readme, f"README.md lacks the row for {name} ({port})"
