"""Redirects as Chromium 156 here follows them, beyond the standard's steps.

Found by tests/browser/test_fuzz_parity.py: (1) after a redirect Chromium sent no preflight
where the model sent one, because Chromium had removed the script's client hints (DPR,
Downlink...) - it recomputes them per hop (observed in Chromium 156 here; Chromium's client hints
code removes hints on redirect); (2) a redirect to data: fails with net::ERR_UNSAFE_REDIRECT and
no CORS line, while ftp:, mailto:, javascript: and unknown schemes get the CORS error
kCorsDisabledScheme (services/network/cors/cors_url_loader.cc; text observed in Chromium 156 here).
"""

from __future__ import annotations

import pytest

from corslab.fetch import reasons
from corslab.fetch.model import FetchRequest, HttpResponse, follow_redirect, preflight_needed
from corslab.stack.topology import APP_ORIGIN, service

ECHO = service("echo").origin


def hop(req, location):
    return follow_redirect(req, HttpResponse(307, [("location", location),
                                                   ("access-control-allow-origin", "*")]))


@pytest.mark.parametrize("target", [ECHO + "/next", "http://127.0.0.1:8097/next"])
def test_client_hints_set_by_the_script_are_removed_on_every_redirect(target):
    req = FetchRequest(ECHO + "/first", APP_ORIGIN, headers=[
        ("DPR", "x"), ("Downlink", "1.5, 1.5"), ("Save-Data", "on"), ("Intervention", "i"),
        ("X-Foo", "1")])
    assert preflight_needed(req)
    nxt, verdict = hop(req, target)
    assert verdict.ok
    assert nxt.headers == [("Save-Data", "on"), ("Intervention", "i"), ("X-Foo", "1")]


def test_without_its_client_hints_the_next_hop_may_need_no_preflight():
    req = FetchRequest(ECHO + "/first", APP_ORIGIN, headers=[("Downlink", "1.5, 1.5")])
    nxt, _ = hop(req, "http://127.0.0.1:8097/next")
    assert preflight_needed(req) and not preflight_needed(nxt)


@pytest.mark.parametrize("location", ["data:,hello", "file:///etc/passwd", "about:blank",
                                      "blob:http://localhost:3000/x"])
def test_a_redirect_to_data_file_about_or_blob_is_an_unsafe_redirect(location):
    nxt, verdict = hop(FetchRequest(ECHO + "/r", APP_ORIGIN), location)
    assert nxt is None and verdict.kind == "network" and verdict.reason == "net::ERR_UNSAFE_REDIRECT"


def test_a_redirect_to_a_websocket_url_is_an_unknown_scheme():
    nxt, verdict = hop(FetchRequest(ECHO + "/r", APP_ORIGIN), "ws://localhost:8097/x")
    assert nxt is None and verdict.reason == "net::ERR_UNKNOWN_URL_SCHEME"


@pytest.mark.parametrize("location", ["ftp://localhost/x", "mailto:x@y", "javascript:1", "foo:bar"])
def test_a_cors_redirect_to_another_scheme_is_a_cors_error(location):
    nxt, verdict = hop(FetchRequest(ECHO + "/r", APP_ORIGIN), location)
    assert nxt is None and verdict.kind == "cors" and verdict.error == "kCorsDisabledScheme"
    assert verdict.reason == reasons.cors_disabled_scheme()


@pytest.mark.parametrize("location", ["ftp://localhost/x", "mailto:x@y", "javascript:1",
                                      "ws://localhost:8097/x"])
def test_a_no_cors_redirect_to_another_scheme_is_an_unknown_scheme(location):
    """Observed in Chromium 156 here: no CORS loader check in mode no-cors, net::ERR_UNKNOWN_URL_SCHEME."""
    nxt, verdict = hop(FetchRequest(ECHO + "/r", APP_ORIGIN, mode="no-cors"), location)
    assert nxt is None and verdict.kind == "network" and verdict.reason == "net::ERR_UNKNOWN_URL_SCHEME"


def test_a_cors_redirect_with_credentials_names_no_location():
    """Observed in Chromium 156 here: "Redirect location '' contains a username and password"."""
    nxt, verdict = hop(FetchRequest(ECHO + "/r", APP_ORIGIN), "http://user:pw@localhost:8097/x")
    assert nxt is None and verdict.reason == reasons.redirect_contains_credentials("")


def test_a_no_cors_redirect_with_credentials_is_aborted():
    """Observed in Chromium 156 here: a no-cors fetch() redirected to user:pw@ fails, net::ERR_ABORTED."""
    nxt, verdict = hop(FetchRequest(ECHO + "/r", APP_ORIGIN, mode="no-cors"),
                       "http://user:pw@localhost:8097/x")
    assert nxt is None and verdict.kind == "network" and verdict.reason == "net::ERR_ABORTED"
