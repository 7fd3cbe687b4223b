"""Which response headers page JavaScript can read.

Sources: Fetch #cors-safelisted-response-header-name, "main fetch" (ACEH and '*'), #forbidden-
response-header-name; Blink ExtractCorsExposedHeaderNamesList; WPT fetch/api/cors/
cors-expose-star.js, cors/access-control-expose-headers-parsing.
"""

from __future__ import annotations

from corslab.fetch.model import FetchRequest, HttpResponse, decide, exposed_headers
from corslab.stack.topology import APP_ORIGIN, service

URL = service("api").origin + "/v1/users"
BASE = [("cache-control", "no-cache"), ("content-language", "en"), ("content-length", "2"),
        ("content-type", "application/json"), ("expires", "0"), ("last-modified", "x"),
        ("pragma", "no-cache"), ("x-request-id", "7"), ("test", "1"), ("set-cookie", "a=b"),
        ("date", "today")]


def readable(aceh=None, credentials="same-origin", origin=APP_ORIGIN, url=URL, mode="cors",
             extra=()):
    headers = list(BASE) + list(extra)
    if aceh is not None:
        headers.append(("access-control-expose-headers", aceh))
    req = FetchRequest(url, origin, credentials=credentials, mode=mode)
    return exposed_headers(req, HttpResponse(200, headers))


SAFELISTED = ["cache-control", "content-language", "content-length", "content-type", "expires",
              "last-modified", "pragma"]


def test_without_aceh_only_the_safelisted_response_headers_are_readable():
    """Fetch #cors-safelisted-response-header-name: the seven names."""
    assert readable() == SAFELISTED


def test_aceh_adds_the_named_headers_case_insensitively():
    """Fetch "main fetch": the CORS-exposed header-name list comes from ACEH."""
    assert readable("X-Request-Id") == sorted(SAFELISTED + ["x-request-id"])


def test_star_exposes_everything_but_set_cookie_without_credentials():
    """WPT cors-expose-star.js: '*' exposes Test, never Set-Cookie."""
    names = readable("*")
    assert "test" in names and "x-request-id" in names and "date" in names
    assert "set-cookie" not in names


def test_star_with_credentials_only_matches_a_header_named_star():
    """WPT cors-expose-star.js: with credentials, '*' is a literal name."""
    assert readable("*", credentials="include") == SAFELISTED
    assert "*" in readable("*", credentials="include", extra=[("*", "x")])


def test_star_may_come_as_one_of_several_aceh_lines():
    """WPT cors-expose-star.js: '*' can be one of several ACEH lines (joined with ', ')."""
    headers = list(BASE) + [("access-control-expose-headers", "x-request-id"),
                            ("access-control-expose-headers", "*")]
    req = FetchRequest(URL, APP_ORIGIN)
    assert "test" in exposed_headers(req, HttpResponse(200, headers))


def test_set_cookie_is_never_readable_even_when_listed():
    """Fetch #forbidden-response-header-name: Set-Cookie and Set-Cookie2."""
    assert "set-cookie" not in readable("Set-Cookie")


def test_unparsable_aceh_exposes_nothing_extra():
    """Blink HTTPHeaderNameListParser: a non-token item clears the whole list (#field-name)."""
    assert readable("x-request-id, bad name") == SAFELISTED
    assert readable(" , x-request-id ,") == sorted(SAFELISTED + ["x-request-id"])


def test_same_origin_reads_everything_but_set_cookie():
    """Fetch basic filtered response: all headers except forbidden response-header names."""
    names = readable(url=APP_ORIGIN + "/x")
    assert "test" in names and "set-cookie" not in names


def test_no_cors_reads_nothing():
    """Fetch opaque filtered response: an empty header list."""
    assert readable("*", mode="no-cors") == []


def test_a_blocked_response_exposes_nothing():
    """decide(): when the CORS check fails, page JavaScript gets a network error, no headers."""
    d = decide(FetchRequest(URL, APP_ORIGIN), response=HttpResponse(200, BASE))
    assert not d.allowed and d.exposed_headers == []
