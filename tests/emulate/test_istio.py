"""Istio VirtualService corsPolicy -> Envoy CORS filter emulator, through a real emulator process.

Sources: envoyproxy/envoy source/extensions/filters/http/cors/cors_filter.cc and
test/extensions/filters/http/cors/cors_filter_integration_test.cc; istio/api
networking/v1alpha3/virtual_service.proto (CorsPolicy); istio/istio route.go TranslateCORSPolicy.
"""

import pytest

from corslab.stack import policy
from corslab.emulate import istio

LAB_CONFIG = "infra/istio/virtualservice.yaml"
APP, ADMIN, EVIL = policy.ALLOWED_ORIGINS[0], policy.ALLOWED_ORIGINS[1], "http://127.0.0.1:4000"

SPEC = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: spec}
spec:
  hosts: ["*"]
  http:
  - name: forward
    match: [{uri: {prefix: /forward}}]
    route: [{destination: {host: api}}]
    corsPolicy:
      allowOrigins: [{exact: "http://localhost:3000"}]
      allowMethods: [GET, POST]
  - name: star
    match: [{uri: {prefix: /star}}]
    route: [{destination: {host: api}}]
    corsPolicy:
      allowOrigins: [{exact: "*"}]
      allowMethods: [GET, POST]
      allowHeaders: [content-type, x-grpc-web]
      allowCredentials: true
  - name: regex
    match: [{uri: {prefix: /regex}}]
    route: [{destination: {host: api}}]
    corsPolicy:
      allowOrigins: [{regex: ".*\\\\.envoyproxy\\\\.io"}]
  - name: prefix
    match: [{uri: {prefix: /prefix}}]
    route: [{destination: {host: api}}]
    corsPolicy:
      allowOrigins: [{prefix: "http://localhost:"}]
  - name: no-cors
    route: [{destination: {host: other.default.svc.cluster.local}}]
"""


@pytest.fixture(scope="module")
def lab(emulator):
    return emulator("istio", LAB_CONFIG)


@pytest.fixture(scope="module")
def spec(emulator, confdir, upstream):
    path = confdir / "spec-vs.yaml"
    path.write_text(SPEC)
    return emulator("istio", path, targets={"other": upstream.url + "/other-backend"})


def cors_headers(headers):
    return [(k, v) for k, v in headers if k.startswith("access-control-")]


# --- the lab's VirtualService ---------------------------------------------------------------------


def test_preflight_is_answered_by_envoy_with_200_and_the_exact_origin(lab, upstream, wire):
    """cors_filter.cc decodeHeaders: local reply :status 200, ACAO = request Origin, configured ACAM/ACAH/ACMA."""
    status, headers, body = wire.preflight(f"{lab}/v1/users", APP, "PUT", "content-type")
    assert status == 200 and body == b""
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "access-control-allow-methods") == "GET,POST,PUT,DELETE"
    assert wire.one(headers, "access-control-allow-headers") == "Content-Type,Authorization,X-Trace-Id"
    assert wire.one(headers, "access-control-max-age") == "600"
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert upstream.paths("OPTIONS") == []


def test_envoy_never_sends_vary(lab, wire):
    """cors_filter.cc: no Vary anywhere, although ACAO depends on the Origin."""
    _, headers, _ = wire.preflight(f"{lab}/v1/users", ADMIN)
    assert wire.values(headers, "vary") == []
    _, headers, _ = wire.send(f"{lab}/v1/users", "GET", {"Origin": ADMIN})
    assert wire.values(headers, "vary") == ["Accept-Encoding"], "only the upstream's own Vary"


def test_ignored_unmatched_preflight_gets_200_without_acao(lab, upstream, wire):
    """unmatchedPreflights: IGNORE -> forward_not_matching_preflights=false: 200, no ACAO, ACAM/ACAC still sent."""
    status, headers, _ = wire.preflight(f"{lab}/v1/users", EVIL)
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") is None
    assert wire.one(headers, "access-control-allow-methods") == "GET,POST,PUT,DELETE"
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert upstream.paths("OPTIONS") == []


def test_actual_response_gets_acao_acac_and_aceh_only(lab, wire):
    """cors_filter.cc encodeHeaders: ACAO, ACAC, ACEH; never ACAM/ACAH/ACMA on actual responses."""
    status, headers, _ = wire.send(f"{lab}/v1/users", "GET", {"Origin": APP})
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert wire.one(headers, "access-control-expose-headers") == "X-Request-Id"
    assert wire.one(headers, "access-control-allow-methods") is None
    assert wire.one(headers, "access-control-max-age") is None


def test_allowed_origin_overwrites_the_upstreams_acao(lab, wire):
    """encodeHeaders uses setInline: one ACAO line, Envoy's."""
    _, headers, _ = wire.send(f"{lab}/v1/users?upstream_cors=1", "GET", {"Origin": APP})
    assert wire.values(headers, "access-control-allow-origin") == [APP]


