"""The CORS protocol of the Fetch standard, as Chromium applies it: pure Python, no network.

Given what a page asks for (a :class:`FetchRequest`) and the raw answers of the server
(:class:`HttpResponse`), the model says what the browser sends, what it checks, and what the
page's JavaScript finally gets - with Chromium's own words for every refusal (``reason``) and a
plain-words ``explanation`` that names the fix.

    preflight_needed(req)             does the browser send an OPTIONS preflight first?
    preflight_request(req)            the preflight it sends: (method, headers)
    check_preflight(req, resp)        does the preflight answer let the actual request go?
    check_response(req, resp)         the CORS check on the actual answer
    exposed_headers(req, resp)        which response headers page JavaScript can read
    decide(req, preflight, response)  all of it at once: a Decision
    follow_redirect(req, resp)        the next hop of a redirect, as fetch() follows it
    PreflightCache                    what the browser remembers between preflights

Where Chromium and the standard differ the model follows Chromium and says so in ``notes``:
``Access-Control-Allow-Headers: *`` covers ``Authorization`` in Chromium (the standard says it
never does), and Chromium's preflight cache keeps one answer per (origin, URL).
Sources: the Fetch standard (https://fetch.spec.whatwg.org/: main fetch, #cors-preflight-fetch-0,
#concept-cors-check, HTTP-redirect fetch); Chromium's services/network/cors/ and
services/network/public/cpp/cors/ (cors.cc, preflight_result.cc, preflight_controller.cc); the
web-platform-tests in fetch/api/cors/ and cors/.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from corslab.fetch import headers as fh
from corslab.fetch import reasons
from corslab.errors import CorsLabError
from corslab.fetch.origins import origin_of, parse_origin, parse_url, same_origin

Headers = list[tuple[str, str]]

CREDENTIALS_MODES = ("omit", "same-origin", "include")
MODES = ("cors", "no-cors", "same-origin")
CACHE_MODES = ("default", "no-store", "reload", "no-cache", "force-cache", "only-if-cached")
APIS = ("fetch", "xhr")  # fetch() or XMLHttpRequest
# What a page may give as a body (fetch() and XHR derive the Content-Type from it, Fetch
# "extract a body"): a string, a Blob (with the type given as ``blob_type``, or none), a FormData
# with one field, a URLSearchParams with one field. The field is named BODY_FIELD.
BODY_KINDS = ("string", "blob", "formdata", "urlencoded")
BODY_FIELD = "field"
# Blink's multipart boundary is "----WebKitFormBoundary" and 16 random letters and digits; the
# model uses fixed ones of the same length (the length counts toward the 1024-byte safelist total).
FORM_BOUNDARY = "----WebKitFormBoundary" + "CorsLabBoundary0"
URLENCODED_CONTENT_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"
REFERRER_POLICIES = ("no-referrer", "no-referrer-when-downgrade", "origin",
                     "origin-when-cross-origin", "same-origin", "strict-origin",
                     "strict-origin-when-cross-origin", "unsafe-url")
DEFAULT_REFERRER_POLICY = "strict-origin-when-cross-origin"  # Chromium's since version 85
MAX_REFERRER_LENGTH = 4096  # Chromium: a longer Referer is cut to the origin
# What the browser adds for a cache mode, to the request and to its preflight alike (Fetch
# "HTTP-network-or-cache fetch"; Chromium turns the mode into load flags that the preflight keeps -
# preflight_controller.cc RetrieveCacheFlags - and the network stack writes these lines). Never
# counted toward a preflight: the page did not set them.
CACHE_MODE_HEADERS = {
    "no-store": (("Pragma", "no-cache"), ("Cache-Control", "no-cache")),
    "reload": (("Pragma", "no-cache"), ("Cache-Control", "no-cache")),
    "no-cache": (("Cache-Control", "max-age=0"),),
}
# Chromium maps these fetch() cache modes to load flags that skip the preflight cache lookup
# (preflight_controller.cc RetrieveCacheFlags); "no-store" also keeps the answer out of it.
CACHE_MODES_SKIPPING_PREFLIGHT_CACHE = ("no-store", "reload", "no-cache")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 20  # Fetch "HTTP-redirect fetch": the 21st redirect is a network error
DEFAULT_MAX_AGE = 5  # Chromium kDefaultTimeout: Access-Control-Max-Age absent or unparsable
MAX_MAX_AGE = 7200  # Chromium kMaxTimeout: 2 hours, whatever the server asks for
DEFAULT_BODY_CONTENT_TYPE = "text/plain;charset=UTF-8"  # fetch() with a string body
DEFAULT_ACCEPT = "*/*"  # Fetch "fetch": the Accept a fetch() without one gets
REQUEST_BODY_HEADERS = ("content-encoding", "content-language", "content-location", "content-type")

AUTHORIZATION_NOTE = (
    "Chromium lets 'Access-Control-Allow-Headers: *' cover Authorization (its feature "
    "CorsNonWildcardRequestHeadersSupport is off by default; Safari agrees). The Fetch standard "
    "(#cors-non-wildcard-request-header-name) and WPT cors-preflight-star say it must be listed "
    "by name, and Firefox 115+ enforces that: list Authorization explicitly to work everywhere.")


USER_AGENT_NOTE = (
    "Chromium replaces a page's User-Agent with its own and never counts it toward a preflight "
    "(net/http/http_util.cc still lists it as forbidden, crbug.com/571722). The Fetch standard "
    "no longer forbids it (#forbidden-request-header) and Firefox sends the page's value: there it "
    "is not CORS-safelisted, so a cross-origin request with it is preflighted. Do not rely on "
    "setting User-Agent from a page; send your own header (e.g. X-Client-Name) instead.")


# -- the inputs ----------------------------------------------------------------------------------

@dataclass
class FetchRequest:
    """What page JavaScript at ``origin`` asks for: ``fetch(url, {method, headers, ...})``.

    ``tainted_origin`` and ``redirects``/``first_url`` are set by :func:`follow_redirect`: after a
    cross-origin redirect hop the browser's origin for the rest of the chain is ``null``.
    """

    url: str
    origin: str
    method: str = "GET"
    headers: Headers = field(default_factory=list)
    credentials: str = "same-origin"
    mode: str = "cors"
    body: str | None = None
    tainted_origin: bool = False
    redirects: int = 0
    first_url: str | None = None
    cache: str = "default"  # fetch()'s cache mode
    api: str = "fetch"  # "fetch" or "xhr" (XMLHttpRequest: mode cors, withCredentials = include)
    body_kind: str = "string"  # see BODY_KINDS
    blob_type: str = ""  # the Blob's type when body_kind is "blob" ("" = a Blob without a type)
    upload_listener: bool = False  # XHR: a listener on xhr.upload (forces a preflight with a body)
    referrer: str = "client"  # fetch()'s referrer: "client" (the page), "" (none) or a URL
    referrer_policy: str = ""  # "" = the page's policy, Chromium's default DEFAULT_REFERRER_POLICY
    page_url: str | None = None  # the page's URL (the referrer source); default ORIGIN + "/"
    # XHR with an upload listener and a body: Chromium sends it in mode "cors-with-forced-preflight",
    # which every redirect hop keeps - a 303 that drops the body too (set once, never unset).
    forced_preflight: bool = False

    def __post_init__(self):
        parse_url(self.url)  # a CorsLabError naming the bad URL
        parse_origin(self.origin)
        if self.credentials not in CREDENTIALS_MODES:
            raise CorsLabError(f"credentials must be one of {', '.join(CREDENTIALS_MODES)}, "
                               f"not {self.credentials!r}")
        if self.mode not in MODES:
            raise CorsLabError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.cache not in CACHE_MODES:
            raise CorsLabError(f"cache must be one of {', '.join(CACHE_MODES)}, not {self.cache!r}")
        if self.api not in APIS:
            raise CorsLabError(f"api must be one of {', '.join(APIS)}, not {self.api!r}")
        if self.api == "xhr" and (self.mode != "cors" or self.cache != "default"
                                  or self.credentials == "omit" or self.referrer != "client"
                                  or self.referrer_policy):
            raise CorsLabError("XMLHttpRequest has no mode, cache, referrer or 'omit' credentials: "
                               "use credentials 'same-origin' (withCredentials = false) or "
                               "'include' (withCredentials = true), mode 'cors', cache 'default', "
                               "and the page's referrer policy")
        if self.body_kind not in BODY_KINDS:
            raise CorsLabError(f"the body kind must be one of {', '.join(BODY_KINDS)}, not "
                               f"{self.body_kind!r}")
        if self.referrer_policy and self.referrer_policy not in REFERRER_POLICIES:
            raise CorsLabError(f"the referrer policy must be one of {', '.join(REFERRER_POLICIES)}"
                               f", not {self.referrer_policy!r}")
        if self.referrer not in ("client", "about:client", "") and not (
                self.referrer.startswith("/") or self.referrer.lower().startswith(("http:", "https:"))):
            raise CorsLabError(f"the referrer {self.referrer!r} is not a URL; give a URL of the "
                               "page's origin, a path such as /page, or '' for none")
        if self.page_url is not None:
            parse_url(self.page_url)
        self.forced_preflight = self.forced_preflight or (
            self.api == "xhr" and self.upload_listener and self.body is not None
            and fh.normalize_method(self.method) not in ("GET", "HEAD"))
        self.headers = [(str(n), str(v)) for n, v in self.headers]  # JSON gives lists

    @property
    def normalized_method(self) -> str:
        return fh.normalize_method(self.method)


@dataclass
class HttpResponse:
    """One raw HTTP answer: status and header lines in order, duplicates kept, names lower-cased."""

    status: int
    headers: Headers = field(default_factory=list)
    reason: str | None = None  # the reason phrase (response.statusText), when known

    def __post_init__(self):
        self.headers = [(str(n).lower(), str(v)) for n, v in self.headers]

    def get(self, name: str) -> str | None:
        """The header's value as a browser reads it: repeated lines joined with ", "."""
        return fh.get(self.headers, name)

    @property
    def is_redirect(self) -> bool:
        return self.status in REDIRECT_STATUSES and self.get("location") is not None


