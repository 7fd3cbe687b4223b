"""Istio ``VirtualService.corsPolicy``, as Istio programs it into Envoy's CORS filter.

Follows: Istio 1.23 and later (checked against istio/istio ``pkg/config/validation/validation.go``
on master: ``validateCORSPolicy`` with ``validateCORSHTTPMethod`` - Go's nine methods or ``*`` - and
``ValidateCORSHTTPHeaderName`` - a token or ``*``, istio/istio#52625, cherry-picked to
release-1.23; ``agent.ValidateDuration``: more than 1ms, whole seconds for maxAge), the
``unmatchedPreflights`` field of istio/api, and route ``headers`` (request/response set, add,
remove; ``ValidateHTTPHeaderOperationName``). Earlier releases refused ``allowMethods: ["*"]``
as "not a supported HTTP method" (so did this emulator until it was audited).

Sources: istio/api ``virtual_service.proto`` (``CorsPolicy``), istio/istio
``pilot/pkg/networking/core/route/route.go`` (``TranslateCORSPolicy``), envoyproxy/envoy
``source/extensions/filters/http/cors/cors_filter.cc`` and its integration test.

This module also holds the Envoy CORS filter itself (:class:`EnvoyCorsPolicy`,
:class:`EnvoyProxy`), which ``gateway_api.py`` reuses: Envoy Gateway translates an HTTPRoute CORS
filter into the same Envoy policy.

Envoy's behaviour, emulated:
- no ``Origin`` (or an empty one): no CORS processing at all;
- an origin is allowed if any matcher matches the literal ``*`` or the Origin (so ``exact: "*"``
  or ``regex: ".*"`` allows every origin); matchers: exact, prefix, suffix, contains, regex
  (RE2 full match; case-sensitive unless ``(?i)``);
- preflight = OPTIONS + Origin + ``Access-Control-Request-Method``; answered by Envoy with **200**,
  no body: ACAO = the request Origin (never ``*``) only if allowed, then ACAC, ACAM (``*`` echoes
  the request's method), ACAH (``*`` echoes the request's headers), ACMA - these four even for a
  disallowed origin when unmatched preflights are not forwarded;
- a disallowed-origin preflight is **forwarded upstream** by default (Istio ``unmatchedPreflights:
  FORWARD``) and comes back untouched; ``IGNORE`` answers it with 200 and no ACAO;
- actual responses: only for an allowed origin, ACAO is **set** (overwriting the upstream's) to the
  Origin, with ACAC and ACEH; the preflight Envoy answers itself goes through the same encoder step,
  so an allowed preflight carries ACEH too (the Gateway API conformance test httproute-cors.go
  expects access-control-expose-headers on the preflight); a disallowed origin leaves the upstream's response untouched, so
  **upstream CORS headers leak through**; no ACAM/ACAH/ACMA on actual responses; **no Vary**.

What it does not model: virtual-host level policies and their field-by-field merge with the route's,
``filter_enabled``/``shadow_enabled`` percentages, route matches other than URI and method,
header-based routing, retries, timeouts, mTLS, weights (the first destination is used), RE2 vs
Python ``re`` beyond refusing lookarounds and backreferences, Envoy's own headers other than
``server`` (``x-envoy-upstream-service-time``, ``x-request-id`` generation).

Envoy's own answers that are modelled: the preflight 200, the 404 "NR" for no route, the router's
503 for an unreachable upstream (the CORS filter's encodeHeaders runs on all of them when the
Origin was latched), ``server: envoy`` (``istio-envoy`` for Istio) on every response, replacing the
upstream's Server header (HTTP connection manager default ``server_header_transformation:
OVERWRITE``), lower-case header names, and repeated CORS response headers from the upstream joined
into one line with "," (they are Envoy inline headers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from corslab.emulate.proxy import Emulator, Headers, Request, Response, config_error, expect, manifests, serve_product

#: Envoy's router local reply for an unreachable upstream (status 503, text/plain); the CORS filter's
#: encodeHeaders still runs on it, so an allowed Origin gets ACAO on the 503 too.
UPSTREAM_CONNECT_ERROR = ("upstream connect error or disconnect/reset before headers. reset reason: connection "
                          "failure, transport failure reason: delayed connect error: 111")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
#: istio/istio pkg/config/validation/validation.go supportedCORSMethods (Istio 1.23 and later): Go's
#: net/http method names and "*", which Envoy answers by echoing Access-Control-Request-Method.
CORS_METHODS = HTTP_METHODS + ("*",)
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")
NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]")  # lookarounds and backreferences: RE2 refuses them


# --- Envoy's CORS filter ----------------------------------------------------------------------


@dataclass(frozen=True)
class StringMatcher:
    """envoy.type.matcher.v3.StringMatcher (exact, prefix, suffix, contains, safe_regex)."""

    kind: str
    value: str
    ignore_case: bool = False

    def match(self, text: str) -> bool:
        if self.kind == "regex":
            return re.fullmatch(self.value, text) is not None
        a, b = (self.value.lower(), text.lower()) if self.ignore_case else (self.value, text)
        return {"exact": b == a, "prefix": b.startswith(a), "suffix": b.endswith(a), "contains": a in b}[self.kind]


@dataclass
class EnvoyCorsPolicy:
    """envoy.extensions.filters.http.cors.v3.CorsPolicy; header values are already joined strings."""

    allow_origins: list[StringMatcher] = field(default_factory=list)
    allow_methods: str = ""
    allow_headers: str = ""
    expose_headers: str = ""
    max_age: str = ""
    allow_credentials: bool = False
    forward_not_matching_preflights: bool = True
    allow_private_network_access: bool = False

    def origin_allowed(self, origin: str) -> bool:
        """cors_filter.cc isOriginAllowed: a matcher that matches "*" allows every origin."""
        return any(m.match("*") or m.match(origin) for m in self.allow_origins)


@dataclass(frozen=True)
class HeaderOps:
    """A route's header changes (envoy.config.route.v3.Route request/response_headers_to_add and
    _to_remove): removed first, then set (OVERWRITE_IF_EXISTS_OR_ADD), then added
    (APPEND_IF_EXISTS_OR_ADD) - the order of Envoy's HeaderParser::evaluateHeaders."""

    set: tuple[tuple[str, str], ...] = ()
    add: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()

    def apply(self, headers: Headers) -> None:
        for name in self.remove:
            headers.remove(name)
        for name, value in self.set:
            headers.set(name, value)
        for name, value in self.add:
            headers.add(name, value)


