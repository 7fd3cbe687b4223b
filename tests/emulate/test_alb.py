"""AWS ALB emulator (listener rules + response-header listener attributes), through a real process.

Sources: ELBv2 API reference (ListenerAttribute, RuleCondition, HttpRequestMethodConditionConfig,
FixedResponseActionConfig), https://docs.aws.amazon.com/elasticloadbalancing/latest/application/header-modification.html
and .../rule-condition-types.html.
"""

import json
from pathlib import Path

import pytest

from corslab.stack import policy

LAB_CONFIG = "infra/aws/alb.json"
REPO = Path(__file__).resolve().parents[2]
APP, ADMIN, EVIL = policy.ALLOWED_ORIGINS[0], policy.ALLOWED_ORIGINS[1], "http://127.0.0.1:4000"
TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/{}/0123456789abcdef"


@pytest.fixture(scope="module")
def lab(emulator):
    return emulator("alb", LAB_CONFIG)


@pytest.fixture(scope="module")
def bare(emulator, confdir, upstream):
    """No OPTIONS rule; two target groups; the Server header turned off."""
    config = {
        "ListenerAttributes": [
            {"Key": "routing.http.response.access_control_allow_origin.header_value", "Value": APP},
            {"Key": "routing.http.response.access_control_allow_methods.header_value", "Value": ""},
            {"Key": "routing.http.response.server.enabled", "Value": "false"},
        ],
        "Rules": [
            {"Priority": "5", "Conditions": [{"Field": "path-pattern", "Values": ["/admin/?/*"]}],
             "Actions": [{"Type": "forward", "TargetGroupArn": TG.format("admin")}]},
        ],
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": TG.format("api")}],
    }
    path = confdir / "bare-alb.json"
    path.write_text(json.dumps(config))
    return emulator("alb", path, targets={"admin": upstream.url + "/admin-tg"})


def test_options_rule_answers_the_preflight_at_the_alb(lab, upstream, wire):
    """FixedResponseActionConfig 204 + listener attributes: the ALB answers; the target never sees OPTIONS."""
    status, headers, body = wire.preflight(f"{lab}/v1/users", APP, "PUT", "content-type")
    assert status == 204 and body == b""
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "access-control-allow-methods") == "GET, POST, PUT, DELETE"
    assert wire.one(headers, "access-control-allow-headers") == "Content-Type, Authorization, X-Trace-Id"
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert wire.one(headers, "access-control-max-age") == "600"
    assert upstream.paths("OPTIONS") == []


def test_every_origin_gets_the_same_static_allow_origin(lab, wire):
    """Listener attributes hold one static value: no origin list, no per-request decision."""
    for origin in (APP, ADMIN, EVIL, None):
        _, headers, _ = wire.send(f"{lab}/v1/users", "GET", {"Origin": origin} if origin else {})
        assert wire.one(headers, "access-control-allow-origin") == APP


def test_no_vary_header_is_added(lab, wire):
    """Header modification only inserts the configured headers; nothing adds Vary: Origin."""
    _, headers, _ = wire.send(f"{lab}/v1/users", "GET", {"Origin": APP})
    assert "Origin" not in wire.values(headers, "vary")


def test_configured_headers_replace_the_targets_values(lab, wire):
    """header-modification.html: if the target sends the header, the ALB updates it to the configured value."""
    _, headers, _ = wire.send(f"{lab}/v1/users?upstream_cors=1", "GET", {"Origin": EVIL})
    assert wire.values(headers, "access-control-allow-origin") == [APP]
    assert wire.values(headers, "access-control-allow-methods") == ["GET, POST, PUT, DELETE"]


def test_actual_responses_carry_every_configured_header(lab, wire):
    """"The load balancer adds the header to all responses": ACAM/ACAH/ACMA on a GET too, and ACEH."""
    status, headers, _ = wire.send(f"{lab}/v1/users", "GET", {"Origin": APP})
    assert status == 200
    assert wire.one(headers, "access-control-expose-headers") == "X-Request-Id"
    assert wire.one(headers, "access-control-max-age") == "600"
    assert wire.one(headers, "x-request-id") is not None


def test_fixed_responses_also_get_the_headers(lab, upstream, wire):
    """classmethod 2025-07-01 (secondary source): the attributes apply to fixed responses as well."""
    status, headers, body = wire.send(f"{lab}/nowhere", "GET", {"Origin": APP})
    assert status == 404 and json.loads(body) == {"message": "no rule matched"}
    assert wire.one(headers, "content-type") == "application/json"
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert upstream.seen == []