@dataclass
class Verdict:
    """The outcome of one check. ``reason`` is Chromium's text; ``error`` its CorsError name.

    ``kind``: None when ok; "cors" (a CORS-policy console line), "type-error" (fetch() throws
    before any request), "fetch-api" (Blink refuses before the network), "network" (a
    net::ERR_ failure such as too many redirects).
    """

    ok: bool
    reason: str | None = None
    explanation: str = ""
    kind: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    refused_headers: list[str] = field(default_factory=list)


@dataclass
class Decision:
    """Everything the browser decides for one request (see :func:`decide`).

    ``allowed``: page JavaScript can read the response. An opaque no-cors response is not
    allowed, yet fetch() resolves and nothing is printed: ``reason`` is None, ``opaque`` True.
    """

    allowed: bool
    preflight_needed: bool
    reason: str | None
    explanation: str
    exposed_headers: list[str]
    kind: str | None = None
    error: str | None = None
    opaque: bool = False
    notes: list[str] = field(default_factory=list)
    request_headers: Headers = field(default_factory=list)
    dropped_headers: list[tuple[str, str]] = field(default_factory=list)
    preflight_request: tuple[str, Headers] | None = None
    refused_headers: list[str] = field(default_factory=list)  # every header the preflight refused

    def to_dict(self) -> dict:
        return {
            "allowed": self.allowed, "preflight_needed": self.preflight_needed,
            "reason": self.reason, "explanation": self.explanation,
            "exposed_headers": list(self.exposed_headers), "kind": self.kind,
            "error": self.error, "opaque": self.opaque, "notes": list(self.notes),
            "refused_headers": list(self.refused_headers),
        }


# -- what the browser does before sending --------------------------------------------------------

def serialized_origin(req: FetchRequest) -> str:
    """The ``Origin`` the browser sends and the value ACAO must equal: ``null`` once tainted."""
    return "null" if req.tainted_origin else parse_origin(req.origin).serialize()


def is_cross_origin(req: FetchRequest) -> bool:
    """Does the CORS protocol apply (response tainting "cors")?

    After any cross-origin hop the request is either still cross-origin or tainted, so this
    covers "A -> B -> A" too, where the last hop needs CORS with origin ``null``.
    """
    return req.tainted_origin or not same_origin(req.origin, origin_of(req.url))


def validate(req: FetchRequest) -> Verdict | None:
    """What makes fetch() throw (or Blink refuse) before any traffic; None when it goes ahead.

    The checks run in the order of Fetch "new Request(input, init)", as Blink's request.cc does
    (observed in Chromium 156 here): the cache mode, the method, no-cors methods, the headers,
    a body on GET/HEAD; then the mode "same-origin" refusal at fetch time.
    """
    if req.api == "xhr":
        return _validate_xhr(req)
    method = req.method
    cross = is_cross_origin(req)
    if req.cache == "only-if-cached" and req.mode != "same-origin":
        return _refused("type-error", reasons.type_error_only_if_cached(),
                        "cache 'only-if-cached' works only with mode 'same-origin'; fetch() "
                        "throws. Use another cache mode.")
    if not fh.is_token(method):
        return _refused("type-error", reasons.type_error_invalid_method(method),
                        f"'{method}' is not a valid HTTP method name (a token: letters, digits "
                        "and !#$%&'*+-.^_`|~). Fix the method in the page's fetch() call.")
    if fh.is_forbidden_method(method):
        return _refused("type-error", reasons.type_error_forbidden_method(method),
                        f"{method.upper()} is a forbidden method: browsers never let a page send "
                        "it (fetch() throws before any request). Use another method.")
    if req.mode == "no-cors" and not fh.is_safelisted_method(req.normalized_method):
        return _refused("type-error", reasons.type_error_no_cors_method(req.normalized_method),
                        f"mode 'no-cors' allows only GET, HEAD and POST; {req.normalized_method} "
                        "makes fetch() throw. Use mode 'cors' and let the server allow it.")
    for name, value in req.headers:
        if not fh.is_valid_header_name(name):
            return _refused("type-error", reasons.type_error_invalid_header_name(),
                            f"The header name {name!r} is not a valid token, so fetch() throws. "
                            "Fix the header name in the page.")
        problem = fh.header_value_problem(fh.normalize_header_value(value))
        if problem:
            return _refused("type-error", reasons.type_error_invalid_header_value(),
                            f"The value of header {name} {problem}. fetch() throws before "
                            "sending anything: fix the value in the page.")
    if req.body is not None and req.normalized_method in ("GET", "HEAD"):
        return _refused("type-error", reasons.type_error_body_with_get_or_head(),
                        "A GET or HEAD request cannot have a body; fetch() throws. Send the data "
                        "in the query string, or use POST.")
    if req.mode == "same-origin" and cross:
        return _refused("fetch-api", reasons.same_origin_mode(req.url, req.origin),
                        f"mode 'same-origin' forbids requests to another origin, and {req.url} is "
                        f"not on {req.origin}; the browser refuses before the network. Use mode "
                        "'cors' (the default) and let the server allow the origin.")
    return None