@dataclass
class EnvoyRoute:
    """One route: when it matches, which cluster (backend name), which CORS policy and which header
    changes (Istio ``headers``, HTTPRoute Request/ResponseHeaderModifier)."""

    name: str
    matches: Callable[[Request], bool]
    cluster: str
    cors: EnvoyCorsPolicy | None = None
    priority: tuple = ()
    request_headers: HeaderOps | None = None
    response_headers: HeaderOps | None = None


#: Response headers the CORS filter registers as inline headers (cors_filter.cc RegisterCustomInlineHeader).
CORS_INLINE = ("access-control-allow-origin", "access-control-allow-credentials", "access-control-allow-methods",
               "access-control-allow-headers", "access-control-max-age", "access-control-expose-headers",
               "access-control-allow-private-network")


def coalesce_inline(headers: Headers) -> Headers:
    """HeaderMapImpl::insertByKey: a repeated *inline* header is appended to the first with "," (empty
    values dropped), so an upstream's two ACAO lines reach the client as one "a,b" line; other names keep
    their repeated lines."""
    out: list[tuple[str, str]] = []
    where: dict[str, int] = {}
    for name, value in headers:
        low = name.lower()
        if low not in CORS_INLINE:
            out.append((name, value))
        elif low not in where:
            where[low] = len(out)
            out.append((name, value))
        elif value:
            first_name, first = out[where[low]]
            out[where[low]] = (first_name, f"{first},{value}" if first else value)
    return Headers(out)


