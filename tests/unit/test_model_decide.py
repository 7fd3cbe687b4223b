"""decide(): the whole browser decision, including what happens before any network traffic.

Sources: Fetch "main fetch", #dom-request (TypeErrors), #forbidden-method, request modes;
Blink request.cc / fetch_manager.cc messages; the probe object of docs/architecture.md.
"""

from __future__ import annotations

import pytest

from corslab.stack import policy
from corslab.errors import CorsLabError
from corslab.fetch.model import Decision, FetchRequest, HttpResponse, decide
from corslab.stack.topology import APP_ORIGIN, UNTRUSTED_ORIGIN, service

URL = service("api").origin + "/v1/users/1"


def lab_preflight(origin=APP_ORIGIN):
    """What the lab policy answers to an allowed origin's preflight."""
    return HttpResponse(204, [
        ("access-control-allow-origin", origin),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", policy.header_list(policy.ALLOWED_METHODS)),
        ("access-control-allow-headers", policy.header_list(policy.ALLOWED_HEADERS)),
        ("access-control-max-age", str(policy.MAX_AGE)), ("vary", "Origin")])


def lab_response(origin=APP_ORIGIN):
    return HttpResponse(200, [
        ("content-type", "application/json"), ("x-request-id", "42"),
        ("access-control-allow-origin", origin), ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", policy.header_list(policy.EXPOSED_HEADERS)),
        ("vary", "Origin")])


def test_the_lab_policy_allows_a_credentialed_put_from_the_app():
    """README example: PUT with credentials from the app origin is allowed, X-Request-Id exposed."""
    req = FetchRequest(URL, APP_ORIGIN, "PUT", [("Content-Type", "application/json")],
                       credentials="include", body="{}")
    d = decide(req, lab_preflight(), lab_response())
    assert isinstance(d, Decision)
    assert d.allowed and d.preflight_needed and d.reason is None
    assert d.exposed_headers == ["content-type", "x-request-id"]
    assert d.preflight_request[0] == "OPTIONS"


def test_no_cors_gives_an_opaque_response_without_an_error():
    """Fetch opaque filtered response: fetch() resolves, status 0, nothing readable, no console line."""
    req = FetchRequest(URL, APP_ORIGIN, "POST", [("Content-Type", "text/plain")], mode="no-cors",
                       body="x")
    d = decide(req, response=HttpResponse(200, []))
    assert not d.allowed and d.opaque and d.reason is None and d.kind == "opaque"
    assert d.exposed_headers == []


def test_no_cors_drops_headers_that_are_not_no_cors_safelisted():
    """Fetch Headers guard "request-no-cors": such headers are ignored silently."""
    req = FetchRequest(URL, APP_ORIGIN, "GET", [("X-Trace-Id", "1"), ("Accept", "*/*")],
                       mode="no-cors")
    d = decide(req, response=HttpResponse(200, []))
    assert d.request_headers == [("Accept", "*/*")]
    assert [n for n, _ in d.dropped_headers] == ["X-Trace-Id"]


def test_no_cors_with_put_throws_a_type_error():
    """Fetch #dom-request: in no-cors mode a non-safelisted method throws (Blink's message)."""
    d = decide(FetchRequest(URL, APP_ORIGIN, "PUT", mode="no-cors"))
    assert d.kind == "type-error"
    assert d.reason == "Failed to execute 'fetch' on 'Window': 'PUT' is unsupported in no-cors mode."


def test_same_origin_mode_with_a_cross_origin_url_is_refused_before_the_network():
    """Fetch "main fetch": mode same-origin and another origin -> network error (Blink's text)."""
    d = decide(FetchRequest(URL, APP_ORIGIN, mode="same-origin"))
    assert not d.allowed and d.kind == "fetch-api"
    assert d.reason == (f"Fetch API cannot load {URL}. Request mode is \"same-origin\" but the URL's "
                        f"origin is not same as the request origin {APP_ORIGIN}.")


@pytest.mark.parametrize("method", ["CONNECT", "TRACE", "track"])
def test_forbidden_methods_throw_before_the_network(method):
    """Fetch #forbidden-method: fetch() throws a TypeError."""
    d = decide(FetchRequest(URL, APP_ORIGIN, method))
    assert d.kind == "type-error" and not d.preflight_needed
    assert d.reason == f"Failed to execute 'fetch' on 'Window': '{method}' HTTP method is unsupported."


def test_a_body_on_get_throws():
    """Fetch #dom-request: a GET or HEAD request cannot have a body."""
    d = decide(FetchRequest(URL, APP_ORIGIN, "GET", body="x"))
    assert d.reason == "Failed to execute 'fetch' on 'Window': Request with GET/HEAD method cannot have body."


def test_an_invalid_header_name_throws():
    """Fetch Headers append: a name that is not a token throws a TypeError."""
    d = decide(FetchRequest(URL, APP_ORIGIN, "GET", [("Bad Name", "1")]))
    assert d.kind == "type-error" and d.reason.endswith("Invalid name")


def test_a_forbidden_header_does_not_cause_a_preflight():
    """Fetch #forbidden-request-header: dropped before the CORS decision, so no preflight."""
    req = FetchRequest(URL, APP_ORIGIN, "GET", [("Cookie", "a=b")])
    d = decide(req, response=HttpResponse(200, [("access-control-allow-origin", "*")]))
    assert d.allowed and not d.preflight_needed
    assert any("Cookie" in n for n in d.notes)


def test_a_failed_preflight_stops_the_actual_request():
    """Fetch: a failed preflight is a network error; the actual request is never sent."""
    req = FetchRequest(URL, UNTRUSTED_ORIGIN, "DELETE")
    d = decide(req, HttpResponse(204, []), None)
    assert not d.allowed and d.preflight_needed
    assert d.error == "kPreflightMissingAllowOriginHeader"


def test_decide_asks_for_the_preflight_answer_when_one_is_needed():
    """decide() cannot guess the server: a needed preflight answer must be given."""
    with pytest.raises(CorsLabError, match="needs a preflight"):
        decide(FetchRequest(URL, APP_ORIGIN, "PUT"), None, lab_response())


def test_every_refusal_explains_the_fix_in_plain_words():
    """The project's rule (docs/architecture.md): errors are sentences a learner can act on - which header, on which response."""
    req = FetchRequest(URL, APP_ORIGIN, "PUT", [("X-Trace-Id", "1")], credentials="include")
    d = decide(req, HttpResponse(204, [("access-control-allow-origin", APP_ORIGIN),
                                       ("access-control-allow-credentials", "true"),
                                       ("access-control-allow-methods", "PUT")]))
    assert d.error == "kHeaderDisallowedByPreflightResponse"
    assert "Fix: add x-trace-id to Access-Control-Allow-Headers on the OPTIONS response" in d.explanation


def test_to_dict_has_the_contract_fields():
    """docs/architecture.md probe object: allowed, preflight_needed, exposed_headers, reason."""
    d = decide(FetchRequest(URL, APP_ORIGIN), response=lab_response())
    assert {"allowed", "preflight_needed", "exposed_headers", "reason"} <= set(d.to_dict())
