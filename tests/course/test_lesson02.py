"""Lesson 02 checkers. Expected facts: Fetch "CORS-safelisted method", "CORS-safelisted
request-header" (the three form Content-Types; a string body defaults to text/plain) and
"CORS-safelisted response-header name" / Access-Control-Expose-Headers."""

from corslab.stack import topology
from corslab.course import lesson02

URL = topology.origin("api") + "/v1/users"
APP = topology.APP_ORIGIN
RIGHT = {"a": "simple", "b": "preflight", "c": "simple", "d": "simple", "e": "preflight",
         "f": "simple", "g": "simple", "h": "simple"}


def test_simple_or_preflight_truth_matches_the_fetch_rules():
    assert lesson02.simple_or_preflight(URL, APP) == RIGHT


def test_simple_or_preflight_right_wrong_unanswered():
    assert lesson02.check_simple_or_preflight(RIGHT, URL, APP).ok
    wrong = lesson02.check_simple_or_preflight({**RIGHT, "b": "simple", "f": "preflight"}, URL, APP)
    assert [m[:2] for m in wrong.wrong] == ["b:", "f:"]
    assert not lesson02.check_simple_or_preflight({**RIGHT, "a": "maybe"}, URL, APP).ok
    assert lesson02.check_simple_or_preflight({**RIGHT, "a": ...}, URL, APP).pending


def test_expose_right_answer_passes():
    fb = lesson02.check_expose({"Access-Control-Allow-Origin": APP,
                                "Access-Control-Expose-Headers": "X-Request-Id"}, URL, APP)
    assert fb.ok


def test_expose_without_aceh_says_what_is_missing():
    fb = lesson02.check_expose({"Access-Control-Allow-Origin": APP}, URL, APP)
    assert not fb.ok and "X-Request-Id" in fb.wrong[0]


def test_expose_with_a_wrong_origin_is_blocked_by_the_model():
    fb = lesson02.check_expose({"Access-Control-Allow-Origin": APP + "/",
                                "Access-Control-Expose-Headers": "X-Request-Id"}, URL, APP)
    assert not fb.ok and "not equal to the supplied origin" in fb.wrong[0]


def test_expose_unanswered_or_malformed_is_todo():
    assert lesson02.check_expose(..., URL, APP).pending
    assert lesson02.check_expose("Access-Control-Allow-Origin: *", URL, APP).pending


def test_expose_accepts_the_defensible_variants_and_explains_the_harmless_extra():
    """Fetch: without credentials '*' is a wildcard in ACAO and ACEH, and ACAC is not read."""
    for answer in ({"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "*"},
                   {"Access-Control-Allow-Origin": APP, "Access-Control-Expose-Headers": "x-request-id"},
                   {"Access-Control-Allow-Origin": APP, "Access-Control-Expose-Headers": "X-Request-Id",
                    "Access-Control-Allow-Credentials": "true"}):
        fb = lesson02.check_expose(answer, URL, APP)
        assert fb.ok, str(fb)
    assert "harmless" in str(fb)