def test_unmatched_origin_lets_upstream_cors_headers_leak_through(lab, wire):
    """encodeHeaders: 'Origin did not match. Do not modify the response headers.'"""
    _, headers, _ = wire.send(f"{lab}/v1/users?upstream_cors=1", "GET", {"Origin": EVIL})
    assert wire.one(headers, "access-control-allow-origin") == wire.UPSTREAM_ORIGIN
    assert wire.one(headers, "access-control-allow-methods") == "PATCH"
    assert wire.one(headers, "access-control-expose-headers") is None


def test_request_without_origin_gets_no_cors_processing(lab, wire):
    """decodeHeaders: a missing or empty Origin -> Continue, no CORS processing at all."""
    _, headers, _ = wire.send(f"{lab}/v1/users", "GET")
    assert cors_headers(headers) == []
    _, headers, _ = wire.send(f"{lab}/v1/users", "GET", {"Origin": ""})
    assert cors_headers(headers) == []


def test_exact_origin_match_is_case_sensitive(lab, wire):
    """virtual_service.proto StringMatch: exact and prefix are case-sensitive."""
    _, headers, _ = wire.send(f"{lab}/v1/users", "GET", {"Origin": APP.upper()})
    assert wire.one(headers, "access-control-allow-origin") is None


def test_allowed_preflight_also_gets_expose_headers(lab, wire):
    """envoyproxy/envoy source/common/http/filter_manager.cc ActiveStreamDecoderFilter::encodeHeaders: a decoder
    filter's local reply runs the whole encoder chain (encodeHeaders(nullptr, ...)), so cors_filter.cc
    encodeHeaders adds ACEH to the preflight it answered itself; kubernetes-sigs/gateway-api
    conformance/tests/httproute-cors.go "CORS preflight request from an exact matching origin should be
    allowed" expects access-control-expose-headers on the preflight from Envoy-based gateways."""
    status, headers, _ = wire.preflight(f"{lab}/v1/users", APP, "PUT", "content-type")
    assert status == 200
    assert wire.one(headers, "access-control-expose-headers") == "X-Request-Id"
    assert wire.one(headers, "access-control-allow-origin") == APP


def test_ignored_unmatched_preflight_gets_no_expose_headers(lab, wire):
    """cors_filter.cc encodeHeaders returns early when no origin was latched (origin not allowed)."""
    _, headers, _ = wire.preflight(f"{lab}/v1/users", EVIL)
    assert wire.one(headers, "access-control-expose-headers") is None


