"""The scanner: probe a live API the way an attacker would, and say what it would let them read.

    findings = scan("http://localhost:8081/v1/users", trusted=["http://localhost:3000"])
    for f in findings: print(f.severity, f.id, f.origin_sent, f.evidence, f.fix)
    result = scan_report(url, trusted, method="PUT", headers=["Content-Type: application/json"])
    result.requests, result.elapsed, result.complete, sarif(result)

What it sends, for every trusted origin and for every crafted ``Origin`` of the package's one
attack-origin generator (:func:`corslab.fetch.attacks.attack_origins`, derived from every trusted
origin): a GET as a page's ``fetch()`` sends it (with the ``--cookie`` session, if any), and the
preflight a page's non-simple request sends (``--method``/``--header``; by default a PUT with
Content-Type and Authorization), with ``Access-Control-Request-Private-Network: true``. A
state-changing method is never sent itself: only its preflight. Then a few probes: a preflight
asking for a method and a header nobody uses, a missing sibling path (a 404), the GET with an
invalid bearer token and without the session (a 401).

How it judges: whether an origin is allowed is the Fetch standard's CORS check as Chromium runs
it (:func:`corslab.fetch.model.classify_access`: one ``Access-Control-Allow-Origin`` value equal
to the origin, or ``*`` without credentials; ``Access-Control-Allow-Credentials: true`` for
credentials). The trusted origin's requests are judged by the model's preflight and response
checks, so a refusal is named in Chromium's words.

Severities (what an attacker then reads):

  high    a crafted origin is allowed WITH credentials: a page there reads a logged-in user's
          data (PortSwigger Web Security Academy, "CORS vulnerability with basic origin
          reflection" and its siblings)
  medium  allowed without credentials (the attacker reads what the victim's network can reach);
          ``*`` together with credentials; an origin-dependent answer without ``Vary: Origin``
          (a shared cache hands one origin's answer to another)
  low     availability bugs and weak spots that let nobody in by themselves: errors without the
          CORS headers, duplicate or invalid ACAO, ``null`` as a refusal, preflights that echo
          the request, ``*`` without credentials, a Private Network grant to an origin the CORS
          check refuses; the same host on another port; a loopback origin on a local API
  info    the trusted origin itself refused (say what to check)

Bounded: each exchange finishes within ``timeout`` seconds whatever the server does (see
:mod:`corslab.probing.wire`) and the whole scan within ``deadline``; a scan cut short says so
(``complete`` is False) instead of pretending nothing was found.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corslab.errors import CorsLabError, seconds
from corslab.fetch import attacks, model
from corslab.fetch import headers as fh
from corslab.fetch.origins import parse_origin, parse_url
from corslab.probing.wire import exchange, printable

SEVERITIES = ("high", "medium", "low", "info")
USER_AGENT = "corslab-scan/0.2"
MAX_ANSWER = 64 * 1024  # bytes of body read: the scanner reads headers only
WORKERS = 8  # exchanges in flight at once
DEADLINE = 30.0  # seconds for the whole scan by default
MAX_FAILURES = 3  # exchanges without an answer before the scan stops sending (a hostile target)
ODD_METHOD, ODD_HEADER = "CORSLAB-SCAN", "x-corslab-scan"  # asked for, never used by any app
BAD_TOKEN = "Bearer corslab-scan-invalid-token"  # provokes the 401 of a token-protected API
DEFAULT_PREFLIGHT = ("PUT", [("Content-Type", "application/json"), ("Authorization", "Bearer x")])

#: finding id -> (default severity when it applies, the fix). The ids of crafted origins are the
#: attack generator's kinds (corslab.fetch.attacks.KINDS): their severity follows from credentials.
FIXES = {
    "origin-reflected": "compare Origin with an exact allowlist and send back only a listed "
                        "origin; never echo the request's Origin as it is",
    "null-origin-allowed": "remove `null` from the allowlist: sandboxed iframes, data: URLs and "
                           "redirects send it, so any site can produce it",
    "prefix-match": "anchor the match at the end too (`^https://app\\.example\\.com$`) or compare "
                    "whole strings: the trusted origin followed by anything is another site",
    "suffix-match": "anchor the match at the start too, or compare whole strings: a host that "
                    "ends with the trusted name is not that host",
    "substring-match": "compare whole strings (`origin in ALLOWED_SET`, not `origin in "
                       "'https://a.example https://b.example'`): a part of an origin is another "
                       "origin",
    "unescaped-dot": "escape the dots of a regex allowlist (`\\.`): an unescaped `.` matches any "
                     "character, so a look-alike domain anyone can register matches",
    "special-characters": "anchor the regex at both ends and allow only `[a-z0-9-]` in a "
                          "subdomain part: `_`, `~`, `+`... after the trusted host lead to the "
                          "attacker's domain",
    "subdomain-allowed": "list the subdomains that need access; trusting every subdomain trusts "
                         "the weakest page on any of them",
    "other-domain-allowed": "compare the whole host, top-level domain included; "
                            "`app.example.net` is someone else's",
    "other-port-allowed": "compare the port too (an origin is scheme, host AND port); list each "
                          "frontend's exact origin",
    "insecure-scheme-allowed": "allow only the https:// origin: a page on http:// can be "
                               "injected by anyone on the network path",
    "localhost-allowed": "remove development origins (localhost, 127.0.0.1, private addresses) "
                         "from the production allowlist: any program on the user's machine or "
                         "network can serve them",
    "third-party-origin-allowed": "remove public hosting and sandbox origins (github.io, codepen, "
                                  "vercel.app...) from the allowlist: anyone can publish a page "
                                  "there",
    "wildcard-with-credentials": "browsers refuse `*` with credentials; send the exact allowed "
                                 "origin (from an allowlist) with "
                                 "`Access-Control-Allow-Credentials: true`",
    "wildcard-origin": "fine for public data; if the answer ever depends on cookies, a token in "
                       "the page or the caller's network (an intranet API), replace `*` with an "
                       "allowlist",
    "missing-vary": "add `Vary: Origin` to every response whose CORS headers depend on Origin "
                    "(refusals included)",
    "preflight-reflects-request": "list the methods and request headers the API serves in "
                                  "Access-Control-Allow-Methods/-Headers instead of echoing "
                                  "Access-Control-Request-*, and send them only to allowed origins",
    "duplicate-acao": "let one layer set Access-Control-Allow-Origin (remove it from the app, or "
                      "hide the upstream's copy: nginx `proxy_hide_header`); exactly one origin "
                      "in one line",
    "null-acao-on-refusal": "refuse by sending no Access-Control-Allow-Origin at all; "
                            "`Access-Control-Allow-Origin: null` lets in every sandboxed iframe",
    "invalid-acao": "send the origin exactly as the browser serialises it: scheme://host[:port], "
                    "no trailing slash, no path, one origin",
    "error-without-cors": "add the CORS headers to error answers too (nginx: `add_header ... "
                          "always`; apps: set them before authentication and in error handlers) "
                          "so the page sees the 401/404/500 instead of a CORS error",
    "private-network-allowed": "send `Access-Control-Allow-Private-Network: true` only to "
                               "allowed origins, and only where public pages must reach this "
                               "private server",
    "trusted-origin-refused": "the trusted origin is refused: check the allowlist (scheme, host "
                              "and port exactly), the preflight's status and its allowed "
                              "methods/headers",
}

#: id -> one line saying what it is (SARIF rule descriptions, docs).
TITLES = dict(attacks.KINDS, **{
    "wildcard-with-credentials": "`Access-Control-Allow-Origin: *` with "
                                 "`Access-Control-Allow-Credentials: true`",
    "wildcard-origin": "`Access-Control-Allow-Origin: *` (without credentials)",
    "missing-vary": "the CORS headers depend on Origin, but the answer has no `Vary: Origin`",
    "preflight-reflects-request": "the preflight answer echoes the requested method or header, "
                                  "or allows every one",
    "duplicate-acao": "two Access-Control-Allow-Origin lines, or a comma list",
    "null-acao-on-refusal": "a refused origin is answered `Access-Control-Allow-Origin: null`",
    "invalid-acao": "an Access-Control-Allow-Origin that no browser accepts",
    "error-without-cors": "error answers lack the CORS headers the success has",
    "private-network-allowed": "`Access-Control-Allow-Private-Network: true` for an untrusted "
                               "origin",
    "trusted-origin-refused": "the trusted origin itself is refused",
})

IDS = tuple(FIXES)


@dataclass
class Finding:
    id: str
    severity: str
    origin_sent: str
    evidence: str  # one line: the request and the answer that show it, and why it matters
    fix: str
    request: dict = field(default_factory=dict)  # {"method", "url", "headers": [[n, v]...]}
    response: dict = field(default_factory=dict)  # {"status", "headers": the CORS-related lines}

    def to_dict(self) -> dict:
        return {"id": self.id, "severity": self.severity, "origin_sent": self.origin_sent,
                "evidence": self.evidence, "fix": self.fix, "request": self.request,
                "response": self.response}

    def line(self) -> str:
        return printable(f"{self.severity.upper():6} {self.id}: Origin {self.origin_sent} -> "
                         f"{self.evidence}; fix: {self.fix}")


@dataclass
class Answer:
    """One exchange as the scanner saw it: what was sent and the raw answer (None: no answer)."""

    role: str  # "GET" or "preflight"
    origin: str
    method: str
    url: str
    sent: list[tuple[str, str]]
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    def values(self, name: str) -> list[str]:
        return [v.strip(" \t") for n, v in self.headers if n.lower() == name]

    def get(self, name: str) -> str | None:
        """The value as a browser reads it: repeated lines joined with ", "."""
        found = self.values(name)
        return ", ".join(found) if found else None

    @property
    def acao(self) -> str | None:
        return self.get("access-control-allow-origin")

    def passes(self, origin: str, credentials: bool) -> bool:
        """Fetch's CORS check (Chromium's CheckAccess) for a page at ``origin``."""
        return self.error is None and model.classify_access(
            self.acao, self.get("access-control-allow-credentials"), origin, credentials) is None

    def varies_on_origin(self) -> bool:
        names = {t.strip().lower() for v in self.values("vary") for t in v.split(",")}
        return "origin" in names or "*" in names

    def as_response(self) -> model.HttpResponse:
        return model.HttpResponse(self.status, self.headers)

    def cors_lines(self) -> list[tuple[str, str]]:
        return [(n, v) for n, v in self.headers
                if n.lower().startswith("access-control-") or n.lower() == "vary"]

    def shown(self) -> str:
        """``OPTIONS /path Origin: X -> 204 ACAO: X; ...`` on one line."""
        asked = "; ".join(f"{n}: {v}" for n, v in self.sent
                          if n.lower() in ("origin", "cookie") or n.lower().startswith("access-control-"))
        got = (f"no answer ({self.error})" if self.error else f"{self.status} " + (
            "; ".join(f"{n}: {v}" for n, v in self.cors_lines()) or "(no CORS headers)"))
        return f"{self.method} {self.url} [{asked}] -> {got}"

    def request_dict(self) -> dict:
        return {"method": self.method, "url": self.url, "headers": [list(h) for h in self.sent]}

    def response_dict(self) -> dict:
        if self.error:
            return {"error": self.error}
        return {"status": self.status, "headers": [list(h) for h in self.cors_lines()]}


@dataclass
class ScanResult:
    url: str
    trusted: list[str]
    findings: list[Finding]
    requests: int  # exchanges sent
    elapsed: float  # seconds
    complete: bool = True
    note: str = ""  # why the scan is incomplete

    def to_dict(self) -> dict:
        return {"url": self.url, "trusted": list(self.trusted), "complete": self.complete,
                "note": self.note, "requests": self.requests, "elapsed_s": round(self.elapsed, 3),
                "findings": [f.to_dict() for f in self.findings]}

    @property
    def serious(self) -> bool:
        return any(f.severity in ("high", "medium") for f in self.findings)


def scan(url: str, trusted, timeout: float = 5.0, cookies: dict[str, str] | None = None,
         method: str | None = None, headers=(), deadline: float = DEADLINE) -> list[Finding]:
    """The findings for ``url``, meant to serve ``trusted`` (one origin or a list), worst first.

    A scan cut short by ``deadline`` raises CorsLabError: use :func:`scan_report` to get what
    was found so far.
    """
    result = scan_report(url, trusted, timeout, cookies, method, headers, deadline)
    if not result.complete:
        raise CorsLabError(result.note)
    return result.findings


def scan_report(url: str, trusted, timeout: float = 5.0, cookies: dict[str, str] | None = None,
                method: str | None = None, headers=(), deadline: float = DEADLINE) -> ScanResult:
    """Scan ``url`` (see the module docstring); bad input is one CorsLabError line."""
    return _Scan(url, trusted, timeout, cookies, method, headers, deadline).run()


def checked_origins(trusted) -> list[str]:
    """The trusted origins as serialised origins, or one line saying which is wrong and why."""
    if isinstance(trusted, str):
        trusted = [trusted]
    out = []
    for value in trusted:
        if value == "null":
            raise CorsLabError("--origin null is not a trusted origin a scan can start from; give "
                               "the origin of your frontend, e.g. --origin https://app.example.com")
        try:
            out.append(attacks.serialised(value, "trusted origin"))
        except CorsLabError as exc:
            raise CorsLabError(f"--origin: {exc}; write scheme://host[:port], e.g. --origin "
                               "https://app.example.com") from None
    if not out:
        raise CorsLabError("give the origin the API is meant to serve: --origin "
                           "https://app.example.com (repeat it for several frontends)")
    return list(dict.fromkeys(out))


def crafted(trusted) -> list[tuple[str, str]]:
    """(finding id, Origin) pairs the scan tries, in order: the attack generator's, for every
    trusted origin (``null`` first)."""
    return [(a.kind, a.origin) for a in attacks.attack_origins(checked_origins(trusted))]


def _checked_headers(items) -> list[tuple[str, str]]:
    from corslab.probing.probe import parse_header_line

    pairs = []
    for item in items:
        name, value = parse_header_line(item) if isinstance(item, str) else item
        problem = fh.header_value_problem(fh.normalize_header_value(str(value)))
        if not fh.is_valid_header_name(name) or problem:
            raise CorsLabError(f"the header {name!r} {problem or 'is not a valid name'}; "
                               "write --header 'Name: value'")
        pairs.append((name, str(value)))
    return pairs


class _Scan:
    def __init__(self, url, trusted, timeout, cookies, method, headers, deadline):
        parse_url(url)  # one line for a malformed URL, a port out of range, CR/LF...
        self.url = url
        self.trusted = checked_origins(trusted)
        self.timeout = seconds(timeout, "--timeout")
        self.total = seconds(deadline, "--deadline", DEADLINE)
        if method is not None and (not isinstance(method, str) or not fh.is_token(method)):
            raise CorsLabError(f"--method {str(method)!r} is not an HTTP method token, "
                               "e.g. PUT")
        headers = _checked_headers(headers)
        if method is None and not headers:
            method, headers = DEFAULT_PREFLIGHT
        self.method, self.headers = fh.normalize_method(method or "GET"), headers
        self.cookie = None
        if cookies:
            from corslab.probing.probe import check_cookie

            for name, value in cookies.items():
                check_cookie(name, value)
            self.cookie = "; ".join(f"{n}={v}" for n, v in cookies.items())
        self.local_api = any(attacks.is_local(parse_origin(t).host) for t in self.trusted)
        self.findings: dict[str, Finding] = {}
        self.requests = self.failures = 0
        self.count = threading.Lock()  # the counters above, shared by the worker threads

    # -- the wire ------------------------------------------------------------------------------

    def get(self, origin: str, url: str | None = None, cookie: bool = True, extra=()) -> Answer:
        sent = [("Origin", origin), ("Accept", "*/*"), ("User-Agent", USER_AGENT),
                ("Sec-Fetch-Mode", "cors"), *extra]
        if cookie and self.cookie:
            sent.append(("Cookie", self.cookie))
        return self.send(Answer("GET", origin, "GET", url or self.url, sent))

    def preflight(self, origin: str, method: str | None = None, headers=None) -> Answer:
        method = method or self.method
        request = model.FetchRequest(self.url, origin, method,
                                     self.headers if headers is None else headers)
        _, sent = model.preflight_request(request)
        sent += [("Access-Control-Request-Private-Network", "true"), ("User-Agent", USER_AGENT)]
        return self.send(Answer("preflight", origin, "OPTIONS", self.url, sent))

    def send(self, answer: Answer) -> Answer:
        left = self.ends - time.monotonic()
        if left <= 0:
            answer.error = f"not sent: the scan's deadline ({self.total:g} s) had passed"
            return answer
        if self.failures >= MAX_FAILURES:
            answer.error = f"not sent: {self.failures} requests had got no answer"
            return answer
        with self.count:
            self.requests += 1
        try:
            got = exchange(answer.url, answer.method, answer.sent, timeout=min(self.timeout, left),
                           max_body=MAX_ANSWER)
        except CorsLabError as exc:
            with self.count:
                self.failures += 1
            answer.error = (f"the scan's deadline ({self.total:g} s) passed" if left < self.timeout
                            and time.monotonic() >= self.ends else str(exc))
            return answer
        answer.status, answer.headers = got.status, got.headers
        return answer

    def batch(self, calls) -> list[Answer]:
        with ThreadPoolExecutor(WORKERS) as pool:
            return list(pool.map(lambda call: call(), calls))

    # -- the scan ------------------------------------------------------------------------------

    def run(self) -> ScanResult:
        started = time.monotonic()
        self.ends = started + self.total
        first = self.trusted[0]
        base = self.get(first)
        if base.error:  # the target does not answer at all: one line, nothing to judge
            raise CorsLabError(f"cannot scan {printable(self.url)}: {base.error}")
        evil = attacks.attack_origins(self.trusted, ["origin-reflected"])[0].origin
        parts = urlsplit(self.url)  # a sibling path nobody serves: the API's 404
        sibling = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}/corslab-scan-404"
        # Phase 1: the trusted origins, the probes, an unrelated site and null.
        probes = {"missing": lambda: self.get(first, sibling),
                  "bad-token": lambda: self.get(first, extra=[("Authorization", BAD_TOKEN)]),
                  "odd-evil": lambda: self.preflight(evil, ODD_METHOD, [(ODD_HEADER, "1")]),
                  "odd-trusted": lambda: self.preflight(first, ODD_METHOD, [(ODD_HEADER, "1")])}
        if self.cookie:
            probes["no-cookie"] = lambda: self.get(first, cookie=False)
        every = attacks.attack_origins(self.trusted)
        early = [a for a in every if a.kind in ("origin-reflected", "null-origin-allowed")]
        calls = [lambda t=t: self.get(t) for t in self.trusted[1:]]
        calls += [lambda t=t: self.preflight(t) for t in self.trusted]
        calls += list(probes.values())
        for a in early:
            calls += [lambda a=a: self.get(a.origin), lambda a=a: self.preflight(a.origin)]
        answers = self.batch(calls)
        n = len(self.trusted)
        gets = [base] + answers[:n - 1]
        preflights = answers[n - 1:2 * n - 1]
        probed = dict(zip(probes, answers[2 * n - 1:2 * n - 1 + len(probes)]))
        pairs = answers[2 * n - 1 + len(probes):]
        attack_answers = [(a, pairs[2 * i], pairs[2 * i + 1]) for i, a in enumerate(early)]
        reflected = any(g.acao == a.origin and g.passes(a.origin, False)
                        for a, g, _ in attack_answers if a.kind == "origin-reflected")
        if not reflected and not self.failures:
            # Phase 2: every other crafted origin (when any site is reflected, they add nothing).
            rest = [a for a in every if a not in early]
            calls = []
            for a in rest:
                calls += [lambda a=a: self.get(a.origin), lambda a=a: self.preflight(a.origin)]
            got = self.batch(calls)
            attack_answers += [(a, got[2 * i], got[2 * i + 1]) for i, a in enumerate(rest)]
            answers = answers + got

        errors = [probed[k] for k in ("missing", "bad-token", "no-cookie") if k in probed]
        for t, g, p in zip(self.trusted, gets, preflights):
            self.judge_trusted(t, g, p, errors if t == first else [])
        for attack, g, p in attack_answers:
            self.judge_attack(attack, g, p)
        self.judge_vary(first, base, [g for a, g, _ in attack_answers if a.origin == evil][0])
        self.judge_odd(probed["odd-evil"], trusted=False)
        self.judge_odd(probed["odd-trusted"], trusted=True)
        for answer in [*gets, *preflights, *probed.values(),
                       *(x for _, g, p in attack_answers for x in (g, p))]:
            self.judge_acao_form(answer)

        failed = [a for a in answers if a.error]
        complete = not failed and (reflected or len(attack_answers) == len(every))
        note = ""
        if not complete:
            why = failed[0].error if failed else "stopped early"
            note = (f"scan incomplete: {len(failed)} of {len(answers) + 1} planned requests got no "
                    f"answer ({printable(why)}); the findings cover what was answered")
        order = {s: i for i, s in enumerate(SEVERITIES)}
        findings = sorted(self.findings.values(), key=lambda f: order[f.severity])
        return ScanResult(self.url, self.trusted, findings, self.requests,
                          time.monotonic() - started, complete, note)

    # -- judging -------------------------------------------------------------------------------

    def add(self, fid: str, severity: str, answer: Answer, why: str) -> None:
        known = self.findings.get(fid)
        if known is not None and SEVERITIES.index(known.severity) <= SEVERITIES.index(severity):
            return  # the first, most serious evidence of each finding is enough
        self.findings[fid] = Finding(fid, severity, answer.origin, f"{answer.shown()} - {why}",
                                     FIXES[fid], answer.request_dict(), answer.response_dict())

    def judge_attack(self, attack: attacks.Attack, get: Answer, pre: Answer) -> None:
        origin = attack.origin
        for answer in (get, pre):
            if answer.error:
                continue
            acao = answer.acao
            if acao == "*":
                if answer.get("access-control-allow-credentials") == "true":
                    self.add("wildcard-with-credentials", "medium", answer,
                             "`*` with credentials: browsers refuse it for credentialed requests, "
                             "and it shows the intent to share a user's data with every site")
                else:
                    self.add("wildcard-origin", "low", answer,
                             "any site reads this answer (fine for public data, not for an "
                             "intranet API or one that trusts the caller's network)")
            elif acao == origin and answer.passes(origin, False):
                creds = answer.passes(origin, True)
                severity = "high" if creds else "medium"
                why = ("a page there reads a logged-in user's data (allowed with credentials)"
                       if creds else "a page there reads what the victim's browser can reach")
                if attack.kind == "other-port-allowed":
                    severity, why = "low", ("the same host on another port is another origin; "
                                            "only who runs a server on that host can use it")
                elif attack.kind == "localhost-allowed" and self.local_api:
                    severity, why = "low", "a local origin on an API that serves local origins"
                self.add(attack.kind, severity, answer, f"{attack.why}; {why}")
            elif acao == "null" and origin != "null":
                self.add("null-acao-on-refusal", "low", answer,
                         "a refusal that says `null` lets in every sandboxed iframe and data: page "
                         "(they send Origin: null)")
        grants = [(pre.get(name) or "").strip().lower() for name in (
            "access-control-allow-private-network", "access-control-allow-local-network")]
        if not pre.error and "true" in grants:
            through = pre.passes(origin, False)
            self.add("private-network-allowed", "medium" if through else "low", pre,
                     "a public page may reach this private-network server" if through else
                     "granted although the CORS check refuses the origin")

    def judge_trusted(self, t: str, get: Answer, pre: Answer, errors: list[Answer]) -> None:
        """The trusted origin's GET and preflight, and the error probes (judged for the first
        trusted origin only): refusals in Chromium's words, errors without the CORS headers."""
        request = model.FetchRequest(self.url, t, self.method, self.headers)
        pre_ok = not pre.error and model.check_preflight(request, pre.as_response()).ok
        simple = model.FetchRequest(self.url, t)
        get_ok = not get.error and model.check_access(simple, get.as_response()).ok
        success_has_cors = (get_ok and get.status < 400) or pre_ok
        for err in (get, *errors):
            if err.error or err.status < 400 or not success_has_cors or err.passes(t, False):
                continue
            self.add("error-without-cors", "low", err,
                     f"the {err.status} answer lacks the CORS headers the other answers carry, so "
                     "the page sees a CORS error (a TypeError), not the status")
        if not get_ok and not (get.status >= 400 and success_has_cors):
            verdict = model.check_access(simple, get.as_response()) if not get.error else None
            self.add("trusted-origin-refused", "info", get,
                     verdict.reason if verdict else "no answer")
        if not pre.error and not pre_ok:
            verdict = model.check_preflight(request, pre.as_response())
            self.add("trusted-origin-refused", "info", pre, f"{verdict.reason} (scan the request "
                     "your app really makes with --method and --header)")

    def judge_vary(self, t: str, base: Answer, other: Answer) -> None:
        """The header depends on Origin (another origin gets another answer), yet no Vary says
        so. A static value (ALB's one origin) is the same for everyone and needs no Vary."""
        if base.error or other.error or base.varies_on_origin():
            return
        if base.acao == t and other.acao != base.acao:
            self.add("missing-vary", "medium", base,
                     f"Origin {other.origin} gets {other.acao or 'no ACAO'}: the answer changes with "
                     "Origin but says no Vary: Origin, so a shared cache hands one origin's answer "
                     "to another")

    def judge_odd(self, answer: Answer, trusted: bool) -> None:
        if answer.error:
            return
        methods = [m for v in answer.values("access-control-allow-methods") for m in v.split(",")]
        names = [h.strip().lower() for v in answer.values("access-control-allow-headers")
                 for h in v.split(",")]
        echoed = [what for what, hit in (
            (f"the method {ODD_METHOD}", ODD_METHOD in [m.strip() for m in methods]),
            (f"the header {ODD_HEADER}", ODD_HEADER in names),
            ("every method (*)", "*" in [m.strip() for m in methods]),
            ("every header (*)", "*" in names)) if hit]
        if echoed and (not trusted or not answer.acao == "*"):
            whom = "the trusted origin" if trusted else "an untrusted origin"
            self.add("preflight-reflects-request", "low", answer,
                     f"allows {' and '.join(echoed)} for {whom}: whatever a page asks is granted")

    def judge_acao_form(self, answer: Answer) -> None:
        if answer.error:
            return
        lines = answer.values("access-control-allow-origin")
        if len(lines) > 1 or any("," in v for v in lines):
            self.add("duplicate-acao", "low", answer,
                     "several values: every browser refuses the answer (often app and proxy both "
                     "add the header)")
        elif lines and lines[0] not in ("*", "null") and not _is_origin(lines[0]):
            self.add("invalid-acao", "low", answer,
                     f"{lines[0]!r} is not a serialised origin: no browser matches it")


