"""API Gateway HTTP API CorsConfiguration emulator, through a real emulator process.

Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html, the
apigatewayv2 API model, aws/aws-cdk issue #9076 for the 400 message.
Tests marked UNVERIFIED pin the emulator's documented choice where AWS's docs are silent.
"""

import json

import pytest

from corslab.stack import policy

LAB_CONFIG = "infra/aws/apigw-http.json"
APP, ADMIN, EVIL = policy.ALLOWED_ORIGINS[0], policy.ALLOWED_ORIGINS[1], "http://127.0.0.1:4000"


@pytest.fixture(scope="module")
def lab(emulator):
    return emulator("apigw-http", LAB_CONFIG)


@pytest.fixture(scope="module")
def wild(emulator, confdir):
    path = confdir / "apigw-wild.json"
    path.write_text(json.dumps({"CorsConfiguration": {"AllowOrigins": ["https://*"], "AllowMethods": ["GET"]}}))
    star = confdir / "apigw-star.json"
    star.write_text(json.dumps({"CorsConfiguration": {"AllowOrigins": ["*"]}}))
    none = confdir / "apigw-none.json"
    none.write_text(json.dumps({"Name": "no-cors", "ProtocolType": "HTTP"}))
    return {"https": emulator("apigw-http", path), "star": emulator("apigw-http", star),
            "none": emulator("apigw-http", none)}


def cors(headers):
    return {k: v for k, v in headers if k.startswith("access-control-")}


def test_preflight_is_answered_by_api_gateway_without_an_options_route(lab, upstream, wire):
    """http-api-cors.html: "API Gateway automatically sends a response to preflight OPTIONS requests"."""
    status, headers, body = wire.preflight(f"{lab}/v1/users", APP, "PUT", "content-type")
    assert upstream.paths("OPTIONS") == []
    assert status == 204 and body == b""  # UNVERIFIED: the status is not documented (emulators use 204)
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "access-control-allow-methods") == "GET,POST,PUT,DELETE"
    assert wire.one(headers, "access-control-allow-headers") == "Content-Type,Authorization,X-Trace-Id"
    assert wire.one(headers, "access-control-max-age") == "600"
    assert wire.one(headers, "access-control-allow-credentials") == "true"


def test_both_listed_origins_are_allowed(lab, wire):
    """AllowOrigins is a real list: each listed origin is answered with itself."""
    for origin in (APP, ADMIN):
        _, headers, _ = wire.send(f"{lab}/v1/users", "GET", {"Origin": origin})
        assert wire.one(headers, "access-control-allow-origin") == origin


def test_backend_cors_headers_are_ignored(lab, wire):
    """http-api-cors.html: "API Gateway ignores CORS headers returned from your backend integration"."""
    _, headers, _ = wire.send(f"{lab}/v1/users?upstream_cors=1", "GET", {"Origin": APP})
    assert cors(headers) == {"access-control-allow-origin": APP, "access-control-allow-credentials": "true",
                             "access-control-expose-headers": "X-Request-Id"}


def test_cors_headers_need_an_origin_header(lab, wire):
    """http-api-cors.html: "To return CORS headers, your request must contain an origin header"."""
    _, headers, _ = wire.send(f"{lab}/v1/users?upstream_cors=1", "GET")
    assert cors(headers) == {}


def test_options_without_request_method_goes_to_the_integration(lab, upstream, wire):
    """http-api-cors.html: for OPTIONS the request must contain Origin and Access-Control-Request-Method."""
    wire.send(f"{lab}/v1/users", "OPTIONS", {"Origin": APP})
    assert upstream.paths("OPTIONS") == ["/v1/users"]


def test_disallowed_origin_gets_no_cors_headers(lab, upstream, wire):
    """UNVERIFIED (AWS docs are silent): a disallowed origin's preflight and response carry no CORS header."""
    status, headers, _ = wire.preflight(f"{lab}/v1/users", EVIL)
    assert status == 204 and cors(headers) == {} and upstream.paths("OPTIONS") == []
    _, headers, _ = wire.send(f"{lab}/v1/users?upstream_cors=1", "GET", {"Origin": EVIL})
    assert cors(headers) == {}


def test_no_vary_header(lab, wire):
    """UNVERIFIED (AWS docs are silent): the emulator adds no Vary: Origin."""
    _, headers, _ = wire.send(f"{lab}/v1/users", "GET", {"Origin": APP})
    assert "Origin" not in wire.values(headers, "vary")


def test_https_scheme_wildcard_allows_any_https_origin(wild, wire):
    """http-api-cors.html: "https://*" allows any origin that begins with https://."""
    _, headers, _ = wire.send(f"{wild['https']}/x", "GET", {"Origin": "https://anything.example"})
    assert wire.one(headers, "access-control-allow-origin") == "https://anything.example"
    _, headers, _ = wire.send(f"{wild['https']}/x", "GET", {"Origin": "http://anything.example"})
    assert wire.one(headers, "access-control-allow-origin") is None


