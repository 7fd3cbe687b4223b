"""Services, ports and origins of the lab stack: the one source of truth.

The native runner, docker-compose.yml, the nginx configs, the pages, notebooks and tests all read
this module (or are checked against it). Adding a service is one entry in ``SERVICES``.

Why ``localhost`` for the trusted origins and ``127.0.0.1`` for the untrusted one: Chromium treats
``localhost:3000`` and ``localhost:8081`` as *same-site, cross-origin* (cookies with credentials
work, like ``app.example.com`` and ``api.example.com``), while ``127.0.0.1`` is another *site*
altogether (its cookies never travel to ``localhost``) - the attacker's page in the lessons.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

#: Where every service binds natively and where compose publishes ports. Loopback unless asked.
BIND_HOST = os.environ.get("CORSLAB_BIND", "127.0.0.1")


@dataclass(frozen=True)
class Service:
    """One service of the stack.

    kind:     "flask"  - a WSGI app from servers/, started by ``python -m servers.run NAME``
              "nginx"  - system nginx with the config template ``nginx/<name>.conf``
              "emulator" - a product emulator started by ``python -m corslab emulate``
    host:     the host name a browser uses for it (this decides its origin)
    upstreams: services this one proxies to (nginx templates get ``${<NAME>_UPSTREAM}``)
    health:   a path that answers 2xx once the service is ready
    """

    name: str
    port: int
    kind: str
    role: str
    method: int | None = None
    host: str = "localhost"
    upstreams: tuple[str, ...] = ()
    health: str = "/"
    app: str | None = None  # flask: "module:factory"
    app_args: dict = field(default_factory=dict)
    emulate: tuple[str, str] | None = None  # emulator: (PRODUCT, CONFIG path relative to the repo)

    @property
    def origin(self) -> str:
        """The origin (출처) a browser sees for this service: scheme://host:port."""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + "/"


SERVICES: dict[str, Service] = {
    s.name: s
    for s in [
        Service("frontend", 3000, "flask", "the app origin: pages and the browser playground",
                health="/_lab/health", app="servers.pages:create_app", app_args={"site": "frontend"}),
        Service("admin", 3001, "flask", "a second trusted origin (multi-origin allowlist)",
                health="/_lab/health", app="servers.pages:create_app", app_args={"site": "admin"}),
        Service("untrusted", 4000, "flask", "an untrusted site on another host (cross-site)",
                host="127.0.0.1", health="/_lab/health", app="servers.pages:create_app", app_args={"site": "untrusted"}),
        Service("api", 8095, "flask", "the API with no CORS code at all", health="/v1/health",
                app="servers.api:create_app", app_args={"cors": False}),
        Service("api-appcors", 8096, "flask", "the same API with flask-cors (the app-level way)",
                health="/v1/health", app="servers.api:create_app", app_args={"cors": True}),
        Service("same-origin", 8080, "nginx", "one origin: / -> frontend, /v1/ -> api",
                method=1, upstreams=("frontend", "api"), health="/v1/health"),
        Service("cors-proxy", 8081, "nginx", "nginx answers preflights and injects CORS headers",
                method=2, upstreams=("api",), health="/v1/health"),
        Service("ingress", 8082, "emulator", "ingress-nginx's CORS annotations, run in real nginx",
                method=3, upstreams=("api",), health="/v1/health",
                emulate=("ingress-nginx", "infra/k8s/ingress.yaml")),
        Service("alb", 8083, "emulator", "AWS ALB: listener rules and static CORS response headers",
                method=4, upstreams=("api",), health="/v1/health", emulate=("alb", "infra/aws/alb.json")),
        Service("gateway", 8084, "emulator", "API gateway: Kong's cors plugin from kong.yml",
                method=5, upstreams=("api",), health="/v1/health", emulate=("kong", "infra/kong/kong.yml")),
        Service("echo", 8097, "flask", "a header echo: answers with the CORS headers its URL asks for",
                health="/_lab/health", app="servers.echo:create_app"),
    ]
}

#: Ports kept free for services that have not joined SERVICES yet (none left: methods 1-5 all run).
RESERVED_PORTS: dict[str, int] = {}


def service(name: str) -> Service:
    """The service called ``name``, or a clear error listing the names there are."""
    try:
        return SERVICES[name]
    except KeyError:
        from corslab.errors import CorsLabError

        raise CorsLabError(
            f"unknown service {name!r}; the services are: {', '.join(SERVICES)}"
        ) from None


def all_ports() -> list[int]:
    """Every port the lab owns, running or reserved."""
    ports = {s.port for s in SERVICES.values()} | set(RESERVED_PORTS.values())
    return sorted(ports)


def origin(name: str) -> str:
    return service(name).origin


#: The three origins of the lessons.
APP_ORIGIN = SERVICES["frontend"].origin  # http://localhost:3000
ADMIN_ORIGIN = SERVICES["admin"].origin  # http://localhost:3001
UNTRUSTED_ORIGIN = SERVICES["untrusted"].origin  # http://127.0.0.1:4000