def _validate_xhr(req: FetchRequest) -> Verdict | None:
    """What makes XMLHttpRequest's open() or setRequestHeader() throw (Blink
    xml_http_request.cc; the texts observed in Chromium 156 here). A body on GET is no error:
    send() drops it."""
    method = req.method
    if not fh.is_token(method):
        return _refused("type-error", reasons.type_error_xhr_invalid_method(method),
                        f"'{method}' is not a valid HTTP method name; xhr.open() throws a "
                        "SyntaxError. Fix the method in the page.")
    if fh.is_forbidden_method(method):
        return _refused("type-error", reasons.type_error_xhr_forbidden_method(method),
                        f"{method.upper()} is a forbidden method: xhr.open() throws a "
                        "SecurityError. Use another method.")
    for name, value in req.headers:
        if not fh.is_valid_header_name(name):
            return _refused("type-error", reasons.type_error_xhr_invalid_header_name(name),
                            f"The header name {name!r} is not a valid token; "
                            "xhr.setRequestHeader() throws a SyntaxError. Fix the name.")
        problem = fh.header_value_problem(fh.normalize_header_value(value))
        if problem:
            return _refused("type-error", reasons.type_error_xhr_invalid_header_value(value),
                            f"The value of header {name} {problem}. xhr.setRequestHeader() "
                            "throws a SyntaxError before anything is sent.")
    return None


def request_body(req: FetchRequest) -> str | None:
    """The body that goes on the wire, as text: XHR's send() drops a body on GET and HEAD; a
    urlencoded or form-data body is serialised (one field, BODY_FIELD)."""
    if req.body is None or (req.api == "xhr" and req.normalized_method in ("GET", "HEAD")):
        return None
    if req.body_kind == "urlencoded":
        return f"{BODY_FIELD}={_form_urlencode(req.body)}"
    if req.body_kind == "formdata":
        return (f"--{FORM_BOUNDARY}\r\nContent-Disposition: form-data; name=\"{BODY_FIELD}\"\r\n"
                f"\r\n{req.body}\r\n--{FORM_BOUNDARY}--\r\n")
    return req.body


def _form_urlencode(text: str) -> str:
    """URL standard, application/x-www-form-urlencoded serializer (space as +)."""
    from urllib.parse import quote_plus

    return quote_plus(text, safe="*").replace("~", "%7E")


def body_content_type(req: FetchRequest) -> str | None:
    """The Content-Type fetch()/XHR derive from the body when the page sets none (Fetch "extract
    a body"): a string text/plain;charset=UTF-8, a Blob its type (none when it has no type),
    FormData multipart/form-data with a boundary, URLSearchParams the urlencoded type."""
    if req.body_kind == "string":
        return DEFAULT_BODY_CONTENT_TYPE
    if req.body_kind == "blob":
        # File API "new Blob": a type with a character outside U+0020-U+007E is dropped; any
        # other is lower-cased.
        kind = req.blob_type
        return kind.lower() if kind and all(" " <= c <= "~" for c in kind) else None
    if req.body_kind == "formdata":
        return f"multipart/form-data; boundary={FORM_BOUNDARY}"
    return URLENCODED_CONTENT_TYPE


def _find_charset(value: str, start: int) -> tuple[int, int]:
    """Blink's FindCharsetInMediaType: (position, length) of the next charset value, length 0 when
    none. "charset" must start a word (after a byte <= space or ';', never at position 0); quotes
    around the value are skipped, and the value ends at white space, a quote or ';'."""
    lower, pos = value.lower(), start
    while pos < len(value):
        pos = lower.find("charset", pos)
        if pos <= 0:
            return start, 0
        if value[pos - 1] > " " and value[pos - 1] != ";":
            pos += 7
            continue
        pos += 7
        while pos < len(value) and value[pos] <= " ":
            pos += 1
        if pos >= len(value) or value[pos] != "=":
            pos += 1
            continue
        pos += 1
        while pos < len(value) and (value[pos] <= " " or value[pos] in "\"'"):
            pos += 1
        end = pos
        while end < len(value) and value[end] > " " and value[end] not in "\"';":
            end += 1
        return pos, end - pos
    return start, 0


def xhr_charset_rewrite(value: str) -> str:
    """XHR send() with a string body and the page's own Content-Type: every charset parameter's
    value becomes UTF-8 (XMLHttpRequest standard, send() step 4), as Blink's
    ReplaceCharsetInMediaType does it: ``text/plain; charset=iso-8859-1`` goes out as
    ``text/plain; charset=UTF-8`` (observed in Chromium 156 here); a quoted value keeps its quotes
    and a value runs to white space, a quote or ';' - a comma belongs to it."""
    pos, length = _find_charset(value, 0)
    while length:
        value = value[:pos] + "UTF-8" + value[pos + length:]
        pos, length = _find_charset(value, pos + 5)
    return value


def effective_headers(req: FetchRequest) -> tuple[Headers, list[tuple[str, str]]]:
    """The script-set headers the browser really sends, and those it silently drops (with why).

    Forbidden request headers (Cookie, Origin, Host, Sec-*, Proxy-* ...) vanish without an
    error; in no-cors mode so does anything not no-CORS-safelisted. Repeated names are combined
    into one ``a, b`` value as the page's Headers object does. A string body without a
    Content-Type gets ``text/plain;charset=UTF-8`` (safelisted: no preflight).
    """
    kept: dict[str, tuple[str, str]] = {}  # lower name -> (name as first written, value)
    dropped: list[tuple[str, str]] = []
    for name, value in req.headers:
        value = fh.normalize_header_value(value)
        lower = name.lower()
        if fh.is_forbidden_request_header(name, value):
            dropped.append((name, "a forbidden request header: the browser sets it itself or "
                                  "never lets a page set it, and drops it silently"))
            continue
        if fh.is_dropped_by_chromium(name):
            dropped.append((name, USER_AGENT_NOTE))
            continue
        combined = f"{kept[lower][1]}, {value}" if lower in kept else value
        if req.mode == "no-cors" and not fh.is_no_cors_safelisted_request_header(name, combined):
            dropped.append((name, "not allowed in mode 'no-cors' (only Accept, Accept-Language, "
                                  "Content-Language and a form Content-Type are)"))
            continue
        kept[lower] = (kept[lower][0] if lower in kept else name, combined)
    body = request_body(req)
    if body is not None and "content-type" not in kept:
        derived = body_content_type(req)
        # new Request() appends the body's type through the Headers object, whose no-cors guard
        # silently drops a value that is not no-CORS-safelisted (a Blob of application/json).
        if derived and (req.mode != "no-cors"
                        or fh.is_no_cors_safelisted_request_header("content-type", derived)):
            kept["content-type"] = ("Content-Type", derived)
    elif body is not None and req.api == "xhr" and req.body_kind == "string":
        name, value = kept["content-type"]
        kept["content-type"] = (name, xhr_charset_rewrite(value))
    return list(kept.values()), dropped


