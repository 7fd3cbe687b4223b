"""A browser console's CORS error in plain words, with the fix for each kind of setup.

``explain(message)`` reads what a learner pastes from the console:

- Chromium's whole line, ``Access to fetch at 'URL' [(redirected from 'URL') ]from origin
  'ORIGIN' has been blocked by CORS policy: REASON`` (or ``XMLHttpRequest``), with anything
  DevTools puts around it (``localhost/:1``, the ``GET ... net::ERR_FAILED`` line);
- only REASON, the text after "CORS policy: ";
- Chromium's "Fetch API cannot load URL. Request mode is "same-origin" ..." line;
- Firefox's ``Cross-Origin Request Blocked: ... (Reason: ...)`` where it has a Chromium counterpart.

It names the error as Chromium's ``CorsError`` enum does without the leading ``k``
(``services/network/public/mojom/cors.mojom``; DevTools shows the same names as
``corsErrorStatus.corsError``), and says what the browser checked, what the server sent or failed
to send, how to fix it in each setup, and the ``probe`` command that repeats the check.

The Chromium texts are not copied here: the parser is built from ``corslab.fetch.reasons`` - the
functions the model uses to write Chromium's words - by calling each one with placeholders and
turning the result into a pattern, so a change there changes what is recognised.

Every pattern applied to the pasted text runs in RE2 (google-re2), whose matching time is linear in
the text: a crafted paste cannot make ``explain`` backtrack for minutes, and a whole console dump of
up to :data:`MAX_CHARS` characters is read in well under a second. Patterns are tables
(:func:`reason_table`, :data:`_FIREFOX`): a new console text is one more row, compiled by
:func:`_compile`.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import asdict, dataclass, field

import re2

from corslab.fetch import lna, reasons
from corslab.errors import CorsLabError

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
SETUPS = ("flask-cors", "nginx", "ingress-nginx", "gateway-api", "kong", "istio", "alb", "apigw-http")
#: The longest paste read: a whole console dump fits; more is refused in one line.
MAX_CHARS = 1_000_000
BLOCKED = "has been blocked by CORS policy: "


def _compile(pattern: str, dotall: bool = False):
    """A pattern for pasted text, in RE2: leftmost-first like Python's re (the same match for
    this syntax), but linear in the text - never the backtracking engine on untrusted input."""
    return re2.compile(("(?s)" if dotall else "") + pattern)



def _hole(name: str) -> str:
    """A placeholder: printable ASCII, so reasons.encode_hint keeps it, and in no console text."""
    return f"@@{name}@@"


def _pattern(text: str) -> str:
    """A reason text with @@name@@ holes -> a regex with named groups."""
    return re.sub(r"@@(\w+)@@", lambda m: f"(?P<{m.group(1)}>.*?)", re.escape(text))  # our text, not the paste


# --- the reason table, inverted -----------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    name: str  # CorsError without the k
    preflight: bool
    header: str | None  # the response header the check is about
    pattern: object  # compiled by _compile
    group: str | None = None  # which hole holds the "value"


def _access_reasons():
    """The model's table of CORS-check failures (Chromium's CheckAccess), each in both forms."""
    from corslab.fetch.model import _REASONS  # name -> reasons.* builder(value, preflight)

    header = {"InvalidAllowCredentials": ACAC}
    for name, build in _REASONS.items():
        for preflight in (True, False):
            text = build(_hole("value"), preflight)
            yield Reason(("Preflight" if preflight else "") + name, preflight,
                         header.get(name, ACAO), _compile(_pattern(text)),
                         "value" if "@@value@@" in text else None)


def _other_reasons():
    v = _hole("value")
    table = [
        ("PreflightInvalidStatus", True, None, reasons.preflight_invalid_status()),
        ("PreflightDisallowedRedirect", True, None, reasons.preflight_disallowed_redirect()),
        ("InvalidAllowMethodsPreflightResponse", True, ACAM, reasons.invalid_allow_methods()),
        ("InvalidAllowHeadersPreflightResponse", True, ACAH, reasons.invalid_allow_headers()),
        ("MethodDisallowedByPreflightResponse", True, ACAM, reasons.method_disallowed(v)),
        ("HeaderDisallowedByPreflightResponse", True, ACAH, reasons.header_disallowed(v)),
        ("RedirectContainsCredentials", False, "Location", reasons.redirect_contains_credentials(v)),
        ("CorsDisabledScheme", False, "Location", reasons.cors_disabled_scheme()),
        ("DisallowedByMode", False, None, reasons.disallowed_by_mode()),
        # Before CORS (corslab.fetch.lna): Local Network Access inside the CORS line, and mixed
        # content, which has a console line of its own.
        ("LocalNetworkAccessPermissionDenied", False, None, lna.permission_denied(v)),
        ("InvalidPrivateNetworkAccess", False, None, lna.address_space_mismatch(v, _hole("actual"))),
        ("MixedContent", False, None, lna.mixed_content_blocked(_hole("page"), v)),
    ]
    for name, preflight, header, text in table:
        yield Reason(name, preflight, header, _compile(_pattern(text)),
                     "value" if "@@value@@" in text else None)


@functools.cache
def reason_table() -> list[Reason]:
    """Every reason text the model can print, as patterns; the longest first, so the
    "Response to preflight request ..." forms win over their plain twins."""
    table = list(_access_reasons()) + list(_other_reasons())
    return sorted(table, key=lambda r: -len(r.pattern.pattern))


@functools.cache
def _line_patterns() -> list:
    """Chromium's console line, from reasons.console_message (with and without a redirect)."""
    holes = dict(url=_hole("url"), origin=_hole("origin"), reason=_hole("reason"), kind=_hole("kind"))
    out = []
    for first in (_hole("first"), None):
        text = reasons.console_message(holes["url"], holes["origin"], holes["reason"], first, holes["kind"])
        pat = _pattern(text).replace("(?P<reason>.*?)", "(?P<reason>.*)")
        out.append(_compile(pat, dotall=True))
    same_origin = reasons.same_origin_mode(_hole("url"), _hole("origin"))
    out.append(_compile(_pattern(same_origin)))
    return out


