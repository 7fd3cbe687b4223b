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

A :class:`ProbeSession` is one browser profile across probes: its cookies (per site: a cookie
set by ``localhost:8095`` goes back to ``localhost:8081`` - cookies ignore ports - but never to a
request from a cross-site page; :func:`sends_cookie` is the one rule), and optionally the preflight
cache (model.PreflightCache) and an HTTP cache (:class:`HttpCache`: fresh answers reused,
stale ones revalidated with a 304 merged in, ``force-cache`` answered from it).
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
    source: str = "network"  # "network", "cache" (answered by the HTTP cache, nothing sent) or
    # "revalidated" (a 304 on the wire, merged into the stored answer: ``response`` is the merge)

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
            "source": self.source,
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
    refused_headers: list[str] = field(default_factory=list)
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
    def readable_answer(self) -> Exchange | None:
        """The last exchange of the actual request when page JavaScript can read it, else None."""
        found = [e for e in self.exchanges if e.role == "request"]
        return found[-1] if found and self.allowed else None

    @property
    def console(self) -> str | None:
        """The line Chromium's console would print, or None."""
        if self.reason is None:
            return None
        if self.kind != "cors":
            return self.reason
        last = self.final_url or self.url
        kind = "XMLHttpRequest" if self.request.api == "xhr" else "fetch"
        return reasons.console_message(last, self.origin, self.reason, first_url=self.url,
                                       kind=kind)

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
            "refused_headers": list(self.refused_headers),
            "api": self.request.api, "cache": self.request.cache,
            # What page JavaScript reads from an allowed answer (null otherwise): status text and
            # body as response.statusText / response.text() give them (the body up to
            # BODY_PREVIEW characters; body_truncated when the answer was longer than MAX_BODY).
            "status_text": _status_text(self.readable_answer),
            "body": self.readable_answer.body if self.readable_answer else None,
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
    """One browser profile: a cookie jar shared by its probes, optionally a preflight cache and
    an HTTP cache.

    ``cache_preflights=False`` (default) sends every preflight the model calls for, as a fresh
    profile would; ``True`` lets a preflight answer be reused as Chromium does
    (model.PreflightCache). ``http_cache=True`` keeps answers as a browser's HTTP cache does
    (:class:`HttpCache`); without it every request goes to the network (and ``only-if-cached``
    fails with net::ERR_CACHE_MISS, as in a fresh profile).
    """

    def __init__(self, cache_preflights: bool = False, timeout: float = 5,
                 http_cache: bool = False):
        self.cookies = http.cookiejar.CookieJar()
        self.preflight_cache = model.PreflightCache() if cache_preflights else None
        self.http_cache = HttpCache() if http_cache else None
        self.timeout = checked_timeout(timeout)

    def probe(self, url: str, origin: str, method: str = "GET",
              headers=(), credentials: str = "same-origin", mode: str = "cors",
              body: str | None = None, timeout: float | None = None,
              cookies: dict[str, str] | None = None, cache: str = "default",
              **request) -> ProbeResult:
        """See :func:`probe`."""
        if cookies:
            self.set_cookies(url, cookies)
        req = _checked_request(url, origin, method, headers, credentials, mode, body, cache,
                               **request)
        return _Run(self, req, checked_timeout(timeout) if timeout is not None else self.timeout).go()

    def set_cookies(self, url: str, cookies: dict[str, str]) -> None:
        """Put cookies in the jar as if ``url``'s site had set them (``Set-Cookie: n=v; Path=/``)."""
        parse_url(url)
        for name, value in cookies.items():
            check_cookie(name, value)
        answer = HttpResponse(200, [("set-cookie", f"{n}={v}; Path=/") for n, v in cookies.items()])
        self.cookies.extract_cookies(_Answer(answer), urllib.request.Request(url))


REQUEST_OPTIONS = ("api", "body_kind", "blob_type", "upload_listener", "referrer",
                   "referrer_policy", "page_url")


