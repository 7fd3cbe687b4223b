"""Methods 3-5 in the running stack, from the outside: the lab's own product configs, for the
lab's three origins (app, admin, untrusted), with plain HTTP - and what a browser makes of it.

Expected product behaviour: ingress-nginx v1.15.1 (internal/ingress/annotations/cors/main.go,
nginx.tmpl), Kong's cors plugin (kong/plugins/cors/handler.lua), the ALB docs (response-header
attributes, header-modification.html, and an OPTIONS fixed-response rule).
The browser's verdict is computed by corslab.probing.probe (its parity with Chromium is the browser
tests' job); these tests check the products' answers and the lesson each method teaches.
"""

from __future__ import annotations

import json
import uuid

import pytest

from corslab.stack import policy, topology
from corslab.probing.probe import probe
from tests.rawhttp import preflight, send

pytestmark = pytest.mark.usefixtures("stack")
APP, ADMIN, UNTRUSTED = topology.APP_ORIGIN, topology.ADMIN_ORIGIN, topology.UNTRUSTED_ORIGIN
API = topology.SERVICES["api"].origin


def base(name: str) -> str:
    return topology.SERVICES[name].origin


def reached_api(trace: str) -> list[str]:
    records = json.loads(send("GET", f"{API}/_lab/seen?trace={trace}").body)["requests"]
    return [r["method"] for r in records]


def traced(service: str) -> tuple[str, str]:
    trace = uuid.uuid4().hex
    return trace, f"{base(service)}/v1/users?trace={trace}"


# ---- method 3: ingress-nginx annotations --------------------------------------------------------

@pytest.mark.parametrize("origin", [APP, ADMIN])
def test_ingress_answers_allowed_preflights_with_204_at_the_edge(origin):
    """nginx.tmpl: a matching OPTIONS gets a local 204 with the configured headers, origin reflected."""
    trace, url = traced("ingress")
    reply = preflight(url, origin, "PUT", "content-type")
    assert reply.status == 204
    assert reply.one("access-control-allow-origin") == origin
    assert reply.one("access-control-allow-credentials") == "true"
    assert reply.one("access-control-max-age") == str(policy.MAX_AGE)
    assert reached_api(trace) == []


def test_ingress_proxies_the_untrusted_preflight_to_the_backend():
    """nginx.tmpl: a disallowed origin gets no CORS headers; its OPTIONS goes to the backend."""
    trace, url = traced("ingress")
    reply = preflight(url, UNTRUSTED, "PUT", "content-type")
    assert reply.cors() == {}
    assert reached_api(trace) == ["OPTIONS"]


def test_ingress_sends_the_preflight_headers_on_actual_responses_and_no_vary():
    """nginx.tmpl: actual responses carry the same header set (ACAM, ACAH, ACMA too); Vary: never."""
    reply = send("GET", base("ingress") + "/v1/users", {"Origin": ADMIN})
    assert reply.one("access-control-allow-origin") == ADMIN
    assert reply.one("access-control-allow-methods") is not None
    assert reply.one("access-control-expose-headers") == policy.header_list(policy.EXPOSED_HEADERS)
    assert reply.one("vary") is None


# ---- method 4: ALB --------------------------------------------------------------------------

@pytest.mark.parametrize("origin", [APP, ADMIN, UNTRUSTED, None])
def test_alb_sends_its_one_static_origin_to_everyone(origin):
    """ALB docs, response header modification: one static value per listener, on all responses, whatever the Origin; no Vary."""
    reply = send("GET", base("alb") + "/v1/users", {"Origin": origin} if origin else {})
    assert reply.status == 200
    assert reply.all("access-control-allow-origin") == [APP]
    assert reply.one("vary") is None


def test_alb_answers_every_options_with_the_fixed_response_rule():
    """ALB docs, listener rules: an http-request-method OPTIONS rule with fixed-response 204; the listener
    attributes put the CORS headers on it. The target never sees the preflight."""
    trace, url = traced("alb")
    reply = preflight(url, UNTRUSTED, "DELETE")
    assert reply.status == 204
    assert reply.one("access-control-allow-origin") == APP
    assert reply.one("access-control-allow-methods") == policy.header_list(policy.ALLOWED_METHODS)
    assert reached_api(trace) == []


# ---- method 5: API gateway (Kong cors plugin) -------------------------------------------------

@pytest.mark.parametrize("origin", [APP, ADMIN])
def test_gateway_answers_allowed_preflights_with_200_and_vary(origin):
    """Kong handler.lua: Kong's preflight is 200 (not 204), the matching origin echoed, Vary: Origin."""
    trace, url = traced("gateway")
    reply = preflight(url, origin, "PUT", "content-type")
    assert reply.status == 200
    assert reply.one("access-control-allow-origin") == origin
    assert reply.one("access-control-allow-methods") == ",".join(policy.ALLOWED_METHODS)
    assert "Origin" in reply.one("vary")
    assert reached_api(trace) == []


def test_gateway_refuses_the_untrusted_origin_but_still_says_credentials_true():
    """Kong handler.lua configure_credentials: ACAC: true is set even when the origin did not match; the
    ACAO is cleared - so the browser still blocks."""
    reply = send("GET", base("gateway") + "/v1/users", {"Origin": UNTRUSTED})
    assert reply.one("access-control-allow-origin") is None
    assert reply.one("access-control-allow-credentials") == "true"
    assert "Origin" in reply.one("vary")


# ---- what the browser makes of each method, for the three origins ------------------------------

#: The lesson per method: which of the lab's origins a credentialed, preflighted call lets through.
LESSONS = {
    "ingress": {"app": True, "admin": True, "untrusted": False},
    "alb": {"app": True, "admin": False, "untrusted": False},  # one static origin: admin loses
    "gateway": {"app": True, "admin": True, "untrusted": False},
}
ORIGINS = {"app": APP, "admin": ADMIN, "untrusted": UNTRUSTED}


@pytest.mark.parametrize("service", LESSONS)
@pytest.mark.parametrize("who", ORIGINS)
def test_each_method_lets_through_the_origins_its_product_can_express(service, who):
    result = probe(f"{base(service)}/v1/users/1", ORIGINS[who], method="PUT",
                   headers=[("Content-Type", "application/json")], body='{"name": "ada"}',
                   credentials="include")
    assert result.preflight_needed
    assert result.allowed is LESSONS[service][who], result.reason