# Firefox's reasons (dom/security/nsCORSListenerProxy.cpp; texts from security.properties as MDN's
# "CORS errors" pages quote them), matched loosely: Firefox quotes with ‘ ’.
_FIREFOX_TEXTS = [
    (r"CORS header .Access-Control-Allow-Origin. missing", "MissingAllowOriginHeader", ACAO),
    (r"CORS header .Access-Control-Allow-Origin. does not match .(?P<value>.*?).\)?$", "AllowOriginMismatch", ACAO),
    (r"Multiple CORS header .Access-Control-Allow-Origin. not allowed", "MultipleAllowOriginValues", ACAO),
    (r"Credential is not supported if the CORS header .Access-Control-Allow-Origin. is .\*.",
     "WildcardOriginNotAllowed", ACAO),
    (r"expected .true. in CORS header .Access-Control-Allow-Credentials.", "InvalidAllowCredentials", ACAC),
    (r"Did not find method in CORS header .Access-Control-Allow-Methods.", "MethodDisallowedByPreflightResponse", ACAM),
    (r"header .(?P<value>[^ ]*?). is not allowed according to header .Access-Control-Allow-Headers.",
     "HeaderDisallowedByPreflightResponse", ACAH),
    (r"missing token .(?P<value>[^ ]*?). in CORS header .Access-Control-Allow-Headers.",
     "HeaderDisallowedByPreflightResponse", ACAH),
    (r"invalid token .(?P<value>.*?). in CORS header .Access-Control-Allow-Methods.",
     "InvalidAllowMethodsPreflightResponse", ACAM),
    (r"invalid token .(?P<value>.*?). in CORS header .Access-Control-Allow-Headers.",
     "InvalidAllowHeadersPreflightResponse", ACAH),
    (r"CORS preflight (response|channel) did not succeed", "PreflightInvalidStatus", None),
    (r"CORS request not HTTP", "CorsDisabledScheme", "Location"),
]
_FIREFOX = [(_compile(pattern), name, header) for pattern, name, header in _FIREFOX_TEXTS]
_FIREFOX_LINE = _compile(r"Cross-Origin Request Blocked: .*? at (?P<url>\S+?)\.? \(Reason: (?P<reason>.*?)\)"
                           r"(?:\. Status code: (?P<status>\d+))?\.?\s*$", dotall=True)
_FIREFOX_NOT_CORS = {
    "CORS request did not succeed": "no HTTP answer arrived at all (server down, wrong port, TLS "
                                    "or DNS failure, or an ad blocker): a network error, not a CORS one",
    "CORS disabled": "CORS is switched off in this Firefox (content.cors.disable)",
    "CORS request external redirect not allowed": "an extension redirected the request",
}


