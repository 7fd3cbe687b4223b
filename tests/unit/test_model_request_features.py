"""Request details beyond the CORS headers: XHR, bodies, referrer policy, cache modes, mode
"same-origin" and redirects, several refused headers. Each is also run in Chromium by
tests/browser/test_request_features.py; here the model's rules alone, with their sources.
"""

from __future__ import annotations

import pytest

from corslab.fetch import reasons
from corslab.fetch.model import (FORM_BOUNDARY, FetchRequest, HttpResponse, check_preflight, decide,
                                 effective_headers, follow_redirect, preflight_needed,
                                 preflight_request, referrer_header, request_body, xhr_charset_rewrite)
from corslab.stack.topology import APP_ORIGIN, service

ECHO = service("echo").origin + "/x"
PAGE = APP_ORIGIN + "/playground.html"


def content_type(req):
    return dict((n.lower(), v) for n, v in effective_headers(req)[0]).get("content-type")


@pytest.mark.parametrize("kind, blob_type, expected", [
    ("string", "", "text/plain;charset=UTF-8"),
    ("blob", "", None),
    ("blob", "Text/Plain;Charset=ISO-8859-1", "text/plain;charset=iso-8859-1"),
    ("blob", "application/json\x01", None),
    ("formdata", "", f"multipart/form-data; boundary={FORM_BOUNDARY}"),
    ("urlencoded", "", "application/x-www-form-urlencoded;charset=UTF-8"),
])
def test_the_body_kind_gives_the_content_type(kind, blob_type, expected):
    """Fetch "extract a body"; File API "new Blob" (type lower-cased, dropped when it has a
    character outside U+0020-U+007E)."""
    req = FetchRequest(ECHO, APP_ORIGIN, "POST", body="v", body_kind=kind, blob_type=blob_type)
    assert content_type(req) == expected


def test_a_blob_without_a_type_sends_no_content_type_and_no_preflight():
    req = FetchRequest(ECHO, APP_ORIGIN, "POST", body="{}", body_kind="blob")
    assert content_type(req) is None and not preflight_needed(req)
    assert preflight_needed(FetchRequest(ECHO, APP_ORIGIN, "POST", body="{}", body_kind="blob",
                                         blob_type="application/json"))


def test_no_cors_drops_a_body_type_that_is_not_safelisted():
    """Fetch "new Request": the body's type is appended through the Headers object, whose
    "request-no-cors" guard silently drops a value that is not no-CORS-safelisted."""
    def no_cors(blob_type):
        return content_type(FetchRequest(ECHO, APP_ORIGIN, "POST", body="{}", mode="no-cors",
                                         body_kind="blob", blob_type=blob_type))

    assert no_cors("application/json") is None
    assert no_cors("text/plain") == "text/plain"


def test_form_bodies_are_serialised():
    """URL standard urlencoded serializer; HTML multipart/form-data with the boundary."""
    assert request_body(FetchRequest(ECHO, APP_ORIGIN, "POST", body="a b~*",
                                     body_kind="urlencoded")) == "field=a+b%7E*"
    assert request_body(FetchRequest(ECHO, APP_ORIGIN, "POST", body="v",
                                     body_kind="formdata")).startswith(f"--{FORM_BOUNDARY}\r\n")


def test_xhr_drops_a_body_on_get_and_rewrites_the_charset():
    """XHR standard send(): a body on GET/HEAD is ignored (no TypeError, unlike fetch()); an author
    Content-Type's charset becomes UTF-8 for a string body."""
    get = FetchRequest(ECHO, APP_ORIGIN, "GET", body="x", api="xhr")
    assert decide(get, response=HttpResponse(200, [("access-control-allow-origin", "*")])).allowed
    assert request_body(get) is None and content_type(get) is None
    post = FetchRequest(ECHO, APP_ORIGIN, "POST", [("Content-Type", "text/plain; charset=iso-8859-1")],
                        body="x", api="xhr")
    assert content_type(post) == "text/plain; charset=UTF-8"
    # Blink ReplaceCharsetInMediaType: quotes stay, a comma belongs to the value (two combined
    # lines stay non-safelisted: the quote is still there).
    assert xhr_charset_rewrite('a/b;charset=x;CHARSET = "y"') == 'a/b;charset=UTF-8;CHARSET = "UTF-8"'
    assert xhr_charset_rewrite('text/plain;charset=utf-8, text/plain; charset="utf-8"') == (
        'text/plain;charset=UTF-8 text/plain; charset="UTF-8"')


def test_an_upload_listener_forces_a_preflight_only_with_a_body():
    """XHR standard send() step: upload listener flag and a body set the CORS-preflight flag."""
    with_body = FetchRequest(ECHO, APP_ORIGIN, "POST", body="x", api="xhr", upload_listener=True)
    assert preflight_needed(with_body)
    assert preflight_request(with_body)[1][1] == ("Access-Control-Request-Method", "POST")
    assert not preflight_needed(FetchRequest(ECHO, APP_ORIGIN, "POST", api="xhr", upload_listener=True))
    assert not preflight_needed(FetchRequest(ECHO, APP_ORIGIN, "GET", body="x", api="xhr",
                                             upload_listener=True))


def test_a_forced_preflight_survives_a_303_that_drops_the_body():
    """Chromium sends an XHR with an upload listener and a body in mode
    cors-with-forced-preflight, which the redirected GET keeps (seen by the round-3 fuzz)."""
    req = FetchRequest(ECHO, APP_ORIGIN, "PUT", body="x", api="xhr", upload_listener=True)
    nxt, ok = follow_redirect(req, HttpResponse(303, [("location", ECHO + "?2"),
                                                      ("access-control-allow-origin", "*")]))
    assert ok.ok and nxt.method == "GET" and nxt.body is None and preflight_needed(nxt)


