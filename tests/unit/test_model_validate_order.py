"""Which TypeError fetch() throws when a request breaks several rules: the first in Fetch's order.

Source: Fetch "new Request(input, init)" (cache mode, then method, then no-cors method, then
headers, then a body on GET/HEAD), as Blink's request.cc runs it - observed in Chromium 156 here
(tests/browser/test_fuzz_parity.py found 'B@D' with cache 'only-if-cached': Chromium names the
cache mode, the model named the method).
"""

from __future__ import annotations

from corslab.fetch import reasons
from corslab.fetch.model import FetchRequest, validate
from corslab.stack.topology import APP_ORIGIN, service

URL = service("echo").origin + "/v"


def refusal(**kw) -> str:
    return validate(FetchRequest(URL, APP_ORIGIN, **kw)).reason


def test_only_if_cached_is_checked_before_the_method():
    assert refusal(method="B@D", cache="only-if-cached") == reasons.type_error_only_if_cached()


def test_the_method_is_checked_before_the_no_cors_rule():
    assert refusal(method="TRACE", mode="no-cors") == reasons.type_error_forbidden_method("TRACE")


def test_a_no_cors_method_is_checked_before_the_headers_and_the_body():
    assert refusal(method="PUT", mode="no-cors", headers=[("X", "a\0")], body="x") == (
        reasons.type_error_no_cors_method("PUT"))


def test_the_headers_are_checked_before_a_body_on_get():
    assert refusal(method="GET", headers=[("Bad Name", "1")], body="x") == (
        reasons.type_error_invalid_header_name())
    assert refusal(method="GET", mode="no-cors", headers=[("X", "\0")], body="x") == (
        reasons.type_error_invalid_header_value())
