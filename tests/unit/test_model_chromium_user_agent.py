"""A page's User-Agent header: Chromium drops it (and sends no preflight for it); Firefox does not.

Source: Chromium net/http/http_util.cc, ``kForbiddenHeaderFields`` still lists ``user-agent``
("no longer banned, but still here due to issues mentioned in crbug.com/571722"), so the name is
not a CORS-unsafe header name for Chromium (services/network/cors/cors_url_loader.cc NeedsPreflight
counts only CorsUnsafeNotForbiddenRequestHeaderNames). The Fetch standard removed User-Agent from
#forbidden-request-header, so by the standard (and in Firefox 43+) it is a non-safelisted header
that needs a preflight. Observed in Chromium 156 here: tests/browser/test_user_agent.py.
"""

from __future__ import annotations

from corslab.fetch import headers as fh
from corslab.fetch.model import (USER_AGENT_NOTE, FetchRequest, HttpResponse, decide, effective_headers,
                           preflight_needed, preflight_request)
from corslab.stack.topology import APP_ORIGIN, service

URL = service("echo").origin + "/ua"


def test_a_user_agent_set_by_the_page_sends_no_preflight_in_chromium():
    """Chromium http_util.cc kForbiddenHeaderFields: user-agent is not counted as CORS-unsafe."""
    assert not preflight_needed(FetchRequest(URL, APP_ORIGIN, "GET", [("User-Agent", "my-app/1")]))


def test_the_standard_alone_would_preflight_a_user_agent():
    """Fetch #cors-safelisted-request-header: User-Agent is neither safelisted nor forbidden."""
    assert not fh.is_forbidden_request_header("User-Agent", "my-app/1")
    assert fh.unsafe_request_header_names([("User-Agent", "my-app/1")]) == ["user-agent"]


def test_chromium_drops_the_page_user_agent_and_says_how_firefox_differs():
    """The dropped header is reported with the difference from the standard and Firefox."""
    req = FetchRequest(URL, APP_ORIGIN, "GET", [("user-agent", "my-app/1"), ("X-Trace-Id", "1")])
    sent, dropped = effective_headers(req)
    assert [n.lower() for n, _ in sent] == ["x-trace-id"]
    assert dropped == [("user-agent", USER_AGENT_NOTE)]
    assert "Firefox" in USER_AGENT_NOTE and "crbug.com/571722" in USER_AGENT_NOTE
    _, headers = preflight_request(req)
    assert dict(headers)["Access-Control-Request-Headers"] == "x-trace-id"
    decision = decide(req, HttpResponse(204, [("access-control-allow-origin", APP_ORIGIN),
                                              ("access-control-allow-headers", "x-trace-id")]),
                      HttpResponse(200, [("access-control-allow-origin", APP_ORIGIN)]))
    assert decision.allowed and "Firefox" in decision.explanation
