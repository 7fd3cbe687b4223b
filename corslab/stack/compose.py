"""docker-compose.yml, rendered from the topology: ``python -m corslab.stack.compose > docker-compose.yml``.

The compose file is generated so that ports, upstreams and health paths have one source
(``corslab.stack.topology``); a test checks that the committed file equals this rendering. Natively and
in compose each method's configuration is the same file: nginx templates are mounted into the
official nginx image's /etc/nginx/templates/ (which fills ${LISTEN} and ${..._UPSTREAM} from the
environment), emulators read the same product configs, and the gateway is the real Kong image
reading the same kong.yml.

Profiles let a learner run one method at a time. The API and the pages (the origins of the
lessons) have no profile, so they always run; each method's proxy is in the profile
``methodN`` and in ``all``; the other services are in a profile named after themselves and in
``all``. ``.env`` (also rendered here) sets ``COMPOSE_PROFILES=all``, so a plain
``docker compose up`` starts everything and ``--profile method2`` replaces it with one method.

Under ``CORSLAB_PORT_OFFSET=N`` every port is the topology's shifted one, inside the containers
as on the host, and the containers get the same offset; the configs that name the lab's origins
(nginx templates, product configs) are mounted as shifted copies written to ``.run/compose-N/``
(``topology.shift_text``). Save such a file in the repository's root and give it its own project:
``CORSLAB_PORT_OFFSET=20000 python -m corslab.stack.compose > compose-20000.yml`` then
``docker compose -p lab20000 -f compose-20000.yml up --build --wait``.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import yaml

from corslab.stack import nginxconf, tls, topology

PYTHON_IMAGE = "corslab-python:latest"  # built from servers/Dockerfile (python:3.11-slim)
NGINX_IMAGE = "nginx:1.27"  # official image: envsubst templates, curl for healthchecks
KONG_IMAGE = "kong:3.9"  # official image, DB-less
BASE_IMAGES = ("python:3.11-slim", NGINX_IMAGE, KONG_IMAGE)  # what `up --build` pulls
# Docker runs the first check one interval after the start: a short interval makes `up` quick.
INTERVAL = {"interval": "2s", "timeout": "3s", "retries": 30, "start_period": "2s"}
ALL = "all"
DOTENV = f"""\
# Read by docker compose and docker-compose (1.28+): a plain `up` starts every profile.
# `--profile NAME` on the command line (or COMPOSE_PROFILES in the environment) replaces it.
COMPOSE_PROFILES={ALL}
"""
# nginx: write the lab's http-level settings (nginxconf.HTTP_SETTINGS, the same as natively)
# into conf.d, then hand over to the official image's entrypoint (which fills the templates).
NGINX_ENTRYPOINT = ["sh", "-c", 'printf "%s" "$$NGINX_HTTP_SETTINGS" > /etc/nginx/conf.d/00-lab.conf'
                    ' && exec /docker-entrypoint.sh "$$@"', "entrypoint"]

HEADER = """\
# CORS Lab in containers: the same services on the same host ports as `python -m corslab up`,
# published on 127.0.0.1 only.
# GENERATED from corslab/stack/topology.py by `python -m corslab.stack.compose > docker-compose.yml`;
# edit the topology, not this file (a test checks that they agree).
# Everything:   docker compose up --build --wait       (docker-compose 1.29: docker-compose up -d --build)
# One method:   docker compose --profile method2 up --build --wait
# Stop:         docker compose down                    (removes the containers of every profile)
# Profiles: api and the pages always start; methodN adds method N's proxy; https the HTTPS twins;
# .env enables `all`.
# nginx services write NGINX_HTTP_SETTINGS (the native http settings) into conf.d, then run the
# official image's entrypoint, which fills the template from the environment.
# HTTPS twins (app-tls, api-tls, ...) mount the lab's CA and certificate from ./.run/tls: make them
# first with `python -m corslab.stack.tls` (which also says how a browser may trust them).
"""


def core_services() -> list[str]:
    """The services every method needs: what the methods proxy to, and the pages (the origins
    of the lessons). They have no profile, so every `up` starts them."""
    upstreams = {name for svc in topology.SERVICES.values() if svc.method for name in svc.upstreams}
    pages = {svc.name for svc in topology.SERVICES.values()
             if svc.app and svc.app.startswith("servers.pages:")}
    return [name for name in topology.SERVICES if name in upstreams | pages]


#: The profile of the HTTPS twins (and of the http services behind them that have a profile).
HTTPS = "https"


def profile_of(svc: topology.Service) -> str | None:
    """``methodN`` for a method's proxy, None for a core service, ``https`` for an HTTPS twin,
    else the service's own name."""
    if svc.name in core_services():
        return None
    if svc.twin_of:
        return HTTPS
    return f"method{svc.method}" if svc.method else svc.name