# --- the explanation ----------------------------------------------------------------------------


@dataclass
class Explanation:
    error: str
    preflight: bool
    header: str | None
    value: str | None
    url: str | None
    origin: str | None
    explanation: str
    fixes: dict[str, str] = field(default_factory=dict)
    probe: str | None = None
    first_url: str | None = field(default=None, repr=False)  # a redirect's first URL
    browser: str = field(default="chromium", repr=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: d[k] for k in ("error", "preflight", "header", "value", "url", "origin",
                                  "explanation", "fixes", "probe")}

    def report(self) -> str:
        lines = [f"{self.error}{' (preflight)' if self.preflight else ''}", "", self.explanation, "",
                 "How to fix it:"]
        lines += [f"  {setup}: {fix}" for setup, fix in self.fixes.items()]
        if self.probe:
            lines += ["", "Reproduce the check (the same requests, the same verdict):", f"  {self.probe}"]
        return "\n".join(_printable(line) for line in lines)


def _printable(text: str) -> str:
    """Pasted values never reach the terminal raw: control characters (ESC sequences, CR, C1) and
    line separators are written as escapes."""
    return "".join(c if c.isprintable() or c == "\t" else c.encode("unicode_escape").decode("ascii") for c in text)


def _match_reason(text: str):
    for reason in reason_table():
        m = reason.pattern.match(text)
        if m:
            return reason, (m.group(reason.group) if reason.group else None)
    return None, None


def _unreadable(message: str) -> CorsLabError:
    short = " ".join(message.split())[:80]
    return CorsLabError(
        f"cannot read {short!r} as a CORS error; paste the console line that says 'has been blocked "
        "by CORS policy: ...' (Chromium) or 'Cross-Origin Request Blocked: ... (Reason: ...)' (Firefox)")


def parse(message: str) -> dict:
    """The parts of a console message: error, preflight, header, value, url, origin, first_url."""
    text = message.strip().replace("\r\n", "\n")
    if not text:
        raise CorsLabError("the message is empty; paste the console line that says 'has been "
                           "blocked by CORS policy: ...'")
    if len(text) > MAX_CHARS:
        raise CorsLabError(f"the message is longer than {MAX_CHARS:,} characters; paste only the "
                           "console line that says 'has been blocked by CORS policy: ...'")
    found = {"url": None, "origin": None, "first_url": None, "browser": "chromium"}
    reason_text = None
    # In a console dump, the "Access to" that starts the first blocked line (not an earlier one).
    blocked = text.find(BLOCKED)
    start = text.rfind("Access to ", 0, blocked) if blocked >= 0 else -1
    if start >= 0:
        body = text[start:]
        # The reason ends the line: what DevTools prints after it (GET ... net::ERR_FAILED) is
        # another line. A line wrapped by the paste is read again with its whitespace joined.
        for line in (body.split("\n")[0], " ".join(body.split())):
            for pat in _line_patterns()[:2]:
                m = pat.match(line)
                if m:
                    found.update(url=m.group("url"), origin=m.group("origin"),
                                 first_url=m.groupdict().get("first"))
                    reason_text = m.group("reason").strip()
                    break
            if reason_text is not None and _match_reason(reason_text)[0] is not None:
                break
    elif "Request mode is \"same-origin\"" in text and "Fetch API cannot load" in text:
        m = _line_patterns()[2].search(text)
        if m:
            return dict(found, error="DisallowedByMode", preflight=False, header=None, value=None,
                        url=m.group("url"), origin=m.group("origin"))
    elif "Cross-Origin Request Blocked" in text:
        return _parse_firefox(text, found)
    elif "CORS policy: " in text:
        reason_text = text.split("CORS policy: ", 1)[1].split("\n")[0].strip()
    else:
        reason_text = text.split("\n")[0].strip()
    if reason_text is None:
        raise _unreadable(message)
    reason, value = _match_reason(reason_text)
    if reason is None:
        raise _unreadable(reason_text)
    return dict(found, error=reason.name, preflight=reason.preflight, header=reason.header, value=value)