def unsafe_header_names(req: FetchRequest) -> list[str]:
    """Fetch #cors-unsafe-request-header-names of the request as the browser sends it.

    Fetch "fetch" gives a request without Accept `Accept: */*` before main fetch, so those 3
    bytes count toward the 1024-byte safelisted total (observed in Chromium 156 here: 1022 bytes
    of safelisted values set by a page are preflighted, and the preflight lists accept).
    """
    return fh.unsafe_request_header_names(_with_default_accept(req))


def _with_default_accept(req: FetchRequest) -> Headers:
    headers, _ = effective_headers(req)
    if not any(n.lower() == "accept" for n, _ in headers):
        headers = headers + [("Accept", DEFAULT_ACCEPT)]
    return headers


def preflight_reasons(req: FetchRequest) -> list[str]:
    """Why a preflight is needed, in plain words (empty when none is)."""
    if validate(req) is not None or req.mode != "cors" or not is_cross_origin(req):
        return []
    why = []
    method = req.normalized_method
    if not fh.is_safelisted_method(method):
        why.append(f"the method {method} is not CORS-safelisted (only GET, HEAD and POST are)")
    headers = _with_default_accept(req)
    unsafe = fh.unsafe_request_header_names(headers)
    if req.forced_preflight:
        why.append("the XMLHttpRequest has an upload listener (xhr.upload.addEventListener) and "
                   "a body, which forces a preflight")
    for name, value in fh.combine(headers):
        if name in unsafe:
            if name == "content-type":
                why.append(f"Content-Type '{value}' is not one of the three form types "
                           "(text/plain, multipart/form-data, application/x-www-form-urlencoded)")
            elif fh.is_safelisted_request_header(name, value):
                why.append(f"the header {name} is normally safelisted, but the safelisted values "
                           "add up to more than 1024 bytes")
            else:
                why.append(f"the header {name} is not CORS-safelisted")
    return why


def preflight_needed(req: FetchRequest, cache: PreflightCache | None = None) -> bool:
    """Fetch "main fetch": cross-origin, mode cors, and an unsafe method or header name.

    With ``cache``, a fresh cached preflight answer that covers the request spares it.
    """
    if not preflight_reasons(req):
        return False
    return not (cache is not None and cache.covers(req))


def preflight_request(req: FetchRequest) -> tuple[str, Headers]:
    """The preflight the browser sends (#cors-preflight-fetch-0, Chromium CreatePreflightRequest).

    Never credentials: no Cookie, no Authorization, whatever the page asked for. The unsafe
    header names are lower-cased, sorted and joined with "," (no space).
    """
    out = [("Accept", "*/*"), ("Access-Control-Request-Method", req.normalized_method)]
    unsafe = unsafe_header_names(req)
    if unsafe:
        out.append(("Access-Control-Request-Headers", ",".join(unsafe)))
    out += [("Origin", serialized_origin(req)), ("Sec-Fetch-Mode", "cors")]
    referer = referrer_header(req)
    if referer:
        out.append(("Referer", referer))
    return "OPTIONS", out + cache_mode_headers(req, [])


def cache_mode_headers(req: FetchRequest, headers: Headers) -> Headers:
    """The lines the browser adds for the request's cache mode (:data:`CACHE_MODE_HEADERS`),
    each only when ``headers`` (what the page set) has no line of that name."""
    names = {n.lower() for n, _ in headers}
    return [(n, v) for n, v in CACHE_MODE_HEADERS.get(req.cache, ()) if n.lower() not in names]


def _potentially_trustworthy(url: str) -> bool:
    """Secure Contexts: https, or a loopback host (localhost, *.localhost, 127/8, [::1])."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return (parts.scheme.lower() == "https" or host == "localhost"
            or host.endswith(".localhost") or host.startswith("127.") or host == "::1")


def referrer_header(req: FetchRequest) -> str | None:
    """The ``Referer`` the request (and its preflight) carries, or None (Referrer Policy,
    "determine request's referrer"; Chromium's default policy strict-origin-when-cross-origin).

    The source is the page's URL (``referrer="client"``) or the page's chosen URL - one of
    another origin silently becomes the page's URL (Fetch "new Request" step 14, observed in
    Chromium 156 here); "" sends none. The fragment and any user:password@ are removed; each
    redirect hop is judged again against its own URL.
    """
    return _referrer(req.page_url, req.origin, req.referrer,
                     req.referrer_policy or DEFAULT_REFERRER_POLICY, req.url)


@lru_cache(maxsize=1024)  # pure, and asked for every preflight the model builds
def _referrer(page_url: str | None, origin: str, referrer: str, policy: str, url: str) -> str | None:
    page = page_url or (None if origin == "null" else parse_origin(origin).serialize() + "/")
    if page is None or referrer == "":
        return None
    source = page
    if referrer not in ("client", "about:client"):
        chosen = urljoin(page, referrer)
        if same_origin(origin_of(chosen), origin_of(page)):
            source = chosen
    parts = urlsplit(source)
    full = parts._replace(netloc=parts.netloc.rpartition("@")[2], fragment="").geturl()
    origin_only = origin_of(source).serialize() + "/"
    if len(full) > MAX_REFERRER_LENGTH:
        full = origin_only
    same = same_origin(origin_of(source), origin_of(url))
    downgrade = (parts.scheme.lower() == "https" and not _potentially_trustworthy(url))
    return {
        "no-referrer": None,
        "no-referrer-when-downgrade": None if downgrade else full,
        "origin": origin_only,
        "origin-when-cross-origin": full if same else origin_only,
        "same-origin": full if same else None,
        "strict-origin": None if downgrade else origin_only,
        "strict-origin-when-cross-origin": full if same else (None if downgrade else origin_only),
        "unsafe-url": full,
    }[policy]


def browser_added_headers(req: FetchRequest, page_headers: Headers) -> Headers:
    """What the browser itself adds to the request beyond the page's headers and Origin: the
    Referer and the cache mode's lines (neither counts toward a preflight)."""
    referer = referrer_header(req)
    return ([("Referer", referer)] if referer else []) + cache_mode_headers(req, page_headers)


# -- the checks ----------------------------------------------------------------------------------

def _refused(kind: str, reason: str, explanation: str, error: str | None = None,
             notes: list[str] | None = None) -> Verdict:
    return Verdict(False, reason, explanation, kind, error, notes or [])


def _looks_like_url(value: str) -> bool:
    """Roughly Chromium's ``GURL(value).is_valid()``: only picks which message is shown."""
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return False
    if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", value):
        return False
    if value.lower().startswith(("http:", "https:")):
        # GURL is lenient with the slashes of a special scheme: 'http:/host' and 'http:host'
        # are valid ('http://host'), so such a value is a mismatch, not an invalid value.
        scheme, _, rest = value.partition(":")
        value = f"{scheme}://{rest.lstrip(chr(47) + chr(92))}"
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises on a bad port, as GURL would reject it
            return bool(parts.hostname)
        except ValueError:
            return False
    return True


