"""Services, ports and origins of the lab stack: the one source of truth.

The native runner, docker-compose.yml, the nginx configs, the pages, notebooks and tests all read
this module (or are checked against it). Adding a service is one entry in ``SERVICES``.

Why ``localhost`` for the trusted origins and ``127.0.0.1`` for the untrusted one: Chromium treats
``localhost:3000`` and ``localhost:8081`` as *same-site, cross-origin* (cookies with credentials
work, like ``app.example.com`` and ``api.example.com``), while ``127.0.0.1`` is another *site*
altogether (its cookies never travel to ``localhost``) - the attacker's page in the lessons.

Port offset: ``CORSLAB_PORT_OFFSET=N`` shifts every port (and so every origin) by N, so several
learners share one machine (learner 1 on 13000, 18081, ...; learner 2 on 23000, ...). It is
applied here and nowhere else: ``SERVICES`` holds the shifted ports, ``Service.default_port`` the
ports the configs of the repository are written for, and ``shift_text`` turns a config that names
the default origins (nginx maps, kong.yml, Ingress annotations, ...) into one for the shifted stack.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field

from corslab.errors import CorsLabError

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
    default_port: int = 0  # the port without CORSLAB_PORT_OFFSET (set below; 0 = same as port)
    twin_of: str | None = None  # HTTPS twin: the http service it serves over TLS (nginx, lab CA)

    @property
    def scheme(self) -> str:
        return "https" if self.twin_of else "http"

    @property
    def origin(self) -> str:
        """The origin (출처) a browser sees for this service: scheme://host:port."""
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + "/"


DEFAULT_SERVICES: dict[str, Service] = {
    s.name: dataclasses.replace(s, default_port=s.port)
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
        # HTTPS twins (TLS at the lab's nginx, certificate from the lab's CA: corslab/stack/tls.py).
        # Each *.localhost name is a site of its own in Chromium, so app.localhost -> api.localhost
        # is a credentialed *cross-site* call: where SameSite=None; Secure matters.
        Service("app-tls", 3443, "nginx", "the app origin over HTTPS (TLS at nginx, the lab's CA)",
                host="app.localhost", upstreams=("frontend",), health="/_lab/health", twin_of="frontend"),
        Service("api-tls", 8043, "nginx", "method 2 over HTTPS: the cors-proxy config, allowing the HTTPS app",
                host="api.localhost", upstreams=("api",), health="/v1/health", twin_of="cors-proxy"),
        Service("attacker-tls", 4443, "nginx", "an attacker's site over HTTPS (another site)",
                host="attacker.localhost", upstreams=("untrusted",), health="/_lab/health", twin_of="untrusted"),
        Service("echo-tls", 8044, "nginx", "the header echo over HTTPS (sets any cookie its URL asks for)",
                host="echo.localhost", upstreams=("echo",), health="/_lab/health", twin_of="echo"),
    ]
}


def parse_port_offset(value: str | None) -> int:
    """``CORSLAB_PORT_OFFSET``'s value as an int, or CorsLabError saying what is wrong: it must be
    an integer that keeps every port of the stack within 1..65535. Unset or blank means 0."""
    text = (value or "").strip()
    if not text:
        return 0
    try:
        offset = int(text, 10)
    except ValueError:
        raise CorsLabError(f"CORSLAB_PORT_OFFSET={value!r} is not an integer; set it to a whole number "
                     f"such as 10000 (every port of the stack is shifted by it), or unset it") from None
    lowest = min(s.port for s in DEFAULT_SERVICES.values())
    highest = max(s.port for s in DEFAULT_SERVICES.values())
    if not 1 <= lowest + offset <= highest + offset <= 65535:
        raise CorsLabError(f"CORSLAB_PORT_OFFSET={offset} moves the stack's ports ({lowest}-{highest}) "
                     f"outside 1-65535; pick an offset between {1 - lowest} and {65535 - highest}")
    return offset


#: How far every port is shifted (``CORSLAB_PORT_OFFSET``; 0 by default).
PORT_OFFSET: int = parse_port_offset(os.environ.get("CORSLAB_PORT_OFFSET"))

#: The ports the repository's configs are written for (no offset).
DEFAULT_PORTS: frozenset[int] = frozenset(s.port for s in DEFAULT_SERVICES.values())

SERVICES: dict[str, Service] = {
    name: dataclasses.replace(s, port=s.port + PORT_OFFSET) for name, s in DEFAULT_SERVICES.items()
}

