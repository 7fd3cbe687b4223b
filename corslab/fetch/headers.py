"""Header and method rules of the Fetch standard, as Chromium implements them.

Pure functions over strings: which methods and request headers are CORS-safelisted, which are
forbidden, how ``Access-Control-Allow-Methods``/``-Headers``/``-Expose-Headers`` parse, which
response headers a page may read. Sources: Fetch (https://fetch.spec.whatwg.org/, anchors in the
docstrings) and Chromium's ``services/network/public/cpp/cors/cors.cc``, ``preflight_result.cc``
and ``net/http/http_util.cc``.
"""

from __future__ import annotations

import re
from functools import lru_cache

Headers = list[tuple[str, str]]

HTTP_WHITESPACE = "\t\n\r "  # Fetch "HTTP whitespace"
HTTP_TAB_OR_SPACE = "\t "  # Fetch "HTTP tab or space" (OWS)

# -- methods -------------------------------------------------------------------------------------

NORMALISED_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT")  # not PATCH: #concept-method-normalize
SAFELISTED_METHODS = ("GET", "HEAD", "POST")  # #cors-safelisted-method
FORBIDDEN_METHODS = ("CONNECT", "TRACE", "TRACK")  # #forbidden-method


# RFC 9110 tchar: what a method, a header name and each item of ACAM/ACAH may contain.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_UNSAFE_BYTE = re.compile(r'[\x00-\x08\x0a-\x1f"():<>?@\[\\\]{}\x7f]')  # #cors-unsafe-request-header-byte
_LANGUAGE = re.compile(r"[0-9A-Za-z *,\-.;=]*")  # Accept-Language / Content-Language bytes
_BAD_VALUE = re.compile(r"[\0\r\n]|[^\x00-\xff]")


def is_token(value: str) -> bool:
    """RFC 9110 token (regex: the model checks many of these per decision)."""
    return _TOKEN.fullmatch(value) is not None


def normalize_method(method: str) -> str:
    """Fetch #concept-method-normalize: upper-case only the six well-known methods.

    ``fetch(url, {method: "patch"})`` sends ``patch``: PATCH is not in the list.
    """
    upper = method.upper()
    return upper if upper in NORMALISED_METHODS else method


def is_safelisted_method(method: str) -> bool:
    """Byte-exact after normalisation: ``GET``, ``HEAD``, ``POST``."""
    return method in SAFELISTED_METHODS


def is_forbidden_method(method: str) -> bool:
    return method.upper() in FORBIDDEN_METHODS


# -- request headers -----------------------------------------------------------------------------