def test_unreachable_upstream_is_envoys_503_with_cors_headers(emulator, wire):
    """Envoy's router answers a connection failure with 503 text/plain "upstream connect error or
    disconnect/reset before headers. reset reason: connection failure ..." (the message Envoy/Istio users see,
    e.g. istio-proxy "503 ... delayed connect error: 111"); the CORS filter's encodeHeaders still runs on
    that local reply, so an allowed Origin gets ACAO/ACAC on the 503 (cors_filter.cc encodeHeaders)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    base = emulator("istio", LAB_CONFIG, targets={"api": f"http://127.0.0.1:{dead}"})
    status, headers, body = wire.send(f"{base}/v1/users", "GET", {"Origin": APP})
    assert status == 503
    assert body.startswith(b"upstream connect error or disconnect/reset before headers")
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "access-control-allow-credentials") == "true"


def test_envoy_writes_header_names_in_lower_case(lab):
    """envoyproxy/envoy test/extensions/filters/http/cors/cors_filter_integration_test.cc TestRouteConfigSuccess:
    the HTTP/1 response carries "content-length", "access-control-allow-origin", ... - Envoy's codec writes
    every header name in lower case, its own and the upstream's."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(lab)
    for method, headers in (("OPTIONS", {"Origin": APP, "Access-Control-Request-Method": "PUT"}),
                            ("GET", {"Origin": APP})):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.request(method, "/v1/users", headers=headers)
        resp = conn.getresponse()
        resp.read()
        names = [k for k, _ in resp.getheaders()]
        conn.close()
        assert names and all(k == k.lower() for k in names), names
        assert "content-length" in names


def test_every_response_says_server_istio_envoy(lab, wire):
    """Envoy's HTTP connection manager default server_header_transformation OVERWRITE writes its server_name on
    every response, replacing the upstream's (envoyproxy/envoy cors_filter_integration_test.cc expects
    {"server", "envoy"} on the preflight); Istio's proxies name themselves "istio-envoy" (the header Istio users
    see, e.g. on the sidecar's 503 "upstream connect error ...")."""
    for method, headers in (("OPTIONS", {"Origin": APP, "Access-Control-Request-Method": "PUT"}),
                            ("GET", {"Origin": APP}), ("GET", {})):
        _, got, _ = wire.send(f"{lab}/v1/users", method, headers)
        assert wire.values(got, "server") == ["istio-envoy"]
    _, got, _ = wire.send(f"{lab}/nowhere", "GET")
    assert wire.values(got, "server") == ["istio-envoy"]


def test_upstreams_repeated_acao_lines_reach_the_client_as_one_joined_line(lab, wire):
    """envoyproxy/envoy source/common/http/header_map_impl.cc HeaderMapImpl::insertByKey + appendToHeader: the
    CORS headers are inline headers (cors_filter.cc RegisterCustomInlineHeader), and a repeated inline header
    is appended to the first with ","; a disallowed origin leaves the upstream's value otherwise untouched."""
    _, headers, _ = wire.send(f"{lab}/v1/users?dup_acao=1", "GET", {"Origin": EVIL})
    assert wire.values(headers, "access-control-allow-origin") == [f"{wire.UPSTREAM_ORIGIN},*"]
    _, headers, _ = wire.send(f"{lab}/v1/users?dup=1", "GET", {"Origin": EVIL})
    assert wire.values(headers, "x-dup") == ["one", "two"], "other headers keep their lines"


def test_path_outside_the_route_is_envoys_404(lab, upstream, wire):
    """No route matched -> Envoy's local 404 (NR); the request never reaches the API."""
    status, _, _ = wire.send(f"{lab}/other", "GET", {"Origin": APP})
    assert status == 404 and upstream.seen == []


def test_duplicate_response_header_lines_are_kept(lab, wire):
    """A proxy keeps repeated header lines; only names are lower-cased by Envoy's HTTP/1 codec."""
    _, headers, _ = wire.send(f"{lab}/v1/users?dup=1", "GET")
    assert wire.values(headers, "x-dup") == ["one", "two"]


# --- Envoy matchers and defaults ------------------------------------------------------------------


def test_unmatched_preflight_is_forwarded_by_default(spec, upstream, wire):
    """unmatchedPreflights unset -> FORWARD ("the default behavior before envoy 1.30"): upstream answers."""
    status, headers, _ = wire.preflight(f"{spec}/forward?upstream_cors=1", EVIL)
    assert upstream.paths("OPTIONS") == ["/forward?upstream_cors=1"]
    assert wire.one(headers, "access-control-allow-origin") == wire.UPSTREAM_ORIGIN


def test_star_matcher_allows_every_origin_and_reflects_it(spec, wire):
    """Integration test: vhost allow_origin "*" -> access-control-allow-origin: test-origin (never *)."""
    status, headers, _ = wire.preflight(f"{spec}/star", "test-origin", "GET")
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") == "test-origin"
    assert wire.one(headers, "access-control-allow-methods") == "GET,POST"
    assert wire.one(headers, "access-control-allow-headers") == "content-type,x-grpc-web"
    assert wire.one(headers, "content-length") == "0"


