"""Gateway API HTTPRoute CORS filter (GEP-1767) emulator, through a real emulator process.

Sources: kubernetes-sigs/gateway-api geps/gep-1767/index.md, apis/v1/httproute_types.go
(HTTPCORSFilter), conformance/tests/httproute-cors.go and cors-allow-credentials-behavior.go; Envoy
Gateway internal/gatewayapi/filters.go (processCORSFilter, wildcard2regex) and
internal/xds/translator/cors.go. Each conformance case below keeps the test case's name.
"""

import pytest

from corslab.stack import topology

ROUTES = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cors-multiple-origins-methods-headers}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /cors-1}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
    filters:
    - type: CORS
      cors:
        allowOrigins: ["https://www.foo.com", "https://*.bar.com"]
        allowMethods: [GET, OPTIONS]
        allowHeaders: [x-header-1, x-header-2]
        exposeHeaders: [x-header-3, x-header-4]
        allowCredentials: true
        maxAge: 3600
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cors-wildcard-methods}
spec:
  rules:
  - matches: [{path: {type: PathPrefix, value: /cors-2}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
    filters:
    - type: CORS
      cors:
        allowOrigins: ["https://www.foo.com"]
        allowMethods: ["*"]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cors-wildcard-origin}
spec:
  rules:
  - matches: [{path: {type: PathPrefix, value: /cors-wildcard-origin}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
    filters:
    - type: CORS
      cors:
        allowOrigins: ["*"]
        allowMethods: ["*"]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cors-wildcard-methods-headers}
spec:
  rules:
  - matches: [{path: {type: PathPrefix, value: /cors-wildcard-methods-headers}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
    filters:
    - type: CORS
      cors:
        allowOrigins: ["https://*.foo.com"]
        allowMethods: ["*"]
        allowHeaders: ["*"]
        allowCredentials: true
  - matches: [{path: {type: PathPrefix, value: /cors-wildcard-methods-headers-unauth}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
    filters:
    - type: CORS
      cors:
        allowOrigins: ["https://*.foo.com"]
        allowMethods: ["*"]
        allowHeaders: ["*"]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cors-allow-credentials}
spec:
  rules:
  - matches: [{path: {type: PathPrefix, value: /cors-behavior-creds-false}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
    filters:
    - type: CORS
      cors: {allowOrigins: ["https://app.example"], allowCredentials: false}
  - matches: [{path: {type: PathPrefix, value: /cors-behavior-creds-true}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
    filters:
    - type: CORS
      cors: {allowOrigins: ["https://app.example"], allowCredentials: true}
  - matches: [{path: {type: PathPrefix, value: /star-creds}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
    filters:
    - type: CORS
      cors: {allowOrigins: ["*"], allowCredentials: true}
"""

CREDENTIALS = {"Cookie": "sid=abc123", "Authorization": "Bearer test"}


@pytest.fixture(scope="module")
def gw(emulator, confdir):
    path = confdir / "httproutes.yaml"
    path.write_text(ROUTES)
    return emulator("gateway-api", path)


def squash(value):
    """The conformance suite's IgnoreWhitespace: some implementations add a space after commas."""
    return None if value is None else value.replace(" ", "")


def test_cors_preflight_request_from_an_exact_matching_origin_should_be_allowed(gw, upstream, wire):
    """httproute-cors.go: status 200/204; ACAO, ACAM, ACAH from the config; ACMA 3600; ACAC true."""
    status, headers, _ = wire.preflight(f"{gw}/cors-1", "https://www.foo.com", "GET", "x-header-1, x-header-2")
    assert status in (200, 204)
    assert wire.one(headers, "access-control-allow-origin") == "https://www.foo.com"
    assert squash(wire.one(headers, "access-control-allow-methods")) in ("GET,OPTIONS", "OPTIONS,GET")
    assert squash(wire.one(headers, "access-control-allow-headers")) in ("x-header-1,x-header-2", "x-header-2,x-header-1")
    assert wire.one(headers, "access-control-max-age") == "3600"
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert upstream.paths("OPTIONS") == [], "GEP-1767: the gateway answers the preflight directly"


def test_preflight_carries_the_expose_headers(gw, wire):
    """kubernetes-sigs/gateway-api conformance/tests/httproute-cors.go, "CORS preflight request from an exact
    matching origin should be allowed": access-control-expose-headers x-header-3, x-header-4 on the preflight.
    Envoy's local reply runs its encoder chain, so cors_filter.cc encodeHeaders adds ACEH there too
    (envoyproxy/envoy source/common/http/filter_manager.cc ActiveStreamDecoderFilter::encodeHeaders)."""
    _, headers, _ = wire.preflight(f"{gw}/cors-1", "https://www.foo.com", "GET", "x-header-1, x-header-2")
    assert squash(wire.one(headers, "access-control-expose-headers")) in ("x-header-3,x-header-4", "x-header-4,x-header-3")
    _, headers, _ = wire.preflight(f"{gw}/cors-1", "https://foobar.com", "GET")
    assert wire.one(headers, "access-control-expose-headers") is None, "no latched origin: encodeHeaders adds nothing"


def test_envoy_says_server_envoy_on_every_response(gw, wire):
    """envoyproxy/envoy test/extensions/filters/http/cors/cors_filter_integration_test.cc: {"server", "envoy"}
    on the preflight and on proxied responses (HTTP connection manager server_name default "envoy",
    server_header_transformation OVERWRITE replaces the upstream's Server header)."""
    _, headers, _ = wire.preflight(f"{gw}/cors-1", "https://www.foo.com", "GET")
    assert wire.values(headers, "server") == ["envoy"]
    _, headers, _ = wire.send(f"{gw}/cors-1", "GET", {"Origin": "https://www.foo.com"})
    assert wire.values(headers, "server") == ["envoy"]


@pytest.mark.parametrize("origin", ["https://www.bar.com", "https://xpto.www.bar.com"])
def test_cors_preflight_request_from_a_wildcard_matching_origin_should_be_allowed(gw, wire, origin):
    """httproute-cors.go: https://*.bar.com matches www.bar.com and any number of labels (xpto.www.bar.com)."""
    status, headers, _ = wire.preflight(f"{gw}/cors-1", origin, "GET", "x-header-1, x-header-2")
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") == origin


def test_wildcard_origin_does_not_match_the_bare_domain(gw, wire):
    """Envoy Gateway wildcard2regex: https://.*\\.bar\\.com needs at least a dot before bar.com."""
    _, headers, _ = wire.preflight(f"{gw}/cors-1", "https://bar.com", "GET")
    assert wire.one(headers, "access-control-allow-origin") is None


def test_cors_preflight_request_from_a_non_matching_origin_should_not_be_allowed(gw, upstream, wire):
    """httproute-cors.go: status 200/204/403 and no ACAO; Envoy Gateway answers it itself (200)."""
    status, headers, _ = wire.preflight(f"{gw}/cors-1", "https://foobar.com", "GET")
    assert status in (200, 204, 403)
    assert wire.one(headers, "access-control-allow-origin") is None
    assert upstream.paths("OPTIONS") == []


def test_simple_request_from_an_exact_matching_origin_should_be_allowed(gw, wire):
    """httproute-cors.go: GET from https://www.foo.com -> ACAO https://www.foo.com."""
    status, headers, _ = wire.send(f"{gw}/cors-1", "GET", {"Origin": "https://www.foo.com"})
    assert status in (200, 204)
    assert wire.one(headers, "access-control-allow-origin") == "https://www.foo.com"
    assert squash(wire.one(headers, "access-control-expose-headers")) == "x-header-3,x-header-4"


def test_simple_request_from_a_wildcard_matching_origin_should_be_allowed(gw, wire):
    """httproute-cors.go: GET from https://www.bar.com -> ACAO https://www.bar.com."""
    _, headers, _ = wire.send(f"{gw}/cors-1", "GET", {"Origin": "https://www.bar.com"})
    assert wire.one(headers, "access-control-allow-origin") == "https://www.bar.com"


def test_simple_request_from_a_non_matching_origin_should_not_be_allowed(gw, wire):
    """httproute-cors.go: no ACAO for https://foobar.com."""
    _, headers, _ = wire.send(f"{gw}/cors-1", "GET", {"Origin": "https://foobar.com"})
    assert wire.one(headers, "access-control-allow-origin") is None


def test_cors_preflight_request_with_post_method_should_be_allowed_by_allowmethods_with_wildcard(gw, wire):
    """httproute-cors.go: allowMethods ["*"] -> ACAM "POST" or "*"; no ACAC without allowCredentials."""
    status, headers, _ = wire.preflight(f"{gw}/cors-2", "https://www.foo.com", "POST")
    assert status in (200, 204)
    assert wire.one(headers, "access-control-allow-methods") in ("POST", "*")
    assert wire.one(headers, "access-control-allow-origin") == "https://www.foo.com"
    assert wire.one(headers, "access-control-allow-credentials") is None


def test_preflight_from_a_wildcard_origin_returns_star_or_the_requested_origin(gw, wire):
    """httproute-cors.go: allowOrigins ["*"]: ACAO "*" or the Origin (Envoy reflects); ACAM PUT; no ACAC."""
    for origin in ("https://foobar.com", "https://foobar.com:12345"):
        status, headers, _ = wire.preflight(f"{gw}/cors-wildcard-origin", origin, "PUT")
        assert status in (200, 204)
        assert wire.one(headers, "access-control-allow-origin") in (origin, "*")
        assert wire.one(headers, "access-control-allow-methods") == "PUT"
        assert wire.one(headers, "access-control-allow-credentials") is None


def test_request_from_a_wildcard_origin_returns_star_or_the_requested_origin(gw, wire):
    """httproute-cors.go: PUT from https://foobar.com:12345 -> 200 and ACAO "*" or the Origin."""
    status, headers, _ = wire.send(f"{gw}/cors-wildcard-origin", "PUT", {"Origin": "https://foobar.com:12345"})
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") in ("https://foobar.com:12345", "*")
    assert wire.one(headers, "access-control-allow-credentials") is None


def test_preflight_requesting_auth_with_wildcard_methods_and_headers_echoes_everything(gw, wire):
    """httproute-cors.go: with allowCredentials, "*" must become the Origin, the ACRM and the ACRH."""
    status, headers, _ = wire.preflight(f"{gw}/cors-wildcard-methods-headers", "https://other.foo.com", "PUT",
                                        "x-header-1, x-header-2")
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") == "https://other.foo.com"
    assert wire.one(headers, "access-control-allow-methods") == "PUT"
    assert squash(wire.one(headers, "access-control-allow-headers")) == "x-header-1,x-header-2"
    assert wire.one(headers, "access-control-allow-credentials") == "true"


def test_preflight_on_the_unauth_path_hides_acac(gw, wire):
    """httproute-cors.go: ...should hide auth headers on unauth path: no ACAC; values echoed or "*"."""
    _, headers, _ = wire.preflight(f"{gw}/cors-wildcard-methods-headers-unauth", "https://other.foo.com", "PUT",
                                   "x-header-1, x-header-2")
    assert wire.one(headers, "access-control-allow-origin") in ("https://other.foo.com", "*")
    assert wire.one(headers, "access-control-allow-methods") in ("PUT", "*")
    assert wire.one(headers, "access-control-allow-credentials") is None


def test_simple_request_with_credentials_is_allowed_and_echoes_the_origin(gw, wire):
    """httproute-cors.go: GET with Authorization -> ACAO https://other.foo.com and ACAC true."""
    status, headers, _ = wire.send(f"{gw}/cors-wildcard-methods-headers", "GET",
                                   {"Origin": "https://other.foo.com", "Authorization": "Bearer test"})
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") == "https://other.foo.com"
    assert wire.one(headers, "access-control-allow-credentials") == "true"


def test_simple_request_with_credentials_hides_acac_on_the_unauth_path(gw, wire):
    """httproute-cors.go: the origin is still echoed, ACAC absent."""
    _, headers, _ = wire.send(f"{gw}/cors-wildcard-methods-headers-unauth", "GET",
                              {"Origin": "https://other.foo.com", "Authorization": "Bearer test"})
    assert wire.one(headers, "access-control-allow-origin") == "https://other.foo.com"
    assert wire.one(headers, "access-control-allow-credentials") is None


@pytest.mark.parametrize("path,acac", [("/cors-behavior-creds-false", None), ("/cors-behavior-creds-true", "true")])
def test_cors_allow_credentials_behavior(gw, wire, path, acac):
    """cors-allow-credentials-behavior.go: ACAC only when allowCredentials is true (GEP-1767 matrix)."""
    headers = {"Origin": "https://app.example", **CREDENTIALS}
    status, got, _ = wire.send(f"{gw}{path}", "GET", headers)
    assert status == 200
    assert wire.one(got, "access-control-allow-credentials") == acac
    if acac:
        assert wire.one(got, "access-control-allow-origin") == "https://app.example"


def test_max_age_defaults_to_5_seconds(gw, wire):
    """GEP-1767 MaxAge: "When the MaxAge field is unspecified, the gateway sets Access-Control-Max-Age: 5"."""
    _, headers, _ = wire.preflight(f"{gw}/cors-2", "https://www.foo.com", "POST")
    assert wire.one(headers, "access-control-max-age") == "5"


def test_no_vary_and_upstream_cors_headers_leak_for_other_origins(gw, wire):
    """Envoy Gateway programs Envoy's CORS filter: no Vary, and a non-matching origin's response is untouched."""
    _, headers, _ = wire.send(f"{gw}/cors-1?upstream_cors=1", "GET", {"Origin": "https://foobar.com"})
    assert wire.one(headers, "access-control-allow-origin") == wire.UPSTREAM_ORIGIN
    assert "origin" not in [v.lower() for v in wire.values(headers, "vary")]


def test_path_prefix_matches_whole_path_elements(gw, upstream, wire):
    """httproute_types.go PathPrefix: /cors-1 matches /cors-1/x but not /cors-1x (-> 404, no backend)."""
    assert wire.send(f"{gw}/cors-1/x", "GET")[0] == 200
    assert wire.send(f"{gw}/cors-1x", "GET")[0] == 404
    assert upstream.paths() == ["/cors-1/x"]


def route_with(cors: str) -> str:
    return f"""
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: bad}}
spec:
  rules:
  - backendRefs: [{{name: api, port: 8095}}]
    filters:
{cors}
"""


@pytest.mark.parametrize("filters,message", [
    ("    - {type: CORS, cors: {allowOrigins: ['*', 'https://a.example']}}",
     "AllowOrigins cannot contain '*' alongside other origins"),
    ("    - {type: CORS, cors: {allowMethods: ['*', GET]}}", "AllowMethods cannot contain '*' alongside other methods"),
    ("    - {type: CORS, cors: {allowOrigins: ['localhost:3000']}}", "is not an origin like"),
    ("    - {type: CORS, cors: {allowMethods: [FETCH]}}", "allowMethods[0]: must be one of"),
    ("    - {type: CORS, cors: {maxAge: 0}}", "maxAge: must be at least 1"),
    ("    - {type: CORS, cors: {}}\n    - {type: CORS, cors: {}}", "CORS filter cannot be repeated"),
])
def test_crd_validation_rejects_invalid_cors_filters(confdir, wire, filters, message):
    """httproute_types.go: CEL rules and kubebuilder patterns of HTTPCORSFilter, and one CORS filter per rule."""
    path = confdir / "bad-route.yaml"
    path.write_text(route_with(filters))
    done = wire.cli("gateway-api", str(path), "--port", "0")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_the_labs_httproute_runs_in_the_emulator(emulator, upstream, wire):
    """infra/k8s/httproute.yaml (method 3's Gateway API form): preflight at the gateway, 200, the lab's values."""
    url = emulator("gateway-api", "infra/k8s/httproute.yaml")
    status, headers, _ = wire.preflight(f"{url}/v1/users", topology.ADMIN_ORIGIN, "PUT", "content-type")
    assert status == 200 and upstream.paths("OPTIONS") == []
    assert wire.one(headers, "access-control-allow-origin") == topology.ADMIN_ORIGIN
    assert wire.one(headers, "access-control-allow-methods") == "GET, POST, PUT, DELETE"
    assert wire.one(headers, "access-control-max-age") == "600"
    status, headers, _ = wire.preflight(f"{url}/v1/users", topology.UNTRUSTED_ORIGIN)
    assert status == 200 and wire.one(headers, "access-control-allow-origin") is None


def test_star_origin_with_credentials_returns_the_single_requesting_origin(gw, wire):
    """GEP-1767 AllowOrigins: with "*" and allowCredentials true the gateway must return the request's Origin."""
    _, headers, _ = wire.send(f"{gw}/star-creds", "GET", {"Origin": "https://any.example", **CREDENTIALS})
    assert wire.one(headers, "access-control-allow-origin") == "https://any.example"
    assert wire.one(headers, "access-control-allow-credentials") == "true"


def test_allowed_origin_overrides_the_upstreams_cors_headers(gw, wire):
    """Envoy's encodeHeaders sets ACAO/ACAC/ACEH over the backend's; headers it does not set pass through."""
    _, headers, _ = wire.send(f"{gw}/cors-1?upstream_cors=1", "GET", {"Origin": "https://www.foo.com"})
    assert wire.values(headers, "access-control-allow-origin") == ["https://www.foo.com"]
    assert wire.one(headers, "access-control-allow-methods") == "PATCH"


def test_request_without_origin_is_not_a_cors_request(gw, upstream, wire):
    """No Origin: no CORS processing (GEP-1767: a CORS request is one with an Origin header)."""
    status, headers, _ = wire.send(f"{gw}/cors-1", "OPTIONS", {"Access-Control-Request-Method": "GET"})
    assert status == 200 and upstream.paths("OPTIONS") == ["/cors-1"]
    assert [k for k, _ in headers if k.startswith("access-control-")] == []


# --- HTTPRoute header modifiers (used by `generate gateway-api` for Vary and the upstream's CORS headers)

MODIFIED = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: modified}
spec:
  rules:
  - backendRefs: [{name: api, port: 8095}]
    filters:
    - type: CORS
      cors: {allowOrigins: ["http://localhost:3000"], allowMethods: [PUT]}
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        add: [{name: Vary, value: Origin}]
        remove: [Access-Control-Allow-Origin, Access-Control-Allow-Credentials]
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-From-Gateway, value: "yes"}]
"""


def test_header_modifiers_change_the_route_and_the_cors_filter_writes_after_them(emulator, confdir, upstream, wire):
    """apis/v1/httproute_types.go HTTPHeaderFilter; Envoy Gateway turns Request/ResponseHeaderModifier
    into the route's headers to add/remove, which Envoy's router applies before the answer goes back
    through the CORS filter: a refused origin sees none of the upstream's CORS headers, an allowed
    one sees the filter's ACAO, and Vary: Origin is appended to the upstream's Vary."""
    path = confdir / "modified.yaml"
    path.write_text(MODIFIED)
    url = emulator("gateway-api", path)
    _, headers, _ = wire.send(url + "/v1/users?upstream_cors=1", headers={"Origin": "http://evil.example"})
    assert wire.values(headers, "access-control-allow-origin") == []
    assert wire.values(headers, "access-control-allow-credentials") == []
    assert wire.values(headers, "vary") == ["Accept-Encoding", "Origin"]
    _, headers, _ = wire.send(url + "/v1/users?upstream_cors=1", headers={"Origin": "http://localhost:3000"})
    assert wire.one(headers, "access-control-allow-origin") == "http://localhost:3000"
    sent = upstream.seen[-1]["headers"]
    assert ["x-from-gateway", "yes"] in sent


@pytest.mark.parametrize("modifier,message", [
    ("add: [{name: Vary, value: a}, {name: vary, value: b}]", "Duplicate value"),
    ("remove: ['bad name']", "is not a valid header name"),
    ("add: [{name: X-A, value: ''}]", "1 to 4096 characters"),
    ("append: []", "unknown field; use set, add or remove"),
])
def test_the_crd_rejects_invalid_header_modifiers(confdir, wire, modifier, message):
    """HTTPHeaderFilter validation (shared_types.go): unique names, the header-name pattern, value length."""
    path = confdir / "bad-modifier.yaml"
    path.write_text(f"""
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: bad}}
spec:
  rules:
  - backendRefs: [{{name: api, port: 8095}}]
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        {modifier}
""")
    done = wire.cli("gateway-api", str(path), "--port", "0")
    assert done.returncode == 2 and message in done.stderr, done.stderr