def profiles_of(svc: topology.Service) -> list[str]:
    """Every profile that starts ``svc`` (none for a core service): its own, ``all``, and
    ``https`` when an HTTPS twin stands in front of it."""
    own = profile_of(svc)
    if own is None:
        return []
    behind_twin = any(svc.name in twin.upstreams for twin in topology.tls_services())
    return sorted({own, ALL} | ({HTTPS} if behind_twin else set()))


def profiles() -> dict[str, list[str]]:
    """Each profile and the services ``--profile NAME up`` starts (the core ones included)."""
    core = core_services()
    out: dict[str, list[str]] = {}
    for svc in topology.SERVICES.values():
        for name in profiles_of(svc):
            if name != ALL:
                out.setdefault(name, list(core)).append(svc.name)
    out[ALL] = list(topology.SERVICES)
    return out


def _shift_for_containers(text: str) -> str:
    """A config for the default stack, made right for the shifted one: the lab origins
    (``topology.shift_text``) and the upstreams written as ``SERVICE:PORT`` (e.g. kong.yml's
    ``http://api:8095``)."""
    by_name = {svc.name: svc for svc in topology.SERVICES.values()}
    names = "|".join(re.escape(name) for name in sorted(by_name, key=len, reverse=True))
    return re.sub(rf"(?<![\w.-])({names}):(\d+)(?!\d)",
                  lambda m: (f"{m.group(1)}:{by_name[m.group(1)].port}"
                             if int(m.group(2)) == by_name[m.group(1)].default_port else m.group(0)),
                  topology.shift_text(text))


def config_source(path: str) -> str:
    """Where the compose file mounts a repository config from: the file itself, or under a port
    offset a shifted copy in ``.run/compose-N/`` (written now)."""
    if not topology.PORT_OFFSET:
        return f"./{path}"
    copy = Path(".run") / f"compose-{topology.PORT_OFFSET}" / path
    target = nginxconf.ROOT / copy
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_shift_for_containers((nginxconf.ROOT / path).read_text(encoding="utf-8")),
                      encoding="utf-8")
    return f"./{copy.as_posix()}"


#: Where an HTTPS twin's container finds the lab's CA and certificate, mounted from ``TLS_SOURCE``
#: (the native runtime folder's ``tls/``: ``python -m corslab.stack.tls`` makes it).
TLS_MOUNT = "/etc/nginx"  # tls.Files: /etc/nginx/tls/lab.pem, ...
TLS_SOURCE = "./.run/tls"


def _nginx_template(svc: topology.Service) -> str:
    """The nginx template a container mounts: ``config_source`` of its file, except the generated
    template of an HTTPS twin (api-tls) under a port offset, rendered for the shifted ports."""
    name = nginxconf.template_name(svc)
    if not (topology.PORT_OFFSET and nginxconf.generated(svc)):
        return config_source(f"nginx/{name}.conf")
    copy = Path(".run") / f"compose-{topology.PORT_OFFSET}" / "nginx" / f"{name}.conf"
    target = nginxconf.ROOT / copy
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(nginxconf.https_template(svc, topology.PORT_OFFSET), encoding="utf-8")
    return f"./{copy.as_posix()}"


def _offset_env() -> dict[str, str]:
    return {"CORSLAB_PORT_OFFSET": str(topology.PORT_OFFSET)} if topology.PORT_OFFSET else {}