class EnvoyProxy(Emulator):
    """Envoy with the CORS filter first in the chain and a router after it (first route wins)."""

    lowercase_header_names = True  # Envoy's HTTP/1 codec writes "content-length", "date", ... in lower case

    def __init__(self, routes: list[EnvoyRoute], upstream: str, targets: dict[str, str], server: str = "envoy"):
        super().__init__(upstream, targets)
        self.routes = routes
        self.server = server  # HCM server_name; Istio's proxies call themselves "istio-envoy"

    def on_request(self, req: Request) -> Response | None:
        route = next((r for r in self.routes if r.matches(req)), None)
        if route is None:
            return Response(404)  # Envoy's "NR" (no route) local reply: empty body
        req.state["route"] = route
        if route.request_headers:
            route.request_headers.apply(req.headers)
        policy = route.cors
        origin = req.origin
        if policy is None or not origin:
            return None
        allowed = policy.origin_allowed(origin)
        if allowed:
            req.state["latched_origin"] = origin
        acrm = req.headers.get("Access-Control-Request-Method")
        if req.method != "OPTIONS" or not acrm:
            return None
        if not allowed and policy.forward_not_matching_preflights:
            return None  # forwarded upstream; the response comes back untouched
        headers = Headers()
        if allowed:
            headers.set("access-control-allow-origin", origin)
        if policy.allow_credentials:
            headers.set("access-control-allow-credentials", "true")
        if policy.allow_methods:
            headers.set("access-control-allow-methods", acrm if policy.allow_methods == "*" else policy.allow_methods)
        if policy.allow_headers:
            acrh = req.headers.get("Access-Control-Request-Headers", "")
            headers.set("access-control-allow-headers", acrh if policy.allow_headers == "*" else policy.allow_headers)
        if policy.max_age:
            headers.set("access-control-max-age", policy.max_age)
        if policy.allow_private_network_access and req.headers.get("Access-Control-Request-Private-Network") == "true":
            headers.set("access-control-allow-private-network", "true")
        return Response(200, headers)  # its own encodeHeaders still runs on it (see on_response)

    def upstream_for(self, req: Request) -> str:
        return self.backend_url(req.state["route"].cluster)

    def on_response(self, req: Request, resp: Response) -> None:
        resp.headers = coalesce_inline(resp.headers)
        resp.headers.set("server", self.server)  # server_header_transformation OVERWRITE (the default)
        if resp.local and resp.status == 502:  # the router's local reply when the upstream cannot be reached
            resp.status, resp.reason = 503, "Service Unavailable"
            resp.body = UPSTREAM_CONNECT_ERROR.encode()
            resp.headers = Headers([("content-type", "text/plain"), ("server", self.server)])
        route = req.state.get("route")
        if route is not None and route.response_headers and not resp.local:
            # The router applies the route's response header changes (finalizeResponseHeaders) to the
            # upstream's answer before it travels back through the encoder filters, so the CORS
            # filter below writes its headers after them. Local replies (the CORS filter's own
            # preflight answer, the 404, the 503) do not get them.
            route.response_headers.apply(resp.headers)
        origin = req.state.get("latched_origin")
        if not origin:
            return  # origin did not match: the upstream's response is not modified
        # Also for the preflight answered above: a decoder filter's local reply goes through the whole
        # encoder chain (filter_manager.cc ActiveStreamDecoderFilter::encodeHeaders -> encodeHeaders(nullptr)),
        # so the CORS filter's own encodeHeaders adds ACEH to an allowed preflight too.
        policy = req.state["route"].cors
        resp.headers.set("access-control-allow-origin", origin)
        if policy.allow_credentials:
            resp.headers.set("access-control-allow-credentials", "true")
        if policy.expose_headers:
            resp.headers.set("access-control-expose-headers", policy.expose_headers)


# --- Istio: VirtualService -> Envoy -----------------------------------------------------------


@dataclass
class IstioConfig:
    path: str
    routes: list[EnvoyRoute]


