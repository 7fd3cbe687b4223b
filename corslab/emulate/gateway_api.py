"""Kubernetes Gateway API ``HTTPRoute`` with the ``CORS`` filter (GEP-1767), as Envoy Gateway runs it.

Follows: Gateway API v1.5 standard channel (the CORS filter's CRD validation, ``HTTPHeaderFilter``
for Request/ResponseHeaderModifier: at most 16 entries, names unique case-insensitively, values
1-4096 characters) and current Envoy Gateway (wildcard methods/headers since envoyproxy/gateway#4168,
v1.2; ``forward_not_matching_preflights: false``). Header modifiers become the route's headers to
add/remove, applied by Envoy's router before its CORS filter writes its headers.

Sources: GEP-1767 (kubernetes-sigs/gateway-api ``geps/gep-1767/index.md``), the ``HTTPCORSFilter``
type in ``apis/v1/httproute_types.go`` (fields, defaults, CEL rules), the conformance tests
``conformance/tests/httproute-cors.go`` and ``cors-allow-credentials-behavior.go``, and Envoy
Gateway's translation (``internal/gatewayapi/filters.go`` processCORSFilter,
``internal/xds/translator/cors.go``).

Where the GEP leaves a choice, this emulator makes Envoy Gateway's, because that is what a learner
meets in a cluster:
- a wildcard origin (``*`` alone, or ``https://*.example.com``) becomes a full-match regex with
  ``.`` escaped and ``*`` -> ``.*`` (so ``*`` matches any number of labels, and ``https://*.b.com``
  does not match ``https://b.com``); other origins are compared exactly (no port normalisation);
- an allowed Origin is always echoed (never ``*``), with or without credentials;
- ``allowMethods: ["*"]`` / ``allowHeaders: ["*"]`` echo the request's ACRM / ACRH;
- preflights are answered at the gateway with **200** (GEP: 200 or 204); a preflight from another
  origin is also answered there (``forward_not_matching_preflights: false``, set by
  internal/xds/translator/cors.go in current Envoy Gateway; an older stored version of that file
  does not set it, so Envoy's default (forward upstream) applied - UNVERIFIED which release
  changed it): 200 without ACAO;
- ``maxAge`` defaults to 5 (CRD default), so ACMA is always sent; ``allowCredentials`` defaults to
  false and then ACAC is never sent;
- ACEH on actual responses *and* on an allowed preflight (Envoy's local reply runs the CORS
  filter's encodeHeaders; httproute-cors.go expects it on the preflight);
- no ``Vary`` (Envoy never adds it); ACAM/ACAH/ACMA only on preflights; a disallowed origin's
  actual response is passed through untouched (upstream CORS headers leak);
- ``exposeHeaders: ["*"]`` is sent as ``*`` even with credentials - Envoy Gateway's behaviour,
  although the GEP says a gateway "cannot use the ``*``" then.

Config checks are the CRD's: CORSOrigin pattern, ``*`` not alongside other entries (origins,
methods, headers - the allowHeaders rule, with its "other methods" wording, is in some releases'
CRDs and not in others' httproute_types.go: UNVERIFIED which), the method enum, header-name pattern, list sizes, ``maxAge >= 1``, one CORS
filter per rule. What it does not model: Gateways, listeners and hostnames (every HTTPRoute is
attached), header/query matches, other filters, weights (the first backendRef is used), the
route status conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corslab.emulate.istio import EnvoyCorsPolicy, EnvoyProxy, EnvoyRoute, HeaderOps, StringMatcher
from corslab.emulate.proxy import Request, config_error, expect, manifests, serve_product

METHODS_WITH_WILDCARD = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*")
#: The CRD's pattern for CORSOrigin (standard channel v1.5).
CORS_ORIGIN = re.compile(r"(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")
CORS_FIELDS = {"allowOrigins", "allowCredentials", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge"}


@dataclass
class GatewayApiConfig:
    path: str
    routes: list[EnvoyRoute]


def load(path: str) -> GatewayApiConfig:
    """Read the HTTPRoute(s) of a manifest, check them as the CRD would, translate like Envoy Gateway."""
    routes = []
    for _, spec in manifests(path, "HTTPRoute", "gateway.networking.k8s.io"):
        rules = expect(path, "spec.rules", spec.get("rules") or [{}], list, "a list")
        for i, rule in enumerate(rules):
            routes.extend(_rule(path, f"spec.rules[{i}]", expect(path, f"spec.rules[{i}]", rule, dict, "a mapping")))
    # Gateway API precedence: Exact path, then the longest prefix, then a method match; then list order.
    routes.sort(key=lambda r: r.priority)
    return GatewayApiConfig(path, routes)


def _rule(path: str, where: str, rule: dict) -> list[EnvoyRoute]:
    cors = None
    modifiers = {}
    filters = expect(path, f"{where}.filters", rule.get("filters") or [], list, "a list")
    for kind in ("CORS", "RequestHeaderModifier", "ResponseHeaderModifier"):
        if sum(1 for f in filters if isinstance(f, dict) and f.get("type") == kind) > 1:
            raise config_error(path, f"{where}.filters", f"{kind} filter cannot be repeated")
    for k, flt in enumerate(filters):
        expect(path, f"{where}.filters[{k}]", flt, dict, "a mapping with type")
        kind = flt.get("type")
        if kind == "CORS":
            cors = cors_policy(path, f"{where}.filters[{k}].cors", flt.get("cors"))
        elif kind in ("RequestHeaderModifier", "ResponseHeaderModifier"):
            field = kind[0].lower() + kind[1:]
            modifiers[kind] = header_modifier(path, f"{where}.filters[{k}].{field}", flt.get(field))
        else:
            raise config_error(path, f"{where}.filters[{k}].type",
                               f"{kind!r} is not emulated here (only CORS, RequestHeaderModifier, ResponseHeaderModifier)")
    refs = expect(path, f"{where}.backendRefs", rule.get("backendRefs") or [], list, "a list")
    if not refs or not isinstance(refs[0], dict) or not refs[0].get("name"):
        raise config_error(path, f"{where}.backendRefs", "needs a backend (backendRefs: [{name: api, port: 8095}])")
    backend = str(refs[0]["name"])
    out = []
    for j, match in enumerate(rule.get("matches") or [{}]):
        matcher, priority = _match(path, f"{where}.matches[{j}]", match)
        out.append(EnvoyRoute(f"{where}.matches[{j}]", matcher, backend, cors, priority,
                              modifiers.get("RequestHeaderModifier"), modifiers.get("ResponseHeaderModifier")))
    return out


def header_modifier(path: str, where: str, spec) -> HeaderOps:
    """HTTPHeaderFilter (apis/v1/shared_types.go): ``set`` and ``add`` are lists of {name, value}
    (at most 16, names unique case-insensitively), ``remove`` a list of names (at most 16).
    Envoy Gateway turns it into the route's headers to add (append or overwrite) and to remove."""
    expect(path, where, spec, dict, "a mapping with set, add or remove")
    for key in spec:
        if key not in ("set", "add", "remove"):
            raise config_error(path, f"{where}.{key}", "unknown field; use set, add or remove")
    pairs = {}
    for key in ("set", "add"):
        items = expect(path, f"{where}.{key}", spec.get(key) or [], list, "a list of {name, value}")
        if len(items) > 16:
            raise config_error(path, f"{where}.{key}", "must have at most 16 items")
        seen = set()
        out = []
        for k, item in enumerate(items):
            expect(path, f"{where}.{key}[{k}]", item, dict, "a mapping {name, value}")
            name, value = item.get("name"), item.get("value")
            if not isinstance(name, str) or not HEADER_NAME.match(name) or len(name) > 256:
                raise config_error(path, f"{where}.{key}[{k}].name", f"{name!r} is not a valid header name")
            if not isinstance(value, str) or not 1 <= len(value) <= 4096:
                raise config_error(path, f"{where}.{key}[{k}].value", "must be a string of 1 to 4096 characters")
            if name.lower() in seen:
                raise config_error(path, f"{where}.{key}", f"Duplicate value: {name!r} (names are case-insensitive)")
            seen.add(name.lower())
            out.append((name, value))
        pairs[key] = tuple(out)
    remove = expect(path, f"{where}.remove", spec.get("remove") or [], list, "a list of header names")
    if len(remove) > 16:
        raise config_error(path, f"{where}.remove", "must have at most 16 items")
    for k, name in enumerate(remove):
        if not isinstance(name, str) or not HEADER_NAME.match(name):
            raise config_error(path, f"{where}.remove[{k}]", f"{name!r} is not a valid header name")
    return HeaderOps(pairs["set"], pairs["add"], tuple(remove))