def _ports(svc: topology.Service) -> list[str]:
    return [f"127.0.0.1:{svc.port}:{svc.port}"]


def _depends(svc: topology.Service) -> dict:
    return {name: {"condition": "service_healthy"} for name in svc.upstreams}


def _python_health(svc: topology.Service) -> dict:
    probe = (f"import urllib.request; urllib.request.urlopen("
             f"'http://127.0.0.1:{svc.port}{svc.health}', timeout=2)")
    return {"test": ["CMD", "python", "-c", probe], **INTERVAL}


def _python_base(svc: topology.Service) -> dict:
    out = {
        "build": {"context": ".", "dockerfile": "servers/Dockerfile"},
        "image": PYTHON_IMAGE,
    }
    if topology.PORT_OFFSET:
        out["environment"] = _offset_env()
    return out


def render_service(svc: topology.Service) -> dict:
    if svc.kind == "flask":
        out = {**_python_base(svc),
               "command": ["python", "-m", "servers.run", svc.name, "--host", "0.0.0.0"],
               "ports": _ports(svc),
               "healthcheck": _python_health(svc)}
    elif svc.kind == "nginx":
        env = nginxconf.template_values(svc, listen=nginxconf.listen_value(svc, str(svc.port)),
                                        upstream_host=lambda backend: backend.name,
                                        tls_files=tls.Files(Path(TLS_MOUNT)))
        volumes = [f"{_nginx_template(svc)}:/etc/nginx/templates/default.conf.template:ro"]
        check = ["CMD", "curl", "-fsS", "-o", "/dev/null", f"http://127.0.0.1:{svc.port}{svc.health}"]
        if svc.twin_of:  # HTTPS: the lab's CA and certificate, made by `python -m corslab.stack.tls`
            volumes.append(f"{TLS_SOURCE}:{tls.Files(Path(TLS_MOUNT)).folder.as_posix()}:ro")
            check = ["CMD", "curl", "-fsS", "-o", "/dev/null", "--cacert", tls.Files(Path(TLS_MOUNT)).ca.as_posix(),
                     "--resolve", f"{svc.host}:{svc.port}:127.0.0.1",
                     f"https://{svc.host}:{svc.port}{svc.health}"]
        out = {"image": NGINX_IMAGE,
               "entrypoint": list(NGINX_ENTRYPOINT),
               "command": ["nginx", "-g", "daemon off;"],
               "volumes": volumes,
               "environment": {**env, "NGINX_HTTP_SETTINGS": textwrap.dedent(nginxconf.HTTP_SETTINGS)},
               "ports": _ports(svc),
               "healthcheck": {"test": check, **INTERVAL}}
    elif svc.kind == "emulator":
        product, config = svc.emulate
        upstream = topology.upstream_of(svc)
        if product == "kong":
            # The real product: Kong DB-less, reading the very kong.yml the emulator reads.
            out = {"image": KONG_IMAGE,
                   "volumes": [f"{config_source(config)}:/kong/kong.yml:ro"],
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
            if topology.PORT_OFFSET:
                out["volumes"] = [f"{config_source(config)}:/lab/{config}:ro"]
    else:
        raise ValueError(f"service {svc.name}: unknown kind {svc.kind!r}")
    # An init process (tini) as PID 1 passes `docker stop`'s signal on to the server, so `down`
    # takes a second instead of the 10 s grace period and a SIGKILL per container.
    out["init"] = True
    if profiles_of(svc):
        out["profiles"] = profiles_of(svc)
    if svc.upstreams:
        out["depends_on"] = _depends(svc)
    return out


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks (``|``), as a person would write them."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def render() -> str:
    # No top-level `name:` - Debian's docker-compose 1.29 rejects it; the project name is the folder.
    doc = {
        "services": {svc.name: render_service(svc) for svc in topology.SERVICES.values()},
    }
    return HEADER + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                              width=100)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m corslab.stack.compose", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dotenv", action="store_true",
                        help="print the .env that makes a plain `up` start every profile")
    args = parser.parse_args(argv)
    sys.stdout.write(DOTENV if args.dotenv else render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