def _fix_headers(req: FetchRequest, preflight: bool) -> str:
    """The CORS headers that would make this request pass, as a learner would add them."""
    origin = serialized_origin(req)
    parts = [f"Access-Control-Allow-Origin: {origin}"]
    if req.credentials == "include":
        parts.append("Access-Control-Allow-Credentials: true")
    if preflight:
        method = req.normalized_method
        if not fh.is_safelisted_method(method):
            parts.append(f"Access-Control-Allow-Methods: {method}")
        unsafe = unsafe_header_names(req)
        if unsafe:
            parts.append(f"Access-Control-Allow-Headers: {', '.join(unsafe)}")
    parts.append("Vary: Origin")
    return ", ".join(f"`{p}`" for p in parts)


def _which(req: FetchRequest, preflight: bool) -> str:
    where = origin_of(req.url).serialize()
    if preflight:
        return (f"the preflight answer (OPTIONS {urlsplit(req.url).path or '/'} on {where}, "
                "answered by the server or by a proxy in front of it)")
    return f"the response to {req.normalized_method} {req.url}"


def classify_access(acao: str | None, acac: str | None, origin: str,
                    include: bool) -> tuple[str, str] | None:
    """Chromium's CheckAccess (cors.cc): None when the CORS check passes, else (error, value).

    The order decides which message a learner sees: a '*' with credentials; a missing header;
    a value with a space or comma ("multiple"); 'null'; a value that is no URL ("invalid");
    any other value ("mismatch"); then, with credentials, an ACAC that is not exactly 'true'.
    """
    if acao == "*":
        if include:
            return "WildcardOriginNotAllowed", acao
    elif acao is None:
        return "MissingAllowOriginHeader", ""
    elif acao != origin:
        if " " in acao or "," in acao:
            return "MultipleAllowOriginValues", acao
        if acao == "null" or _looks_like_url(acao):
            return "AllowOriginMismatch", acao
        return "InvalidAllowOriginValue", acao
    if include and acac != "true":
        return "InvalidAllowCredentials", acac or ""
    return None


_REASONS = {
    "WildcardOriginNotAllowed": lambda v, pf: reasons.wildcard_origin_not_allowed(pf),
    "MissingAllowOriginHeader": lambda v, pf: reasons.missing_allow_origin(pf),
    "MultipleAllowOriginValues": reasons.multiple_allow_origin_values,
    "AllowOriginMismatch": reasons.allow_origin_mismatch,
    "InvalidAllowOriginValue": reasons.invalid_allow_origin_value,
    "InvalidAllowCredentials": reasons.invalid_allow_credentials,
}


def _explain_access(code: str, req: FetchRequest, resp: HttpResponse, preflight: bool) -> str:
    """Plain words for a failed CORS check: what the browser saw, and the fix."""
    origin = serialized_origin(req)
    which = _which(req, preflight)
    fix = _fix_headers(req, preflight)
    acao = resp.get("access-control-allow-origin")
    if code == "WildcardOriginNotAllowed":
        text = (f"{which.capitalize()} allows any origin with `Access-Control-Allow-Origin: *`, "
                "but this request is sent with credentials (credentials: 'include') and `*` "
                f"never works with credentials. Fix: the server must name the origin instead: "
                f"{fix}; or the page must not send credentials.")
    elif code == "MissingAllowOriginHeader" and preflight:
        why = "; ".join(preflight_reasons(req)) or "the request is not simple"
        text = (f"The browser sent a preflight because {why}, and {which} had no "
                "Access-Control-Allow-Origin header, so the browser stopped there: the "
                f"{req.normalized_method} request itself was never sent. Fix: make whatever "
                f"answers OPTIONS for this URL reply 2xx with {fix}.")
    elif code == "MissingAllowOriginHeader":
        text = (f"The request was sent and the server answered {resp.status}, but {which} has no "
                "Access-Control-Allow-Origin header, so the browser hides the answer from the "
                "page (the server did receive and process the request). Fix: the server, or a "
                f"proxy in front of it, must add {fix} to this response.")
    elif code == "MultipleAllowOriginValues":
        text = (f"{which.capitalize()} gives Access-Control-Allow-Origin as '{acao}': several "
                "values, or two header lines joined by the browser (often both the app and a "
                "proxy add it). Exactly one origin is allowed. Fix: let one layer set it - remove "
                "it from the app, or hide the upstream's copy in the proxy (nginx: "
                f"`proxy_hide_header Access-Control-Allow-Origin;`) - and send {fix}.")
    elif code == "AllowOriginMismatch":
        text = (f"{which.capitalize()} allows '{acao}', but the request comes from '{origin}'. "
                "The comparison is exact: scheme, host and port, no trailing slash, "
                f"case-sensitive. Fix: if {origin} should be allowed, the server must answer it "
                f"with {fix} (add it to the allowlist and echo the matching origin); if not, the "
                "block is CORS working as intended.")
    elif code == "InvalidAllowOriginValue":
        text = (f"{which.capitalize()} gives Access-Control-Allow-Origin as '{acao}', which is "
                f"not an origin. Fix: send {fix}.")
    else:  # InvalidAllowCredentials
        acac = resp.get("access-control-allow-credentials")
        has = repr(acac) if acac is not None else "none"
        text = (f"The request is sent with credentials (credentials: 'include'), so {which} must "
                f"carry `Access-Control-Allow-Credentials: true` - exactly, lower-case - but it "
                f"has {has}. Fix: the server (or proxy) must add it: {fix}; or the page must not "
                "send credentials.")
    if req.tainted_origin and code != "InvalidAllowCredentials":
        text += (" After a cross-origin redirect the browser's origin is `null`, so only "
                 "`Access-Control-Allow-Origin: null` or `*` can pass.")
    return text


def check_access(req: FetchRequest, resp: HttpResponse, preflight: bool = False) -> Verdict:
    """Fetch #concept-cors-check with Chromium's classification of a bad ACAO (cors.cc CheckAccess).

    ``preflight`` picks the "Response to preflight request ..." wording; the credentials mode
    is always the actual request's, as the standard says.
    """
    failure = classify_access(resp.get("access-control-allow-origin"),
                              resp.get("access-control-allow-credentials"),
                              serialized_origin(req), req.credentials == "include")
    if failure is None:
        return Verdict(True)
    code, value = failure
    reason = _REASONS[code](value, preflight)
    if req.api == "xhr":
        # Blink gives the "have the server send a valid value" advice to fetch() only, and to
        # XHR the withCredentials hint (cors_error_string.cc; observed in Chromium 156 here).
        reason = reason.removesuffix(reasons.NO_CORS_HINT)
        if code in ("WildcardOriginNotAllowed", "InvalidAllowCredentials"):
            reason += reasons.XHR_CREDENTIALS_HINT
    return _refused("cors", reason,
                    _explain_access(code, req, resp, preflight),
                    ("kPreflight" if preflight else "k") + code)


