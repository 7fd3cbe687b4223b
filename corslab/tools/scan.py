"""The scanner: probe a live API the way an attacker would, and say what it would let them read.

    findings = scan("http://localhost:8081/v1/users", trusted="http://localhost:3000")
    for f in findings: print(f.severity, f.id, f.origin_sent, f.evidence, f.fix)

For each crafted ``Origin`` derived from the trusted one (an unrelated site, ``null``, the trusted
origin with something appended, something prepended, a dot replaced, the other scheme, a
subdomain) it sends the request a page would send - a GET, and a preflight - and reads the answer
the browser would judge: is that exact origin (or ``*``) in ``Access-Control-Allow-Origin``, and
with ``Access-Control-Allow-Credentials: true``? Whether an origin is allowed is decided as the
Fetch standard's CORS check decides it (one header value, byte-for-byte equal, or ``*`` without
credentials); the severity follows from what an attacker then reads:

  high    an attacker-controlled origin is allowed WITH credentials: it reads a logged-in
          user's data (PortSwigger Web Security Academy, "CORS vulnerability with basic origin
          reflection" and its siblings)
  medium  allowed without credentials (the attacker reads what the victim's network can reach),
          ``*`` claimed together with credentials, or an origin-dependent answer without
          ``Vary: Origin`` (a shared cache hands one origin's answer to another)
  low     preflights that echo any requested header or method
  info    ``*`` without credentials (fine for a public API), the trusted origin itself refused

Ids: origin-reflected, null-origin-allowed, prefix-match, suffix-match, unescaped-dot,
insecure-scheme-allowed, subdomain-allowed, wildcard-with-credentials, wildcard-origin,
missing-vary, preflight-reflects-headers, preflight-reflects-methods, trusted-origin-refused.
"""

from __future__ import annotations

import http.client
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from corslab.errors import CorsLabError

SEVERITIES = ("high", "medium", "low", "info")
ATTACKER_HOST = "corslab-scan.test"  # RFC 2606 .test: never a real site
MARK = "corslabscan"

FIXES = {
    "origin-reflected": "compare Origin with an exact allowlist and send back only a listed origin; "
                        "never echo the request's Origin as it is",
    "null-origin-allowed": "remove `null` from the allowlist: sandboxed iframes, data: URLs and "
                           "redirects send it, so any site can produce it",
    "prefix-match": "anchor the match at the end too (`^https://app\\.example\\.com$`) or compare "
                    "whole strings: the trusted origin followed by anything is another site",
    "suffix-match": "anchor the match at the start too, or compare whole strings: a host that ends "
                    "with the trusted name is not that host",
    "unescaped-dot": "escape the dots of a regex allowlist (`\\.`): an unescaped `.` matches any "
                     "character, so a look-alike domain anyone can register matches",
    "insecure-scheme-allowed": "allow only the https:// origin: a page on http:// can be injected by "
                               "anyone on the network path",
    "subdomain-allowed": "list the subdomains that need access; trusting every subdomain trusts the "
                         "weakest page on any of them",
    "wildcard-with-credentials": "browsers refuse `*` with credentials; send the exact allowed origin "
                                 "(from an allowlist) with `Access-Control-Allow-Credentials: true`",
    "wildcard-origin": "fine for public data; if the answer ever depends on cookies or the caller's "
                       "network, replace `*` with an allowlist",
    "missing-vary": "add `Vary: Origin` to every response whose CORS headers depend on Origin "
                    "(refusals included)",
    "preflight-reflects-headers": "list the request headers the frontends use in "
                                  "Access-Control-Allow-Headers instead of echoing the request",
    "preflight-reflects-methods": "list the methods the API serves in Access-Control-Allow-Methods "
                                  "instead of echoing the request",
    "trusted-origin-refused": "the trusted origin gets no CORS headers: check the allowlist "
                              "(scheme, host and port must match exactly)",
}


@dataclass
class Finding:
    id: str
    severity: str
    origin_sent: str
    evidence: str
    fix: str

    def to_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        return (f"{self.severity.upper():6} {self.id}: Origin {self.origin_sent} -> {self.evidence}; "
                f"fix: {self.fix}")


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]

    def values(self, name: str) -> list[str]:
        return [v.strip() for n, v in self.headers if n.lower() == name.lower()]

    @property
    def acao(self) -> str | None:
        found = self.values("Access-Control-Allow-Origin")
        return ",".join(found) if found else None

    @property
    def credentials(self) -> bool:
        return self.values("Access-Control-Allow-Credentials") == ["true"]

    def allows(self, origin: str) -> bool:
        """Does a browser page at ``origin`` pass the CORS check (either credentials mode)?"""
        return self.acao == origin or self.acao == "*"

    def varies_on_origin(self) -> bool:
        names = {t.strip().lower() for v in self.values("Vary") for t in v.split(",")}
        return "origin" in names or "*" in names

    def evidence(self) -> str:
        shown = [f"{n}: {v}" for n, v in self.headers
                 if n.lower().startswith("access-control-") or n.lower() == "vary"]
        return f"{self.status} " + ("; ".join(shown) if shown else "(no CORS headers)")


def parse_trusted(trusted: str) -> tuple[str, str, int | None]:
    parts = urlsplit(trusted)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.username:
        raise CorsLabError(f"--origin {trusted!r} is not an origin; write scheme://host[:port], "
                           "e.g. --origin https://app.example.com")
    return parts.scheme, parts.hostname, parts.port