def test_star_with_credentials_reflects_origin_and_sends_acac(spec, wire):
    """cors_filter.cc: no check of * with credentials - the Origin is reflected with ACAC: true."""
    _, headers, _ = wire.send(f"{spec}/star", "GET", {"Origin": "http://anything.example"})
    assert wire.one(headers, "access-control-allow-origin") == "http://anything.example"
    assert wire.one(headers, "access-control-allow-credentials") == "true"


@pytest.mark.parametrize("origin,allowed", [
    ("www.envoyproxy.io", True),
    ("https://www.envoyproxy.io", True),
    ("https://www.envoyproxy.io.evil.example", False),
    ("envoyproxy.io", False),
])
def test_regex_matcher_must_match_the_whole_origin(spec, wire, origin, allowed):
    """Integration test: regex .*\\.envoyproxy\\.io reflects www.envoyproxy.io; RE2 safe_regex is a full match."""
    _, headers, _ = wire.send(f"{spec}/regex", "GET", {"Origin": origin})
    assert (wire.one(headers, "access-control-allow-origin") == origin) is allowed


def test_prefix_matcher_allows_any_port(spec, wire):
    """StringMatch prefix: "http://localhost:" matches every port - a typical over-broad allowlist."""
    for origin in ("http://localhost:3000", "http://localhost:9999"):
        _, headers, _ = wire.send(f"{spec}/prefix", "GET", {"Origin": origin})
        assert wire.one(headers, "access-control-allow-origin") == origin
    _, headers, _ = wire.send(f"{spec}/prefix", "GET", {"Origin": "http://localhost.evil.example"})
    assert wire.one(headers, "access-control-allow-origin") is None


def test_route_without_cors_policy_passes_everything_through(spec, upstream, wire):
    """No corsPolicy on the route: the filter does nothing; the destination host picks the --target."""
    status, headers, _ = wire.preflight(f"{spec}/anything", APP)
    assert status == 200 and upstream.paths("OPTIONS") == ["/other-backend/anything"]
    assert cors_headers(headers) == []


# --- istiod's validation ------------------------------------------------------------------------------


def vs(cors: str) -> str:
    return f"""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: bad}}
spec:
  hosts: ["*"]
  http:
  - route: [{{destination: {{host: api}}}}]
    corsPolicy:
{cors}
"""


@pytest.mark.parametrize("cors,message", [
    ("      allowOrigins: [{suffix: .example}]", "allowOrigins[0].suffix: unknown StringMatch kind"),
    ("      allowOrigins: [{regex: '(?!evil).*'}]", "RE2 does not support"),
    ("      allowOrigins: [{regex: '(unclosed'}]", "is not a valid RE2 regex"),
    ("      allowMethods: [FETCH]", "'FETCH' is not a supported HTTP method"),
    ("      maxAge: 1.5s", "accurate only to seconds precision"),
    ("      maxAge: ten", "is not a duration"),
])
def test_istiod_rejects_invalid_cors_policies(confdir, wire, cors, message):
    """istio validation of CorsPolicy: StringMatch kinds, RE2 regexes, HTTP methods, maxAge in seconds."""
    path = confdir / "bad-vs.yaml"
    path.write_text(vs(cors))
    done = wire.cli("istio", str(path), "--port", "0")
    assert done.returncode == 2
    assert message in done.stderr and str(path) in done.stderr and "Traceback" not in done.stderr


def test_maxage_duration_is_whole_seconds():
    """route.go: strconv.FormatInt(MaxAge.GetSeconds()) - "10m" becomes 600, "24h" 86400."""
    assert istio.parse_duration("f", "maxAge", "10m") == 600
    assert istio.parse_duration("f", "maxAge", "24h") == 86400


def test_target_must_name_a_destination(wire):
    """--target NAME=URL names a destination host of the VirtualService; a typo is an error."""
    done = wire.cli("istio", LAB_CONFIG, "--port", "0", "--target", "apy=http://127.0.0.1:1")
    assert done.returncode == 2 and "has no backend named 'apy'" in done.stderr


