"""nginx configs of the methods nginx serves: the templates, filled natively or for compose.

Each method's nginx config exists once, as ``nginx/<service>.conf``: a ``server`` block (plus the
``map`` blocks it needs) with ``${LISTEN}`` and ``${<NAME>_UPSTREAM}`` placeholders. Natively,
``render_site`` fills them with 127.0.0.1 addresses and ``render_main`` wraps the result in the
kit's main nginx.conf (``corslab.stack.nginxhost``: its own prefix, pid, temp and log files). In docker compose the official
nginx image fills the same template from the environment (its /etc/nginx/templates mechanism) and
includes it in its own nginx.conf.
"""

from __future__ import annotations

import re
from pathlib import Path

from corslab.stack import nginxhost, topology
from corslab.errors import CorsLabError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "nginx"
PLACEHOLDER = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")

#: Found once for the whole kit (CORSLAB_NGINX, else the PATH): see corslab.stack.nginxhost.
nginx_binary = nginxhost.nginx_binary
#: The http-level settings shared by native runs and compose (see corslab.stack.nginxhost).
HTTP_SETTINGS = nginxhost.HTTP_SETTINGS


def template_path(name: str) -> Path:
    return TEMPLATES / f"{name}.conf"


def upstream_variable(name: str) -> str:
    """``api`` -> ``API_UPSTREAM``; ``api-appcors`` -> ``API_APPCORS_UPSTREAM``."""
    return name.upper().replace("-", "_") + "_UPSTREAM"


def template_values(svc: topology.Service, *, listen: str, upstream_host) -> dict[str, str]:
    """The placeholder values for one service. ``upstream_host(svc)`` says how to reach a
    backend: 127.0.0.1 natively, the compose service name in containers."""
    values = {"LISTEN": listen}
    for name in svc.upstreams:
        backend = topology.SERVICES[name]
        values[upstream_variable(name)] = f"{upstream_host(backend)}:{backend.port}"
    return values


def fill(text: str, values: dict[str, str], source: str = "template") -> str:
    """Replace ``${NAME}`` placeholders like the nginx image's envsubst, but refuse to leave
    any unfilled (an unfilled placeholder would be an nginx syntax error far from its cause)."""
    missing = sorted({m for m in PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise CorsLabError(f"{source}: no value for {', '.join('${' + m + '}' for m in missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def render_template(name: str, values: dict[str, str]) -> str:
    """``nginx/<name>.conf`` filled with ``values``; under a port offset the lab origins the
    template names are shifted (``topology.shift_text``), so its allowlist matches the stack."""
    path = template_path(name)
    return fill(topology.shift_text(path.read_text()), values, source=str(path))


def render_site(svc: topology.Service) -> str:
    """The service's server block for a native run: listens and proxies on loopback."""
    values = template_values(svc, listen=f"{topology.BIND_HOST}:{svc.port}",
                             upstream_host=lambda backend: "127.0.0.1")
    return render_template(svc.name, values)


def render_main(site_conf: Path, prefix: Path, *, run_as_root: bool | None = None) -> str:
    """A complete nginx.conf for one native instance under ``prefix`` that includes ``site_conf``
    (the kit's main config: ``corslab.stack.nginxhost.render_main``)."""
    return nginxhost.render_main(f"include {site_conf};", prefix, as_root=run_as_root,
                                 title=f"the method's own config is {site_conf.name}")
