"""Kong Gateway 3.x with the ``cors`` plugin, driven by a DB-less declarative ``kong.yml``.

Follows: Kong Gateway 3.10 and later (``allow_origin_absent``, added in 3.10 per
``kong/clustering/compat/removed_fields.lua``; the non-empty-Origin preflight check of fix #14368;
the methods ``one_of`` list of nine names; 200 for preflights). Audited for this release: the
schema fields and defaults, ``*`` in a list of origins (fix #13334, 3.8) and Vary handling (#5794,
#8401) match; nothing found that the current release accepts and this emulator refuses.

Source of the behaviour: Kong/kong ``kong/plugins/cors/handler.lua`` and ``schema.lua``
(master, 2026-07), ``spec/03-plugins/13-cors/01-access_spec.lua`` for the cases.

What this emulates:
- the declarative file: ``_format_version``, ``services`` (``url``), ``routes`` (nested or top-level
  with ``service:``), ``plugins`` (global, or nested under / pointing at a service or route); the
  most specific ``cors`` instance wins (route, then service, then global);
- the route match: ``paths`` as prefixes (longest wins, ``~`` marks a regex), ``methods``,
  ``hosts``; a route that sets methods or hosts outranks one that does not (priority points); ``strip_path`` (default true!) and ``preserve_host`` (default false); no route ->
  404 ``{"message":"no Route matched with those values"}``;
- the cors schema (``origins`` entries must be ``*`` or a valid regex, ``methods`` one_of, ...)
  and the handler: preflight = OPTIONS + non-empty Origin + Access-Control-Request-Method,
  answered **200** (not 204) with Content-Length 0 and never checked against the config; flat /
  regex / host-only / normalised-default-port origin matching; a single flat entry echoed to every
  Origin; ``Vary: Origin`` unless allow-all; ACAO cleared (even the upstream's) on a mismatch, but
  **ACAC: true sent even on a mismatch**; ``*`` + credentials turned into the reflected Origin;
  a ``*`` anywhere in a list of several origins wins over every other entry (it is seen while the
  entry cache is built, before any entry is compared); origins are parsed like LuaSocket's
  ``url.parse`` (case kept, so ``http://FOO.test`` is not ``http://foo.test``);
  ACEH only on actual responses; ``allow_origin_absent`` (3.10+) and ``private_network``.

What it does not model: other plugins (a config using one is refused), consumers, upstreams and
load balancing, route ``headers``/``snis``/regex priorities, path_handling "v1", TLS, Kong's own
headers (``Via``, ``Server``, ``X-Kong-*-Latency``), ``Vary`` merging (Kong appends a second
``Vary`` line; we do the same), PCRE vs Python ``re`` differences in origin regexes.

An empty ``Origin:`` header counts as absent, as after fix #14368 (Kong/kong handler.lua).
Before it, Kong 3.9 with two or more origins failed an assertion in normalize_origin and sent an
empty reply (Kong/kong issue #14352); an older stored handler.lua tests only ``not req_origin``.
Which release first shipped the fix is UNVERIFIED.

Kong's own error bodies: 404 ``{"message":"no Route matched with those values"}`` and, for an
unreachable upstream, 502 ``{"message":"An invalid response was received from the upstream
server","request_id":...}``. Recent Kong releases put a ``request_id`` in every error body; from
which release is UNVERIFIED, so the 404 here keeps the bare message. Whether a global
cors plugin adds headers to Kong's own "no Route matched" 404 is not modelled (we add none).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corslab.emulate.proxy import Emulator, Headers, Request, Response, config_error, expect, read_config, serve_product

DEFAULT_METHODS = ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT")
FLAT = re.compile(r"^[A-Za-z0-9.:/-]+$")  # handler.lua: "doesn't look like a regex"
CORS_FIELDS = {
    "origins", "headers", "exposed_headers", "methods", "max_age", "credentials",
    "private_network", "preflight_continue", "allow_origin_absent",
}


@dataclass
class CorsConf:
    """``config`` of one cors plugin instance, defaults filled in as Kong's schema does."""

    origins: list[str] | None = None
    headers: list[str] | None = None
    exposed_headers: list[str] | None = None
    methods: list[str] = field(default_factory=lambda: list(DEFAULT_METHODS))
    max_age: float | None = None
    credentials: bool = False
    private_network: bool = False
    preflight_continue: bool = False
    allow_origin_absent: bool = True