def test_star_origin_answers_star(wild, wire):
    """http-api-cors.html lists "*" for all origins; the ACAO value "*" is UNVERIFIED."""
    _, headers, _ = wire.send(f"{wild['star']}/x", "GET", {"Origin": "http://anything.example"})
    assert wire.one(headers, "access-control-allow-origin") == "*"


def test_without_cors_configuration_the_backend_decides(wild, upstream, wire):
    """No CorsConfiguration: API Gateway adds nothing and passes OPTIONS and backend headers through."""
    status, headers, _ = wire.preflight(f"{wild['none']}/x?upstream_cors=1", APP)
    assert upstream.paths("OPTIONS") == ["/x?upstream_cors=1"]
    assert wire.one(headers, "access-control-allow-origin") == wire.UPSTREAM_ORIGIN


@pytest.mark.parametrize("cors_config,message", [
    ({"AllowOrigins": ["*"], "AllowCredentials": True}, "allow-credentials is not supported if 'allow-origin' is *"),
    ({"MaxAge": 86401}, "must be between -1 and 86400"),
    ({"MaxAge": -2}, "must be between -1 and 86400"),
    ({"AllowMethods": [""]}, "must be 1 to 64 characters"),
    ({"AllowOrigin": ["http://localhost:3000"]}, "unknown key"),
])
def test_configs_api_gateway_rejects_are_refused(confdir, wire, cors_config, message):
    """CreateApi/UpdateApi BadRequestException: * with credentials (aws-cdk #9076), MaxAge -1..86400, method length."""
    path = confdir / "bad-apigw.json"
    path.write_text(json.dumps({"CorsConfiguration": cors_config}))
    done = wire.cli("apigw-http", str(path), "--port", "0")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_target_is_refused_for_the_single_integration(wire):
    """An HTTP API here has one integration: --target would silently do nothing, so it is an error."""
    done = wire.cli("apigw-http", LAB_CONFIG, "--port", "0", "--target", "api=http://127.0.0.1:1")
    assert done.returncode == 2 and "--upstream" in done.stderr


# --- the integration's response parameter mapping, and YAML input ---------------------------------

MAPPED = """
# The AWS CLI takes the same keys as YAML (--cli-input-yaml); comments are allowed.
CorsConfiguration:
  AllowOrigins: ["http://localhost:3000"]
Integrations:
  - IntegrationType: HTTP_PROXY
    ResponseParameters:
      "200": {"append:header.Vary": Origin, "overwrite:header.X-Request-Id": fixed}
      "500": {"overwrite:statuscode": "503"}
"""


def test_response_parameters_change_the_integrations_answer_by_status_code(emulator, confdir, wire):
    """http-api-parameter-mapping.html: ResponseParameters keyed by the integration's status code,
    append|overwrite|remove:header.NAME and overwrite:statuscode; API Gateway's own preflight
    answer is not an integration response and is not mapped."""
    path = confdir / "mapped.yaml"
    path.write_text(MAPPED)
    url = emulator("apigw-http", path)
    _, headers, _ = wire.send(url + "/v1/users", headers={"Origin": APP})
    assert wire.values(headers, "vary") == ["Accept-Encoding", "Origin"]
    assert wire.one(headers, "x-request-id") == "fixed"
    assert wire.one(headers, "access-control-allow-origin") == APP
    status, _, _ = wire.send(url + "/v1/users?status=500")
    assert status == 503
    status, headers, _ = wire.send(url + "/v1/users?status=404")
    assert status == 404 and wire.values(headers, "vary") == ["Accept-Encoding"]
    _, headers, _ = wire.preflight(url + "/v1/users", APP, "PUT")
    assert wire.values(headers, "vary") == []


@pytest.mark.parametrize("params,message", [
    ('{"200": {"append:header.Access-Control-Allow-Origin": "*"}}', "reserved header"),
    ('{"199": {"append:header.Vary": "Origin"}}', "status code from 200 to 599"),
    ('{"200": {"add:header.Vary": "Origin"}}', "append|overwrite|remove:header.NAME"),
    ('{"200": {"append:header.Vary": "$context.requestId"}}', "only static values are emulated"),
])
def test_api_gateway_rejects_invalid_response_parameters(confdir, wire, params, message):
    """The reserved headers (access-control-* among them) and the selection-key range of the docs."""
    path = confdir / "bad-mapping.json"
    path.write_text(json.dumps({"Integrations": [{"ResponseParameters": json.loads(params)}]}))
    done = wire.cli("apigw-http", str(path), "--port", "0")
    assert done.returncode == 2 and message in done.stderr, done.stderr
