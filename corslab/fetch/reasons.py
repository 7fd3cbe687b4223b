"""Chromium's words for a blocked request, byte for byte.

Chromium's console line is::

    Access to fetch at '<URL>' [(redirected from '<first URL>') ]from origin '<ORIGIN>' has been
    blocked by CORS policy: <REASON>

Each function here returns one ``<REASON>`` exactly as Blink's ``GetErrorString`` builds it for
``fetch()`` (Chromium ``third_party/blink/renderer/platform/loader/cors/cors_error_string.cc``).
The constant names follow Chromium's
``CorsError`` enum so a reader can find each one in the source.
"""

from __future__ import annotations

PREFLIGHT_PREFIX = "Response to preflight request doesn't pass access control check: "
# What fetch() errors about a bad ACAO value ("multiple", "invalid", "mismatch") end with.
# Chromium 156 (the browser of this kit, checked by tests/browser) says only this sentence; older
# versions - and many quoted console lines - went on ", or, if an opaque response serves your needs, set the
# request's mode to 'no-cors' to fetch the resource with CORS disabled." and also appended that
# advice to the "missing ACAO" error, which now ends with its first sentence.
NO_CORS_HINT = " Have the server send the header with a valid value."
OPAQUE_HINT = ""


# XMLHttpRequest: Blink appends this to the two credentials reasons (wildcard origin, ACAC not
# 'true'), preflight or not (cors_error_string.cc, observed in Chromium 156 here).
XHR_CREDENTIALS_HINT = (" The credentials mode of requests initiated by the XMLHttpRequest is "
                        "controlled by the withCredentials attribute.")


def _prefix(preflight: bool) -> str:
    return PREFLIGHT_PREFIX if preflight else ""


def encode_hint(value: str) -> str:
    """Blink's EncodeHint: a quoted value keeps printable ASCII; anything else becomes \\uXXXX
    (so a NUL in an ACAO value shows as \\u0000 in the console)."""
    return "".join(c if 0x20 <= ord(c) <= 0x7E else f"\\u{ord(c):04X}" for c in value)


def wildcard_origin_not_allowed(preflight: bool = False) -> str:
    """kWildcardOriginNotAllowed / kPreflightWildcardOriginNotAllowed."""
    return _prefix(preflight) + (
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be the "
        "wildcard '*' when the request's credentials mode is 'include'.")


def missing_allow_origin(preflight: bool = False) -> str:
    """kMissingAllowOriginHeader / kPreflightMissingAllowOriginHeader."""
    return _prefix(preflight) + (
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
        + OPAQUE_HINT)


def multiple_allow_origin_values(value: str, preflight: bool = False) -> str:
    """kMultipleAllowOriginValues: the value holds a space or a comma (two lines join with ", ")."""
    return _prefix(preflight) + (
        "The 'Access-Control-Allow-Origin' header contains multiple values "
        f"'{encode_hint(value)}', but only one is allowed." + NO_CORS_HINT)


def invalid_allow_origin_value(value: str, preflight: bool = False) -> str:
    """kInvalidAllowOriginValue: not a URL Chromium can parse (e.g. ``-``)."""
    return _prefix(preflight) + (
        "The 'Access-Control-Allow-Origin' header contains the invalid value "
        f"'{encode_hint(value)}'." + NO_CORS_HINT)


def allow_origin_mismatch(value: str, preflight: bool = False) -> str:
    """kAllowOriginMismatch: a well-formed value that is not the request's origin."""
    return _prefix(preflight) + (
        f"The 'Access-Control-Allow-Origin' header has a value '{encode_hint(value)}' that is "
        "not equal to the supplied origin." + NO_CORS_HINT)


def invalid_allow_credentials(value: str, preflight: bool = False) -> str:
    """kInvalidAllowCredentials: ACAC is not exactly ``true`` (``''`` when absent)."""
    return _prefix(preflight) + (
        "The value of the 'Access-Control-Allow-Credentials' header in the response is "
        f"'{encode_hint(value)}' which must be 'true' when the request's credentials mode is "
        "'include'.")


def preflight_invalid_status() -> str:
    """kPreflightInvalidStatus: reported only once the preflight's CORS check passed."""
    return PREFLIGHT_PREFIX + "It does not have HTTP ok status."


def preflight_disallowed_redirect() -> str:
    """kPreflightDisallowedRedirect."""
    return PREFLIGHT_PREFIX + "Redirect is not allowed for a preflight request."


def invalid_allow_methods() -> str:
    """kInvalidAllowMethodsPreflightResponse (no "Response to preflight" prefix)."""
    return "Cannot parse Access-Control-Allow-Methods response header field in preflight response."


def invalid_allow_headers() -> str:
    """kInvalidAllowHeadersPreflightResponse."""
    return "Cannot parse Access-Control-Allow-Headers response header field in preflight response."


def method_disallowed(method: str) -> str:
    """kMethodDisallowedByPreflightResponse: the method as sent (``patch`` stays lower-case)."""
    return (f"Method {encode_hint(method)} is not allowed by Access-Control-Allow-Methods in "
            "preflight response.")