# --- what the current Istio release accepts -------------------------------------------------------

WILDCARDS = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: wildcards}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: api}}]
    corsPolicy:
      allowOrigins: [{exact: "http://localhost:3000"}]
      allowMethods: ["*"]
      allowHeaders: ["*"]
      exposeHeaders: ["*"]
"""


def test_istio_1_23_accepts_the_wildcard_in_allow_methods_and_allow_headers(emulator, confdir, wire):
    """istio/istio pkg/config/validation/validation.go (Istio 1.23 and later): validateCORSPolicy checks
    methods with validateCORSHTTPMethod (supportedCORSMethods includes "*") and header names with
    ValidateCORSHTTPHeaderName ("*" allowed; istio/istio#52625, cherry-picked to release-1.23).
    Before, "*" was refused as "not a supported HTTP method" - what this emulator did. Envoy's
    cors_filter.cc then echoes Access-Control-Request-Method / -Headers for a "*" list."""
    path = confdir / "wildcards.yaml"
    path.write_text(WILDCARDS)
    url = emulator("istio", path)
    status, headers, _ = wire.preflight(url + "/v1/users", APP, "PATCH", "x-trace-id,content-type")
    assert status == 200
    assert wire.one(headers, "access-control-allow-methods") == "PATCH"
    assert wire.one(headers, "access-control-allow-headers") == "x-trace-id,content-type"
    _, headers, _ = wire.send(url + "/v1/users", headers={"Origin": APP})
    assert wire.one(headers, "access-control-expose-headers") == "*"


HEADERS = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: headers}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: api}}]
    corsPolicy:
      allowOrigins: [{exact: "http://localhost:3000"}]
      allowMethods: [PUT]
      unmatchedPreflights: IGNORE
    headers:
      response:
        add: {vary: Origin}
        remove: [access-control-allow-origin, access-control-allow-credentials, access-control-allow-methods]
"""


def test_route_response_headers_apply_to_upstream_answers_before_the_cors_filter(emulator, confdir, wire):
    """virtual_service.proto Headers.response (add appends, remove drops) becomes the route's
    response_headers_to_add/_remove, which Envoy's router applies (finalizeResponseHeaders) before
    the answer passes back through the CORS filter: the upstream's own CORS headers are gone for a
    refused origin, ours are written after the removal for an allowed one, and Vary is appended."""
    path = confdir / "headers.yaml"
    path.write_text(HEADERS)
    url = emulator("istio", path)
    _, headers, _ = wire.send(url + "/v1/users?upstream_cors=1", headers={"Origin": EVIL})
    assert cors_headers(headers) == []
    assert wire.values(headers, "vary") == ["Accept-Encoding", "Origin"]
    _, headers, _ = wire.send(url + "/v1/users?upstream_cors=1", headers={"Origin": APP})
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "access-control-allow-credentials") is None
    # The preflight Envoy answers itself is a local reply: the route's response headers are not added.
    _, headers, _ = wire.preflight(url + "/v1/users", APP, "PUT")
    assert wire.values(headers, "vary") == []


@pytest.mark.parametrize("ops,message", [
    ("set: {Host: x}", 'invalid header "Host": cannot set Host header'),
    ("remove: [':path']", 'header cannot have ":" prefix'),
    ("add: {x-a: \"a\\nb\"}", "header value configuration"),
    ("append: {x-a: b}", "unknown field; use set, add or remove"),
])
def test_istiod_rejects_invalid_header_operations(confdir, wire, ops, message):
    """pkg/config/validation: ValidateHTTPHeaderOperationName and ValidateHTTPHeaderValue."""
    path = confdir / "bad-headers.yaml"
    path.write_text(f"""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: bad}}
spec:
  hosts: ["*"]
  http:
  - route: [{{destination: {{host: api}}}}]
    headers:
      response:
        {ops}
""")
    done = wire.cli("istio", str(path), "--port", "0")
    assert done.returncode == 2 and message in done.stderr, done.stderr