@dataclass
class Route:
    name: str
    service: str
    paths: list[str]
    methods: list[str] | None
    hosts: list[str] | None
    strip_path: bool = True
    preserve_host: bool = False
    cors: CorsConf | None = None


@dataclass
class Service:
    name: str
    path: str
    cors: CorsConf | None = None


@dataclass
class KongConfig:
    path: str
    services: dict[str, Service]
    routes: list[Route]
    cors: CorsConf | None = None  # a global plugin


# --- load: the declarative file and the cors schema -------------------------------------------


def load(path: str) -> KongConfig:
    """Read and validate a declarative kong.yml as Kong 3.x would (the parts emulated here)."""
    docs = read_config(path, "yaml")
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise config_error(path, "", "a kong.yml holds one YAML mapping with _format_version and services")
    doc = docs[0]
    if doc.get("_format_version") not in ("1.1", "2.1", "3.0"):  # a string: an unquoted 3.0 is a number
        raise config_error(path, "_format_version", 'must be the string "3.0" (or "2.1", "1.1"); '
                                                    "Kong refuses a file without it")
    services: dict[str, Service] = {}
    routes: list[Route] = []
    pending_plugins: list[tuple[str, dict, str | None, str | None]] = []

    for i, svc in enumerate(expect(path, "services", doc.get("services", []), list, "a list")):
        where = f"services[{i}]"
        expect(path, where, svc, dict, "a mapping")
        name = expect(path, f"{where}.name", svc.get("name"), str, "a service name")
        if name in services:
            raise config_error(path, f"{where}.name", f"service {name!r} is defined twice")
        services[name] = Service(name, _service_path(path, where, svc))
        for j, route in enumerate(expect(path, f"{where}.routes", svc.get("routes", []), list, "a list")):
            routes.append(_route(path, f"{where}.routes[{j}]", route, name, pending_plugins))
        for j, plugin in enumerate(expect(path, f"{where}.plugins", svc.get("plugins", []), list, "a list")):
            pending_plugins.append((f"{where}.plugins[{j}]", plugin, name, None))

    for j, route in enumerate(expect(path, "routes", doc.get("routes", []), list, "a list")):
        ref = _ref(route.get("service")) if isinstance(route, dict) else None
        if ref not in services:
            raise config_error(path, f"routes[{j}].service", f"names no service defined in this file ({ref!r})")
        routes.append(_route(path, f"routes[{j}]", route, ref, pending_plugins))

    for j, plugin in enumerate(expect(path, "plugins", doc.get("plugins", []), list, "a list")):
        svc_ref, route_ref = (_ref(plugin.get(k)) if isinstance(plugin, dict) else None for k in ("service", "route"))
        pending_plugins.append((f"plugins[{j}]", plugin, svc_ref, route_ref))

    config = KongConfig(path, services, routes)
    by_route = {r.name: r for r in routes}
    for where, plugin, svc_ref, route_ref in pending_plugins:
        conf = _plugin(path, where, plugin)
        if conf is None:
            continue
        if route_ref is not None:
            if route_ref not in by_route:
                raise config_error(path, f"{where}.route", f"names no route defined in this file ({route_ref!r})")
            by_route[route_ref].cors = conf
        elif svc_ref is not None:
            if svc_ref not in services:
                raise config_error(path, f"{where}.service", f"names no service defined in this file ({svc_ref!r})")
            services[svc_ref].cors = conf
        else:
            config.cors = conf
    return config


def _ref(value):
    return value.get("name") if isinstance(value, dict) else value


def _service_path(path: str, where: str, svc: dict) -> str:
    if "url" in svc:
        url = expect(path, f"{where}.url", svc["url"], str, "a URL like http://api:8095")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise config_error(path, f"{where}.url", f"{url!r} is not a URL like http://api:8095")
        return parts.path.rstrip("/")
    if "host" not in svc:
        raise config_error(path, where, "a service needs a url (or host); add url: http://api:8095")
    return str(svc.get("path") or "").rstrip("/")