def probe(url: str, origin: str, method: str = "GET", headers=(),
          credentials: str = "same-origin", mode: str = "cors", body: str | None = None,
          timeout: float = 5, cookies: dict[str, str] | None = None,
          session: ProbeSession | None = None, cache: str = "default", **request) -> ProbeResult:
    """Send what a page at ``origin`` would send for ``fetch(url, {...})``; report what it gets.

    ``headers``: (name, value) pairs as the page sets them, or "Name: value" strings. ``cookies``:
    put into the session's jar for ``url``'s site before sending (they travel only with
    ``credentials="include"``, or for same-origin requests). ``cache``: fetch()'s cache mode (the
    lines it adds, the preflight cache, a session's HTTP cache).

    More of the request, as keywords (model.FetchRequest): ``api="xhr"`` (XMLHttpRequest:
    credentials "include" is withCredentials = true), ``upload_listener=True`` (XHR: a listener on
    xhr.upload), ``body_kind`` ("string", "blob", "formdata", "urlencoded") and ``blob_type``,
    ``referrer`` and ``referrer_policy`` (the Referer sent), ``page_url`` (the page's URL, default
    ORIGIN/). Bad input raises CorsLabError with one line naming the bad part.
    """
    session = session or ProbeSession(timeout=timeout)
    return session.probe(url, origin, method, headers, credentials, mode, body, timeout, cookies,
                         cache, **request)


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
                     cache="default", **request) -> FetchRequest:
    unknown = sorted(set(request) - set(REQUEST_OPTIONS))
    if unknown:
        raise CorsLabError(f"probe() got an unknown option {unknown[0]!r}; the request options "
                           f"are {', '.join(REQUEST_OPTIONS)}")
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
    return FetchRequest(url, origin, method, pairs, credentials, mode, body, cache=cache, **request)


def parse_header_line(line: str) -> tuple[str, str]:
    """'Name: value' -> (name, value), or a CorsLabError naming the line.

    Only spaces and tabs around the value are removed (HTTP's optional white space, RFC 9110
    §5.6.3): ``Content-Type: text/plain\v`` keeps its vertical tab, as a browser's Headers does -
    and so is not CORS-safelisted.
    """
    name, colon, value = line.partition(":")
    if not colon or not name.strip() or name != name.strip() or not fh.is_token(name):
        raise CorsLabError(f"the header {line!r} is malformed; write it as 'Name: value', "
                           "e.g. --header 'X-Trace-Id: 42'")
    return name, value.strip(fh.HTTP_TAB_OR_SPACE)


class _Run:
    """One probe: the hop loop of fetch(), with the model deciding at each step."""

    def __init__(self, session: ProbeSession, req: FetchRequest, timeout: float):
        self.session, self.req, self.timeout = session, req, timeout
        self.exchanges: list[Exchange] = []
        self.deadline = time.monotonic() + timeout * PROBE_TIMEOUTS  # the whole probe

    def result(self, **kw) -> ProbeResult:
        _, dropped = model.effective_headers(self.req)
        kw.setdefault("refused_headers", [])
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
        stored = self.session.http_cache and self.session.http_cache.lookup(self.req)
        if self.req.cache == "only-if-cached" and not stored:
            miss = model.cache_miss(self.req)  # nothing is sent
            return self.result(allowed=False, reason=miss.reason, explanation=miss.explanation,
                               kind=miss.kind, error=miss.error)
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
                                           preflight_from_cache=from_cache, final_url=hop.url,
                                           refused_headers=verdict.refused_headers)
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
        """The actual request: from the session's HTTP cache when it can answer (nothing sent, or
        a conditional request whose 304 is merged in), else on the wire."""
        cache = self.session.http_cache
        stored = cache.lookup(hop) if cache else None
        if stored and cache.usable_without_network(hop, stored):
            ex = Exchange("request", hop.normalized_method, hop.url, [], stored.response,
                          time.time(), 0.0, stored.body, source="cache")
            self.exchanges.append(ex)
            return ex
        conditional = cache.validators(hop, stored) if stored else []
        ex = self._send_request(hop, conditional)
        if cache:
            if stored and conditional and ex.status == 304:
                ex.response, ex.body, ex.source = stored.merged(ex.response), stored.body, "revalidated"
            # An answer that fails its CORS check is not kept: Chromium stops reading it, and the
            # unfinished cache entry is dropped (observed in Chromium 156 here: force-cache then
            # goes to the network again).
            if model.check_response(hop, ex.response).ok:
                cache.store(hop, ex)
        return ex

    def _send_request(self, hop: FetchRequest, extra: list[tuple[str, str]]) -> Exchange:
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
        headers += model.browser_added_headers(hop, sent) + extra
        cookie = self.cookie_header(hop)
        if cookie:
            headers.append(("Cookie", cookie))
        ex = self.send("request", hop.normalized_method, hop.url, headers, model.request_body(hop))
        self.store_cookies(hop, ex)
        return ex

    def fetch_metadata(self, hop: FetchRequest) -> list[tuple[str, str]]:
        """Sec-Fetch-* as Chromium adds them (servers may log or act on them)."""
        # Fetch Metadata "set the Sec-Fetch-Site header": the request's origin (the page's, not
        # the "null" a tainted request serialises to) against each URL of the chain - here the
        # first and the current one - as Chromium 156 sends it after a cross-origin redirect.
        site = "same-origin"
        for url in dict.fromkeys(u for u in (hop.first_url, hop.url) if u):
            target = origin_of(url)
            if same_origin(hop.origin, target):
                continue
            site = "same-site"
            if not same_site(hop.origin, target):
                site = "cross-site"
                break
        return [("Sec-Fetch-Site", site), ("Sec-Fetch-Mode", hop.mode), ("Sec-Fetch-Dest", "empty")]

    def include_credentials(self, hop: FetchRequest) -> bool:
        return include_credentials(hop)

    def cookies_allowed(self, hop: FetchRequest) -> bool:
        return cookies_allowed(hop)

    def cookie_header(self, hop: FetchRequest) -> str | None:
        jar = self.session.cookies
        jar.clear_expired_cookies()
        going = sorted((c for c in jar if sends_cookie(c, hop)),
                       key=lambda c: -len(c.path or "/"))  # RFC 6265 §5.4: longer paths first
        return "; ".join(f"{c.name}={c.value}" if c.value is not None else c.name
                         for c in going) or None

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
        response = HttpResponse(answer.status, [(n.lower(), v) for n, v in answer.headers],
                                answer.reason)
        raw, truncated, elapsed = answer.body, answer.truncated, answer.elapsed
        ex = Exchange(role, method, url, [("Host", parts.netloc)] + headers, response, started,
                      elapsed, raw[:BODY_PREVIEW].decode("utf-8", "replace"), truncated=truncated)
        self.exchanges.append(ex)
        return ex


