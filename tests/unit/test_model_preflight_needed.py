"""When does the browser send a preflight? Methods, safelisted headers and their value rules.

Sources: Fetch #cors-safelisted-method, #cors-safelisted-request-header, #cors-unsafe-request-
header-names, #forbidden-request-header; WPT fetch/api/cors/cors-no-preflight.any.js,
fetch/api/cors/resources/not-cors-safelisted.json, cors/cors-safelisted-request-header.any.js
(reference section 7).
"""

from __future__ import annotations

import pytest

from corslab.fetch import headers as fh
from corslab.fetch.model import FetchRequest, effective_headers, preflight_needed, preflight_request
from corslab.stack.topology import APP_ORIGIN, service

URL = service("api").origin + "/v1/users"


def needs(method="GET", headers=(), **kw) -> bool:
    return preflight_needed(FetchRequest(URL, APP_ORIGIN, method, list(headers), **kw))


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "get", "post"])
def test_safelisted_methods_need_no_preflight(method):
    """Fetch #cors-safelisted-method (GET, HEAD, POST, after normalisation); WPT cors-no-preflight."""
    assert not needs(method)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "patch", "OPTIONS", "SUPER"])
def test_other_methods_need_a_preflight(method):
    """Fetch #cors-safelisted-method: anything else is unsafe."""
    assert needs(method)


def test_method_normalisation_uppercases_only_the_six_known_methods():
    """Fetch #concept-method-normalize: DELETE GET HEAD OPTIONS POST PUT; 'patch' stays 'patch'."""
    assert fh.normalize_method("delete") == "DELETE"
    assert fh.normalize_method("pUt") == "PUT"
    assert fh.normalize_method("patch") == "patch"
    assert fh.normalize_method("Custom") == "Custom"
    assert preflight_request(FetchRequest(URL, APP_ORIGIN, "patch"))[1][1] == (
        "Access-Control-Request-Method", "patch")


@pytest.mark.parametrize("name, value", [
    ("Accept", "*/*"),
    ("Accept-Language", "fr"),
    ("Content-Language", "fr"),
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Content-Type", "multipart/form-data"),
    ("Content-Type", "text/plain"),
    ("Content-Type", "text/plain;charset=utf-8"),
    ("Content-Type", "Text/Plain;charset=utf-8"),
])
def test_safelisted_headers_need_no_preflight(name, value):
    """WPT fetch/api/cors/cors-no-preflight.any.js (x-did-preflight must be 0)."""
    assert not needs("POST", [(name, value)])


@pytest.mark.parametrize("name, value", [
    ("accept", '"'),
    ("accept", "01234567890123456789012345678901234567890123456789012345678901234567890123456789"
               "0123456789012345678901234567890123456789012345678"),
    ("accept-language", "\u0001"),
    ("accept-language", "@"),
    ("authorization", "basics"),
    ("content-language", "\u0001"),
    ("content-language", "@"),
    ("content-type", "text/html"),
    ("content-type", "text/plain; long=" + "0" * 112),
    ("range", "bytes 0-"),
    ("test", "hi"),
])
def test_not_cors_safelisted_headers_need_a_preflight(name, value):
    """WPT fetch/api/cors/resources/not-cors-safelisted.json: each one preflights."""
    assert needs("GET", [(name, value)])


def test_the_128_byte_limit_is_inclusive():
    """Fetch #cors-safelisted-request-header step 1: more than 128 bytes is unsafe; 128 is fine."""
    assert fh.is_safelisted_request_header("Accept", "a" * 128)
    assert not fh.is_safelisted_request_header("Accept", "a" * 129)
    assert len("text/plain; long=" + "0" * 112) == 129


@pytest.mark.parametrize("value, preflight", [
    ("text /plain", True),
    ("text\t/\tplain", True),
    ("text/plain;", False),
    ("text/plain;garbage", False),
    ("text/plain;garbage\u0001\u0002", True),
    ("text/plain,", True),
    (",text/plain", True),
    ("text/plain,text/plain", True),
    ("text/plain,x/x", True),
    ("text/plain\u000B", True),
    ("text/plain\u000C", True),
    ("application/www-form-urlencoded", True),
    ("application/x-www-form-urlencoded;\u007F", True),
    ("multipart/form-data", False),
    ("multipart/form-data;\"", True),
])
def test_content_type_needs_a_strict_mime_parse_and_a_form_essence(value, preflight):
    """WPT cors/cors-safelisted-request-header.any.js, Content-Type cases (POST)."""
    assert needs("POST", [("Content-Type", value)]) is preflight


def test_content_type_given_twice_is_combined_and_preflights():
    """A page's Headers object joins repeated names with ", ": 'text/plain, text/plain' is no MIME type."""
    assert needs("POST", [("Content-Type", "text/plain"), ("Content-Type", "text/plain")])