FORBIDDEN_REQUEST_HEADERS = frozenset({  # #forbidden-request-header
    "accept-charset", "accept-encoding", "access-control-request-headers",
    "access-control-request-method", "connection", "content-length", "cookie", "cookie2",
    "date", "dnt", "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te",
    "trailer", "transfer-encoding", "upgrade", "via",
})
METHOD_OVERRIDE_HEADERS = frozenset({"x-http-method", "x-http-method-override", "x-method-override"})
NO_CORS_SAFELISTED_NAMES = frozenset({"accept", "accept-language", "content-language", "content-type"})
SAFELISTED_CONTENT_TYPES = frozenset({
    "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
SAFELISTED_VALUE_LIMIT = 128  # bytes per value, #cors-safelisted-request-header step 1
SAFELISTED_TOTAL_LIMIT = 1024  # bytes over all safelisted values, #cors-unsafe-request-header-names
INT64_MAX = 2**63 - 1  # Chromium parses Range numbers as int64: longer ones are not "simple"


# Chromium still treats User-Agent as a header a page may not set: net/http/http_util.cc keeps it
# in kForbiddenHeaderFields ("no longer banned, but still here", crbug.com/571722). The page's
# Headers object keeps the value, but the request carries Chromium's own User-Agent and the name
# never counts toward a preflight (observed in Chromium 156 here). The Fetch standard dropped it
# from #forbidden-request-header in 2015 and Firefox (since 43) sends the page's value - a header
# that is not CORS-safelisted, so there a cross-origin fetch() with it is preflighted.
CHROMIUM_DROPPED_REQUEST_HEADERS = frozenset({"user-agent"})


def is_dropped_by_chromium(name: str) -> bool:
    """A header the standard lets a page set but Chromium silently replaces with its own."""
    return name.lower() in CHROMIUM_DROPPED_REQUEST_HEADERS


def is_forbidden_request_header(name: str, value: str = "") -> bool:
    """Fetch #forbidden-request-header: the browser silently drops these from script headers."""
    lower = name.lower()
    if lower in FORBIDDEN_REQUEST_HEADERS or lower.startswith(("proxy-", "sec-")):
        return True
    if lower in METHOD_OVERRIDE_HEADERS:
        # Forbidden only when one of its comma-separated values names a forbidden method.
        return any(is_forbidden_method(v.strip(HTTP_TAB_OR_SPACE)) for v in value.split(","))
    return False


def is_valid_header_name(name: str) -> bool:
    return is_token(name)


def is_valid_header_value(value: str) -> bool:
    """After normalisation (trimmed), a value may not contain NUL, CR or LF (#header-value)."""
    return _BAD_VALUE.search(value) is None


def header_value_problem(value: str) -> str | None:
    """What makes ``value`` an invalid header value, in words (None when it is valid).

    A header value is a byte sequence (#header-value): no NUL, CR or LF, and - since JavaScript
    strings become bytes as ISO-8859-1 (Fetch "ByteString") - no character above U+00FF.
    """
    bad = _BAD_VALUE.search(value)
    if bad is None:
        return None
    char = bad.group()
    if char in "\r\n":
        return "contains a line break (CR or LF), which would end the header; remove it"
    if char == "\0":
        return "contains a NUL character; remove it"
    return (f"contains {char!r} (U+{ord(char):04X}), which is not a Latin-1 character: header "
            "values are bytes, and fetch() throws a TypeError for it; percent-encode or "
            "base64-encode the text")


def normalize_header_value(value: str) -> str:
    """Headers.append() strips leading and trailing HTTP whitespace (#concept-header-value-normalize)."""
    return value.strip(HTTP_WHITESPACE)


def _has_unsafe_byte(value: str) -> bool:
    """#cors-unsafe-request-header-byte: control bytes but HT, '"():<>?@[\\]{}' and DEL."""
    return _UNSAFE_BYTE.search(value) is not None


def parse_mime_type(value: str) -> tuple[str, str] | None:
    """MIME Sniffing "parse a MIME type", enough to get the essence: (type, subtype) or None.

    The strict parser (not "extract a MIME type"): ``text /plain`` and ``text/plain,`` fail,
    ``text/plain;garbage`` succeeds (a malformed parameter is skipped, not an error).
    """
    value = value.strip(HTTP_WHITESPACE)
    mime_type, slash, rest = value.partition("/")
    if not slash or not is_token(mime_type):
        return None
    subtype = rest.split(";", 1)[0].rstrip(HTTP_WHITESPACE)
    if not is_token(subtype):
        return None
    return mime_type.lower(), subtype.lower()


_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)", re.ASCII)


def is_simple_range(value: str) -> bool:
    """Fetch #simple-range-header-value: exactly ``bytes=N-`` or ``bytes=N-M`` with N <= M.

    No white space anywhere, one range, a start is required (``bytes=-500`` is not simple).
    Numbers beyond int64 fail, as in Chromium (WPT: 61-digit numbers preflight), and so does a
    position of exactly 2**63-1 (observed in Chromium 156 here: ``bytes=9223372036854775807-``
    and ``bytes=0-9223372036854775807`` are preflighted; Chromium's cors.cc
    IsCorsSafelistedHeader hands the value to net::HttpUtil::ParseRangeHeader, whose byte
    positions are int64).
    """
    match = _RANGE.fullmatch(value)
    if not match:
        return False
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else None
    if start >= INT64_MAX or (end is not None and (end >= INT64_MAX or start > end)):
        return False
    return True


_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")  # 1*DIGIT [ "." 1*DIGIT ]
_DIGITS = re.compile(r"[0-9]+")

# Chromium safelists more than the standard (services/network/public/cpp/cors/cors.cc
# IsCorsSafelistedHeader): the client hints it may add itself, and Intervention - whoever sets
# them, a page script too. Their value rules, observed in Chromium 156 here: a 1.5-style number
# for dpr/device-memory/downlink, digits for width/viewport-width/rtt, "on" (any case) for
# save-data, an effective connection type for ect, anything for intervention. They count toward
# the 128 and 1024-byte limits like the others, and are not no-CORS-safelisted.
CHROMIUM_SAFELISTED_HEADERS = {
    "dpr": lambda v: _DECIMAL.fullmatch(v) is not None,
    "device-memory": lambda v: _DECIMAL.fullmatch(v) is not None,
    "downlink": lambda v: _DECIMAL.fullmatch(v) is not None,
    "width": lambda v: _DIGITS.fullmatch(v) is not None,
    "viewport-width": lambda v: _DIGITS.fullmatch(v) is not None,
    "rtt": lambda v: _DIGITS.fullmatch(v) is not None,
    "save-data": lambda v: v.lower() == "on",
    "ect": lambda v: v in ("slow-2g", "2g", "3g", "4g"),
    "intervention": lambda v: True,
}
# The client hints among them: Chromium removes a script's copies on every redirect.
CLIENT_HINT_HEADERS = frozenset({
    "dpr", "device-memory", "downlink", "width", "viewport-width", "rtt", "ect"})


def is_safelisted_request_header(name: str, value: str) -> bool:
    """Fetch #cors-safelisted-request-header (name, value), plus Chromium's own additions
    (:data:`CHROMIUM_SAFELISTED_HEADERS`: ``DPR: 2`` or ``Save-Data: on`` send no preflight).
    """
    if len(value.encode("latin-1", "replace")) > SAFELISTED_VALUE_LIMIT:
        return False
    lower = name.lower()
    if lower in CHROMIUM_SAFELISTED_HEADERS:
        return CHROMIUM_SAFELISTED_HEADERS[lower](value)
    if lower == "accept":
        return not _has_unsafe_byte(value)
    if lower in ("accept-language", "content-language"):
        return _LANGUAGE.fullmatch(value) is not None
    if lower == "content-type":
        if _has_unsafe_byte(value):
            return False
        parsed = parse_mime_type(value)
        return parsed is not None and "/".join(parsed) in SAFELISTED_CONTENT_TYPES
    if lower == "range":
        return is_simple_range(value)
    return False


def combine(headers: Headers) -> Headers:
    """One entry per name (lower-cased), values joined with ", " in order of appearance.

    A page's Headers object combines repeated names this way before the request is sent, so
    ``Content-Type`` given twice is one value ``a, b`` - which is never safelisted.
    """
    merged: dict[str, list[str]] = {}
    for name, value in headers:
        merged.setdefault(name.lower(), []).append(value)
    return [(name, ", ".join(values)) for name, values in merged.items()]


def unsafe_request_header_names(headers: Headers) -> list[str]:
    """Fetch #cors-unsafe-request-header-names: sorted, lower-cased, unique.

    Every name that is not safelisted, plus every safelisted one once the safelisted values
    add up to more than 1024 bytes.
    """
    return list(_unsafe_names(tuple((str(n), str(v)) for n, v in headers)))


@lru_cache(maxsize=1024)  # pure; a decision asks for the same list several times
def _unsafe_names(headers: tuple) -> tuple[str, ...]:
    unsafe: set[str] = set()
    safelisted: set[str] = set()
    total = 0
    for name, value in combine(headers):
        if is_safelisted_request_header(name, value):
            safelisted.add(name)
            total += len(value.encode("latin-1", "replace"))
        else:
            unsafe.add(name)
    if total > SAFELISTED_TOTAL_LIMIT:
        unsafe |= safelisted
    return tuple(sorted(unsafe))


def is_no_cors_safelisted_request_header(name: str, value: str) -> bool:
    """#no-cors-safelisted-request-header: what a no-cors request may carry from a script."""
    return name.lower() in NO_CORS_SAFELISTED_NAMES and is_safelisted_request_header(name, value)


# -- response headers ----------------------------------------------------------------------------

SAFELISTED_RESPONSE_HEADERS = frozenset({  # #cors-safelisted-response-header-name
    "cache-control", "content-language", "content-length", "content-type", "expires",
    "last-modified", "pragma",
})
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})  # never readable by a page


def get(headers: Headers, name: str) -> str | None:
    """Fetch "get" a header: all lines of ``name`` joined with ", " (None when absent).

    Each line's value is trimmed of spaces and tabs, as an HTTP parser does (so ``ACAO:  *``
    is ``*``, WPT cors/origin.htm).
    """
    name = name.lower()
    values = [v.strip(HTTP_TAB_OR_SPACE) for n, v in headers if n.lower() == name]
    return ", ".join(values) if values else None


def parse_allow_list(value: str | None) -> list[str] | None:
    """ACAM / ACAH as Chromium parses them (``ParseAccessControlAllowList``).

    Split on ``,``; trim white space; empty items are skipped; every other item must be a
    token, otherwise the whole header is invalid (None). An absent header is an empty list.
    """
    if value is None:
        return []
    items = []
    for item in value.split(","):
        item = item.strip(HTTP_TAB_OR_SPACE)
        if not item:
            continue
        if not is_token(item):
            return None
        items.append(item)
    return items


def parse_expose_list(value: str | None) -> list[str]:
    """ACEH as Blink parses it: like :func:`parse_allow_list`, but invalid means "nothing"."""
    items = parse_allow_list(value)
    return [i.lower() for i in items] if items else []