def _match(path: str, where: str, match) -> tuple:
    expect(path, where, match, dict, "a mapping")
    for key in match:
        if key not in ("path", "method"):
            raise config_error(path, f"{where}.{key}", "is not emulated here (only path and method)")
    p = match.get("path") or {"type": "PathPrefix", "value": "/"}
    kind, value = p.get("type", "PathPrefix"), str(p.get("value", "/"))
    if kind not in ("PathPrefix", "Exact", "RegularExpression"):
        raise config_error(path, f"{where}.path.type", "must be PathPrefix, Exact or RegularExpression")
    if kind != "RegularExpression" and not value.startswith("/"):
        raise config_error(path, f"{where}.path.value", "must start with /")
    method = match.get("method")
    if method is not None and method not in METHODS_WITH_WILDCARD[:-1]:
        raise config_error(path, f"{where}.method", f"{method!r} is not an HTTP method of the enum")

    def path_ok(req: Request) -> bool:
        if kind == "Exact":
            return req.path == value
        if kind == "RegularExpression":
            return re.fullmatch(value, req.path) is not None
        prefix = value.rstrip("/")  # PathPrefix matches whole path elements: /abc matches /abc/d, not /abcd
        return not prefix or req.path == prefix or req.path.startswith(prefix + "/")

    rank = {"Exact": 0, "PathPrefix": 1, "RegularExpression": 2}[kind]
    return (lambda req: path_ok(req) and (method is None or req.method == method)), \
        (rank, -len(value), method is None)


