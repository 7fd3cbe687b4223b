"""Notebook 09's checkers. The ALB prediction key is computed from infra/aws/alb.json and the
Fetch standard's CORS check (byte equality of ACAO and the origin); the live ALB of the stack must
agree with it."""

import pytest

from corslab import topology
from corslab.course import lesson09
from corslab.probe import probe


def test_exact_origin_and_true_pass():
    assert lesson09.check_alb_attributes({"allow_origin": "https://shop.example.com", "allow_credentials": "true"}).ok


@pytest.mark.parametrize("origin", ["*", "https://shop.example.com/", "https://shop.example.com, https://b.example.com"])
def test_wildcard_slash_or_list_fail(origin):
    assert not lesson09.check_alb_attributes({"allow_origin": origin, "allow_credentials": "true"}).ok


def test_credentials_must_be_lower_case_true():
    assert not lesson09.check_alb_attributes({"allow_origin": "https://shop.example.com", "allow_credentials": "True"}).ok


def test_unanswered_attributes():
    assert lesson09.check_alb_attributes({"allow_origin": ..., "allow_credentials": ...}).pending


def _truth():
    value = lesson09.static_allow_origin()
    return {"app": value == topology.APP_ORIGIN, "admin": value == topology.ADMIN_ORIGIN,
            "untrusted": value == topology.UNTRUSTED_ORIGIN}


def test_predictions_right_and_wrong():
    truth = _truth()
    assert lesson09.check_alb_predictions(truth).ok
    assert not lesson09.check_alb_predictions({k: not v for k, v in truth.items()}).ok
    assert lesson09.check_alb_predictions({"app": ..., "admin": ..., "untrusted": ...}).pending


@pytest.mark.usefixtures("stack")
def test_prediction_key_agrees_with_the_running_alb():
    origins = {"app": topology.APP_ORIGIN, "admin": topology.ADMIN_ORIGIN, "untrusted": topology.UNTRUSTED_ORIGIN}
    live = {name: probe(topology.origin("alb") + "/v1/users", origin).allowed for name, origin in origins.items()}
    assert live == _truth()