def _route(path, where, route, service, pending_plugins) -> Route:
    expect(path, where, route, dict, "a mapping")
    name = str(route.get("name") or where)
    paths = expect(path, f"{where}.paths", route.get("paths") or [], list, "a list of paths")
    methods = route.get("methods")
    hosts = route.get("hosts")
    if not (paths or methods or hosts):
        raise config_error(path, where, "a route needs at least one of paths, methods, hosts")
    for k, p in enumerate(paths):
        if not isinstance(p, str) or not (p.startswith("/") or p.startswith("~/")):
            raise config_error(path, f"{where}.paths[{k}]", f"{p!r} must start with / (or ~/ for a regex)")
        if p.startswith("~"):
            try:
                re.compile(p[1:])
            except re.error as exc:
                raise config_error(path, f"{where}.paths[{k}]", f"invalid regex ({exc})") from None
    for j, plugin in enumerate(expect(path, f"{where}.plugins", route.get("plugins", []), list, "a list")):
        pending_plugins.append((f"{where}.plugins[{j}]", plugin, None, name))
    return Route(
        name, service, paths,
        [m.upper() for m in methods] if methods else None,
        [h.lower() for h in hosts] if hosts else None,
        bool(route.get("strip_path", True)), bool(route.get("preserve_host", False)),
    )


def _plugin(path: str, where: str, plugin) -> CorsConf | None:
    expect(path, where, plugin, dict, "a mapping with name and config")
    name = plugin.get("name")
    if name != "cors":
        raise config_error(path, f"{where}.name", f"plugin {name!r} is not emulated here (only cors is); "
                                                 "remove it for the lab or run the real Kong image")
    if plugin.get("enabled", True) is False:
        return None
    return cors_schema(path, f"{where}.config", plugin.get("config") or {})


def cors_schema(path: str, where: str, config) -> CorsConf:
    """Kong's cors schema.lua: unknown fields, types, ``*``-or-regex origins, one_of methods."""
    expect(path, where, config, dict, "a mapping")
    for key in config:
        if key not in CORS_FIELDS:
            raise config_error(path, f"{where}.{key}", "unknown field (Kong rejects it)")
    conf = CorsConf()
    for key in ("origins", "headers", "exposed_headers", "methods"):
        if config.get(key) is None:
            continue
        items = expect(path, f"{where}.{key}", config[key], list, "an array of strings")
        for k, item in enumerate(items):
            expect(path, f"{where}.{key}[{k}]", item, str, "a string")
        setattr(conf, key, list(items))
    for k, origin in enumerate(conf.origins or []):
        if origin != "*":
            try:
                re.compile(origin)
            except re.error:
                raise config_error(path, f"{where}.origins[{k}]", f"'{origin}' is not a valid regex; "
                                   "write the origin exactly, e.g. http://localhost:3000, or a valid regex") from None
    for k, method in enumerate(conf.methods):
        if method not in DEFAULT_METHODS:
            raise config_error(path, f"{where}.methods[{k}]",
                               f"expected one of: {', '.join(DEFAULT_METHODS)} (got {method!r})")
    if config.get("max_age") is not None:
        conf.max_age = expect(path, f"{where}.max_age", config["max_age"], (int, float), "a number of seconds")
        if isinstance(conf.max_age, bool):
            raise config_error(path, f"{where}.max_age", "must be a number of seconds")
    for key in ("credentials", "private_network", "preflight_continue", "allow_origin_absent"):
        if config.get(key) is not None:
            setattr(conf, key, expect(path, f"{where}.{key}", config[key], bool, "true or false"))
    return conf


# --- the router -------------------------------------------------------------------------------