def test_options_rule_answers_any_options_request_even_without_origin(lab, upstream, wire):
    """http-request-method matches the method only: a plain OPTIONS is answered the same way."""
    status, _, _ = wire.send(f"{lab}/v1/users", "OPTIONS")
    assert status == 204 and upstream.seen == []


def test_path_pattern_is_case_sensitive_and_ignores_the_query(lab, upstream, wire):
    """PathPatternConfig: case-sensitive; compared only to the path, not the query string."""
    assert wire.send(f"{lab}/v1/users?x=/other", "GET")[0] == 200
    assert wire.send(f"{lab}/V1/users", "GET")[0] == 404
    assert upstream.paths() == ["/v1/users?x=/other"]


def test_without_an_options_rule_the_preflight_reaches_the_target(bare, upstream, wire):
    """ALB never answers preflights itself: OPTIONS is routed like any other method."""
    status, headers, _ = wire.preflight(f"{bare}/v1/users", APP)
    assert status == 200 and upstream.paths("OPTIONS") == ["/v1/users"]
    assert wire.one(headers, "access-control-allow-origin") == APP


def test_empty_attribute_value_leaves_the_header_alone(bare, wire):
    """header-modification.html: an empty value means the ALB does not modify that header."""
    _, headers, _ = wire.send(f"{bare}/v1/users?upstream_cors=1", "GET", {"Origin": EVIL})
    assert wire.one(headers, "access-control-allow-methods") == "PATCH"
    assert wire.one(headers, "access-control-allow-origin") == APP


def test_question_mark_matches_exactly_one_character(bare, upstream, wire):
    """PathPatternConfig: ? matches exactly one character; the rule forwards to the admin target group."""
    wire.send(f"{bare}/admin/a/x", "GET")
    wire.send(f"{bare}/admin/ab/x", "GET")
    assert upstream.paths() == ["/admin-tg/admin/a/x", "/admin/ab/x"]


def test_fixed_response_server_header_removed_when_disabled(emulator, confdir, wire):
    """routing.http.response.server.enabled=false removes the Server header ALB puts on its own responses."""
    config = {"ListenerAttributes": [{"Key": "routing.http.response.server.enabled", "Value": "false"}],
              "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}]}
    on = dict(config, ListenerAttributes=[])
    (confdir / "server-off.json").write_text(json.dumps(config))
    (confdir / "server-on.json").write_text(json.dumps(on))
    _, headers, _ = wire.send(emulator("alb", confdir / "server-off.json") + "/", "GET")
    assert wire.one(headers, "server") is None
    _, headers, _ = wire.send(emulator("alb", confdir / "server-on.json") + "/", "GET")
    assert wire.one(headers, "server") == "awselb/2.0"


def test_unreachable_target_is_albs_own_502_with_the_listener_headers(emulator, wire):
    """https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html
    (HTTP 502: "The load balancer received a TCP RST from the target when attempting to establish a
    connection"): ALB answers 502 itself, Server: awselb/2.0; header-modification.html: the configured
    response headers go on "all responses" (UNVERIFIED for ALB-generated errors)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    base = emulator("alb", LAB_CONFIG, targets={"api": f"http://127.0.0.1:{dead}"})
    status, headers, body = wire.send(f"{base}/v1/users", "GET", {"Origin": APP})
    assert status == 502
    assert wire.one(headers, "server") == "awselb/2.0"
    assert b"502 Bad Gateway" in body
    assert wire.one(headers, "access-control-allow-origin") == APP


def bad(config_change) -> dict:
    config = json.loads((REPO / LAB_CONFIG).read_text())
    config_change(config)
    return config


@pytest.mark.parametrize("change,message", [
    (lambda c: c["Rules"][0]["Actions"][0]["FixedResponseConfig"].update(StatusCode="301"),
     "must match ^(2|4|5)\\d\\d$"),
    (lambda c: c["Rules"][0]["Actions"][0]["FixedResponseConfig"].update(ContentType="text/xml"),
     "ContentType: must be one of text/plain"),
    (lambda c: c["Rules"][0]["Conditions"][0]["HttpRequestMethodConfig"].update(Values=["options"]),
     "up to 40 characters of A-Z, hyphen (-) and underscore (_)"),
    (lambda c: c["Rules"][1]["Conditions"][0]["PathPatternConfig"].update(Values=["/v1/" + "x" * 130]),
     "up to 128 characters"),
    (lambda c: c["Rules"][1].update(Priority="10"), "priority 10 is used twice"),
    (lambda c: c["Rules"][0]["Conditions"].append(c["Rules"][0]["Conditions"][0]),
     "at most one http-request-method condition"),
    (lambda c: c["ListenerAttributes"].append({"Key": "routing.http.response.cors.header_value", "Value": "x"}),
     "is not an ALB listener attribute"),
])
def test_configs_the_elbv2_api_rejects_are_refused(confdir, wire, change, message):
    """ELBv2 API constraints: StatusCode pattern, ContentType enum, method characters, path length, priorities."""
    path = confdir / "bad-alb.json"
    path.write_text(json.dumps(bad(change)))
    done = wire.cli("alb", str(path), "--port", "0")
    assert done.returncode == 2
    assert message in done.stderr and str(path) in done.stderr and "Traceback" not in done.stderr


# --- what any proxy in front of the API must get right (the shared core, seen through the ALB) ---


def test_method_query_and_body_reach_the_target(lab, upstream, wire):
    """ALB forwards the request unchanged: method, path with query, body."""
    body = json.dumps({"username": "ada"}).encode()
    status, _, reply = wire.send(f"{lab}/v1/users?page=2", "POST", {"Content-Type": "application/json"}, body)
    seen = json.loads(reply)
    assert status == 200 and seen["method"] == "POST" and seen["path"] == "/v1/users?page=2"
    assert json.loads(seen["body"]) == {"username": "ada"}


def test_chunked_request_body_is_forwarded(lab, upstream):
    """A chunked request body (RFC 9112 §7.1) reaches the target whole, with a Content-Length."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(lab)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("PUT", "/v1/users/1", body=iter([b'{"name":', b' "grace"}']), encode_chunked=True,
                 headers={"Content-Type": "application/json"})
    seen = json.loads(conn.getresponse().read())
    conn.close()
    assert seen["body"] == '{"name": "grace"}'
    headers = dict(seen["headers"])
    assert headers["content-length"] == str(len(seen["body"])) and "transfer-encoding" not in headers


