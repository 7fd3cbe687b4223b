"""corslab.fetch.cookies without a browser: parsing, and the rules whose Chromium outcomes
tests/browser/test_https_cookies.py checks case by case (RFC 6265bis, CHIPS)."""

from __future__ import annotations

import pytest

from corslab.errors import CorsLabError
from corslab.fetch import cookies

APP, API, EVIL = "https://app.localhost:3443", "https://api.localhost:8043", "https://attacker.localhost:4443"


def ctx(page=APP, **kw):
    return cookies.Context(top_level=page, initiator=page, **kw)


def test_set_cookie_attributes_are_read_case_insensitively():
    c = cookies.parse_set_cookie("sid=abc; samesite=none; SECURE; HttpOnly; Partitioned; Path=/v1", API + "/x")
    assert (c.name, c.value, c.host, c.same_site, c.secure, c.http_only, c.partitioned, c.path) == (
        "sid", "abc", "api.localhost", "None", True, True, True, "/v1")


def test_a_set_cookie_without_a_name_is_one_clear_error():
    with pytest.raises(CorsLabError, match="no name=value pair"):
        cookies.parse_set_cookie("justaname; Secure", API)


def test_each_localhost_name_is_a_site_of_its_own():
    """Measured in Chromium 156: app.localhost -> api.localhost is Sec-Fetch-Site: cross-site."""
    assert cookies.is_cross_site(API + "/v1/me", ctx())
    assert not cookies.is_cross_site(APP + "/x", ctx())


def test_samesite_none_needs_secure():
    decision = cookies.store("sid=1; SameSite=None", API + "/v1/login", ctx(third_party_cookies=True))
    assert (decision.ok, decision.reason) == (False, cookies.SAME_SITE_NONE_INSECURE)


def test_without_samesite_a_cookie_acts_as_lax_and_a_cross_site_fetch_cannot_set_it():
    decision = cookies.store("sid=1; Secure", API + "/v1/login", ctx(third_party_cookies=True))
    assert (decision.ok, decision.reason) == (False, cookies.SAME_SITE_UNSPECIFIED_LAX)


def test_blocked_third_party_cookies_lose_a_cookie_cors_would_allow():
    jar = cookies.Jar()
    jar.set("sid=1; SameSite=None; Secure", API + "/", cookies.Context(top_level=API, navigation=True))
    assert jar.carries(API + "/v1/me", ctx(third_party_cookies=True)) == ["sid"]
    [decision] = jar.decisions(API + "/v1/me", ctx(third_party_cookies=False))
    assert decision.reason == cookies.THIRD_PARTY_BLOCKED


def test_a_partitioned_cookie_goes_back_under_its_own_top_level_site_only():
    jar = cookies.Jar()
    assert jar.set("p=1; SameSite=None; Secure; Partitioned", API + "/", ctx()).ok
    assert jar.carries(API + "/", ctx()) == ["p"]
    [decision] = jar.decisions(API + "/", ctx(page=EVIL))
    assert decision.reason == cookies.OTHER_PARTITION


@pytest.mark.parametrize("mode, sent", [("include", ["sid"]), ("same-origin", []), ("omit", [])])
def test_fetch_sends_cookies_cross_origin_only_with_credentials_include(mode, sent):
    jar = cookies.Jar()
    jar.set("sid=1; SameSite=None; Secure", API + "/", cookies.Context(top_level=API, navigation=True))
    assert jar.carries(API + "/", ctx(credentials=mode, third_party_cookies=True)) == sent


def test_an_unknown_credentials_mode_is_one_clear_error():
    with pytest.raises(CorsLabError, match="'include', 'same-origin' and 'omit'"):
        ctx(credentials="yes")