def _parse_firefox(text: str, found: dict) -> dict:
    m = _FIREFOX_LINE.search(text)
    if not m:
        raise _unreadable(text)
    why = m.group("reason").strip()
    for label, meaning in _FIREFOX_NOT_CORS.items():
        if why.startswith(label):
            raise CorsLabError(f"Firefox's '{label}' means {meaning}; it has no CORS-header fix. "
                               "Check the URL answers at all: python -m corslab probe URL --origin ORIGIN")
    for pattern, name, header in _FIREFOX:
        r = pattern.search(why)
        if r:
            # Firefox does not say whether the preflight failed; these two only happen there.
            preflight = name in ("MethodDisallowedByPreflightResponse", "HeaderDisallowedByPreflightResponse",
                                 "InvalidAllowMethodsPreflightResponse", "InvalidAllowHeadersPreflightResponse",
                                 "PreflightInvalidStatus")
            return dict(found, error=name, preflight=preflight, header=header,
                        value=r.groupdict().get("value"), url=m.group("url"), browser="firefox",
                        status=m.group("status"))
    raise _unreadable(why)


def explain(message: str) -> Explanation:
    """Parse ``message`` and explain it; CorsLabError (one line) if it is not a CORS error."""
    p = parse(message)
    name = p["error"]
    base = name.removeprefix("Preflight") if name.startswith("Preflight") and name not in (
        "PreflightInvalidStatus", "PreflightDisallowedRedirect") else name
    origin = p["origin"] or "https://app.example.com"
    what = _what(base, p)
    if p.get("browser") == "firefox" and base in ("MissingAllowOriginHeader", "AllowOriginMismatch",
                                                 "MultipleAllowOriginValues", "WildcardOriginNotAllowed",
                                                 "InvalidAllowCredentials"):
        what += (" (Firefox does not say whether this was the preflight's answer or the request's; "
                 "the probe command below shows which.)")
    return Explanation(error=name, preflight=p["preflight"], header=p["header"], value=p["value"],
                       url=p["url"], origin=p["origin"], explanation=what,
                       fixes=fixes(base, origin=origin, value=p["value"]),
                       probe=probe_command(base, p), first_url=p["first_url"],
                       browser=p.get("browser", "chromium"))


# --- plain words ----------------------------------------------------------------------------------


def _what(base: str, p: dict) -> str:
    origin = p["origin"] or "the page's origin"
    value = p["value"]
    where = ("the answer to the preflight (the OPTIONS request the browser sends first, 사전 요청)"
             if p["preflight"] else "the response")
    redirect = (f" The request was redirected from {p['first_url']}; the check failed at the last "
                "hop." if p.get("first_url") else "")
    texts = {
        "MissingAllowOriginHeader":
            f"The browser checked {where} for an {ACAO} header naming {origin} and found none. "
            + ("The actual request was never sent. " if p["preflight"] else
               "The server did receive and process the request; the browser only hides the answer "
               "from the page. ")
            + "Whatever answered (the app, a proxy, an error page, a 404 from a gateway) sent no CORS headers.",
        "AllowOriginMismatch":
            f"The browser compared {ACAO} in {where}, '{value}', with the page's origin"
            f"{'' if origin == 'the page' + chr(39) + 's origin' else ' ' + origin}: "
            "they must be equal byte for byte (scheme, host, port; no trailing slash; no path).",
        "MultipleAllowOriginValues":
            f"{ACAO} in {where} is '{value}': several values, or two header lines the browser "
            "joined with ', ' - usually the app and a proxy in front of it both add CORS headers. "
            "Exactly one origin is allowed.",
        "InvalidAllowOriginValue":
            f"{ACAO} in {where} is '{value}', which is not an origin (scheme://host[:port]) nor '*'.",
        "WildcardOriginNotAllowed":
            f"{where.capitalize()} says {ACAO}: *, but the page sends credentials (cookies or HTTP "
            "auth: credentials: 'include' / withCredentials), and '*' never allows a request with "
            "credentials. The server must name the origin.",
        "InvalidAllowCredentials":
            f"The page sends credentials, so {where} must carry {ACAC}: true (exactly 'true'); "
            f"it carried '{value or ''}'" + (" (none)" if not value else "") + ".",
        "PreflightInvalidStatus":
            "The preflight's answer had the right CORS headers but not a 2xx status: the OPTIONS "
            "request reached something that refused it (no OPTIONS route: 404/405; an "
            "authentication check: 401/403 - a preflight never carries cookies or Authorization).",
        "PreflightDisallowedRedirect":
            "The preflight was answered with a redirect (301/302/307/308); browsers never follow "
            "redirects for a preflight. Typical: http -> https, a missing or extra trailing slash, "
            "a login redirect.",
        "InvalidAllowMethodsPreflightResponse":
            f"{ACAM} on the preflight's answer is not a comma-separated list of method names.",
        "InvalidAllowHeadersPreflightResponse":
            f"{ACAH} on the preflight's answer is not a comma-separated list of header names.",
        "MethodDisallowedByPreflightResponse":
            f"The page uses the method {value or '(see the message)'}, which is not GET, HEAD or "
            f"POST, so the browser asked first (Access-Control-Request-Method); {ACAM} in the "
            "answer does not list it (the comparison is case-sensitive).",
        "HeaderDisallowedByPreflightResponse":
            f"The page sets the request header {value or '(see the message)'}, which is not "
            "CORS-safelisted, so the browser asked first (Access-Control-Request-Headers); "
            f"{ACAH} in the answer does not list it.",
        "RedirectContainsCredentials":
            "A redirect's Location holds user:password@, which browsers refuse for cross-origin requests.",
        "CorsDisabledScheme":
            "The request was redirected to a URL that is not http(s); CORS requests only go to http(s).",
        "DisallowedByMode":
            "The page asked for mode 'same-origin' (or a mode that forbids this cross-origin "
            "request); the browser refused before sending anything. No server setting changes this.",
        "LocalNetworkAccessPermissionDenied":
            f"Local Network Access (Chrome 142+), not a CORS header: a page served from a more public "
            f"address space fetched the `{value}` address space, and the user (or a headless browser, "
            "which denies at once) did not allow it. Nothing reached the server - not even a "
            "preflight - so no server header can fix it (Access-Control-Allow-Private-Network is gone).",
        "InvalidPrivateNetworkAccess":
            f"Local Network Access, not a CORS header: fetch() said targetAddressSpace '{value}', but "
            "the server is in another address space; the browser refused the request.",
        "MixedContent":
            "Mixed content, before CORS: an https page fetched an http:// URL that is not loopback, and "
            "the browser blocked it without sending anything. No CORS header can change it.",
    }
    return texts[base] + redirect


