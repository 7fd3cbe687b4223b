"""``explain``: every reason text the model produces reads back as the model's CorsError name.

The reason texts are Chromium's (``third_party/blink/renderer/platform/loader/cors/
cors_error_string.cc``) as ``corslab.fetch.reasons`` writes them; the names are Chromium's ``CorsError``
enum (``services/network/public/mojom/cors.mojom``) without the ``k``. Every case here is decided
by the model (``corslab.fetch.model``): the test takes the reason and the error name the model computed
and checks that ``explain`` turns the reason - alone, inside Chromium's whole console line, with and
without "redirected from" - back into that name.
"""

import json
import subprocess
import sys

import pytest

from corslab.tools import explain
from corslab.fetch import model, reasons
from corslab.errors import CorsLabError

URL = "http://localhost:8081/v1/users"
ORIGIN = "http://localhost:3000"
R = model.HttpResponse


def req(method="GET", headers=(), credentials="omit", **kw):
    return model.FetchRequest(URL, ORIGIN, method=method, headers=list(headers), credentials=credentials, **kw)


OK_PREFLIGHT = [("access-control-allow-origin", ORIGIN), ("access-control-allow-methods", "GET, POST")]
# (request, preflight answer or None, actual answer or None): one case per way the model refuses.
CASES = {
    "missing": (req(), None, R(200)),
    "mismatch": (req(), None, R(200, [("access-control-allow-origin", "http://localhost:3001")])),
    "mismatch-null": (req(), None, R(200, [("access-control-allow-origin", "null")])),
    "multiple": (req(), None, R(200, [("access-control-allow-origin", ORIGIN),
                                      ("access-control-allow-origin", "*")])),
    "invalid": (req(), None, R(200, [("access-control-allow-origin", "-")])),
    "invalid-nul": (req(), None, R(200, [("access-control-allow-origin", "a\x00b")])),
    "wildcard": (req(credentials="include"), None, R(200, [("access-control-allow-origin", "*")])),
    "credentials": (req(credentials="include"), None, R(200, [("access-control-allow-origin", ORIGIN)])),
    "credentials-TRUE": (req(credentials="include"), None, R(200, [("access-control-allow-origin", ORIGIN),
                                                                  ("access-control-allow-credentials", "TRUE")])),
    "pf-missing": (req("PUT"), R(204), None),
    "pf-mismatch": (req("PUT"), R(204, [("access-control-allow-origin", "http://a.test")]), None),
    "pf-multiple": (req("PUT"), R(204, [("access-control-allow-origin", "http://a.test, http://b.test")]), None),
    "pf-invalid": (req("PUT"), R(204, [("access-control-allow-origin", "nope")]), None),
    "pf-wildcard": (req("PUT", credentials="include"), R(204, [("access-control-allow-origin", "*")]), None),
    "pf-credentials": (req("PUT", credentials="include"), R(204, [("access-control-allow-origin", ORIGIN)]), None),
    "pf-status": (req("PUT"), R(404, OK_PREFLIGHT), None),
    "pf-redirect": (req("PUT"), R(301, [("location", URL + "/")]), None),
    "pf-methods-unparsable": (req("PUT"), R(204, [("access-control-allow-origin", ORIGIN),
                                                 ("access-control-allow-methods", "GET POST")]), None),
    "pf-headers-unparsable": (req("PUT"), R(204, OK_PREFLIGHT + [("access-control-allow-headers", "a b")]), None),
    "pf-method": (req("PUT"), R(204, OK_PREFLIGHT), None),
    "pf-method-lowercase": (req("patch"), R(204, OK_PREFLIGHT), None),
    "pf-header": (req("POST", [("X-Trace-Id", "1")]), R(204, OK_PREFLIGHT), None),
    "mode": (req(mode="same-origin"), None, None),
}


def decided(name):
    request, preflight, response = CASES[name]
    return request, model.decide(request, preflight, response)


def model_name(decision) -> str:
    return decision.error.removeprefix("k")


@pytest.mark.parametrize("name", [n for n in CASES if n != "mode"])
def test_every_reason_the_model_produces_reads_back_as_its_corserror_name(name):
    """The reason alone, the whole console line, and the line of a redirected request."""
    request, decision = decided(name)
    assert decision.kind == "cors" and decision.error, decision
    expected = model_name(decision)
    assert explain.explain(decision.reason).error == expected
    line = reasons.console_message(URL, ORIGIN, decision.reason)
    got = explain.explain("localhost/:1 " + line + "\nGET " + URL + " net::ERR_FAILED 200 (OK)")
    assert (got.error, got.url, got.origin) == (expected, URL, ORIGIN)
    assert got.preflight == ("Preflight" in expected)
    redirected = reasons.console_message(URL + "/b", ORIGIN, decision.reason, first_url=URL)
    got = explain.explain(redirected)
    assert (got.error, got.url, got.first_url) == (expected, URL + "/b", URL)


def test_the_reason_table_is_covered_by_the_cases_above():
    """Every name explain can return is produced by one of the model's cases (no dead rows), except
    the redirect-only ones the model reaches through follow_redirect (tested below)."""
    produced = {model_name(decided(n)[1]) for n in CASES if n != "mode"}
    table = {r.name for r in explain.reason_table()}
    before_cors = {"LocalNetworkAccessPermissionDenied", "InvalidPrivateNetworkAccess", "MixedContent"}
    assert table - produced == {"RedirectContainsCredentials", "CorsDisabledScheme", "DisallowedByMode",
                                *before_cors}  # corslab.fetch.lna's lines: tests/browser/test_https_mixed_lna.py