def include_credentials(hop: FetchRequest) -> bool:
    """Fetch: credentials "include", or "same-origin" on a same-origin (untainted) request."""
    if hop.credentials == "include":
        return True
    return hop.credentials == "same-origin" and not model.is_cross_origin(hop)


def cookies_allowed(hop: FetchRequest) -> bool:
    """May this request carry cookies at all, and may its answer set them? With credentials, and
    never across sites: Chromium 156 (observed here) blocks third-party cookies, and a tainted
    (``null``) request is cross-site."""
    return include_credentials(hop) and not hop.tainted_origin and same_site(
        parse_origin(hop.origin), origin_of(hop.url))


def sends_cookie(cookie: http.cookiejar.Cookie, hop: FetchRequest) -> bool:
    """Does this stored cookie go with the request ``hop``? The one place that decides: the
    request carries cookies at all (:func:`cookies_allowed`), then RFC 6265 §5.4 - domain and
    path match, Secure only over https or to a loopback host (as Chromium allows), not expired.
    A richer cookie model (SameSite per cookie, partitioned cookies) replaces this function."""
    if not cookies_allowed(hop):
        return False
    parts = urlsplit(hop.url)
    host = (parts.hostname or "").lower()
    domain = cookie.domain.lower()
    if cookie.domain_specified or domain.startswith("."):
        bare = domain.lstrip(".")
        if host != bare and not host.endswith("." + bare):
            return False
    elif host != domain and host + ".local" != domain:  # cookiejar writes "localhost.local"
        return False
    path, cookie_path = parts.path or "/", cookie.path or "/"
    if not (path == cookie_path or path.startswith(cookie_path.rstrip("/") + "/")):
        return False
    if cookie.secure and parts.scheme != "https" and host not in ("localhost", "127.0.0.1"):
        return False
    return not cookie.is_expired()


def _status_text(exchange: Exchange | None) -> str | None:
    """response.statusText: the reason phrase of the answer (HTTP/1.1), as the page reads it."""
    if exchange is None:
        return None
    return exchange.response.reason if exchange.response.reason is not None else (
        http.client.responses.get(exchange.status, ""))


# What an HTTP cache does not take over from a 304 (Chromium net/http/http_response_headers.cc
# kNonUpdatedHeaders and prefixes): everything else in the 304 replaces the stored line.
NON_UPDATED_HEADERS = frozenset({
    "connection", "proxy-connection", "keep-alive", "www-authenticate", "proxy-authenticate",
    "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "content-location",
    "content-md5", "etag", "content-encoding", "content-range", "content-type", "content-length",
    "x-frame-options", "x-xss-protection"})
NON_UPDATED_PREFIXES = ("x-content-", "x-webkit-")
HOP_BY_HOP = frozenset({"connection", "proxy-connection", "keep-alive", "te", "trailer",
                        "transfer-encoding", "upgrade"})
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?([0-9]+)", re.IGNORECASE)