def load(path: str) -> IstioConfig:
    """Read the VirtualService(s) of a manifest and validate corsPolicy as istiod would."""
    routes: list[EnvoyRoute] = []
    for at, spec in manifests(path, "VirtualService", "networking.istio.io"):
        if not spec.get("hosts"):
            raise config_error(path, f"{at}.hosts", "is required (e.g. hosts: [\"*\"])")
        for i, http in enumerate(expect(path, f"{at}.http", spec.get("http", []), list, "a list")):
            where = f"spec.http[{i}]"
            expect(path, where, http, dict, "a mapping")
            destinations = http.get("route") or []
            if not destinations or not isinstance(destinations[0], dict) or "destination" not in destinations[0]:
                raise config_error(path, f"{where}.route", "needs a destination (route: [{destination: {host: api}}])")
            host = str(destinations[0]["destination"].get("host", ""))
            cors = _cors_policy(path, f"{where}.corsPolicy", http["corsPolicy"]) if "corsPolicy" in http else None
            headers = expect(path, f"{where}.headers", http.get("headers") or {}, dict, "a mapping with request/response")
            for key in headers:
                if key not in ("request", "response"):
                    raise config_error(path, f"{where}.headers.{key}", "unknown field; use request or response")
            routes.append(EnvoyRoute(str(http.get("name", where)), _http_match(path, where, http.get("match")),
                                     host, cors,
                                     request_headers=_header_ops(path, f"{where}.headers.request", headers.get("request")),
                                     response_headers=_header_ops(path, f"{where}.headers.response", headers.get("response"))))
    return IstioConfig(path, routes)


def _header_ops(path: str, where: str, ops) -> HeaderOps | None:
    """istio.networking.v1.Headers.HeaderOperations: set and add are name -> value maps, remove a
    list of names (virtual_service.proto). istiod refuses invalid header names
    (pilot/pkg/config/validation: ValidateHTTPHeaderName) and changing the Host header."""
    if ops is None:
        return None
    expect(path, where, ops, dict, "a mapping with set, add or remove")
    for key in ops:
        if key not in ("set", "add", "remove"):
            raise config_error(path, f"{where}.{key}", "unknown field; use set, add or remove")
    def check_name(field: str, name) -> None:  # ValidateHTTPHeaderOperationName
        if not isinstance(name, str) or not name:
            raise config_error(path, field, "header name cannot be empty")
        if name.lower() == "host":
            raise config_error(path, field, f'invalid header "{name}": cannot set Host header')
        if name.startswith(":"):
            raise config_error(path, field, f'invalid header "{name}": header cannot have ":" prefix')

    pairs = {}
    for key in ("set", "add"):
        values = expect(path, f"{where}.{key}", ops.get(key) or {}, dict, "a mapping of header name to value")
        for name, value in values.items():
            check_name(f"{where}.{key}.{name}", name)
            if not isinstance(value, str):
                raise config_error(path, f"{where}.{key}.{name}", f"must be a string, not {value!r}")
            if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", value):  # ValidateHTTPHeaderValue
                raise config_error(path, f"{where}.{key}.{name}", f"header value configuration {value!r} is invalid")
        pairs[key] = tuple(values.items())
    remove = expect(path, f"{where}.remove", ops.get("remove") or [], list, "a list of header names")
    for k, name in enumerate(remove):
        check_name(f"{where}.remove[{k}]", name)
    return HeaderOps(pairs["set"], pairs["add"], tuple(remove))


def _string_match(path: str, where: str, value, allow_empty=False) -> StringMatcher:
    """istio.networking.v1.StringMatch: exactly one of exact, prefix, regex."""
    expect(path, where, value, dict, "a StringMatch like {exact: ...}, {prefix: ...} or {regex: ...}")
    kinds = [k for k in value if k in ("exact", "prefix", "regex")]
    unknown = [k for k in value if k not in ("exact", "prefix", "regex")]
    if unknown:
        raise config_error(path, f"{where}.{unknown[0]}", "unknown StringMatch kind; use exact, prefix or regex")
    if len(kinds) != 1:
        raise config_error(path, where, "a StringMatch needs exactly one of exact, prefix, regex")
    kind = kinds[0]
    text = expect(path, f"{where}.{kind}", value[kind], str, "a string")
    if not text and not allow_empty:
        raise config_error(path, f"{where}.{kind}", "must not be empty")
    if kind == "regex":
        if NOT_RE2.search(text):
            raise config_error(path, f"{where}.regex", "uses a lookaround or backreference, which RE2 does not support")
        try:
            re.compile(text)
        except re.error as exc:
            raise config_error(path, f"{where}.regex", f"is not a valid RE2 regex ({exc})") from None
    return StringMatcher(kind, text)