def wildcard_to_regex(origin: str) -> str:
    """Envoy Gateway's wildcard2regex: escape dots, then * -> .*"""
    return origin.replace(".", "\\.").replace("*", ".*")


def cors_policy(path: str, where: str, cors) -> EnvoyCorsPolicy:
    """HTTPCORSFilter -> Envoy CorsPolicy, after the CRD's validation."""
    expect(path, where, cors, dict, "a mapping (cors: {allowOrigins: [...]})")
    for key in cors:
        if key not in CORS_FIELDS:
            raise config_error(path, f"{where}.{key}", "unknown field of HTTPCORSFilter")
    lists = {}
    for key, limit in (("allowOrigins", 64), ("allowMethods", 9), ("allowHeaders", 64), ("exposeHeaders", 64)):
        items = expect(path, f"{where}.{key}", cors.get(key) or [], list, "a list")
        if len(items) > limit:
            raise config_error(path, f"{where}.{key}", f"must have at most {limit} items")
        if len(set(map(str, items))) != len(items):
            raise config_error(path, f"{where}.{key}", "has a duplicate entry (the list is a set)")
        if "*" in items and len(items) > 1 and key != "exposeHeaders":
            what = {"allowOrigins": "origins", "allowMethods": "methods"}.get(key, "methods")  # CRD message wording
            raise config_error(path, f"{where}.{key}", f"{key[0].upper() + key[1:]} cannot contain '*' alongside other {what}")
        lists[key] = [str(i) for i in items]
    for k, origin in enumerate(lists["allowOrigins"]):
        if not CORS_ORIGIN.search(origin) or len(origin) > 253:
            raise config_error(path, f"{where}.allowOrigins[{k}]",
                               f"{origin!r} is not an origin like https://app.example, https://*.example or *")
    for k, method in enumerate(lists["allowMethods"]):
        if method not in METHODS_WITH_WILDCARD:
            raise config_error(path, f"{where}.allowMethods[{k}]", f"must be one of {', '.join(METHODS_WITH_WILDCARD)}")
    for key in ("allowHeaders", "exposeHeaders"):
        for k, name in enumerate(lists[key]):
            if not HEADER_NAME.match(name):
                raise config_error(path, f"{where}.{key}[{k}]", f"{name!r} is not a valid header name")
    max_age = cors.get("maxAge", 5)  # +kubebuilder:default=5
    expect(path, f"{where}.maxAge", max_age, int, "a whole number of seconds")
    if max_age < 1:
        raise config_error(path, f"{where}.maxAge", "must be at least 1")
    credentials = cors.get("allowCredentials", False)
    expect(path, f"{where}.allowCredentials", credentials, bool, "true or false")
    matchers = [StringMatcher("regex", wildcard_to_regex(o)) if "*" in o else StringMatcher("exact", o)
                for o in lists["allowOrigins"]]
    return EnvoyCorsPolicy(
        allow_origins=matchers,
        allow_methods="*" if "*" in lists["allowMethods"] else ", ".join(lists["allowMethods"]),
        allow_headers="*" if "*" in lists["allowHeaders"] else ", ".join(lists["allowHeaders"]),
        expose_headers=", ".join(lists["exposeHeaders"]),
        max_age=str(max_age),
        allow_credentials=credentials,
        forward_not_matching_preflights=False,
    )


def serve(config: GatewayApiConfig, *, host: str, port: int, upstream: str, targets: dict[str, str]) -> None:
    serve_product(EnvoyProxy(config.routes, upstream, targets), {r.cluster for r in config.routes}, config.path,
                  host, port)
