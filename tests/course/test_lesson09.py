"""Notebook 09's checkers. The prediction key is computed with the Fetch standard's CORS check
(#concept-cors-check: `*` fails with credentials) from infra/aws/alb.json; the ALB emulator running
that config with `*` must agree with it."""

import pytest

from corslab.stack import topology
from corslab.course import lesson09
from corslab.probing.probe import probe


def test_exact_origin_and_true_pass():
    assert lesson09.check_alb_attributes({"allow_origin": "https://shop.example.com", "allow_credentials": "true"}).ok


@pytest.mark.parametrize("origin", ["*", "https://shop.example.com/", "https://shop.example.com, https://b.example.com"])
def test_wildcard_slash_or_list_fail(origin):
    assert not lesson09.check_alb_attributes({"allow_origin": origin, "allow_credentials": "true"}).ok


def test_credentials_must_be_lower_case_true():
    assert not lesson09.check_alb_attributes({"allow_origin": "https://shop.example.com", "allow_credentials": "True"}).ok


def test_unanswered_attributes():
    assert lesson09.check_alb_attributes({"allow_origin": ..., "allow_credentials": ...}).pending


def test_wildcard_predictions_right_wrong_unanswered():
    """Fetch #concept-cors-check: `*` passes only when credentials are not included."""
    right = {"with_cookies": {"app": False, "admin": False, "untrusted": False},
             "without_cookies": {"app": True, "admin": True, "untrusted": True}}
    assert lesson09.check_alb_predictions(right).ok
    wrong = {"with_cookies": {"app": True, "admin": True, "untrusted": False},
             "without_cookies": {"app": True, "admin": True, "untrusted": True}}
    assert len(lesson09.check_alb_predictions(wrong).wrong) == 2
    assert lesson09.check_alb_predictions({"with_cookies": {"app": ...}, "without_cookies": {}}).pending


@pytest.mark.usefixtures("stack")
def test_wildcard_key_agrees_with_the_alb_emulator(tmp_path):
    """The lab's ALB config with the allow-origin attribute set to `*`, run in the ALB emulator:
    the verdicts match the key (nothing with cookies, everyone without)."""
    import json

    from corslab.course import live

    config = json.loads((live.ROOT / lesson09.ALB_CONFIG).read_text())
    for attr in config["ListenerAttributes"]:
        if attr["Key"] == lesson09.ACAO_KEY:
            attr["Value"] = "*"
    path = tmp_path / "alb.json"
    path.write_text(json.dumps(config))
    with live.emulate("alb", str(path)) as base:
        for origin in (topology.APP_ORIGIN, topology.ADMIN_ORIGIN, topology.UNTRUSTED_ORIGIN):
            assert not probe(base + "/v1/users", origin, credentials="include").allowed
            assert probe(base + "/v1/users", origin).allowed


def test_alb_config_sends_the_app_origin():
    assert lesson09.static_attribute(lesson09.ACAO_KEY) == topology.APP_ORIGIN