def _is_origin(value: str) -> bool:
    try:
        return attacks.serialised(value) == value
    except CorsLabError:
        return False


# -- SARIF ---------------------------------------------------------------------------------------

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
_SECURITY_SEVERITY = {"high": "8.1", "medium": "5.3", "low": "3.1", "info": "0.0"}


def sarif(result: ScanResult) -> dict:
    """The findings as a SARIF 2.1.0 log (OASIS SARIF v2.1.0: one run, a rule per finding id).

    ``properties.security-severity`` is the number GitHub code scanning ranks security results
    by; the location is the scanned URL (an ``artifactLocation`` URI).
    """
    used = list(dict.fromkeys(f.id for f in result.findings))
    rules = [{"id": fid, "name": "".join(w.capitalize() for w in fid.split("-")),
              "shortDescription": {"text": TITLES[fid]}, "help": {"text": FIXES[fid]},
              "properties": {"tags": ["security", "cors"]}} for fid in used]
    results = [{
        "ruleId": f.id, "ruleIndex": used.index(f.id), "level": _LEVEL[f.severity],
        "message": {"text": printable(f"{f.severity}: Origin {f.origin_sent} -> {f.evidence}. "
                                      f"Fix: {f.fix}")},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": result.url}}}],
        "properties": {"severity": f.severity, "security-severity": _SECURITY_SEVERITY[f.severity],
                       "origin_sent": f.origin_sent, "request": f.request, "response": f.response},
    } for f in result.findings]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "corslab-scan", "semanticVersion": "0.2.0",
                            "informationUri": "https://fetch.spec.whatwg.org/#http-cors-protocol",
                            "rules": rules}},
        "invocations": [{"executionSuccessful": result.complete,
                         **({"toolExecutionNotifications": [{"message": {"text": result.note}}]}
                            if result.note else {})}],
        "properties": {"trusted": result.trusted, "requests": result.requests},
        "results": results}]}