@pytest.mark.parametrize("value, preflight", [
    ("100-200", True), ("MB=100-200", True), ("bytes=100-200", False), ("bytes =100-200", True),
    ("bytes\t=100-200", True), ("bytes=  100-200", True), ("bytes=\t\t100-200", True),
    ("bytes= \t100-200", True), ("bytes=100 -200", True), ("bytes=100\t-200", True),
    ("bytes=100- 200", True), ("bytes=100-\t200", True), ("bytes=100-200hello", True),
    ("bytes=abc-def", True), ("bytes=100-200,300-400", True), ("bytes=-200", True),
    ("bytes=200-", False), ("bytes=200-100", True),
    ("bytes=1" + "0" * 60 + "-2" + "0" * 60, True),
    ("bytes 100-200", True), ("bytes = 100-200", True), (",bytes=100-200", True),
    ("bytes=,100-200", True),
])
def test_range_is_safelisted_only_as_a_single_range_with_a_start(value, preflight):
    """Fetch #simple-range-header-value; WPT cors/cors-safelisted-request-header.any.js, Range cases."""
    assert needs("GET", [("Range", value)]) is preflight


def test_last_event_id_is_not_safelisted():
    """Fetch main has no Last-Event-ID in the safelist (commits aa394cf, b5a68d4 were never merged)
    and neither has Chromium; an older WPT cors-safelisted-request-header.any.js still expects
    'last-event-id: abc123' to skip the preflight. Fetch main does not safelist Last-Event-ID."""
    assert needs("GET", [("Last-Event-ID", "abc123")])


def test_safelisted_values_beyond_1024_bytes_in_total_preflight():
    """Fetch #cors-unsafe-request-header-names: over 1024 bytes of safelisted values, all are unsafe.

    Repeated names are combined first (as Chromium's request does), so the 128-byte limit on the
    combined value bites before the total: either way, a preflight.
    """
    headers = [("Accept", "a" * 128)] * 9
    assert sum(len(v) for _, v in headers) > 1024
    assert needs("GET", headers)
    assert fh.unsafe_request_header_names(headers) == ["accept"]


def test_unsafe_names_are_sorted_lowercased_and_unique():
    """Fetch #cors-unsafe-request-header-names: a sorted, byte-lowercased set."""
    headers = [("X-Zeta", "1"), ("Content-Type", "application/json"), ("x-alpha", "2"),
               ("X-ALPHA", "3"), ("Accept", "*/*")]
    assert fh.unsafe_request_header_names(headers) == ["content-type", "x-alpha", "x-zeta"]


@pytest.mark.parametrize("name, value", [
    ("Cookie", "a=b"), ("Origin", "http://evil.example"), ("Host", "x"), ("Referer", "x"),
    ("Sec-Foo", "1"), ("Proxy-Authorization", "x"), ("Content-Length", "5"), ("Connection", "close"),
    ("X-HTTP-Method-Override", "TRACE"), ("X-Method-Override", "PUT, connect"),
])
def test_forbidden_request_headers_are_dropped_silently_and_never_preflight(name, value):
    """Fetch #forbidden-request-header: the browser drops them from script headers, no error."""
    req = FetchRequest(URL, APP_ORIGIN, "GET", [(name, value)])
    sent, dropped = effective_headers(req)
    assert sent == [] and [n for n, _ in dropped] == [name]
    assert not preflight_needed(req)


def test_method_override_header_naming_an_ordinary_method_is_kept():
    """Fetch #forbidden-request-header: X-HTTP-Method-Override is forbidden only for CONNECT/TRACE/TRACK."""
    req = FetchRequest(URL, APP_ORIGIN, "POST", [("X-HTTP-Method-Override", "PUT")])
    assert effective_headers(req)[0] == [("X-HTTP-Method-Override", "PUT")]
    assert preflight_needed(req)


def test_same_origin_requests_never_preflight():
    """Fetch "main fetch": same-origin requests take the basic path, whatever the method."""
    req = FetchRequest(APP_ORIGIN + "/x", APP_ORIGIN, "DELETE", [("X-Custom", "1")])
    assert not preflight_needed(req)


def test_no_cors_mode_never_preflights():
    """Fetch "main fetch": no-cors requests are opaque, never preflighted."""
    assert not needs("POST", [("Content-Type", "text/plain")], mode="no-cors")


def test_a_string_body_gets_text_plain_and_needs_no_preflight():
    """Fetch "extract a body": a USVString body has type text/plain;charset=UTF-8 (safelisted)."""
    req = FetchRequest(URL, APP_ORIGIN, "POST", body='{"name": "ada"}')
    assert ("Content-Type", "text/plain;charset=UTF-8") in effective_headers(req)[0]
    assert not preflight_needed(req)