def match_route(config: KongConfig, req: Request) -> tuple[Route, str] | None:
    """The route Kong would pick, with the path prefix it matched.

    traditional_compat router (https://developer.konghq.com/gateway/routing/traditional/): a route
    gets a "priority point" for each of methods and hosts it sets, and more points win first; then,
    among equals, a plain prefix beats a regex path and the longest prefix wins (UNVERIFIED: Kong's
    docs also order regex paths by ``regex_priority``, which is not modelled; first one wins here).
    """
    host = (req.headers.get("Host") or "").split(":")[0].lower()
    best, best_key = None, None
    for route in config.routes:
        if route.methods and req.method not in route.methods:
            continue
        if route.hosts and not any(_host_match(h, host) for h in route.hosts):
            continue
        points = bool(route.methods) + bool(route.hosts)
        for p in route.paths or [""]:
            if p.startswith("~"):
                m = re.match(p[1:], req.path)
                found, key = (m.group(0), (points, 0, 0)) if m else (None, None)
            elif req.path.startswith(p):
                found, key = p, (points, 1, len(p))
            else:
                continue
            if found is not None and (best_key is None or key > best_key):
                best, best_key = (route, found), key
    return best


def _host_match(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    if pattern.endswith(".*"):
        return host.startswith(pattern[:-1])
    return pattern.split(":")[0] == host


# --- the cors handler (handler.lua) -----------------------------------------------------------


def normalize_origin(value: str) -> tuple[str, str]:
    """handler.lua normalize_origin: (domain, host); drops :80 for http and :443 for https.

    Parsed the way LuaSocket's ``socket.url.parse`` does it: no lower-casing (``http://FOO.test``
    stays as it is, so it does not equal ``http://foo.test``), userinfo dropped, and whatever
    follows the last ``:`` of the authority kept as the port, even when it is not a number.
    """
    rest = value.split("#", 1)[0]
    scheme = None
    m = re.match(r"([A-Za-z0-9][A-Za-z0-9+.-]*):", rest)
    if m:
        scheme, rest = m.group(1), rest[m.end():]
    authority = re.match(r"//([^/]*)", rest)
    host = port = None
    if authority:
        auth = re.sub(r"^[^@]*@", "", authority.group(1), count=1)
        m = re.search(r":([^:\]]*)$", auth)
        if m:
            port, auth = m.group(1), auth[:m.start()]
        if auth:
            ipv6 = re.fullmatch(r"\[(.+)\]", auth)
            host = ipv6.group(1) if ipv6 else auth
    if host is None:
        return value, value
    if (scheme, port) in (("http", "80"), ("https", "443")):
        port = None
    domain = (f"{scheme}://" if scheme else "") + host + (f":{port}" if port is not None else "")
    return domain, host


def configure_origin(conf: CorsConf, headers: Headers, header_filter: bool, req_origin: str | None) -> bool:
    """Set or clear ACAO (and Vary); return True when the config allows all origins."""
    origins = conf.origins or []
    if not origins or origins == ["*"]:
        headers.set("Access-Control-Allow-Origin", "*")
        return True
    _vary(headers, header_filter)
    if len(origins) == 1 and FLAT.match(origins[0]):
        headers.set("Access-Control-Allow-Origin", origins[0])  # echoed whatever the Origin
        return False
    if req_origin:
        if "*" in origins:  # found while building the entry cache, before any entry is matched
            headers.set("Access-Control-Allow-Origin", "*")
            return True
        domain, host = normalize_origin(req_origin)
        for entry in origins:
            by_host = ":" not in entry
            if not FLAT.match(entry):
                regex = entry if entry.endswith("$") else entry + "$"
                regex = regex[1:] if regex.startswith("^") else regex
                found = re.match(regex, host if by_host else domain) is not None  # ngx.re "a": anchored
            else:
                found = normalize_origin(entry)[0] == domain
            if found:
                headers.set("Access-Control-Allow-Origin", domain)
                return False
    headers.remove("Access-Control-Allow-Origin")  # also removes the upstream's (fix #5511)
    return False


def configure_credentials(conf: CorsConf, headers: Headers, allow_all: bool, header_filter: bool,
                          req_origin: str | None) -> None:
    if not conf.credentials:
        return
    if not allow_all:
        headers.set("Access-Control-Allow-Credentials", "true")  # even when the origin did not match
        return
    if req_origin:  # never "*" with credentials: reflect the Origin instead
        _vary(headers, header_filter)
        headers.set("Access-Control-Allow-Origin", req_origin)
        headers.set("Access-Control-Allow-Credentials", "true")


def _vary(headers: Headers, header_filter: bool) -> None:
    # handler.lua writes the name in lower case ("vary"), and nginx sends it as written
    # (Kong/kong issue #8978 shows "vary: Origin" next to the upstream's capitalised headers).
    if header_filter:
        headers.add("vary", "Origin")  # kong.response.add_header: keeps the upstream's Vary line
    else:
        headers.set("vary", "Origin")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class KongEmulator(Emulator):
    preserve_host = False

    def __init__(self, config: KongConfig, upstream: str, targets: dict[str, str]):
        super().__init__(upstream, targets)
        self.config = config

    def _cors_for(self, route: Route) -> CorsConf | None:
        return route.cors or self.config.services[route.service].cors or self.config.cors

    def on_request(self, req: Request) -> Response | None:
        found = match_route(self.config, req)
        if found is None:
            body = json.dumps({"message": "no Route matched with those values"}).encode()
            return Response(404, Headers([("Content-Type", "application/json; charset=utf-8")]), body)
        route, prefix = found
        req.state["route"], req.state["prefix"] = route, prefix
        conf = req.state["cors"] = self._cors_for(route)
        origin = req.origin
        if conf is None or req.method != "OPTIONS" or not origin or not req.headers.get("Access-Control-Request-Method"):
            return None
        req.state["skip_response_headers"] = True
        if conf.preflight_continue:
            return None
        headers = Headers()
        allow_all = configure_origin(conf, headers, False, origin)
        configure_credentials(conf, headers, allow_all, False, origin)
        if conf.headers:
            headers.set("Access-Control-Allow-Headers", ",".join(conf.headers))
        elif req.headers.get("Access-Control-Request-Headers") is not None:
            headers.set("Access-Control-Allow-Headers", req.headers.get("Access-Control-Request-Headers"))
        headers.set("Access-Control-Allow-Methods", ",".join(conf.methods))
        if conf.max_age is not None:
            headers.set("Access-Control-Max-Age", _number(conf.max_age))
        if conf.private_network and req.headers.get("Access-Control-Request-Private-Network") == "true":
            headers.set("Access-Control-Allow-Private-Network", "true")
        return Response(200, headers)  # kong.response.exit(200): 200, not 204

    def upstream_for(self, req: Request) -> str:
        route: Route = req.state["route"]
        return self.backend_url(route.service)

    def upstream_target(self, req: Request, base: str) -> str:
        """Kong's path_handling "v0": service path + request path (minus the prefix if strip_path)."""
        route: Route = req.state["route"]
        rest = req.path[len(req.state["prefix"]):] if route.strip_path else req.path
        rest = rest if rest.startswith("/") else "/" + rest
        service_path = self.config.services[route.service].path
        path = service_path if service_path and rest == "/" else service_path + rest
        return path + (f"?{req.query}" if req.query else "")

    def keep_host(self, req: Request) -> bool:
        return req.state["route"].preserve_host

    def on_response(self, req: Request, resp: Response) -> None:
        if resp.local and resp.status == 502 and "route" in req.state:  # the upstream could not be reached
            body = {"message": "An invalid response was received from the upstream server",
                    "request_id": uuid.uuid4().hex}  # request_id: Kong 3.x error bodies carry one
            resp.body = json.dumps(body).encode()
            resp.headers = Headers([("Content-Type", "application/json; charset=utf-8")])
        conf: CorsConf | None = req.state.get("cors")
        if conf is None or req.state.get("skip_response_headers"):
            return
        origin = req.origin or None
        if origin is None and not conf.allow_origin_absent:
            return
        allow_all = configure_origin(conf, resp.headers, True, origin)
        configure_credentials(conf, resp.headers, allow_all, True, origin)
        if conf.exposed_headers:
            resp.headers.set("Access-Control-Expose-Headers", ",".join(conf.exposed_headers))


def serve(config: KongConfig, *, host: str, port: int, upstream: str, targets: dict[str, str]) -> None:
    serve_product(KongEmulator(config, upstream, targets), set(config.services), config.path, host, port,
                  "service")