def check_preflight(req: FetchRequest, resp: HttpResponse) -> Verdict:
    """Fetch #cors-preflight-fetch-0 as Chromium's PreflightController runs it.

    Order: a redirect fails at once; then the CORS check (so a bad origin wins over a bad
    status); then the 2xx status; then ACAM/ACAH must parse; then the method; then the headers.
    """
    if resp.is_redirect:
        return _refused("cors", reasons.preflight_disallowed_redirect(),
                        f"The preflight (OPTIONS {req.url}) was answered with a redirect "
                        f"({resp.status} to {resp.get('location')}); browsers never follow "
                        "redirects for preflights. Fix: call the final URL directly (watch trailing "
                        "slashes and http -> https), or have the server answer OPTIONS at this URL "
                        "without redirecting.", "kPreflightDisallowedRedirect")
    access = check_access(req, resp, preflight=True)
    if not access.ok:
        return access
    if not 200 <= resp.status <= 299:
        path = urlsplit(req.url).path or "/"
        return _refused("cors", reasons.preflight_invalid_status(),
                        "The preflight answer carried the right CORS headers but its status was "
                        f"{resp.status}, and a preflight needs 200-299. Usually the app has no "
                        f"OPTIONS route for {path} (404/405) or checks authentication first "
                        "(401/403 - a preflight never carries cookies or Authorization). Fix: "
                        "answer OPTIONS for this path with 204 (or 200) before any authentication "
                        "check.", "kPreflightInvalidStatus")
    include = req.credentials == "include"
    no_star = " `*` is not a wildcard for requests with credentials."
    acam = resp.get("access-control-allow-methods")
    acah = resp.get("access-control-allow-headers")
    methods = fh.parse_allow_list(acam)
    if methods is None:
        return _refused("cors", reasons.invalid_allow_methods(),
                        f"Access-Control-Allow-Methods on the preflight answer is '{acam}', which "
                        "is not a comma-separated list of method names (each must be a token: no "
                        "spaces inside, no quotes). Fix: e.g. `Access-Control-Allow-Methods: GET, "
                        "POST, PUT, DELETE`.", "kInvalidAllowMethodsPreflightResponse")
    allowed_headers = fh.parse_allow_list(acah)
    if allowed_headers is None:
        return _refused("cors", reasons.invalid_allow_headers(),
                        f"Access-Control-Allow-Headers on the preflight answer is '{acah}', which "
                        "is not a comma-separated list of header names. Fix: e.g. "
                        "`Access-Control-Allow-Headers: Content-Type, Authorization`.",
                        "kInvalidAllowHeadersPreflightResponse")
    method = req.normalized_method
    if not _method_allowed(method, methods, include):
        star = no_star if include and "*" in methods else ""
        case = (f" The match is case-sensitive: '{method}' is not '{method.upper()}'."
                if method.upper() in methods else "")
        listed = ", ".join(methods) or "none"
        return _refused("cors", reasons.method_disallowed(method),
                        f"The preflight answer allows the methods [{listed}], which do not include "
                        f"{method}.{case}{star} Fix: add {method} to Access-Control-Allow-Methods "
                        "on the OPTIONS response (server or proxy).",
                        "kMethodDisallowedByPreflightResponse")
    unsafe = unsafe_header_names(req)
    lowered = {h.lower() for h in allowed_headers}
    if not include and "*" in lowered:
        # Chromium: '*' covers every name, Authorization too (the standard disagrees: see note).
        covered_by_star = "authorization" in unsafe and "authorization" not in lowered
        return Verdict(True, notes=[AUTHORIZATION_NOTE] if covered_by_star else [])
    refused = _refused_headers(unsafe, lowered, include, non_wildcard=False)
    if refused:
        # Which header the reason names when two or more are refused: Chromium names the first
        # in its request-header list (preflight_result.cc EnsureAllowedCrossOriginHeaders walks
        # headers.GetHeaderVector()), which Blink fills from a hash map (HTTPHeaderMap) - a
        # hash-table order that depends on the whole set of names (X-1..X-9: x-2 first, observed
        # in Chromium 156 here). Not modelled: the reason names the first in sorted order, the
        # explanation and ``refused_headers`` list them all; the verdict never differs.
        name = refused[0]
        star = no_star if include and "*" in lowered else ""
        listed = ", ".join(allowed_headers) or "none"
        several = (f" Several headers are refused: {', '.join(refused)}; Chromium's console "
                   "names one of them (in an order of its own), fix them all."
                   if len(refused) > 1 else "")
        verdict = _refused("cors", reasons.header_disallowed(name),
                           f"The page sets the header {name}, which is not CORS-safelisted, so "
                           "the preflight asked for it (Access-Control-Request-Headers: "
                           f"{','.join(unsafe)}); the answer's Access-Control-Allow-Headers "
                           f"[{listed}] does not include it.{star}{several} Fix: add "
                           f"{', '.join(refused)} to Access-Control-Allow-Headers on the "
                           "OPTIONS response.", "kHeaderDisallowedByPreflightResponse")
        verdict.refused_headers = refused
        return verdict
    return Verdict(True)


def _method_allowed(method: str, methods, credentials: bool) -> bool:
    """PreflightResult::EnsureAllowedCrossOriginMethod as Chromium 156 applies it: listed (as
    sent), safelisted, or '*' without credentials."""
    return (method in methods or fh.is_safelisted_method(method)
            or (not credentials and "*" in methods))


def _refused_headers(unsafe: list[str], allowed: set[str], credentials: bool,
                     non_wildcard: bool) -> list[str]:
    """PreflightResult::EnsureAllowedCrossOriginHeaders: the unsafe names the answer does not
    allow. '*' (without credentials) allows all - except Authorization when ``non_wildcard``
    (Fetch #cors-non-wildcard-request-header-name; Chromium uses that variant for its cache)."""
    if not credentials and "*" in allowed:
        if non_wildcard and "authorization" in unsafe and "authorization" not in allowed:
            return ["authorization"]
        return []
    return [n for n in unsafe if n not in allowed]


def check_response(req: FetchRequest, resp: HttpResponse) -> Verdict:
    """The CORS check on an actual answer (any status passes, even 403 or 500).

    Same-origin and no-cors requests have nothing to check.
    """
    if req.mode != "cors" or not is_cross_origin(req):
        return Verdict(True)
    return check_access(req, resp, preflight=False)


def exposed_headers(req: FetchRequest, resp: HttpResponse) -> list[str]:
    """The names page JavaScript can read via ``response.headers`` (sorted, lower-cased, unique).

    This is what ``[...response.headers.keys()]`` lists, assuming the response passed its CORS
    check. Same-origin: everything but Set-Cookie. Cross-origin: the CORS-safelisted response
    headers plus those named in Access-Control-Expose-Headers; ``*`` there means all of them,
    but only without credentials. No-cors: nothing (opaque).
    """
    names = {n for n, _ in resp.headers} - fh.FORBIDDEN_RESPONSE_HEADERS
    if not is_cross_origin(req):
        return sorted(names)
    if req.mode == "no-cors":
        return []
    listed = set(fh.parse_expose_list(resp.get("access-control-expose-headers")))
    if req.credentials != "include" and "*" in listed:
        return sorted(names)
    return sorted(n for n in names if n in fh.SAFELISTED_RESPONSE_HEADERS or n in listed)


# -- all together --------------------------------------------------------------------------------

