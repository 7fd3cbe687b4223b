"""Every product config of methods 4-5 (and their alternatives) states corslab.stack.policy, as far as the
product can - read from corslab/stack/policy.py, never copied here - and what a product cannot state is
checked to be missing for the documented reason, not by accident.

Each config is read the way its emulator (and so the product) reads it: kong.yml through the Kong
schema, the VirtualService through istiod's translation to Envoy, the AWS JSON and CloudFormation
through the ELBv2 / apigatewayv2 shapes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml

from corslab.stack import policy, topology
from corslab.emulate import alb, apigw_http, istio, kong

REPO = Path(__file__).resolve().parents[2]


def as_run(relative: str) -> str:
    """The config as the stack runs it: under CORSLAB_PORT_OFFSET a copy with its lab origins
    shifted (topology.shift_text), which is what the runner feeds the emulator."""
    path = REPO / relative
    if not topology.PORT_OFFSET:
        return str(path)
    copy = Path(tempfile.mkdtemp(prefix="corslab-shifted-")) / path.name
    copy.write_text(topology.shift_text(path.read_text(encoding="utf-8")), encoding="utf-8")
    return str(copy)


def names(values) -> set[str]:
    """A header/method list, from a list or a comma-separated value, compared case-insensitively."""
    if isinstance(values, str):
        values = values.split(",")
    return {v.strip().lower() for v in values if v.strip()}


def test_policy_states_what_the_configs_are_checked_against():
    """Guard: the policy is the README's (two origins, credentials), so the checks below mean something."""
    assert len(policy.ALLOWED_ORIGINS) == 2 and policy.ALLOW_CREDENTIALS and policy.MAX_AGE > 0


def test_kong_yml_states_the_policy():
    """infra/kong/kong.yml: the cors plugin of the route the API is reached on."""
    config = kong.load(as_run("infra/kong/kong.yml"))
    (route,) = config.routes
    conf = route.cors or config.services[route.service].cors or config.cors
    assert set(conf.origins) == set(policy.ALLOWED_ORIGINS)
    assert all(kong.FLAT.match(o) for o in conf.origins), "origins must be exact strings, not regexes"
    assert names(conf.methods) == names(policy.ALLOWED_METHODS)
    assert names(conf.headers) == names(policy.ALLOWED_HEADERS)
    assert names(conf.exposed_headers) == names(policy.EXPOSED_HEADERS)
    assert conf.credentials is policy.ALLOW_CREDENTIALS
    assert conf.max_age == policy.MAX_AGE
    assert conf.preflight_continue is False, "preflights are answered at the gateway"


def test_kong_yml_service_points_at_the_compose_api():
    """The real Kong image (compose) reaches the API by its service name and port from the topology."""
    doc = yaml.safe_load((REPO / "infra/kong/kong.yml").read_text())
    assert doc["services"][0]["url"] == f"http://api:{topology.SERVICES['api'].default_port}"


def test_istio_virtualservice_states_the_policy():
    """infra/istio/virtualservice.yaml, as translated to Envoy's CorsPolicy."""
    (route,) = istio.load(as_run("infra/istio/virtualservice.yaml")).routes
    cors = route.cors
    assert {(m.kind, m.value) for m in cors.allow_origins} == {("exact", o) for o in policy.ALLOWED_ORIGINS}
    assert names(cors.allow_methods) == names(policy.ALLOWED_METHODS)
    assert names(cors.allow_headers) == names(policy.ALLOWED_HEADERS)
    assert names(cors.expose_headers) == names(policy.EXPOSED_HEADERS)
    assert cors.allow_credentials is policy.ALLOW_CREDENTIALS
    assert cors.max_age == str(policy.MAX_AGE)


@pytest.fixture(scope="module")
def alb_headers() -> dict[str, str]:
    return alb.load(as_run("infra/aws/alb.json")).headers


def test_alb_states_the_policy_except_the_origin_list(alb_headers):
    """infra/aws/alb.json: every static header the policy defines."""
    assert names(alb_headers["Access-Control-Allow-Methods"]) == names(policy.ALLOWED_METHODS)
    assert names(alb_headers["Access-Control-Allow-Headers"]) == names(policy.ALLOWED_HEADERS)
    assert names(alb_headers["Access-Control-Expose-Headers"]) == names(policy.EXPOSED_HEADERS)
    assert alb_headers["Access-Control-Allow-Credentials"] == str(policy.ALLOW_CREDENTIALS).lower()
    assert alb_headers["Access-Control-Max-Age"] == str(policy.MAX_AGE)


def test_alb_can_state_only_one_origin_and_uses_the_app(alb_headers):
    """ALB limit: one static Access-Control-Allow-Origin value; the app origin, never * with credentials."""
    value = alb_headers["Access-Control-Allow-Origin"]
    assert value == topology.APP_ORIGIN and value in policy.ALLOWED_ORIGINS
    assert "," not in value and " " not in value, "a list in ACAO is invalid for every browser"


def test_apigw_http_states_the_policy():
    """infra/aws/apigw-http.json: CorsConfiguration states the whole policy (a real origin list)."""
    cors = apigw_http.load(as_run("infra/aws/apigw-http.json")).cors
    assert set(cors["AllowOrigins"]) == set(policy.ALLOWED_ORIGINS)
    assert names(cors["AllowMethods"]) == names(policy.ALLOWED_METHODS)
    assert names(cors["AllowHeaders"]) == names(policy.ALLOWED_HEADERS)
    assert names(cors["ExposeHeaders"]) == names(policy.EXPOSED_HEADERS)
    assert cors["AllowCredentials"] is policy.ALLOW_CREDENTIALS
    assert cors["MaxAge"] == policy.MAX_AGE


def test_cloudformation_states_the_same_policy():
    """infra/aws/cloudformation.yaml: the ALB listener attributes and the HTTP API CorsConfiguration."""
    decode = pytest.importorskip("cfnlint.decode")
    template, problems = decode.decode_str(topology.shift_text((REPO / "infra/aws/cloudformation.yaml").read_text()))
    assert not problems, problems
    resources = template["Resources"]
    attributes = {a["Key"].split(".")[3]: a["Value"] for a in resources["ApiListener"]["Properties"]["ListenerAttributes"]}
    assert attributes["access_control_allow_origin"] == topology.APP_ORIGIN
    assert names(attributes["access_control_allow_methods"]) == names(policy.ALLOWED_METHODS)
    assert names(attributes["access_control_allow_headers"]) == names(policy.ALLOWED_HEADERS)
    assert names(attributes["access_control_expose_headers"]) == names(policy.EXPOSED_HEADERS)
    assert attributes["access_control_allow_credentials"] == str(policy.ALLOW_CREDENTIALS).lower()
    assert attributes["access_control_max_age"] == str(policy.MAX_AGE)
    cors = resources["HttpApi"]["Properties"]["CorsConfiguration"]
    assert set(cors["AllowOrigins"]) == set(policy.ALLOWED_ORIGINS)
    assert names(cors["AllowMethods"]) == names(policy.ALLOWED_METHODS)
    assert names(cors["AllowHeaders"]) == names(policy.ALLOWED_HEADERS)
    assert names(cors["ExposeHeaders"]) == names(policy.EXPOSED_HEADERS)
    assert cors["AllowCredentials"] is policy.ALLOW_CREDENTIALS and cors["MaxAge"] == policy.MAX_AGE
