"""The CORS check on a response: ACAO and ACAC, and Chromium's exact words for each failure.

Sources: Fetch #concept-cors-check; Chromium services/network/public/cpp/cors/cors.cc
(CheckAccess) and blink cors_error_string.cc; WPT cors/origin.htm and
cors/credentials-flag.htm.
"""

from __future__ import annotations

import pytest

from corslab.fetch.model import FetchRequest, HttpResponse, check_access, check_response
from corslab.stack.topology import APP_ORIGIN, service

API = service("api").origin
URL = API + "/v1/users"
HOST = APP_ORIGIN.split("://")[1]  # localhost:3000

# Chromium 156's endings (older Chromium versions added the 'no-cors' advice).
OPAQUE_HINT = ""
NO_CORS_HINT = " Have the server send the header with a valid value."


def verdict(*acao_lines, credentials="same-origin", acac=None, origin=APP_ORIGIN):
    headers = [("access-control-allow-origin", v) for v in acao_lines]
    if acac is not None:
        headers.append(("access-control-allow-credentials", acac))
    req = FetchRequest(URL, origin, credentials=credentials)
    return check_response(req, HttpResponse(200, headers))


@pytest.mark.parametrize("acao", ["*", " *  ", "\t*", APP_ORIGIN, " " + APP_ORIGIN,
                                  APP_ORIGIN + " ", "\t" + APP_ORIGIN + "\t"])
def test_acao_star_or_the_exact_origin_passes(acao):
    """WPT cors/origin.htm: '*' and the exact origin pass, surrounding white space trimmed."""
    assert verdict(acao).ok


@pytest.mark.parametrize("acao", [
    "http://www." + HOST, "//" + HOST, "://" + HOST, "ftp://" + HOST, "http:://" + HOST,
    HOST, APP_ORIGIN + "?", APP_ORIGIN + "/", APP_ORIGIN + " /", APP_ORIGIN + "#",
    APP_ORIGIN + "%23", APP_ORIGIN + ":80", APP_ORIGIN + ", *", APP_ORIGIN + "\0",
    APP_ORIGIN.upper(), APP_ORIGIN.replace("http", "HTTP"), "-", "**", "\0*", "*\0", "'*'",
    '"*"', "* *", "* null", "*http://*", "*" + APP_ORIGIN, "* " + APP_ORIGIN, "*, " + APP_ORIGIN,
    "\0" + APP_ORIGIN, "null " + APP_ORIGIN, "http://example.net", "null", "null *", "",
    URL, API + "/v1/", "*.localhost", "http://*.localhost:3000",
])
def test_acao_anything_else_fails(acao):
    """WPT cors/origin.htm: every other value fails - byte-exact, case-sensitive, no list."""
    assert not verdict(acao).ok


@pytest.mark.parametrize("lines", [("", "*"), ("*", "*"), (APP_ORIGIN, APP_ORIGIN)])
def test_two_acao_lines_always_fail_as_multiple_values(lines):
    """WPT cors/origin.htm (doubleOrigin); Fetch "get" joins lines with ", "; cors.cc: a comma."""
    v = verdict(*lines)
    assert not v.ok
    assert v.error == "kMultipleAllowOriginValues"
    assert v.reason == (f"The 'Access-Control-Allow-Origin' header contains multiple values "
                        f"'{', '.join(lines)}', but only one is allowed." + NO_CORS_HINT)


def test_missing_acao_reason_is_chromiums_text():
    """cors_error_string.cc kMissingAllowOriginHeader, as Chromium 156 prints it for fetch()."""
    v = verdict()
    assert v.error == "kMissingAllowOriginHeader"
    assert v.reason == ("No 'Access-Control-Allow-Origin' header is present on the requested "
                        "resource." + OPAQUE_HINT)
    assert "Access-Control-Allow-Origin: " + APP_ORIGIN in v.explanation


def test_wrong_origin_reason_names_the_value():
    """cors.cc: a well-formed other value is kAllowOriginMismatch."""
    v = verdict("http://localhost:3001")
    assert v.error == "kAllowOriginMismatch"
    assert v.reason == ("The 'Access-Control-Allow-Origin' header has a value "
                        "'http://localhost:3001' that is not equal to the supplied origin."
                        + NO_CORS_HINT)