def decide(req: FetchRequest, preflight: HttpResponse | None = None,
           response: HttpResponse | None = None,
           cache: PreflightCache | None = None) -> Decision:
    """What the browser decides, given the preflight answer (when one is needed) and the answer.

    ``response`` is the final answer (for a redirect chain use the probe, or
    :func:`follow_redirect` hop by hop). Passing None where an answer is needed is an error,
    except ``response`` after a failed preflight (the request is never sent).
    """
    sent, dropped = effective_headers(req)
    notes = [f"The browser drops the header {name}: {why.rstrip('.')}." for name, why in dropped]
    base = dict(request_headers=sent, dropped_headers=dropped)
    refused = validate(req)
    if refused:
        return Decision(False, False, refused.reason, refused.explanation, [], refused.kind,
                        refused.error, notes=notes + refused.notes, **base)
    if req.cache == "only-if-cached" and response is None:
        miss = cache_miss(req)
        return Decision(False, False, miss.reason, miss.explanation, [], miss.kind, miss.error,
                        notes=notes, **base)
    needed = preflight_needed(req, cache)
    pf_request = preflight_request(req) if needed else None
    if needed:
        if preflight is None:
            raise CorsLabError("this request needs a preflight: pass the OPTIONS answer as "
                               "decide(req, preflight=HttpResponse(...), response=...)")
        verdict = check_preflight(req, preflight)
        notes += verdict.notes
        if not verdict.ok:
            return Decision(False, True, verdict.reason, verdict.explanation, [], verdict.kind,
                            verdict.error, notes=notes, preflight_request=pf_request,
                            refused_headers=verdict.refused_headers, **base)
        max_age = parse_max_age(preflight.get("access-control-max-age"))
        notes.append(f"The browser may reuse this preflight answer for {max_age} s "
                     "(Access-Control-Max-Age; Chromium uses 5 s when it is absent and caps it "
                     "at 7200 s)." if max_age else
                     "The browser will not reuse this preflight answer (Access-Control-Max-Age "
                     "is 0 or negative).")
        if cache is not None:
            cache.store(req, preflight)
    if response is None:
        raise CorsLabError("pass the actual answer as decide(req, ..., response=HttpResponse(...))")
    if req.mode == "no-cors" and is_cross_origin(req):
        return Decision(False, False, None,
                        "mode 'no-cors': the request is sent, but the page gets an opaque response "
                        "- status 0, no headers, no body - and no error is printed. Use mode 'cors' "
                        "and have the server allow the origin to read the answer.",
                        [], "opaque", None, True, notes, preflight_request=None, **base)
    verdict = check_response(req, response)
    notes += verdict.notes
    if not verdict.ok:
        return Decision(False, needed, verdict.reason, verdict.explanation, [], verdict.kind,
                        verdict.error, notes=notes, preflight_request=pf_request, **base)
    exposed = exposed_headers(req, response)
    if not is_cross_origin(req):
        text = "Same origin: CORS does not apply; the page reads the response (except Set-Cookie)."
    else:
        after = " after a preflight" if needed else ""
        text = (f"Allowed: the response passes the CORS check{after}; page JavaScript can read "
                f"the body and the headers {', '.join(exposed) or '(none)'}.")
        hidden = sorted({n for n, _ in response.headers} - set(exposed))
        if hidden:
            text += (f" Hidden from the page: {', '.join(hidden)} (list a header in "
                     "Access-Control-Expose-Headers to let the page read it; Set-Cookie never).")
    if AUTHORIZATION_NOTE in notes:  # Chromium's answer above; the standard's beside it
        text += " " + AUTHORIZATION_NOTE
    if any(why == USER_AGENT_NOTE for _, why in dropped):
        text += " " + USER_AGENT_NOTE
    return Decision(True, needed, None, text, exposed, None, None, notes=notes,
                    preflight_request=pf_request, **base)


def cache_miss(req: FetchRequest) -> Verdict:
    """cache 'only-if-cached' and nothing in the HTTP cache: a network error, nothing is sent
    (Chromium: net::ERR_CACHE_MISS)."""
    return _refused("network", "net::ERR_CACHE_MISS",
                    "cache 'only-if-cached' answers only from the browser's HTTP cache, and it "
                    "holds nothing for this URL: fetch() fails without sending anything. Load the "
                    "URL once first, or use another cache mode.")


# -- redirects -----------------------------------------------------------------------------------

def follow_redirect(req: FetchRequest, resp: HttpResponse) -> tuple[FetchRequest | None, Verdict]:
    """Fetch "HTTP-redirect fetch" for a redirect answer to an actual request.

    Returns (the next request, ok) or (None, the refusal). Chromium runs the CORS check on the
    redirect answer itself first; a hop from a cross-origin URL to yet another origin taints the
    origin to ``null`` for the rest of the chain (also A -> B -> A); 301/302 turn POST into GET
    and 303 turns everything but GET/HEAD into GET, dropping the body; Authorization is removed
    on a cross-origin hop (Fetch commit 9004f4e); client hints (DPR, Width...) on every hop
    (Chromium).
    """
    verdict = check_response(req, resp)
    if not verdict.ok:
        return None, verdict
    location = urljoin(req.url, resp.get("location") or "")
    parts = urlsplit(location)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        # Chromium 156 here: the network stack refuses data:, file:, about:, blob: (and an http
        # URL without a host) as unsafe and ws:/wss: as unknown, with no CORS line; any other
        # scheme (ftp:, mailto:, javascript: ...) reaches the CORS loader, which refuses it in
        # mode "cors" (in "no-cors" the network stack calls it unknown).
        fix = "Fix the Location header on the server."
        if scheme in ("ws", "wss") or (req.mode != "cors" and scheme not in (
                "http", "https", "data", "file", "about", "blob")):
            return None, _refused("network", "net::ERR_UNKNOWN_URL_SCHEME",
                                  f"The redirect points to '{location}', a URL fetch() cannot "
                                  f"load; it fails. {fix}")
        if scheme in ("http", "https", "data", "file", "about", "blob"):
            return None, _refused("network", "net::ERR_UNSAFE_REDIRECT",
                                  f"The redirect points to '{location}', which is not an http(s) "
                                  f"URL; fetch() fails. {fix}")
        return None, _refused("cors", reasons.cors_disabled_scheme(),
                              f"The redirect points to '{location}'; a CORS request can only go on "
                              f"to http(s) URLs. {fix}", "kCorsDisabledScheme")
    if req.mode == "same-origin" and not same_origin(req.origin, origin_of(location)):
        page = req.page_url or parse_origin(req.origin).serialize() + "/"
        return None, _refused("fetch-api", reasons.unsafe_redirect(location, page),
                              f"mode 'same-origin' forbids leaving the page's origin, and the "
                              f"redirect points to {location}: the browser stops at the redirect "
                              "and sends nothing there; fetch() fails. Use mode 'cors' (and let "
                              "that server allow the origin) or keep the redirect on the origin.")
    if req.redirects + 1 > MAX_REDIRECTS:
        return None, _refused("network", "net::ERR_TOO_MANY_REDIRECTS",
                              f"More than {MAX_REDIRECTS} redirects: fetch() gives up with a network "
                              "error. Fix the redirect loop on the server.")
    if parts.username is not None or parts.password is not None:
        bare = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        if req.mode == "cors" and (req.tainted_origin or is_cross_origin(req)
                                   or not same_origin(req.origin, origin_of(bare))):
            # Chromium 156 here prints the location as '' (its failedParameter is empty).
            return None, _refused("cors", reasons.redirect_contains_credentials(""),
                                  "The redirect's Location contains user:password@, which the "
                                  "browser refuses for cross-origin requests. Fix: remove the "
                                  "credentials from the Location URL on the server.",
                                  "kRedirectContainsCredentials")
        # Not a CORS request: the standard would follow it; Chromium 156 here aborts the load.
        return None, _refused("network", "net::ERR_ABORTED",
                              "The redirect's Location contains user:password@; Chromium aborts "
                              "the load. Fix: remove the credentials from the Location URL.")
    target = origin_of(location)
    current = origin_of(req.url)
    tainted = req.tainted_origin or (not same_origin(target, current)
                                     and not same_origin(req.origin, current))
    method, body, headers = req.method, req.body, list(req.headers)
    norm = req.normalized_method
    if (resp.status in (301, 302) and norm == "POST") or (
            resp.status == 303 and norm not in ("GET", "HEAD")):
        method, body = "GET", None
        headers = [(n, v) for n, v in headers if n.lower() not in REQUEST_BODY_HEADERS]
    if not same_origin(current, target):
        headers = [(n, v) for n, v in headers if n.lower() != "authorization"]
    # Chromium recomputes client hints for each hop and removes the script's copies on every
    # redirect (observed in Chromium 156 here: DPR, Width... reach the first URL only).
    headers = [(n, v) for n, v in headers if n.lower() not in fh.CLIENT_HINT_HEADERS]
    return replace(req, url=location, method=method, body=body, headers=headers,
                   tainted_origin=tainted, redirects=req.redirects + 1,
                   first_url=req.first_url or req.url), Verdict(True)


