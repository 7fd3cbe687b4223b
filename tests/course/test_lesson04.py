"""Lesson 04 checkers. Expected facts: Fetch "CORS check" with credentials mode "include"
(exact origin, ACAC exactly "true"), forbidden request headers (Cookie), and RFC 6265bis
SameSite=Lax (cookies follow the schemeful site, never cross-site subresource requests)."""

from corslab.stack import topology
from corslab.course import lesson04

APP, EVIL, ADMIN = topology.APP_ORIGIN, topology.UNTRUSTED_ORIGIN, topology.ADMIN_ORIGIN
API, PROXY = topology.origin("api"), topology.origin("cors-proxy")


def test_credentialed_answer_right_wrong_unanswered():
    right = {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}
    assert lesson04.check_credentialed_answer(right, API + "/v1/me", APP).ok
    star = lesson04.check_credentialed_answer({**right, "Access-Control-Allow-Origin": "*"}, API + "/v1/me", APP)
    assert not star.ok and "wildcard" in star.wrong[0]
    no_acac = lesson04.check_credentialed_answer({"Access-Control-Allow-Origin": APP, "Vary": "Origin"},
                                                 API + "/v1/me", APP)
    assert not no_acac.ok and "Access-Control-Allow-Credentials" in no_acac.wrong[0]
    assert lesson04.check_credentialed_answer(..., API, APP).pending


def test_cookie_travels_by_site_and_credentials_mode():
    assert lesson04.cookie_travels(APP, PROXY + "/v1/me", "include")
    assert not lesson04.cookie_travels(APP, PROXY + "/v1/me", "same-origin")
    assert not lesson04.cookie_travels(EVIL, PROXY + "/v1/me", "include")
    assert lesson04.cookie_travels(ADMIN, API + "/v1/me", "include")
    assert lesson04.cookie_travels(PROXY, PROXY + "/v1/me", "same-origin")
    assert not lesson04.cookie_travels(APP, PROXY, "omit")


def test_check_cookie_travels_right_wrong_unanswered():
    cases = {"a": (APP, PROXY + "/v1/me", "include"), "b": (EVIL, PROXY + "/v1/me", "include")}
    assert lesson04.check_cookie_travels({"a": True, "b": False}, cases).ok
    wrong = lesson04.check_cookie_travels({"a": True, "b": True}, cases)
    assert len(wrong.wrong) == 1 and "site" in wrong.wrong[0]
    assert lesson04.check_cookie_travels({"a": ..., "b": False}, cases).pending


def test_correction_of_the_source_post():
    """A credentialed GET is simple; Cookie is forbidden, so never listed nor sent by the page."""
    assert lesson04.evil_credentialed_get(PROXY + "/v1/me", EVIL) == {
        "preflight_sent": False, "cookie_in_acrh": False, "page_set_cookie_sent": False}
    right = {"preflight_sent": False, "cookie_in_acrh": False, "page_set_cookie_sent": False}
    assert lesson04.check_correction(right, PROXY + "/v1/me", EVIL).ok
    post_004 = {"preflight_sent": True, "cookie_in_acrh": True, "page_set_cookie_sent": False}
    assert len(lesson04.check_correction(post_004, PROXY + "/v1/me", EVIL).wrong) == 2
    assert lesson04.check_correction(..., PROXY, EVIL).pending


def test_prod_allowlist_right_wrong_unanswered():
    """Only exact https production origins: no dev origin, no http, no '*', no 'null', no slash."""
    assert lesson04.check_prod_allowlist(["https://app.example.com", "https://admin.example.com"]).ok
    wrong = lesson04.check_prod_allowlist(["https://app.example.com/", "http://localhost:3000"])
    assert len(wrong.wrong) == 3  # the dev origin, the slash that never matches, the missing apps
    assert "loopback" in wrong.wrong[0] and "trailing slash" in wrong.wrong[1]
    assert lesson04.check_prod_allowlist(...).pending