@dataclass
class Stored:
    """One answer in the HTTP cache: the 200 as received, its body, when, and its Vary values."""

    response: HttpResponse
    body: str
    stored_at: float
    vary: dict[str, str | None]

    def directives(self) -> str:
        return (self.response.get("cache-control") or "").lower()

    def fresh(self, now: float) -> bool:
        """RFC 9111 §4.2: younger than max-age, and no ``no-cache`` (which means: revalidate)."""
        if "no-cache" in self.directives():
            return False
        found = _MAX_AGE.search(self.directives())
        return bool(found) and now - self.stored_at < int(found.group(1))

    def merged(self, not_modified: HttpResponse) -> HttpResponse:
        """RFC 9111 §4.3.4: the stored answer with the 304's header lines taken over."""
        updated = {n for n, _ in not_modified.headers
                   if n not in NON_UPDATED_HEADERS and not n.startswith(NON_UPDATED_PREFIXES)}
        kept = [(n, v) for n, v in self.response.headers if n not in updated]
        new = [(n, v) for n, v in not_modified.headers if n in updated]
        return HttpResponse(self.response.status, kept + new, reason=self.response.reason)


class HttpCache:
    """A browser's HTTP cache, small: GET answers with status 200, keyed by URL (and the request
    header values the answer's ``Vary`` names), per fetch() cache mode (Fetch
    "HTTP-network-or-cache fetch"; RFC 9111):

    - default: a fresh answer is reused without any request; a stale one with an ETag or
      Last-Modified is revalidated (If-None-Match / If-Modified-Since) and a 304 is merged into it;
    - no-cache: always revalidated; force-cache and only-if-cached: any stored answer, fresh or
      not, with nothing sent (only-if-cached fails when there is none);
    - reload: to the network, the answer stored; no-store: to the network, nothing stored.

    Answers with ``Cache-Control: no-store`` are not kept, nor those that fail their CORS check.
    The CORS check runs on what the cache gives back, as in the browser.
    """

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.entries: dict[str, Stored] = {}

    @staticmethod
    def _vary_values(response: HttpResponse, headers) -> dict[str, str | None] | None:
        names = [n.strip().lower() for n in (response.get("vary") or "").split(",") if n.strip()]
        if "*" in names:
            return None
        return {n: fh.get(headers, n) for n in names}

    def lookup(self, hop: FetchRequest) -> Stored | None:
        if hop.normalized_method != "GET" or hop.cache in ("no-store", "reload"):
            return None
        stored = self.entries.get(hop.url)
        if stored is None:
            return None
        sent = _request_headers_for_vary(hop)
        if any(fh.get(sent, n) != v for n, v in stored.vary.items()):
            return None
        return stored

    def usable_without_network(self, hop: FetchRequest, stored: Stored) -> bool:
        if hop.cache in ("force-cache", "only-if-cached"):
            return True
        return hop.cache == "default" and stored.fresh(self.clock())

    @staticmethod
    def validators(hop: FetchRequest, stored: Stored) -> list[tuple[str, str]]:
        """The conditional lines of a revalidation (they never count toward a preflight)."""
        out = []
        if stored.response.get("etag"):
            out.append(("If-None-Match", stored.response.get("etag")))
        if stored.response.get("last-modified"):
            out.append(("If-Modified-Since", stored.response.get("last-modified")))
        return out

    def store(self, hop: FetchRequest, ex: Exchange) -> None:
        if (hop.normalized_method != "GET" or hop.cache == "no-store" or ex.status != 200
                or ex.truncated or "no-store" in (ex.response.get("cache-control") or "").lower()):
            return
        vary = self._vary_values(ex.response, _request_headers_for_vary(hop))
        if vary is None:
            return
        # Hop-by-hop lines, and those Connection names, are not stored (RFC 9111 §3.1; Chromium
        # HttpResponseHeaders::Persist).
        named = {n.strip().lower() for n in (ex.response.get("connection") or "").split(",")}
        kept = [(n, v) for n, v in ex.response.headers if n not in HOP_BY_HOP and n not in named]
        stored = HttpResponse(ex.status, kept, ex.response.reason)
        self.entries[hop.url] = Stored(stored, ex.body, self.clock(), vary)


def _request_headers_for_vary(hop: FetchRequest) -> list[tuple[str, str]]:
    sent, _ = model.effective_headers(hop)
    return list(sent) + [("Origin", model.serialized_origin(hop))]


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
