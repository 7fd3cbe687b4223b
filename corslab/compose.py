"""docker-compose.yml, rendered from the topology: ``python -m corslab.compose > docker-compose.yml``.

The compose file is generated so that ports, upstreams and health paths have one source
(``corslab.topology``); a test checks that the committed file equals this rendering. Natively and
in compose each method's configuration is the same file: nginx templates are mounted into the
official nginx image's /etc/nginx/templates/ (which fills ${LISTEN} and ${..._UPSTREAM} from the
environment), emulators read the same product configs, and the gateway is the real Kong image
reading the same kong.yml.
"""

from __future__ import annotations

import sys

import yaml

from corslab import nginxconf, topology

PYTHON_IMAGE = "corslab-python:latest"  # built from servers/Dockerfile (python:3.11-slim)
NGINX_IMAGE = "nginx:1.27"  # official image: envsubst templates, curl for healthchecks
KONG_IMAGE = "kong:3.9"  # official image, DB-less
INTERVAL = {"interval": "5s", "timeout": "3s", "retries": 10, "start_period": "5s"}

HEADER = """\
# CORS Lab in containers: the same services on the same host ports as `python -m corslab up`,
# published on 127.0.0.1 only.
# GENERATED from corslab/topology.py by `python -m corslab.compose > docker-compose.yml`;
# edit the topology, not this file (a test checks that they agree).
# Start: docker compose up --build    Stop: docker compose down
"""


def _ports(svc: topology.Service) -> list[str]:
    return [f"127.0.0.1:{svc.port}:{svc.port}"]


def _depends(svc: topology.Service) -> dict:
    return {name: {"condition": "service_healthy"} for name in svc.upstreams}


def _python_health(svc: topology.Service) -> dict:
    probe = (f"import urllib.request; urllib.request.urlopen("
             f"'http://127.0.0.1:{svc.port}{svc.health}', timeout=2)")
    return {"test": ["CMD", "python", "-c", probe], **INTERVAL}


def _python_base(svc: topology.Service) -> dict:
    return {
        "build": {"context": ".", "dockerfile": "servers/Dockerfile"},
        "image": PYTHON_IMAGE,
    }


def render_service(svc: topology.Service) -> dict:
    if svc.kind == "flask":
        out = {**_python_base(svc),
               "command": ["python", "-m", "servers.run", svc.name, "--host", "0.0.0.0"],
               "ports": _ports(svc),
               "healthcheck": _python_health(svc)}
    elif svc.kind == "nginx":
        env = nginxconf.template_values(svc, listen=str(svc.port),
                                        upstream_host=lambda backend: backend.name)
        out = {"image": NGINX_IMAGE,
               "volumes": [f"./nginx/{svc.name}.conf:/etc/nginx/templates/default.conf.template:ro"],
               "environment": env,
               "ports": _ports(svc),
               "healthcheck": {"test": ["CMD", "curl", "-fsS", "-o", "/dev/null",
                                        f"http://127.0.0.1:{svc.port}{svc.health}"], **INTERVAL}}
    elif svc.kind == "emulator":
        product, config = svc.emulate
        upstream = topology.upstream_of(svc)
        if product == "kong":
            # The real product: Kong DB-less, reading the very kong.yml the emulator reads.
            out = {"image": KONG_IMAGE,
                   "volumes": [f"./{config}:/kong/kong.yml:ro"],
                   "environment": {"KONG_DATABASE": "off",
                                   "KONG_DECLARATIVE_CONFIG": "/kong/kong.yml",
                                   "KONG_PROXY_LISTEN": f"0.0.0.0:{svc.port}",
                                   "KONG_ADMIN_LISTEN": "off",
                                   "KONG_STATUS_LISTEN": "127.0.0.1:8100"},
                   "ports": _ports(svc),
                   "healthcheck": {"test": ["CMD", "kong", "health"], **INTERVAL}}
        else:
            out = {**_python_base(svc),
                   "command": ["python", "-m", "corslab", "emulate", product, config,
                               "--host", "0.0.0.0", "--port", str(svc.port),
                               "--upstream", f"http://{upstream.name}:{upstream.port}"],
                   "ports": _ports(svc),
                   "healthcheck": _python_health(svc)}
    else:
        raise ValueError(f"service {svc.name}: unknown kind {svc.kind!r}")
    if svc.upstreams:
        out["depends_on"] = _depends(svc)
    return out


def render() -> str:
    # No top-level `name:` - Debian's docker-compose 1.29 rejects it; the project name is the folder.
    doc = {
        "services": {svc.name: render_service(svc) for svc in topology.SERVICES.values()},
    }
    return HEADER + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())
