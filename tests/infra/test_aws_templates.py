"""infra/aws: the CloudFormation template passes cfn-lint, and the JSON files the emulators run say
the same as the template (one policy, three files).

cfn-lint validates offline against the CloudFormation resource specification (property names,
types, patterns such as FixedResponseConfig.StatusCode ^(2|4|5)\\d\\d$).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from corslab.emulate import alb, apigw_http

REPO = Path(__file__).resolve().parents[2]
AWS = REPO / "infra" / "aws"
TEMPLATE = AWS / "cloudformation.yaml"


@pytest.fixture(scope="module")
def template() -> dict:
    """The template as cfn-lint decodes it (short-form tags become {"Ref": ...}, {"Fn::Sub": ...})."""
    decode = pytest.importorskip("cfnlint.decode")
    parsed, problems = decode.decode_str(TEMPLATE.read_text())
    assert not problems, problems
    return parsed


def resources_of(template, kind):
    return {name: r["Properties"] for name, r in template["Resources"].items() if r["Type"] == kind}


def cfn_lint(path: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("cfn-lint")
    if exe is None:
        pytest.skip("cfn-lint is not installed (pip install cfn-lint)")
    return subprocess.run([exe, str(path)], capture_output=True, text=True, timeout=300)


def test_cloudformation_template_passes_cfn_lint():
    """cfn-lint: no errors or warnings in infra/aws/cloudformation.yaml."""
    done = cfn_lint(TEMPLATE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cfn_lint_would_catch_a_redirect_status_in_the_options_rule(tmp_path):
    """The lint is a real check: a 301 fixed response breaks the documented StatusCode pattern."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text().replace('StatusCode: "204"', 'StatusCode: "301"'))
    done = cfn_lint(broken)
    assert done.returncode != 0 and "E3031" in done.stdout


def test_alb_json_is_the_cloudformation_api_listener(template):
    """alb.json (what the emulator runs) has the template's listener attributes, rules and default action."""
    lab = json.loads((AWS / "alb.json").read_text())
    listener = template["Resources"]["ApiListener"]["Properties"]
    assert listener["ListenerAttributes"] == lab["ListenerAttributes"]
    assert listener["DefaultActions"][0]["FixedResponseConfig"] == lab["DefaultActions"][0]["FixedResponseConfig"]
    rules = sorted((p for p in resources_of(template, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
                    if p["ListenerArn"] == {"Ref": "ApiListener"}), key=lambda p: p["Priority"])
    assert [str(p["Priority"]) for p in rules] == [r["Priority"] for r in lab["Rules"]]
    for cfn_rule, api_rule in zip(rules, lab["Rules"]):
        assert cfn_rule["Conditions"] == api_rule["Conditions"]
        cfn_action, api_action = cfn_rule["Actions"][0], api_rule["Actions"][0]
        assert cfn_action["Type"] == api_action["Type"]
        if cfn_action["Type"] == "fixed-response":
            assert cfn_action["FixedResponseConfig"]["StatusCode"] == api_action["FixedResponseConfig"]["StatusCode"]
        else:
            assert cfn_action["TargetGroupArn"] == {"Ref": "ApiTargetGroup"}
            assert alb.target_group_name(api_action["TargetGroupArn"]) == \
                template["Resources"]["ApiTargetGroup"]["Properties"]["Name"]


def test_options_rule_comes_before_the_forward_rule(template):
    """Rules run lowest priority first: the OPTIONS fixed response must win over /v1/* forwarding."""
    config = alb.load(str(AWS / "alb.json"))
    assert config.rules[0].methods == ["OPTIONS"] and config.rules[0].action.status == 204
    assert config.rules[1].path_patterns == ["/v1/*"] and config.rules[1].action.kind == "forward"


def test_same_origin_listener_sends_v1_to_the_api_and_has_no_cors_headers(template):
    """The same-origin variant needs no CORS: path routing only, no listener attributes."""
    listener = template["Resources"]["SameOriginListener"]["Properties"]
    assert "ListenerAttributes" not in listener
    assert listener["DefaultActions"][0]["TargetGroupArn"] == {"Ref": "FrontendTargetGroup"}
    rule = template["Resources"]["SameOriginApiRule"]["Properties"]
    assert rule["ListenerArn"] == {"Ref": "SameOriginListener"}
    assert rule["Conditions"][0]["PathPatternConfig"]["Values"] == ["/v1/*"]
    assert rule["Actions"][0]["TargetGroupArn"] == {"Ref": "ApiTargetGroup"}


def test_apigw_json_is_the_cloudformation_http_api(template):
    """apigw-http.json's CorsConfiguration equals the template's AWS::ApiGatewayV2::Api."""
    lab = json.loads((AWS / "apigw-http.json").read_text())["CorsConfiguration"]
    (api,) = resources_of(template, "AWS::ApiGatewayV2::Api").values()
    assert api["CorsConfiguration"] == lab
    assert api["ProtocolType"] == "HTTP"
    apigw_http.load(str(AWS / "apigw-http.json"))  # and API Gateway would accept it


def test_http_api_has_no_options_route(template):
    """API Gateway answers preflights itself; an ANY route must not be $default with an authorizer."""
    routes = resources_of(template, "AWS::ApiGatewayV2::Route").values()
    assert all(not r["RouteKey"].startswith("OPTIONS") and r["RouteKey"] != "$default" for r in routes)