@pytest.mark.parametrize("location,expected", [
    ("http://user:pw@localhost:8095/v1/users", "RedirectContainsCredentials"),
    ("ftp://localhost/x", "CorsDisabledScheme"),
])
def test_redirect_refusals_read_back_as_their_names(location, expected):
    """model.follow_redirect's refusals (Fetch "HTTP-redirect fetch"; Chromium cors_url_loader.cc)."""
    _, verdict = model.follow_redirect(req(), R(302, [("location", location),
                                                      ("access-control-allow-origin", ORIGIN)]))
    assert verdict.error == "k" + expected
    assert explain.explain(verdict.reason).error == expected


def test_the_same_origin_mode_line_reads_back_as_disallowed_by_mode():
    """Blink's "Fetch API cannot load ... Request mode is "same-origin"" line (fetch_manager.cc)."""
    request, decision = decided("mode")
    got = explain.explain(decision.reason)
    assert (got.error, got.url, got.origin) == ("DisallowedByMode", URL, ORIGIN)


def test_values_come_back_as_the_console_quoted_them():
    """The header and value fields name what the server sent (ACAO) or the page asked (method, header)."""
    _, d = decided("mismatch")
    assert explain.explain(d.reason).value == "http://localhost:3001"
    _, d = decided("pf-header")
    got = explain.explain(d.reason)
    assert (got.header, got.value) == ("Access-Control-Allow-Headers", "x-trace-id")
    _, d = decided("pf-method-lowercase")
    assert explain.explain(d.reason).value == "patch"


def test_older_chromium_hints_after_the_reason_are_ignored():
    """Chromium before the kit's version appended the no-cors advice (cors_error_string.cc history)."""
    old = (reasons.missing_allow_origin() + " If an opaque response serves your needs, set the "
           "request's mode to 'no-cors' to fetch the resource with CORS disabled.")
    assert explain.explain(old).error == "MissingAllowOriginHeader"


@pytest.mark.parametrize("reason,expected,value", [
    ("CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200", "MissingAllowOriginHeader", None),
    ("CORS header ‘Access-Control-Allow-Origin’ does not match ‘http://localhost:3001’)", "AllowOriginMismatch",
     "http://localhost:3001"),
    ("Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’)",
     "WildcardOriginNotAllowed", None),
    ("expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’)", "InvalidAllowCredentials", None),
    ("Did not find method in CORS header ‘Access-Control-Allow-Methods’)", "MethodDisallowedByPreflightResponse", None),
    ("header ‘x-trace-id’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS "
     "preflight response)", "HeaderDisallowedByPreflightResponse", "x-trace-id"),
    ("CORS preflight response did not succeed). Status code: 404", "PreflightInvalidStatus", None),
    ("Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed)", "MultipleAllowOriginValues", None),
])
def test_firefox_reasons_map_to_chromium_names(reason, expected, value):
    """Firefox's reasons (nsCORSListenerProxy.cpp; MDN "CORS errors") where Chromium has a counterpart."""
    line = ("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource "
            f"at {URL}. (Reason: {reason}.")
    got = explain.explain(line)
    assert (got.error, got.value, got.url) == (expected, value, URL)


@pytest.mark.parametrize("message", ["", "hello", "GET http://x/ net::ERR_FAILED 200 (OK)",
                                     "Access to fetch at 'x' from origin 'y' has been blocked by CORS policy: foo",
                                     "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the "
                                     "remote resource at http://x/. (Reason: CORS request did not succeed). "
                                     "Status code: (null)."])
def test_a_message_that_is_not_a_readable_cors_error_is_one_clear_line(message):
    with pytest.raises(CorsLabError) as exc:
        explain.explain(message)
    assert "\n" not in str(exc.value)


def test_fixes_name_every_setup_and_the_probe_repeats_the_request():
    _, d = decided("pf-header")
    got = explain.explain(reasons.console_message(URL, ORIGIN, d.reason))
    assert set(got.fixes) == set(explain.SETUPS)
    assert "X-Trace-Id".lower() in got.fixes["istio"] and "allowHeaders" in got.fixes["istio"]
    assert got.probe == f"python -m corslab probe {URL} --origin {ORIGIN} --method PUT --header 'x-trace-id: 1'"


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "corslab", "explain", *args], capture_output=True,
                          text=True, timeout=30, input=stdin)


def test_cli_json_has_exactly_the_documented_keys():
    _, d = decided("pf-missing")
    result = run_cli(reasons.console_message(URL, ORIGIN, d.reason), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["error", "preflight", "header", "value", "url", "origin", "explanation", "fixes", "probe"]
    assert data["error"] == "PreflightMissingAllowOriginHeader" and data["preflight"] is True


def test_cli_reads_stdin_and_refuses_nonsense_with_one_line():
    _, d = decided("missing")
    assert run_cli("-", stdin=d.reason).returncode == 0
    result = run_cli("not a cors error")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("corslab explain: error: cannot read")


def test_a_line_wrapped_by_the_paste_and_an_xhr_line_are_read_too():
    """DevTools prints "Access to XMLHttpRequest at ..." for XHR (reasons.console_message's kind);
    a paste from a narrow terminal may break the line anywhere."""
    _, d = decided("pf-method")
    xhr = reasons.console_message(URL, ORIGIN, d.reason, kind="XMLHttpRequest")
    assert explain.explain(xhr).error == "MethodDisallowedByPreflightResponse"
    wrapped = reasons.console_message(URL, ORIGIN, d.reason).replace(" has been ", "\n has been ", 1)
    got = explain.explain(wrapped)
    assert (got.error, got.value, got.origin) == ("MethodDisallowedByPreflightResponse", "PUT", ORIGIN)