def origin(scheme: str, host: str, port: int | None) -> str:
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def crafted(trusted: str) -> list[tuple[str, str]]:
    """(finding id, Origin) pairs derived from the trusted origin, the order they are tried."""
    scheme, host, port = parse_trusted(trusted)
    trusted = origin(scheme, host, port)
    out = [("origin-reflected", origin(scheme, ATTACKER_HOST, None)),
           ("null-origin-allowed", "null"),
           ("prefix-match", f"{trusted}.{ATTACKER_HOST}"),
           ("prefix-match", origin(scheme, f"{host}.{ATTACKER_HOST}", port)),
           ("suffix-match", origin(scheme, f"{MARK}{host}", port))]
    labels = host.split(".")
    if len(labels) > 2:  # app.example.com -> corslabscanexample.com: a domain anyone registers
        out.append(("suffix-match", origin(scheme, MARK + ".".join(labels[1:]), port)))
    for i, ch in enumerate(host):
        if ch == ".":
            out.append(("unescaped-dot", origin(scheme, host[:i] + "x" + host[i + 1:], port)))
    if scheme == "https":
        out.append(("insecure-scheme-allowed", origin("http", host, port)))
    out.append(("subdomain-allowed", origin(scheme, f"{MARK}.{host}", port)))
    return out


def send(url: str, method: str, headers: dict[str, str], timeout: float) -> Answer:
    parts = urlsplit(url)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, path, headers={"User-Agent": "corslab-scan/0.1", **headers})
        response = conn.getresponse()
        response.read(65536)
        return Answer(response.status, list(response.getheaders()))
    except (OSError, http.client.HTTPException) as exc:
        raise CorsLabError(f"cannot reach {url}: {getattr(exc, 'strerror', None) or exc}; is it "
                           "running? (`python -m corslab status`)") from None
    finally:
        conn.close()


def scan(url: str, trusted: str, timeout: float = 5.0, cookies: dict[str, str] | None = None) -> list[Finding]:
    """Findings for ``url``, meant to serve ``trusted``. ``cookies`` go with every GET (never with
    a preflight, as in a browser): some APIs answer with CORS headers only to a logged-in user."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CorsLabError(f"{url!r} is not an http(s) URL; e.g. http://localhost:8081/v1/users")
    scheme, host, port = parse_trusted(trusted)
    trusted = origin(scheme, host, port)
    cookie = {"Cookie": "; ".join(f"{n}={v}" for n, v in cookies.items())} if cookies else {}
    findings: list[Finding] = []
    seen: set[str] = set()

    def add(fid: str, severity: str, sent: str, evidence: str) -> None:
        if fid not in seen:
            seen.add(fid)
            findings.append(Finding(fid, severity, sent, evidence, FIXES[fid]))

    def preflight(origin_value: str, method: str = "PUT", request_headers: str = "content-type"):
        return send(url, "OPTIONS", {"Origin": origin_value, "Access-Control-Request-Method": method,
                                     "Access-Control-Request-Headers": request_headers}, timeout)

    # The trusted origin: the baseline.
    def get(origin_value: str) -> Answer:
        return send(url, "GET", {"Origin": origin_value, **cookie}, timeout)

    base = get(trusted)
    other = get(origin(scheme, ATTACKER_HOST, None))
    if base.acao == trusted and other.acao != base.acao and not base.varies_on_origin():
        # The header depends on Origin (another origin gets another answer), yet no Vary says so.
        # A static value (ALB's one origin) is the same for everyone and needs no Vary.
        add("missing-vary", "medium", trusted, base.evidence() + " - the answer changes with "
            "Origin but says no Vary: Origin")
    if not base.allows(trusted) and not preflight(trusted).allows(trusted):
        add("trusted-origin-refused", "info", trusted, base.evidence())

    # Crafted origins: a GET, and if that says nothing, a preflight.
    for fid, sent in crafted(trusted):
        if "origin-reflected" in seen and fid != "null-origin-allowed":
            break  # everything is reflected: the look-alikes add nothing
        for answer in (get(sent), preflight(sent)):
            if answer.acao == "*":
                if answer.credentials:
                    add("wildcard-with-credentials", "medium", sent, answer.evidence())
                else:
                    add("wildcard-origin", "info", sent, answer.evidence())
                break
            if answer.acao == sent:
                severity = "high" if answer.credentials else "medium"
                add(fid, severity, sent, answer.evidence() + (
                    " - with credentials: a page there reads a logged-in user's data" if answer.credentials
                    else " - a page there reads what the victim's browser can reach"))
                break
        if fid == "origin-reflected" and fid in seen:
            continue

    # Preflights that echo whatever is asked.
    odd_header, odd_method = f"x-{MARK}-header", "PROPFIND"
    answer = preflight(trusted, odd_method, odd_header)
    if answer.allows(trusted):
        allowed_headers = ",".join(answer.values("Access-Control-Allow-Headers")).lower()
        if odd_header in allowed_headers:
            add("preflight-reflects-headers", "low", trusted,
                f"Access-Control-Request-Headers: {odd_header} -> {answer.evidence()}")
        if odd_method in ",".join(answer.values("Access-Control-Allow-Methods")):
            add("preflight-reflects-methods", "low", trusted,
                f"Access-Control-Request-Method: {odd_method} -> {answer.evidence()}")
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: order[f.severity])
    return findings