# --- fixes per setup ------------------------------------------------------------------------------


def generate_command(product: str, origin: str, value: str | None, base: str) -> str:
    args = ["python", "-m", "corslab", "generate", product, "--origin", origin]
    if base == "MethodDisallowedByPreflightResponse" and value:
        args += ["--method", value]
    if base == "HeaderDisallowedByPreflightResponse" and value:
        args += ["--header", value]
    if base in ("WildcardOriginNotAllowed", "InvalidAllowCredentials"):
        args += ["--credentials"]
    return shlex.join(args)


def fixes(base: str, *, origin: str, value: str | None = None) -> dict[str, str]:
    """One fix per setup for the error ``base`` (a CorsError name without "Preflight")."""
    o = origin
    m = value or "PUT"
    h = value or "X-Custom"
    if base in ("RedirectContainsCredentials", "CorsDisabledScheme"):
        text = "fix the redirect's Location header where the app (or proxy) builds it: an http(s) URL without user:password@"
        return {s: text for s in SETUPS}
    if base == "LocalNetworkAccessPermissionDenied":
        return {s: "nothing to change on the server: the user must allow the page's access to the local "
                   "network (the browser's prompt or site settings), or serve the page from the same "
                   "address space; say fetch(url, {targetAddressSpace: 'local'}) for an http device" for s in SETUPS}
    if base == "InvalidPrivateNetworkAccess":
        return {s: "nothing to change on the server: give fetch() the targetAddressSpace the server is "
                   "really in ('loopback' for this machine, 'local' for the LAN), or leave it out" for s in SETUPS}
    if base == "MixedContent":
        return {s: "serve the API over HTTPS (a TLS proxy in front of it) and call https://; for a "
                   "device on the local network, fetch(url, {targetAddressSpace: 'local'})" for s in SETUPS}
    if base == "DisallowedByMode":
        return {s: "nothing to change on the server: call fetch() without mode 'same-origin' (the default is 'cors')"
                for s in SETUPS}
    if base == "PreflightDisallowedRedirect":
        common = "call the final URL directly (https, the exact trailing slash) and answer OPTIONS there without redirecting"
        out = {s: common for s in SETUPS}
        out["nginx"] = common + "; put the CORS preflight `if` before any `return 301`/`rewrite` in that location"
        out["ingress-nginx"] = common + "; ssl-redirect (on with TLS) redirects OPTIONS on http:// too - call https://"
        out["alb"] = common + "; an HTTP listener's redirect-to-HTTPS action also redirects OPTIONS - call https://"
        return out
    if base == "PreflightInvalidStatus":
        return {
            "flask-cors": "let flask-cors answer OPTIONS (its default automatic_options) and skip your auth check for OPTIONS",
            "nginx": "answer the preflight in nginx before auth: `if ($request_method = OPTIONS) { ... return 204; }` (see generate)",
            "ingress-nginx": "enable-cors: \"true\" makes the controller answer OPTIONS with 204 itself; "
                             "check auth-url/auth annotations are not refusing OPTIONS first",
            "gateway-api": "a CORS filter on the HTTPRoute answers preflights at the gateway; make sure the route matches OPTIONS",
            "kong": "the cors plugin answers preflights with 200 (preflight_continue: false); attach it to the route or "
                    "service, and put auth plugins' OPTIONS handling aside (config.run_on_preflight: false for key-auth/jwt)",
            "istio": "Envoy answers preflights only for an allowed origin; an unmatched one is forwarded to the app "
                     "(unmatchedPreflights: FORWARD) - allow the origin, or answer OPTIONS in the app",
            "alb": "ALB never answers OPTIONS itself: add a listener rule `http-request-method OPTIONS` -> fixed-response 204",
            "apigw-http": "with CorsConfiguration API Gateway answers preflights itself; with a $default route and an "
                          "authorizer, add an OPTIONS /{proxy+} route without authorization",
        }
    if base in ("MethodDisallowedByPreflightResponse", "InvalidAllowMethodsPreflightResponse"):
        add = f"add {m} to the allowed methods" if base.startswith("Method") else \
            "write the allowed methods as a comma-separated list of names, e.g. GET, POST, PUT, DELETE"
        return _per_product(add, o, {
            "flask-cors": f"CORS(app, origins=[{o!r}], methods=[\"GET\", \"POST\", {m!r}])",
            "nginx": f"in the preflight branch: add_header {ACAM} \"GET, POST, {m}\" always;",
            "ingress-nginx": f"nginx.ingress.kubernetes.io/cors-allow-methods: \"GET, POST, {m}\"",
            "gateway-api": f"filters[].cors.allowMethods: [GET, POST, {m}]",
            "kong": f"cors plugin config.methods: [GET, POST, {m}]",
            "istio": f"corsPolicy.allowMethods: [GET, POST, {m}]",
            "alb": f"listener attribute routing.http.response.access_control_allow_methods.header_value=GET,POST,{m}",
            "apigw-http": f"CorsConfiguration.AllowMethods: [GET, POST, {m}]",
        }, base, value)
    if base in ("HeaderDisallowedByPreflightResponse", "InvalidAllowHeadersPreflightResponse"):
        add = f"add {h} to the allowed request headers" if base.startswith("Header") else \
            "write the allowed headers as a comma-separated list of names, e.g. Content-Type, Authorization"
        return _per_product(add, o, {
            "flask-cors": f"CORS(app, origins=[{o!r}], allow_headers=[\"Content-Type\", {h!r}])",
            "nginx": f"in the preflight branch: add_header {ACAH} \"Content-Type, {h}\" always;",
            "ingress-nginx": f"nginx.ingress.kubernetes.io/cors-allow-headers: \"Content-Type, {h}\"",
            "gateway-api": f"filters[].cors.allowHeaders: [Content-Type, {h}]",
            "kong": f"cors plugin config.headers: [Content-Type, {h}]",
            "istio": f"corsPolicy.allowHeaders: [Content-Type, {h}]",
            "alb": f"listener attribute routing.http.response.access_control_allow_headers.header_value=Content-Type,{h}",
            "apigw-http": f"CorsConfiguration.AllowHeaders: [Content-Type, {h}]",
        }, base, value)
    if base in ("WildcardOriginNotAllowed", "InvalidAllowCredentials"):
        return _per_product(f"name the origin {o} (never *) and allow credentials", o, {
            "flask-cors": f"CORS(app, origins=[{o!r}], supports_credentials=True)",
            "nginx": f"map the allowed origin to itself and: add_header {ACAO} $cors_origin always; "
                     f"add_header {ACAC} true always; add_header Vary Origin always;",
            "ingress-nginx": f"cors-allow-origin: \"{o}\" and cors-allow-credentials: \"true\"",
            "gateway-api": f"filters[].cors.allowOrigins: [\"{o}\"], allowCredentials: true",
            "kong": f"cors plugin config.origins: [\"{o}\"], config.credentials: true",
            "istio": f"corsPolicy.allowOrigins: [{{exact: \"{o}\"}}], allowCredentials: true",
            "alb": f"access_control_allow_origin.header_value={o} and access_control_allow_credentials.header_value=true "
                   "(one static origin per listener)",
            "apigw-http": f"CorsConfiguration.AllowOrigins: [\"{o}\"], AllowCredentials: true",
        }, base, value)
    if base == "MultipleAllowOriginValues":
        return _per_product("let exactly one layer send CORS headers", o, {
            "flask-cors": "remove flask-cors from the app if a proxy in front of it adds CORS headers (or the reverse)",
            "nginx": f"proxy_hide_header {ACAO}; (and the other Access-Control-* headers) so only nginx's copy is sent",
            "ingress-nginx": "more_set_headers replaces the app's copy on allowed origins, not on refused ones: "
                             "remove CORS from the app when the Ingress handles it",
            "gateway-api": "remove CORS from the app when the route's CORS filter handles it (Envoy leaks the app's "
                           "headers on refused origins)",
            "kong": "remove CORS from the app when the cors plugin handles it",
            "istio": "remove CORS from the app when corsPolicy handles it (Envoy leaves the app's headers on refused origins)",
            "alb": "the listener attribute overwrites the app's value; remove CORS from the app so there is one source",
            "apigw-http": "with CorsConfiguration, API Gateway ignores the integration's CORS headers; check a "
                          "second layer (CloudFront, the app) is not adding one more",
        }, base, value)
    # MissingAllowOriginHeader, AllowOriginMismatch, InvalidAllowOriginValue
    return _per_product(f"allow the origin {o} exactly", o, {
        "flask-cors": f"CORS(app, origins=[{o!r}])",
        "nginx": f"map $http_origin $cors_origin {{ default \"\"; \"~^{re.escape(o)}$\" \"{o}\"; }} then "
                 f"add_header {ACAO} $cors_origin always; add_header Vary Origin always; (always: on errors too)",
        "ingress-nginx": f"nginx.ingress.kubernetes.io/enable-cors: \"true\" and cors-allow-origin: \"{o}\"",
        "gateway-api": f"an HTTPRoute filter type: CORS with cors.allowOrigins: [\"{o}\"]",
        "kong": f"cors plugin config.origins: [\"{o}\"] (on the route that serves the URL)",
        "istio": f"corsPolicy.allowOrigins: [{{exact: \"{o}\"}}] on the VirtualService route",
        "alb": f"listener attribute routing.http.response.access_control_allow_origin.header_value={o} "
               "(one static origin for every caller)",
        "apigw-http": f"CorsConfiguration.AllowOrigins: [\"{o}\"]",
    }, base, value)


def _per_product(summary: str, origin: str, per: dict[str, str], base: str, value: str | None) -> dict[str, str]:
    out = {}
    for setup in SETUPS:
        fix = f"{summary}: {per[setup]}"
        if setup != "flask-cors":
            fix += f" - a complete, tested config: {generate_command(setup, origin, value, base)}"
        out[setup] = fix
    return out


def probe_command(base: str, p: dict) -> str | None:
    """The ``probe`` command that sends what the page sent (as far as the message tells)."""
    if not p["url"]:
        return None
    url = p.get("first_url") or p["url"]
    args = ["python", "-m", "corslab", "probe", url, "--origin", p["origin"] or "ORIGIN"]
    value = p["value"]
    if base == "MethodDisallowedByPreflightResponse" and value:
        args += ["--method", value]
    elif p["preflight"]:
        args += ["--method", "PUT"]  # the message does not say which method; PUT needs a preflight
    if base == "HeaderDisallowedByPreflightResponse" and value:
        args += ["--header", f"{value}: 1"]
    if base in ("WildcardOriginNotAllowed", "InvalidAllowCredentials"):
        args += ["--credentials", "include"]
    if base == "DisallowedByMode":
        args += ["--mode", "same-origin"]
    return shlex.join(args)