def _http_match(path: str, where: str, matches) -> Callable[[Request], bool]:
    if not matches:
        return lambda req: True
    conditions = []
    for j, m in enumerate(expect(path, f"{where}.match", matches, list, "a list")):
        expect(path, f"{where}.match[{j}]", m, dict, "a mapping")
        for key in m:
            if key not in ("uri", "method", "name", "ignoreUriCase"):
                raise config_error(path, f"{where}.match[{j}].{key}", "is not emulated here (only uri and method)")
        uri = _string_match(path, f"{where}.match[{j}].uri", m["uri"]) if "uri" in m else None
        method = _string_match(path, f"{where}.match[{j}].method", m["method"]) if "method" in m else None
        conditions.append((uri, method))
    return lambda req: any((u is None or u.match(req.path)) and (me is None or me.match(req.method))
                           for u, me in conditions)


DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms|us|µs|ns)")
UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_duration(path: str, where: str, value) -> int:
    """A protobuf/Go duration ("600s", "10m", "24h") in whole seconds, as istiod accepts it."""
    text = str(value).strip()
    parts = DURATION.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise config_error(path, where, f"{value!r} is not a duration; write it like 600s or 10m")
    seconds = sum(float(n) * UNIT_SECONDS[u] for n, u in parts)
    if seconds < 1e-3:
        raise config_error(path, where, "duration must be greater than 1ms")  # agent.ValidateDuration
    if seconds != int(seconds):
        raise config_error(path, where, "max_age duration is accurate only to seconds precision")
    return int(seconds)


def _cors_policy(path: str, where: str, cors) -> EnvoyCorsPolicy:
    """route.go TranslateCORSPolicy, with istiod's validation of each field first."""
    expect(path, where, cors, dict, "a mapping")
    known = {"allowOrigins", "allowOrigin", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge",
             "allowCredentials", "unmatchedPreflights"}
    for key in cors:
        if key not in known:
            raise config_error(path, f"{where}.{key}", "unknown field of corsPolicy")
    origins = [_string_match(path, f"{where}.allowOrigins[{k}]", m)
               for k, m in enumerate(expect(path, f"{where}.allowOrigins", cors.get("allowOrigins") or [], list, "a list"))]
    if not origins:  # the deprecated field is used only when allowOrigins is empty
        origins = [StringMatcher("exact", str(o)) for o in cors.get("allowOrigin") or []]
    methods = expect(path, f"{where}.allowMethods", cors.get("allowMethods") or [], list, "a list")
    for k, m in enumerate(methods):
        if m not in CORS_METHODS:  # validateCORSHTTPMethod: Go's nine methods, or "*"
            raise config_error(path, f"{where}.allowMethods[{k}]", f"{m!r} is not a supported HTTP method")
    header_lists = {}
    for key in ("allowHeaders", "exposeHeaders"):
        header_lists[key] = expect(path, f"{where}.{key}", cors.get(key) or [], list, "a list")
        for k, h in enumerate(header_lists[key]):
            # ValidateCORSHTTPHeaderName: a token, or "*" (Access-Control-Allow-Headers' own wildcard)
            if not isinstance(h, str) or not (h == "*" or HEADER_NAME.match(h)):
                raise config_error(path, f"{where}.{key}[{k}]", f"header name {h!r} is not a valid header name")
    credentials = cors.get("allowCredentials")
    if credentials is not None:
        expect(path, f"{where}.allowCredentials", credentials, bool, "true or false")
    unmatched = cors.get("unmatchedPreflights", "UNSPECIFIED")
    if unmatched not in ("UNSPECIFIED", "FORWARD", "IGNORE"):
        raise config_error(path, f"{where}.unmatchedPreflights", "must be FORWARD or IGNORE")
    max_age = cors.get("maxAge")
    return EnvoyCorsPolicy(
        allow_origins=origins,
        allow_methods=",".join(methods),
        allow_headers=",".join(header_lists["allowHeaders"]),
        expose_headers=",".join(header_lists["exposeHeaders"]),
        max_age=str(parse_duration(path, f"{where}.maxAge", max_age)) if max_age is not None else "",
        allow_credentials=bool(credentials),
        forward_not_matching_preflights=unmatched != "IGNORE",  # "the default behavior before envoy 1.30"
    )


def serve(config: IstioConfig, *, host: str, port: int, upstream: str, targets: dict[str, str]) -> None:
    serve_product(EnvoyProxy(config.routes, upstream, targets, server="istio-envoy"),
                  {r.cluster for r in config.routes}, config.path, host, port)