def test_literal_null_is_a_mismatch_for_a_real_origin():
    """cors.cc: 'null' is checked before URL validity, so it is a mismatch, not invalid."""
    assert verdict("null").error == "kAllowOriginMismatch"


def test_control_characters_in_a_quoted_value_are_escaped_like_blink():
    """Blink EncodeHint: non-printable bytes of a quoted value print as \\uXXXX."""
    v = verdict("\0*")
    assert v.error == "kInvalidAllowOriginValue"
    assert "invalid value '\\u0000*'" in v.reason


def test_unparsable_acao_is_an_invalid_value():
    """cors.cc: GURL('-') is invalid -> kInvalidAllowOriginValue."""
    v = verdict("-")
    assert v.error == "kInvalidAllowOriginValue"
    assert v.reason == ("The 'Access-Control-Allow-Origin' header contains the invalid value '-'."
                        + NO_CORS_HINT)


def test_null_origin_is_allowed_by_acao_null():
    """Fetch CORS check step 4: byte-equal to the serialised origin, which is 'null' for opaque."""
    assert verdict("null", origin="null").ok


def test_star_with_credentials_fails():
    """Fetch CORS check step 3: '*' only without credentials; cors.cc kWildcardOriginNotAllowed."""
    v = verdict("*", credentials="include", acac="true")
    assert v.error == "kWildcardOriginNotAllowed"
    assert v.reason == ("The value of the 'Access-Control-Allow-Origin' header in the response must "
                        "not be the wildcard '*' when the request's credentials mode is 'include'.")


def test_credentials_need_acac_exactly_true():
    """Fetch CORS check steps 5-7: ACAC must be exactly `true` with credentials 'include'."""
    assert verdict(APP_ORIGIN, credentials="include", acac="true").ok
    assert verdict(APP_ORIGIN, credentials="same-origin").ok  # not checked without include
    assert verdict(APP_ORIGIN, credentials="omit", acac="false").ok


@pytest.mark.parametrize("acac", ["TRUE", "True", '"true"', "false", "1", "0"])
def test_acac_values_other_than_true_fail(acac):
    """WPT cors/credentials-flag.htm: TRUE, True, "true", false, 1 and 0 all fail."""
    v = verdict(APP_ORIGIN, credentials="include", acac=acac)
    assert v.error == "kInvalidAllowCredentials"
    assert v.reason == (f"The value of the 'Access-Control-Allow-Credentials' header in the response "
                        f"is '{acac}' which must be 'true' when the request's credentials mode is "
                        "'include'.")


def test_absent_acac_is_reported_as_empty_quotes():
    """cors.cc: the hint is '' when the header is absent."""
    assert "is '' which must be 'true'" in verdict(APP_ORIGIN, credentials="include").reason


@pytest.mark.parametrize("status", [200, 204, 301, 403, 404, 500])
def test_any_status_passes_the_cors_check_of_an_actual_response(status):
    """Fetch #concept-cors-check: an actual response may have any status (only preflights need 2xx)."""
    req = FetchRequest(URL, APP_ORIGIN)
    assert check_response(req, HttpResponse(status, [("access-control-allow-origin", "*")])).ok


def test_preflight_wording_has_chromiums_prefix():
    """cors_error_string.cc: kPreflight* errors start with "Response to preflight request ..."."""
    req = FetchRequest(URL, APP_ORIGIN, "PUT")
    v = check_access(req, HttpResponse(204, []), preflight=True)
    assert v.error == "kPreflightMissingAllowOriginHeader"
    assert v.reason == ("Response to preflight request doesn't pass access control check: No "
                        "'Access-Control-Allow-Origin' header is present on the requested resource."
                        + OPAQUE_HINT)


def test_same_origin_response_is_not_checked():
    """Fetch "main fetch": a same-origin request has basic tainting: no CORS check."""
    req = FetchRequest(APP_ORIGIN + "/x", APP_ORIGIN)
    assert check_response(req, HttpResponse(200, [])).ok