# -- the preflight cache -------------------------------------------------------------------------

def parse_max_age(value: str | None) -> int:
    """Seconds a preflight answer may be reused, as Chromium computes it (preflight_result.cc).

    Absent or not an integer: 5. Negative: 0 (not cached). 7200 or more: 7200 (2 hours).
    Chromium reads the value with ``base::StringToInt64``: a number that does not fit in 64 bits
    (``99999999999999999999``, or as large a negative one) fails to parse, so it means 5 s too -
    not 2 hours, not "never cache".
    """
    if value is None or not re.fullmatch(r"[+-]?[0-9]+", value.strip(fh.HTTP_TAB_OR_SPACE)):
        return DEFAULT_MAX_AGE
    seconds = int(value)
    if not -fh.INT64_MAX - 1 <= seconds <= fh.INT64_MAX:
        return DEFAULT_MAX_AGE
    if seconds < 0:
        return 0
    return min(seconds, MAX_MAX_AGE)


MAX_CACHE_KEY_LENGTH = 1024  # Chromium preflight_cache.cc kMaxKeyLength: longer URLs are not cached


@dataclass
class PreflightResult:
    """What one passing preflight answer allows: Chromium's PreflightResult (preflight_result.cc).

    ``methods`` as written (compared case-sensitively), ``headers`` lower-cased, ``credentials``
    whether the request that got it had credentials mode "include", ``expires`` on the cache's
    clock.
    """

    credentials: bool
    methods: frozenset
    headers: frozenset
    expires: float

    def allows(self, req: FetchRequest, non_wildcard: bool = True) -> bool:
        """PreflightResult::EnsureAllowedRequest: an answer got without credentials never serves a
        request with them; then the method; then every unsafe header name."""
        if not self.credentials and req.credentials == "include":
            return False
        if not _method_allowed(req.normalized_method, self.methods, self.credentials):
            return False
        return not _refused_headers(unsafe_header_names(req), self.headers, self.credentials,
                                    non_wildcard)


class PreflightCache:
    """The browser's CORS-preflight cache, as Chromium keeps it (services/network/cors/
    preflight_cache.cc and preflight_result.cc).

    One :class:`PreflightResult` per (page origin, URL) - the page's own origin even after a
    redirect tainted the request's Origin to ``null`` (Chromium keys on request_initiator); a new
    passing answer replaces it (AppendEntry). URLs of 1024 characters or more are never cached.

    A lookup (:meth:`covers`, CheckIfRequestCanSkipPreflight) checks the entry with
    "non-wildcard request headers" support on - so a cached ``Access-Control-Allow-Headers: *``
    never spares a request that carries Authorization, although the preflight itself let it
    through - and removes an entry that is stale or does not cover the request, whatever the next
    preflight says: PUT (cached), a refused DELETE, PUT again costs three preflights.

    fetch() cache modes "no-store", "reload" and "no-cache" skip the lookup (their load flags,
    preflight_controller.cc RetrieveCacheFlags) and leave the entry alone; a "no-store"
    request's answer is not stored (LOAD_DISABLE_CACHE).

    ``chromium=False``: the Fetch standard's cache instead (#concept-cache): entries accumulate
    per (origin, URL), a lookup removes nothing. ``clock`` is injectable so tests can move time.
    """

    def __init__(self, chromium: bool = True, clock=time.monotonic):
        self.chromium = chromium
        self.clock = clock
        self.entries: dict[tuple[str, str], list[PreflightResult]] = {}

    @staticmethod
    def _key(req: FetchRequest) -> tuple[str, str]:
        return parse_origin(req.origin).serialize(), req.url

    def store(self, req: FetchRequest, resp: HttpResponse) -> int:
        """Remember a preflight answer that passed :func:`check_preflight`; return its max-age."""
        if req.cache == "no-store" or len(req.url) >= MAX_CACHE_KEY_LENGTH:
            return 0
        max_age = parse_max_age(resp.get("access-control-max-age"))
        key = self._key(req)
        result = PreflightResult(
            req.credentials == "include",
            frozenset(fh.parse_allow_list(resp.get("access-control-allow-methods")) or ()),
            frozenset(h.lower() for h in fh.parse_allow_list(
                resp.get("access-control-allow-headers")) or ()),
            self.clock() + max_age)
        if self.chromium:
            self.entries[key] = [result]  # an answer with max-age 0 replaces, then expires at once
        elif max_age > 0:
            self.entries.setdefault(key, []).append(result)
        return max_age

    def covers(self, req: FetchRequest) -> bool:
        """True when a fresh entry makes the preflight unnecessary. In Chromium's cache a stale
        or insufficient entry is removed by this look-up."""
        if req.cache in CACHE_MODES_SKIPPING_PREFLIGHT_CACHE:
            return False
        key = self._key(req)
        results = self.entries.get(key)
        if not results:
            return False
        now = self.clock()
        if self.chromium:
            result = results[0]
            if result.expires > now and result.allows(req):
                return True
            del self.entries[key]
            return False
        live = [r for r in results if r.expires > now
                and (r.credentials or req.credentials != "include")]
        method = req.normalized_method
        if not any(_method_allowed(method, r.methods, r.credentials) for r in live):
            return False
        return all(any(not _refused_headers([name], r.headers, r.credentials, True) for r in live)
                   for name in unsafe_header_names(req))

    def clear(self, req: FetchRequest | None = None) -> None:
        """Forget everything, or the entry for ``req``'s (origin, URL)."""
        if req is None:
            self.entries.clear()
        else:
            self.entries.pop(self._key(req), None)
