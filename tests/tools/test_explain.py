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


# --- linear in the paste: no backtracking regex on untrusted text ---------------------------------

# Pastes built to make a backtracking engine try every way of splitting them between the holes of a
# pattern (the console line's kind/url/origin, Firefox's url/reason, the same-origin line's
# url/origin, a reason's value), each with the ending that makes the whole match fail.
CRAFTED = {
    "blocked-first": lambda n: "has been blocked by CORS policy: \nAccess to " + " at '' from origin '" * (n // 20),
    "console-line": lambda n: "Access to " + " at '' from origin '" * (n // 20) + "\nhas been blocked by CORS policy: ",
    "redirect-line": lambda n: ("Access to fetch at '" + "' (redirected from '' from origin '" * (n // 36)
                                + "\nhas been blocked by CORS policy: "),
    "reason-value": lambda n: "CORS policy: " + "The 'Access-Control-Allow-Origin' header has a value '" * (n // 54),
    "firefox": lambda n: "Cross-Origin Request Blocked: " + " at a (Reason: " * (n // 15),
    "same-origin": lambda n: "Fetch API cannot load " + 'x. Request mode is "same-origin" ' * (n // 34),
}


def _cpu_seconds(message: str) -> float:
    import time

    start = time.process_time()
    try:
        explain.explain(message)
    except CorsLabError:
        pass
    return time.process_time() - start


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", CRAFTED)
def test_explain_time_grows_linearly_with_a_crafted_paste(kind):
    """RE2's matching time is linear in the text (github.com/google/re2, "Syntax" and the design
    notes): 10x the paste costs about 10x the CPU, never 100x. Compared 1.9 KB against 19 KB and
    19 KB against 95 KB, so the bound does not depend on the machine's speed; a backtracking engine
    needed minutes for the 19 KB console line."""
    _cpu_seconds(CRAFTED[kind](1000))  # warm the pattern tables
    small, medium, large = (min(_cpu_seconds(CRAFTED[kind](n)) for _ in range(2)) for n in (1_900, 19_000, 95_000))
    floor = 0.004  # below this the clock measures noise
    assert medium <= 25 * max(small, floor), (kind, small, medium)
    assert large <= 12 * max(medium, floor), (kind, medium, large)


def test_a_long_console_dump_is_read_at_the_blocked_line():
    """A whole DevTools console saved as text: hundreds of other lines (some saying "Access to"),
    then Chromium's line, then the GET ... net::ERR_FAILED line. Read in well under a second."""
    import time

    _, d = decided("pf-method")
    noise = "".join(f"app.js:{i} Access to storage granted for item {i}; render took {i % 97} ms\n"
                    for i in range(4000))
    dump = noise + reasons.console_message(URL, ORIGIN, d.reason) + f"\nPUT {URL} net::ERR_FAILED\n" + noise
    assert len(dump) > 300_000
    start = time.process_time()
    got = explain.explain(dump)
    assert time.process_time() - start < 2
    assert (got.error, got.value, got.url, got.origin) == ("MethodDisallowedByPreflightResponse", "PUT", URL, ORIGIN)


def test_a_paste_over_the_limit_is_refused_in_one_line():
    result = run_cli("-", stdin="x" * (explain.MAX_CHARS + 10))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert f"{explain.MAX_CHARS:,} characters" in result.stderr


def test_terminal_control_characters_from_the_paste_are_printed_escaped():
    """An ESC sequence or a carriage return in a pasted URL would rewrite the learner's terminal."""
    _, d = decided("pf-method")
    url = URL + "/\x1b[2J\x1b]0;owned\x07\r"
    got = explain.explain(reasons.console_message(url, ORIGIN, d.reason)).report()
    assert "\x1b" not in got and "\r" not in got and "\x07" not in got
    assert "\\x1b[2J" in got