def header_disallowed(name: str) -> str:
    """kHeaderDisallowedByPreflightResponse: the lower-cased header name."""
    return (f"Request header field {encode_hint(name)} is not allowed by "
            "Access-Control-Allow-Headers in preflight response.")


def redirect_contains_credentials(url: str) -> str:
    """kRedirectContainsCredentials. Chromium 156 here passes no location (failedParameter ''),
    so its console says ``Redirect location ''``: the model passes ``""`` to match."""
    return (f"Redirect location '{encode_hint(url)}' contains a username and password, which is "
            "disallowed for cross-origin requests.")


def cors_disabled_scheme() -> str:
    """kCorsDisabledScheme: a CORS request redirected to a scheme other than http(s) - the list
    as Chromium 156 here prints it."""
    return ("Cross origin requests are only supported for protocol schemes: chrome, "
            "chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, "
            "http, https, isolated-app.")


def disallowed_by_mode() -> str:
    """kDisallowedByMode."""
    return "Cross origin requests are not allowed by request mode."


# Not CORS-policy lines: what Blink throws before any network traffic (fetch() rejects with a
# TypeError whose message is this), from third_party/blink/renderer/core/fetch/request.cc and
# headers.cc (read in public Chromium sources, not in the reference; tests/browser confirms them).
TYPE_ERROR_PREFIX = "Failed to execute 'fetch' on 'Window': "


def type_error_forbidden_method(method: str) -> str:
    return TYPE_ERROR_PREFIX + f"'{method}' HTTP method is unsupported."


def type_error_invalid_method(method: str) -> str:
    return TYPE_ERROR_PREFIX + f"'{method}' is not a valid HTTP method."


def type_error_no_cors_method(method: str) -> str:
    return TYPE_ERROR_PREFIX + f"'{method}' is unsupported in no-cors mode."


def type_error_only_if_cached() -> str:
    return TYPE_ERROR_PREFIX + "'only-if-cached' can be set only with 'same-origin' mode"


def type_error_body_with_get_or_head() -> str:
    return TYPE_ERROR_PREFIX + "Request with GET/HEAD method cannot have body."


def type_error_invalid_header_name() -> str:
    """Blink's Headers.append(): fetch() rejects before any request."""
    return TYPE_ERROR_PREFIX + "Invalid name"


def type_error_invalid_header_value() -> str:
    return TYPE_ERROR_PREFIX + "Invalid value"


def type_error_xhr_invalid_method(method: str) -> str:
    """XMLHttpRequest.open() with a method that is not a token: a SyntaxError."""
    return f"Failed to execute 'open' on 'XMLHttpRequest': '{method}' is not a valid HTTP method."


def type_error_xhr_forbidden_method(method: str) -> str:
    """XMLHttpRequest.open() with CONNECT/TRACE/TRACK (any case): a SecurityError."""
    return f"Failed to execute 'open' on 'XMLHttpRequest': '{method}' HTTP method is unsupported."


def type_error_xhr_invalid_header_name(name: str) -> str:
    return (f"Failed to execute 'setRequestHeader' on 'XMLHttpRequest': '{name}' is not a valid "
            "HTTP header field name.")


def type_error_xhr_invalid_header_value(value: str) -> str:
    return (f"Failed to execute 'setRequestHeader' on 'XMLHttpRequest': '{value}' is not a valid "
            "HTTP header field value.")


def xhr_refused_header(name: str) -> str:
    """The console line of setRequestHeader() with a forbidden name (the header is dropped)."""
    return f'Refused to set unsafe header "{name}"'


def unsafe_redirect(url: str, page_url: str) -> str:
    """Blink's console line when a mode "same-origin" request is redirected to another origin
    (core/loader, SecurityOrigin check on redirect; observed in Chromium 156 here, with its final
    line break); fetch() then rejects with "Failed to fetch"."""
    return (f"Unsafe attempt to load URL {url} from frame with URL {page_url}. Domains, protocols "
            "and ports must match.\n")


def same_origin_mode(url: str, origin: str) -> str:
    """The console line Blink prints for mode "same-origin" with a cross-origin URL.

    Blink's text (core/fetch/fetch_manager.cc); fetch() then rejects with "Failed to fetch".
    """
    return (f"Fetch API cannot load {url}. Request mode is \"same-origin\" but the URL's origin "
            f"is not same as the request origin {origin}.")


def console_message(url: str, origin: str, reason: str, first_url: str | None = None,
                    kind: str = "fetch") -> str:
    """The whole console line for a CORS failure, as DevTools shows it (``kind``: "fetch", or
    "XMLHttpRequest" for an XHR)."""
    redirected = f"(redirected from '{first_url}') " if first_url and first_url != url else ""
    return (f"Access to {kind} at '{url}' {redirected}from origin '{origin}' has been blocked "
            f"by CORS policy: {reason}")
