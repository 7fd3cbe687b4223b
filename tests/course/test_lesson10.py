"""Notebook 10's checkers. The gateway key (Kong handler.lua: 200 and Vary; Envoy cors_filter.cc:
200, no Vary; API Gateway HTTP API: 204 in the kit, no Vary) is checked against the running
emulators, so key and emulators cannot drift apart. Kong origins are graded by the kit's port of
Kong's configure_origin."""

import pytest

from corslab.stack import topology
from corslab.course import lesson10, live
from corslab.probing.probe import probe

CONFIGS = {"kong": "infra/kong/kong.yml", "istio": "infra/istio/virtualservice.yaml",
           "apigw-http": "infra/aws/apigw-http.json"}


def test_documented_answers_pass_and_a_wrong_status_fails():
    assert lesson10.check_gateway_behaviour(dict(lesson10.DOCUMENTED)).ok
    wrong = dict(lesson10.DOCUMENTED, kong=(204, True))
    fb = lesson10.check_gateway_behaviour(wrong)
    assert not fb.ok and len(fb.wrong) == 1
    assert lesson10.check_gateway_behaviour({"kong": (..., ...), "istio": (..., ...), "apigw-http": (..., ...)}).pending


@pytest.mark.usefixtures("stack")
@pytest.mark.parametrize("product", sorted(CONFIGS))
def test_key_matches_the_emulator(product):
    with live.emulate(product, CONFIGS[product]) as base:
        pre = probe(base + "/v1/users/1", topology.APP_ORIGIN, "PUT",
                    headers=[("Content-Type", "application/json")], body="{}")
        get = probe(base + "/v1/users", topology.ADMIN_ORIGIN)
    vary = "origin" in (live.header(get.response, "vary") or "").lower()
    assert (pre.preflight.status, vary) == lesson10.DOCUMENTED[product]


def test_two_exact_origins_pass():
    assert lesson10.check_kong_origins(["https://app.example.com", "https://admin.example.com"]).ok


def test_single_flat_entry_is_echoed_to_everyone():
    fb = lesson10.check_kong_origins(["https://app.example.com"])
    assert not fb.ok and any("admin.example.com" in m for m in fb.wrong)


def test_host_regex_lets_http_and_subdomains_in():
    assert not lesson10.check_kong_origins([r".*\.example\.com"]).ok


def test_unanswered_and_malformed_origins():
    assert lesson10.check_kong_origins(...).pending
    assert not lesson10.check_kong_origins("https://app.example.com").ok