#: Ports kept free for services that have not joined SERVICES yet (none left: methods 1-5 all run).
RESERVED_PORTS: dict[str, int] = {}


def service(name: str) -> Service:
    """The service called ``name``, or a clear error listing the names there are."""
    try:
        return SERVICES[name]
    except KeyError:
        raise CorsLabError(
            f"unknown service {name!r}; the services are: {', '.join(SERVICES)}"
        ) from None


def all_ports() -> list[int]:
    """Every port the lab owns, running or reserved."""
    ports = {s.port for s in SERVICES.values()} | set(RESERVED_PORTS.values())
    return sorted(ports)


def origin(name: str) -> str:
    """The origin of service ``name`` (shifted by the port offset): ``origin("cors-proxy")``."""
    return service(name).origin


def native_url(name: str) -> str:
    """How the stack reaches service ``name`` natively: ``http://127.0.0.1:PORT`` (an upstream)."""
    return f"http://127.0.0.1:{service(name).port}"


def upstream_of(svc: Service) -> Service:
    """The backend a proxy or emulator service forwards to: its first upstream (the api if none)."""
    return SERVICES[svc.upstreams[0] if svc.upstreams else "api"]


def by_product(product: str) -> Service | None:
    """The stack's service that runs emulator ``product`` (``"kong"`` -> gateway), if any."""
    return next((s for s in SERVICES.values() if s.emulate and s.emulate[0] == product), None)


def by_port(port: int) -> Service | None:
    """The stack's service listening on ``port`` (a shifted port under an offset), if any."""
    return next((s for s in SERVICES.values() if s.port == port), None)


# An origin of the stack written in a config: scheme, loopback host, one of the default ports.
_LAB_ORIGIN = re.compile(r"(?<![\w.-])((?:https?://)?(?:localhost|127\.0\.0\.1)):(\d{1,5})(?!\d)")


def shift_port(port: int, offset: int | None = None) -> int:
    """A default port of the stack -> its port under the offset (any other port is unchanged)."""
    offset = PORT_OFFSET if offset is None else offset
    return port + offset if port in DEFAULT_PORTS else port


def shift_text(text: str, offset: int | None = None) -> str:
    """A config written for the default stack, made right for this one: every ``localhost:PORT``
    or ``127.0.0.1:PORT`` (with or without ``http://``) whose port is a default port of the stack
    gets the shifted port. Identity without an offset. The runner feeds nginx and the emulators
    such copies, so the repository's configs keep naming the origins a learner reads about."""
    offset = PORT_OFFSET if offset is None else offset
    if not offset:
        return text
    return _LAB_ORIGIN.sub(lambda m: f"{m.group(1)}:{shift_port(int(m.group(2)), offset)}", text)


def tls_services() -> list[Service]:
    """The HTTPS twins (served by nginx with the lab's certificate: corslab/stack/tls.py)."""
    return [s for s in SERVICES.values() if s.twin_of]


def https_text(text: str, offset: int | None = None) -> str:
    """A config for an http service, made right for its HTTPS twin: every origin of a service
    that has a twin becomes the twin's origin (``http://localhost:3000`` -> the app's HTTPS
    origin); inside an anchored nginx regex (``"~^...$"``) the new origin is regex-escaped, so
    the allowlist stays exact. ``offset=0``: for a text naming the default ports."""
    offset = PORT_OFFSET if offset is None else offset
    for twin in tls_services():
        http = SERVICES[twin.twin_of]
        twin = dataclasses.replace(twin, port=twin.default_port + offset)
        plain = re.escape(dataclasses.replace(http, port=http.default_port + offset).origin)
        text = re.sub(rf"(~\^){plain}(?!\d)", lambda m: m.group(1) + re.escape(twin.origin), text)
        text = re.sub(rf"{plain}(?!\d)", twin.origin, text)
    return text


#: The three origins of the lessons.
APP_ORIGIN = SERVICES["frontend"].origin  # http://localhost:3000 without an offset
ADMIN_ORIGIN = SERVICES["admin"].origin  # http://localhost:3001
UNTRUSTED_ORIGIN = SERVICES["untrusted"].origin  # http://127.0.0.1:4000
#: Their HTTPS twins (a site each: app.localhost, attacker.localhost) and method 2's over HTTPS.
APP_TLS_ORIGIN = SERVICES["app-tls"].origin  # https://app.localhost:3443
ATTACKER_TLS_ORIGIN = SERVICES["attacker-tls"].origin  # https://attacker.localhost:4443
API_TLS_ORIGIN = SERVICES["api-tls"].origin  # https://api.localhost:8043