def test_hop_by_hop_headers_are_not_forwarded(lab, upstream, wire):
    """RFC 9110 §7.6.1: Connection, Keep-Alive and the headers Connection names stop at the proxy."""
    _, _, reply = wire.send(f"{lab}/v1/users", "GET",
                            {"Connection": "X-Hop, keep-alive", "X-Hop": "secret", "Keep-Alive": "timeout=5",
                             "X-End-To-End": "kept"})
    names = {k for k, _ in json.loads(reply)["headers"]}
    assert "x-hop" not in names and "keep-alive" not in names
    assert "x-end-to-end" in names and "x-forwarded-for" in names


def test_sigint_stops_the_emulator_cleanly(wire):
    """Ctrl-C (SIGINT) ends `python -m corslab emulate` with exit 0 and no traceback."""
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "corslab.emulate.cli", "alb", LAB_CONFIG, "--port", "0"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("ready on http://127.0.0.1:")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err


def test_star_with_credentials_is_accepted_and_sent_as_configured(emulator, confdir, wire):
    """No documented check (UNVERIFIED): ALB sends "*" with "true"; the browser then refuses credentialed reads."""
    config = {"ListenerAttributes": [
        {"Key": "routing.http.response.access_control_allow_origin.header_value", "Value": "*"},
        {"Key": "routing.http.response.access_control_allow_credentials.header_value", "Value": "true"}],
        "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "204"}}]}
    (confdir / "star-creds.json").write_text(json.dumps(config))
    _, headers, _ = wire.send(emulator("alb", confdir / "star-creds.json") + "/", "GET", {"Origin": APP})
    assert wire.one(headers, "access-control-allow-origin") == "*"
    assert wire.one(headers, "access-control-allow-credentials") == "true"


def test_a_yaml_config_with_comments_is_read_like_the_json_one(emulator, confdir, wire):
    """The AWS CLI takes --cli-input-yaml as well as JSON: a .yaml CONFIG with the same keys works."""
    path = confdir / "alb.yaml"
    path.write_text(f"""
# one static origin for every caller
ListenerAttributes:
  - {{Key: routing.http.response.access_control_allow_origin.header_value, Value: "{APP}"}}
DefaultActions:
  - {{Type: forward, TargetGroupArn: "{TG.format('api')}"}}
""")
    url = emulator("alb", path)
    _, headers, _ = wire.send(url + "/v1/users", headers={"Origin": EVIL})
    assert wire.one(headers, "access-control-allow-origin") == APP