def test_xhr_credentials_reasons_name_with_credentials():
    """Blink cors_error_string.cc: XHR's credentials reasons end with the withCredentials hint,
    and no reason ends with fetch()'s "Have the server send the header" advice."""
    req = FetchRequest(ECHO, APP_ORIGIN, credentials="include", api="xhr")
    star = decide(req, response=HttpResponse(200, [("access-control-allow-origin", "*")]))
    assert star.reason == reasons.wildcard_origin_not_allowed() + reasons.XHR_CREDENTIALS_HINT
    other = decide(FetchRequest(ECHO, APP_ORIGIN, api="xhr"),
                   response=HttpResponse(200, [("access-control-allow-origin", "http://x.test")]))
    assert other.reason == reasons.allow_origin_mismatch("http://x.test").removesuffix(reasons.NO_CORS_HINT)


@pytest.mark.parametrize("method, headers, reason", [
    ("B@D", [], reasons.type_error_xhr_invalid_method("B@D")),
    ("connect", [], reasons.type_error_xhr_forbidden_method("connect")),
    ("GET", [("bad name", "1")], reasons.type_error_xhr_invalid_header_name("bad name")),
])
def test_xhr_throws_with_its_own_words(method, headers, reason):
    d = decide(FetchRequest(ECHO, APP_ORIGIN, method, headers, api="xhr"))
    assert (d.kind, d.reason) == ("type-error", reason)


@pytest.mark.parametrize("policy, same, cross", [
    ("", PAGE, APP_ORIGIN + "/"),
    ("no-referrer", None, None),
    ("no-referrer-when-downgrade", PAGE, PAGE),
    ("origin", APP_ORIGIN + "/", APP_ORIGIN + "/"),
    ("origin-when-cross-origin", PAGE, APP_ORIGIN + "/"),
    ("same-origin", PAGE, None),
    ("strict-origin", APP_ORIGIN + "/", APP_ORIGIN + "/"),
    ("strict-origin-when-cross-origin", PAGE, APP_ORIGIN + "/"),
    ("unsafe-url", PAGE, PAGE),
])
def test_the_referer_follows_the_policy(policy, same, cross):
    """Referrer Policy "determine request's referrer"; Chromium's default is
    strict-origin-when-cross-origin."""
    def referer(url):
        return referrer_header(FetchRequest(url, APP_ORIGIN, referrer_policy=policy, page_url=PAGE))

    assert referer(APP_ORIGIN + "/v1/x") == same
    assert referer(ECHO) == cross


def test_the_referrer_option():
    """Fetch "new Request" step 14: '' is none, a URL of another origin becomes the page's URL; the
    fragment is removed."""
    def referer(referrer):
        return referrer_header(FetchRequest(ECHO, APP_ORIGIN, referrer=referrer,
                                            referrer_policy="unsafe-url", page_url=PAGE))

    assert referer("") is None
    assert referer("/p?q#f") == APP_ORIGIN + "/p?q"
    assert referer("http://evil.test/x") == PAGE


@pytest.mark.parametrize("mode, lines", [
    ("no-store", [("Pragma", "no-cache"), ("Cache-Control", "no-cache")]),
    ("reload", [("Pragma", "no-cache"), ("Cache-Control", "no-cache")]),
    ("no-cache", [("Cache-Control", "max-age=0")]),
    ("default", []), ("force-cache", []),
])
def test_cache_modes_add_lines_to_the_preflight_but_no_preflight(mode, lines):
    """Fetch "HTTP-network-or-cache fetch"; Chromium's preflight keeps the cache load flags."""
    put = FetchRequest(ECHO, APP_ORIGIN, "PUT", cache=mode)
    assert [h for h in preflight_request(put)[1] if h[0] in ("Pragma", "Cache-Control")] == lines
    assert not preflight_needed(FetchRequest(ECHO, APP_ORIGIN, cache=mode))


def test_only_if_cached_with_nothing_cached_is_a_cache_miss():
    d = decide(FetchRequest(APP_ORIGIN + "/x", APP_ORIGIN, mode="same-origin", cache="only-if-cached"))
    assert (d.kind, d.reason) == ("network", "net::ERR_CACHE_MISS")


def test_same_origin_mode_stops_at_a_redirect_to_another_origin():
    """Fetch HTTP-redirect fetch: mode "same-origin" and another origin is a network error; Blink's
    console line names the URL and the page."""
    req = FetchRequest(APP_ORIGIN + "/r", APP_ORIGIN, mode="same-origin", page_url=PAGE)
    nxt, verdict = follow_redirect(req, HttpResponse(302, [("location", ECHO)]))
    assert nxt is None and verdict.reason == reasons.unsafe_redirect(ECHO, PAGE)
    nxt, verdict = follow_redirect(req, HttpResponse(302, [("location", "/elsewhere")]))
    assert verdict.ok and nxt.url == APP_ORIGIN + "/elsewhere"


def test_every_refused_header_is_listed():
    """Chromium names one refused header (its own order); the model names the first sorted one and
    lists all, in the explanation and in refused_headers."""
    req = FetchRequest(ECHO, APP_ORIGIN, "PUT", [("X-B", "1"), ("X-A", "1"), ("X-C", "1")])
    verdict = check_preflight(req, HttpResponse(204, [("access-control-allow-origin", "*"),
                                                      ("access-control-allow-methods", "PUT"),
                                                      ("access-control-allow-headers", "x-c")]))
    assert verdict.reason == reasons.header_disallowed("x-a")
    assert verdict.refused_headers == ["x-a", "x-b"] and "x-a, x-b" in verdict.explanation
