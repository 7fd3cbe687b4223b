"""The probe: send what a browser would send, record every exchange raw, say what it would allow.

    from corslab.probing.probe import probe
    result = probe("http://localhost:8095/v1/users/1", "http://localhost:3000", "PUT",
                   headers=[("Content-Type", "application/json")], credentials="include")
    result.allowed, result.reason, result.explanation
    print(result.report())          # the readable report of `python -m corslab probe`
    result.to_json()                # the probe object of docs/architecture.md (a str); .to_dict() a dict
    result                          # in Jupyter: a sequence picture (corslab.probing.display)

What is sent: the preflight when the model says one is needed (OPTIONS, Origin, Access-Control-
Request-*; never cookies), then the actual request only if the preflight passed, with the
headers a page's fetch() really sends (forbidden ones dropped, Origin added, cookies for
``credentials="include"``), following redirects as fetch() does (at most 20, with the model's
redirect rules: CORS check on each redirect answer, the ``null`` origin after a cross-origin
hop, a preflight again where the new hop needs one).

Raw means raw: http.client is used directly, so two ``Access-Control-Allow-Origin`` lines stay
two lines (``requests`` would fold them into one value).

Bounded whatever the server does: each exchange (connect, send, the whole answer) must finish
within ``timeout`` seconds - a server that trickles one byte a second is cut off, not waited on
byte by byte - and the whole probe within :data:`PROBE_TIMEOUTS` times that; at most
:data:`MAX_BODY` bytes of an answer are read (the rest is left unread and the exchange says so).

A :class:`ProbeSession` keeps cookies between probes the way one browser profile does (per
site: a cookie set by ``localhost:8095`` goes back to ``localhost:8081`` - cookies ignore ports -
but never to a request from a cross-site page), and optionally a preflight cache.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import re
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corslab.fetch import headers as fh
from corslab.fetch import model, reasons
from corslab.probing import wire
from corslab.errors import CorsLabError, seconds
from corslab.fetch.model import FetchRequest, HttpResponse
from corslab.fetch.origins import origin_of, parse_origin, parse_url, same_origin, same_site

USER_AGENT = "corslab-probe/0.1 (what a browser would send)"
BODY_PREVIEW = 2000  # characters of each answer kept for the report
MAX_BODY = 1024 * 1024  # bytes of an answer read at most; the lab's services take no more either
PROBE_TIMEOUTS = 4  # the whole probe (preflight, request, redirects) gets this many timeouts
_COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 6265 §4.1.1: a token
_COOKIE_BAD = re.compile(r'[\x00-\x20\x7f",;\\]|[^\x00-\x7f]')  # not a cookie-octet


@dataclass
class Exchange:
    """One request on the wire and its raw answer."""

    role: str  # "preflight" or "request"
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    response: HttpResponse
    started: float  # time.time() when sent: matched against the backend's /_lab/seen log
    elapsed: float  # seconds until the whole answer was read
    body: str = ""
    verdict: model.Verdict | None = None
    truncated: bool = False  # the answer's body was longer than MAX_BODY: the rest was not read

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def headers(self) -> list[tuple[str, str]]:
        return self.response.headers

    def to_dict(self) -> dict:
        return {
            "role": self.role, "method": self.method, "url": self.url,
            "request_headers": [list(h) for h in self.request_headers],
            "status": self.status, "headers": [list(h) for h in self.headers],
            "elapsed_ms": round(self.elapsed * 1000, 2), "body_truncated": self.truncated,
            "ok": None if self.verdict is None else self.verdict.ok,
            "reason": None if self.verdict is None else self.verdict.reason,
        }


@dataclass
class ProbeResult:
    """Everything one probe did and concluded. ``to_json()`` is the probe object (docs/architecture.md)."""

    request: FetchRequest
    preflight_needed: bool
    allowed: bool
    reason: str | None
    explanation: str
    exposed_headers: list[str]
    exchanges: list[Exchange] = field(default_factory=list)
    kind: str | None = None
    error: str | None = None
    opaque: bool = False
    notes: list[str] = field(default_factory=list)
    preflight_reasons: list[str] = field(default_factory=list)
    dropped_headers: list[tuple[str, str]] = field(default_factory=list)
    preflight_from_cache: bool = False
    final_url: str | None = None
    started: float = 0.0
    finished: float = 0.0
    _seen: dict | None = field(default=None, repr=False)

    # The contract's fields, read from the exchanges.
    url = property(lambda self: self.request.url)
    origin = property(lambda self: self.request.origin)
    method = property(lambda self: self.request.normalized_method)
    credentials = property(lambda self: self.request.credentials)
    mode = property(lambda self: self.request.mode)

    @property
    def preflight(self) -> HttpResponse | None:
        """The answer to the (first) preflight; None when none was sent."""
        found = [e for e in self.exchanges if e.role == "preflight"]
        return found[0].response if found else None

    @property
    def response(self) -> HttpResponse | None:
        """The last answer to the actual request (after redirects); None if it was never sent."""
        found = [e for e in self.exchanges if e.role == "request"]
        return found[-1].response if found else None

    @property
    def console(self) -> str | None:
        """The line Chromium's console would print, or None."""
        if self.reason is None:
            return None
        if self.kind != "cors":
            return self.reason
        last = self.final_url or self.url
        return reasons.console_message(last, self.origin, self.reason, first_url=self.url)

    def to_dict(self) -> dict:
        def answer(resp: HttpResponse | None):
            if resp is None:
                return None
            return {"status": resp.status, "headers": [list(h) for h in resp.headers]}

        return {
            "url": self.url, "origin": self.origin, "method": self.method,
            "credentials": self.credentials, "mode": self.mode,
            "preflight_needed": self.preflight_needed,
            "preflight": answer(self.preflight), "response": answer(self.response),
            "allowed": self.allowed, "exposed_headers": list(self.exposed_headers),
            "reason": self.reason,
            # Beyond the contract: the why, and every hop.
            "explanation": self.explanation, "kind": self.kind, "error": self.error,
            "opaque": self.opaque, "console": self.console, "notes": list(self.notes),
            "preflight_reasons": list(self.preflight_reasons),
            "preflight_from_cache": self.preflight_from_cache,
            "dropped_headers": [list(h) for h in self.dropped_headers],
            "final_url": self.final_url,
            "exchanges": [e.to_dict() for e in self.exchanges],
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def report(self, seen: bool = True) -> str:
        from corslab.probing.display import text_report

        return text_report(self, seen=seen)

    def seen(self) -> dict | None:
        """What reached the lab backend behind the target, from its /_lab/seen log (cached).

        None when the target is not part of the stack or the log cannot be read.
        """
        if self._seen is None:
            from corslab.stack.labstack import backend_seen

            self._seen = backend_seen(self)
        return self._seen or None

    def _repr_html_(self) -> str:
        from corslab.probing.display import html_report

        return html_report(self)


class ProbeSession:
    """One browser profile: a cookie jar shared by its probes, and optionally a preflight cache.

    ``cache_preflights=False`` (default) sends every preflight the model calls for, as a fresh
    profile would; ``True`` lets a preflight answer be reused for its Max-Age, like Chromium.
    """

    def __init__(self, cache_preflights: bool = False, timeout: float = 5):
        self.cookies = http.cookiejar.CookieJar()
        self.preflight_cache = model.PreflightCache() if cache_preflights else None
        self.timeout = checked_timeout(timeout)

    def probe(self, url: str, origin: str, method: str = "GET",
              headers=(), credentials: str = "same-origin", mode: str = "cors",
              body: str | None = None, timeout: float | None = None,
              cookies: dict[str, str] | None = None, cache: str = "default") -> ProbeResult:
        """See :func:`probe`."""
        if cookies:
            self.set_cookies(url, cookies)
        req = _checked_request(url, origin, method, headers, credentials, mode, body, cache)
        return _Run(self, req, checked_timeout(timeout) if timeout is not None else self.timeout).go()

    def set_cookies(self, url: str, cookies: dict[str, str]) -> None:
        """Put cookies in the jar as if ``url``'s site had set them (``Set-Cookie: n=v; Path=/``)."""
        parse_url(url)
        for name, value in cookies.items():
            check_cookie(name, value)
        answer = HttpResponse(200, [("set-cookie", f"{n}={v}; Path=/") for n, v in cookies.items()])
        self.cookies.extract_cookies(_Answer(answer), urllib.request.Request(url))


def probe(url: str, origin: str, method: str = "GET", headers=(),
          credentials: str = "same-origin", mode: str = "cors", body: str | None = None,
          timeout: float = 5, cookies: dict[str, str] | None = None,
          session: ProbeSession | None = None, cache: str = "default") -> ProbeResult:
    """Send what a page at ``origin`` would send for ``fetch(url, {...})``; report what it gets.

    ``headers``: (name, value) pairs as the page sets them. ``cookies``: put into the session's
    jar for ``url``'s site before sending (they travel only with ``credentials="include"``, or
    for same-origin requests). ``cache``: fetch()'s cache mode, which matters here only for a
    session's preflight cache. Bad input raises CorsLabError with one line naming the bad part.
    """
    session = session or ProbeSession(timeout=timeout)
    return session.probe(url, origin, method, headers, credentials, mode, body, timeout, cookies,
                         cache)


def checked_timeout(value) -> float:
    """A timeout in seconds: a finite number greater than 0, or a CorsLabError saying so."""
    return seconds(value, "the timeout")


def cookie_args(items) -> dict[str, str] | None:
    """``NAME=VALUE`` strings from the command line (``--cookie``) as a dict, or None for none."""
    cookies = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise CorsLabError(f"the cookie {item!r} is malformed; write it as NAME=VALUE")
        cookies[name.strip()] = value.strip()
    return cookies or None


def check_cookie(name: str, value: str) -> None:
    """RFC 6265 §4.1.1: a cookie name is a token, its value cookie-octets (no CR, LF, ; or space)."""
    if not isinstance(name, str) or not _COOKIE_NAME.fullmatch(name):
        raise CorsLabError(f"the cookie name {name!r} is not a token (letters, digits and "
                           "!#$%&'*+-.^_`|~); write cookies as NAME=VALUE")
    bad = _COOKIE_BAD.search(str(value))
    if bad:
        raise CorsLabError(f"the value of cookie {name} contains {bad.group()!r}, which a cookie "
                           "cannot carry (control characters such as CR/LF, space, \", ;, \\ or "
                           "non-ASCII); percent-encode the value")


# -- internals -----------------------------------------------------------------------------------

def _checked_request(url, origin, method, headers, credentials, mode, body,
                     cache="default") -> FetchRequest:
    if not isinstance(method, str) or not fh.is_token(method):
        raise CorsLabError(f"the method {method!r} is not a valid HTTP method token "
                           "(letters, digits and !#$%&'*+-.^_`|~, e.g. PUT)")
    if isinstance(headers, dict):
        headers = list(headers.items())
    pairs = []
    for item in headers:
        if isinstance(item, str):
            item = parse_header_line(item)
        name, value = item
        if not fh.is_valid_header_name(name):
            raise CorsLabError(f"the header name {name!r} is not a valid token; write headers "
                               "as 'Name: value', e.g. 'X-Trace-Id: 42'")
        problem = fh.header_value_problem(fh.normalize_header_value(str(value)))
        if problem:
            raise CorsLabError(f"the value of header {name} {problem}")
        pairs.append((name, value))
    return FetchRequest(url, origin, method, pairs, credentials, mode, body, cache=cache)


def parse_header_line(line: str) -> tuple[str, str]:
    """'Name: value' -> (name, value), or a CorsLabError naming the line."""
    name, colon, value = line.partition(":")
    if not colon or not name.strip() or name != name.strip() or not fh.is_token(name):
        raise CorsLabError(f"the header {line!r} is malformed; write it as 'Name: value', "
                           "e.g. --header 'X-Trace-Id: 42'")
    return name, value.strip()


class _Run:
    """One probe: the hop loop of fetch(), with the model deciding at each step."""

    def __init__(self, session: ProbeSession, req: FetchRequest, timeout: float):
        self.session, self.req, self.timeout = session, req, timeout
        self.exchanges: list[Exchange] = []
        self.deadline = time.monotonic() + timeout * PROBE_TIMEOUTS  # the whole probe

    def result(self, **kw) -> ProbeResult:
        _, dropped = model.effective_headers(self.req)
        kw.setdefault("preflight_needed", model.preflight_needed(self.req))
        kw.setdefault("exposed_headers", [])
        result = ProbeResult(request=self.req, exchanges=self.exchanges, dropped_headers=dropped,
                             preflight_reasons=model.preflight_reasons(self.req),
                             started=self.started, finished=time.time(), **kw)
        from corslab.stack.labstack import lab_hint

        hint = lab_hint(result)  # where to add the fix, when the target is part of the stack
        if hint:
            result.explanation += " " + hint
        return result

    def go(self) -> ProbeResult:
        self.started = time.time()
        refused = model.validate(self.req)
        if refused:  # fetch() throws before any traffic: nothing is sent
            return self.result(allowed=False, reason=refused.reason,
                               explanation=refused.explanation, kind=refused.kind,
                               error=refused.error)
        cache = self.session.preflight_cache
        hop, from_cache, notes = self.req, False, []
        while True:
            preflight_answer = None
            if model.preflight_needed(hop):
                if cache is not None and cache.covers(hop):
                    from_cache = from_cache or hop is self.req
                else:
                    ex = self.send_preflight(hop)
                    preflight_answer = ex.response
                    verdict = model.check_preflight(hop, ex.response)
                    ex.verdict = verdict
                    notes += verdict.notes
                    if not verdict.ok:
                        return self.result(allowed=False, reason=verdict.reason,
                                           explanation=verdict.explanation, kind=verdict.kind,
                                           error=verdict.error, notes=notes,
                                           preflight_from_cache=from_cache, final_url=hop.url)
                    if cache is not None:
                        cache.store(hop, ex.response)
            ex = self.send_request(hop)
            if ex.response.is_redirect:
                nxt, verdict = model.follow_redirect(hop, _as_parsed(ex.response))
                ex.verdict = verdict
                if not verdict.ok:
                    return self.result(allowed=False, reason=verdict.reason,
                                       explanation=verdict.explanation, kind=verdict.kind,
                                       error=verdict.error, notes=notes,
                                       preflight_from_cache=from_cache, final_url=hop.url)
                hop = nxt
                continue
            decision = model.decide(hop, preflight_answer, ex.response,
                                    cache=cache if preflight_answer is None else None)
            ex.verdict = model.Verdict(decision.allowed or decision.opaque, decision.reason)
            return self.result(allowed=decision.allowed, reason=decision.reason,
                               explanation=decision.explanation,
                               exposed_headers=decision.exposed_headers, kind=decision.kind,
                               error=decision.error, opaque=decision.opaque,
                               notes=notes + [n for n in decision.notes if n not in notes],
                               preflight_from_cache=from_cache, final_url=hop.url)

    # -- the wire --

    def send_preflight(self, hop: FetchRequest) -> Exchange:
        method, headers = model.preflight_request(hop)  # already has Sec-Fetch-Mode: cors
        extra = [h for h in self.fetch_metadata(hop) if h[0] != "Sec-Fetch-Mode"]
        headers = headers + extra + [("User-Agent", USER_AGENT)]
        return self.send("preflight", method, hop.url, headers, None)

    def send_request(self, hop: FetchRequest) -> Exchange:
        sent, _ = model.effective_headers(hop)
        headers = list(sent)
        names = {n.lower() for n, _ in headers}
        if "accept" not in names:
            headers.append(("Accept", "*/*"))
        cross = model.is_cross_origin(hop)
        # Origin goes on every CORS request, and on any request that is not GET/HEAD.
        if (hop.mode == "cors" and cross) or hop.normalized_method not in ("GET", "HEAD"):
            headers.append(("Origin", model.serialized_origin(hop)))
        headers += [("User-Agent", USER_AGENT)] + self.fetch_metadata(hop)
        cookie = self.cookie_header(hop)
        if cookie:
            headers.append(("Cookie", cookie))
        ex = self.send("request", hop.normalized_method, hop.url, headers, hop.body)
        self.store_cookies(hop, ex)
        return ex

    def fetch_metadata(self, hop: FetchRequest) -> list[tuple[str, str]]:
        """Sec-Fetch-* as Chromium adds them (servers may log or act on them)."""
        target = origin_of(hop.url)
        if hop.tainted_origin:
            site = "cross-site"
        elif same_origin(hop.origin, target):
            site = "same-origin"
        elif same_site(hop.origin, target):
            site = "same-site"
        else:
            site = "cross-site"
        return [("Sec-Fetch-Site", site), ("Sec-Fetch-Mode", hop.mode), ("Sec-Fetch-Dest", "empty")]

    def include_credentials(self, hop: FetchRequest) -> bool:
        """Fetch: "include", or "same-origin" on a same-origin (untainted) request."""
        if hop.credentials == "include":
            return True
        return hop.credentials == "same-origin" and not model.is_cross_origin(hop)

    def cookies_allowed(self, hop: FetchRequest) -> bool:
        # Chromium 156 (observed here) never stores or sends cookies across sites: third-party cookies are blocked.
        return self.include_credentials(hop) and not hop.tainted_origin and same_site(
            parse_origin(hop.origin), origin_of(hop.url))

    def cookie_header(self, hop: FetchRequest) -> str | None:
        if not self.cookies_allowed(hop):
            return None
        carrier = urllib.request.Request(hop.url)
        self.session.cookies.add_cookie_header(carrier)
        return carrier.get_header("Cookie") or carrier.unredirected_hdrs.get("Cookie")

    def store_cookies(self, hop: FetchRequest, ex: Exchange) -> None:
        if not self.cookies_allowed(hop) or not ex.response.get("set-cookie"):
            return
        self.session.cookies.extract_cookies(_Answer(ex.response), urllib.request.Request(hop.url))

    def send(self, role: str, method: str, url: str, headers: list[tuple[str, str]],
             body: str | None) -> Exchange:
        parts = urlsplit(url)
        data = body.encode("utf-8") if body is not None else None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CorsLabError(f"the probe took longer than {PROBE_TIMEOUTS} x {self.timeout:g} s "
                               f"before {method} {url}; check the servers it went through")
        limit = min(self.timeout, left)  # this exchange, start to end
        started = time.time()
        answer = wire.exchange(url, method, headers, data, timeout=limit, max_body=MAX_BODY)
        response = HttpResponse(answer.status, [(n.lower(), v) for n, v in answer.headers])
        raw, truncated, elapsed = answer.body, answer.truncated, answer.elapsed
        ex = Exchange(role, method, url, [("Host", parts.netloc)] + headers, response, started,
                      elapsed, raw[:BODY_PREVIEW].decode("utf-8", "replace"), truncated=truncated)
        self.exchanges.append(ex)
        return ex


# Bytes that Chromium percent-encodes in a redirect's Location, besides C0 controls, space, DEL and
# every byte >= 0x80 (observed in Chromium 156; url/url_canon_path.cc, url_canon_query.cc): the URL
# standard's path, query and fragment percent-encode sets, plus "|" in the path.
_ESCAPED = {"path": b'"<>`{}|', "query": b'"<>\'', "fragment": b'"<>`'}


def _as_parsed(response: HttpResponse) -> HttpResponse:
    """``response`` with its Location as the browser's URL parser reads it.

    The header's bytes (http.client hands them over as Latin-1) are parsed as URL standard
    §4.4 "URL parsing" does: ASCII tab and newline removed, leading and trailing C0 controls and
    spaces stripped, and the path, query and fragment percent-encoded (§1.3: non-ASCII code
    points as their UTF-8 bytes). Chromium encodes the bytes as they came, so a UTF-8 Location
    becomes %-escapes of its UTF-8 and a stray Latin-1 byte stays one %XX.
    """
    location = response.get("location")
    raw = location.encode("latin-1", "replace")
    raw = raw.translate(None, b"\t\n\r").strip(bytes(range(0x21)))
    rest, hash_, fragment = raw.partition(b"#")
    path, question, query = rest.partition(b"?")
    parsed = (_escape(path, "path") + question + _escape(query, "query") + hash_
              + _escape(fragment, "fragment")).decode("ascii")
    if parsed == location:
        return response
    headers = [(n, parsed if n == "location" else v) for n, v in response.headers]
    return HttpResponse(response.status, headers)


def _escape(part: bytes, where: str) -> bytes:
    extra = _ESCAPED[where]
    return b"".join(b"%%%02X" % byte if byte < 0x21 or byte >= 0x7F or byte in extra
                    else bytes((byte,)) for byte in part)


class _Answer:
    """The little of a urllib response that CookieJar.extract_cookies needs."""

    def __init__(self, response: HttpResponse):
        self.response = response

    def info(self):
        msg = http.client.HTTPMessage()
        for name, value in self.response.headers:
            msg[name] = value
        return msg
