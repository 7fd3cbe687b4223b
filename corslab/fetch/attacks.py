"""Attack origins: what an attacker would send as ``Origin`` to get past an allowlist.

One generator for every part of the kit that judges an allowlist: the course's graders run a
learner's answer against it, ``generate`` refuses a config that lets any of it through, and
``scan`` sends it to a live API. One vocabulary too: each attack's ``kind`` is the id of the
finding ``scan`` reports when that origin gets through.

    for attack in attack_origins(["https://app.example.com"]):
        print(attack.kind, attack.origin, attack.why)

Every origin is derived from the allowed origins (never one of them) and is a serialised origin
a browser could send: lower-case scheme and host, no default port, no path - or ``null``. Case
variants (``HTTPS://APP.EXAMPLE.COM``) are not attacks: browsers serialise scheme and host in
lower case (URL standard, host parsing; HTML "serialization of an origin"), so a page can never
send one, and a case-insensitive comparison lets through nothing a case-sensitive one refuses.

The classes follow what the CORS scanners people use test (CORScanner's classes from "We Still
Don't Have Secure Cross-Domain Requests", USENIX Security 2018; Corsy; corsair_scan; CORStest)
and PortSwigger's Web Security Academy labs, plus ports, other top-level domains and substrings.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Callable, Iterable

from corslab.errors import CorsLabError
from corslab.fetch.origins import DEFAULT_PORTS, is_ip_address, parse_origin

#: The attacker's own domain: RFC 2606 ``.test`` is never a real site.
ATTACKER_DOMAIN = "evil.test"
MARK = "evil"

#: kind -> what it is, in a phrase a learner reads after "let through: ...".
KINDS = {
    "origin-reflected": "an unrelated site - the allowlist accepts origins it never listed",
    "null-origin-allowed": "the opaque origin `null`, which sandboxed iframes, data: URLs and "
                           "redirected requests send - any site can produce it",
    "prefix-match": "a longer origin that starts with an allowed one (anchor the end)",
    "suffix-match": "a host that ends with an allowed name, registered by someone else (anchor the "
                    "start at the scheme)",
    "substring-match": "a part of an allowed origin (a substring test, not an equality)",
    "unescaped-dot": "the allowed host with a dot replaced: an unescaped `.` in a regex matches any "
                     "character (write `\\.`)",
    "special-characters": "the allowed host followed by a character some browsers allow in host "
                          "names (`_`, `-`, `~`, `+`, ...) and the attacker's domain",
    "subdomain-allowed": "a subdomain of an allowed host or of its registrable domain: the weakest "
                         "page on any of them becomes trusted",
    "other-domain-allowed": "the same name under another top-level or registrable domain",
    "other-port-allowed": "the allowed host on another port: another origin, maybe another program",
    "insecure-scheme-allowed": "the allowed host over plain http, which anyone on the network path "
                               "can serve",
    "localhost-allowed": "a loopback or private-network origin: any program on the user's machine "
                         "or network can serve it",
    "third-party-origin-allowed": "a public hosting or sandbox site where anyone can publish a page",
}

#: Public hosting and code sandboxes: anyone can publish a page on these origins.
THIRD_PARTY = (
    f"https://{MARK}.github.io", f"https://{MARK}.gitlab.io", "https://codepen.io", "https://cdpn.io",
    "https://jsfiddle.net", "https://fiddle.jshell.net", "https://jsbin.com", "https://stackblitz.com",
    f"https://{MARK}.vercel.app", f"https://{MARK}.netlify.app", f"https://{MARK}.pages.dev",
    f"https://{MARK}.herokuapp.com", f"https://{MARK}.web.app", f"https://{MARK}.firebaseapp.com",
    f"https://{MARK}.glitch.me", f"https://{MARK}.workers.dev", f"https://{MARK}.ngrok-free.app",
    f"https://{MARK}.s3.amazonaws.com", f"https://{MARK}.azurewebsites.net",
    f"https://{MARK}.blogspot.com", f"https://{MARK}.web.val.run",
)

#: Loopback and private addresses (RFC 1918, RFC 4193): development origins left in production.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "0.0.0.0", "10.0.0.1", "192.168.0.1", "172.16.0.1")
#: Development servers' default ports (Express/React 3000, Angular 4200, Flask 5000, Vite 5173,
#: Django 8000, 8080): the origins a developer adds to the allowlist and forgets.
DEV_PORTS = (3000, 4200, 5000, 5173, 8000, 8080)

#: Characters some browsers accept in a host (the URL standard forbids none of them in a domain).
SPECIAL_CHARACTERS = ("_", "-", "~", "+", "!", "$", "=", "}", "`")

#: Multi-label public suffixes the generator knows, so app.example.co.uk has the site example.co.uk.
PUBLIC_SUFFIXES_2 = {"co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "co.jp", "co.kr",
                     "or.kr", "go.kr", "ac.kr", "com.br", "com.cn", "co.in", "co.nz", "github.io",
                     "gitlab.io", "vercel.app", "netlify.app", "pages.dev", "herokuapp.com",
                     "web.app", "firebaseapp.com", "workers.dev", "azurewebsites.net",
                     "blogspot.com", "s3.amazonaws.com", "glitch.me", "ngrok-free.app"}


@dataclass(frozen=True)
class Attack:
    origin: str   # what the attacker's page sends as Origin
    kind: str     # one of KINDS: also the id of scan's finding
    target: str   # the allowed origin it imitates

    @property
    def why(self) -> str:
        return KINDS[self.kind]

    def line(self) -> str:
        return f"{self.origin} ({self.kind}: {self.why})"


def serialised(value: str, what: str = "origin") -> str:
    """``value`` if it is exactly what a browser sends as Origin, else one clear error.

    A serialised origin is ``scheme://host[:port]``: lower case, no default port, no leading zeros,
    no path, query, fragment, user info, white space or control characters.
    """
    if not isinstance(value, str):
        raise CorsLabError(f"the {what} must be a string such as https://app.example.com")
    if value == "null":
        return value
    if any(ord(c) < 0x21 or ord(c) == 0x7f for c in value):
        raise CorsLabError(f"the {what} {value.encode('unicode_escape').decode()!r} contains white "
                           "space or a control character; an origin has none")
    if "@" in value:
        raise CorsLabError(f"the {what} {value!r} contains '@' (user info); an origin is "
                           "scheme://host[:port] only")
    parsed = parse_origin(value)
    origin = parsed.serialize()
    ipv4 = _whatwg_ipv4(parsed.host)
    if ipv4 and ipv4 != parsed.host:
        origin = origin.replace(f"://{parsed.host}", f"://{ipv4}", 1)
    if origin != value:
        raise CorsLabError(f"the {what} {value!r} is not a serialised origin; a browser sends "
                           f"{origin!r} (lower case, no default port, no path) - write that")
    return value


def _whatwg_ipv4(host: str) -> str | None:
    """The URL standard's IPv4 parser: a host whose last label is a number is an IPv4 address,
    each part decimal, ``0x`` hex or ``0``-led octal (``010.0.0.1`` is 8.0.0.1, ``127.1`` is
    127.0.0.1). None when the host is not such a number, or not a valid one."""
    labels = host.split(".")
    if labels and labels[-1] == "" and len(labels) > 1:
        labels = labels[:-1]

    def number(part: str) -> int | None:
        try:
            if part[:2].lower() == "0x":
                return int(part[2:] or "0", 16)
            if len(part) > 1 and part.startswith("0"):
                return int(part[1:], 8)
            return int(part, 10) if part.isdigit() else None
        except ValueError:
            return None

    if not labels or not labels[-1] or number(labels[-1]) is None or len(labels) > 4:
        return None
    numbers = [number(p) for p in labels]
    if any(n is None for n in numbers) or any(n > 255 for n in numbers[:-1]) \
            or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n * 256 ** (3 - i)
    return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))


def _site(host: str) -> str:
    """The registrable domain, knowing the common multi-label public suffixes."""
    if host.startswith("[") or is_ip_address(host):
        return host
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in PUBLIC_SUFFIXES_2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def is_local(host: str) -> bool:
    """Loopback, private or link-local: what Local Network Access calls non-public."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified


def _origin(scheme: str, host: str, port: int | None) -> str:
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _derived(origin: str) -> Iterable[tuple[str, str]]:
    o = parse_origin(origin)
    scheme, host, port = o.scheme, o.host, o.port
    explicit = port if port != DEFAULT_PORTS[scheme] else None
    site = _site(host)
    ip = is_ip_address(host) or host.startswith("[")

    yield "origin-reflected", f"{scheme}://{ATTACKER_DOMAIN}"
    yield "origin-reflected", f"{'http' if scheme == 'https' else 'https'}://{MARK}.example"
    # Longer origins that start with this one.
    yield "prefix-match", _origin(scheme, f"{host}.{ATTACKER_DOMAIN}", port)
    if explicit is None:
        yield "prefix-match", f"{origin}.{ATTACKER_DOMAIN}"
        yield "prefix-match", f"{origin}-{MARK}.test"
    else:
        for digit in "09":
            longer = explicit * 10 + int(digit)
            if longer <= 65535:
                yield "prefix-match", f"{origin}{digit}"  # http://localhost:3000 -> :30000
    # Hosts that end with this host or its registrable domain.
    if not ip:
        yield "suffix-match", _origin(scheme, f"{MARK}{site}", port)
        yield "suffix-match", _origin(scheme, f"{MARK}-{site}", port)
        if site != host:
            yield "suffix-match", _origin(scheme, f"{MARK}{host}", port)
    # Parts of the origin: what `origin in "https://app.example.com"` lets through.
    if not host.startswith("["):
        cut = _origin(scheme, host[:-1], port) if len(host) > 1 else None
        if cut:
            yield "substring-match", cut
        if "." in host and not ip:
            yield "substring-match", _origin(scheme, host.rsplit(".", 1)[0], port)
    if explicit is not None and explicit >= 10:
        yield "substring-match", f"{scheme}://{host}:{str(explicit)[:-1]}"
    # Each dot, unescaped in a regex, matches any character.
    if not host.startswith("["):
        for i, ch in enumerate(host):
            if ch == ".":
                yield "unescaped-dot", _origin(scheme, host[:i] + "x" + host[i + 1:], port)
                yield "unescaped-dot", _origin(scheme, host[:i] + "-" + host[i + 1:], port)
    # Characters some browsers allow in a host, then the attacker's domain.
    if not host.startswith("["):
        for ch in SPECIAL_CHARACTERS:
            yield "special-characters", _origin(scheme, f"{host}{ch}.{ATTACKER_DOMAIN}", port)
    # Subdomains of the host and of its registrable domain.
    if not ip:
        yield "subdomain-allowed", _origin(scheme, f"{MARK}.{host}", port)
        if site != host:
            yield "subdomain-allowed", _origin(scheme, f"{MARK}.{site}", port)
    # The same name elsewhere: another TLD, another registrable domain.
    if not ip and "." in host:
        stem, tld = host.rsplit(".", 1)
        for other in ("net", "org", "com", "co"):
            if other != tld:
                yield "other-domain-allowed", _origin(scheme, f"{stem}.{other}", port)
                break
        first = host.split(".")[0]
        if first != site.split(".")[0]:
            yield "other-domain-allowed", _origin(scheme, f"{first}.{MARK}.{tld}", port)
        yield "other-domain-allowed", _origin(scheme, f"{host}.{tld}", port)
    elif not ip:  # localhost: another host name
        yield "other-domain-allowed", _origin(scheme, f"{host}.{MARK}", port)
    # Other ports of the same host.
    for other in ((explicit or 0) + 1 if explicit else 8443, 31337, (explicit or 8000) + 1000):
        if 0 < other <= 65535 and other != port:
            yield "other-port-allowed", _origin(scheme, host, other)
    yield "other-port-allowed", _origin(scheme, host, None) if explicit else _origin(scheme, host, 8080)
    # The other scheme: plain http for an https origin.
    if scheme == "https":
        yield "insecure-scheme-allowed", _origin("http", host, explicit)
    # Loopback and private addresses.
    for local in LOCAL_HOSTS:
        if local != host:
            yield "localhost-allowed", _origin("http", local, None)
            yield "localhost-allowed", _origin("http", local, explicit or 3000)
    for local in ("localhost", "127.0.0.1"):
        if local != host:
            for dev in DEV_PORTS:
                yield "localhost-allowed", _origin("http", local, dev)
    for third in THIRD_PARTY:
        yield "third-party-origin-allowed", third


def attack_origins(allowed: Iterable[str], kinds: Iterable[str] | None = None) -> list[Attack]:
    """Every attack origin derived from ``allowed`` (serialised origins), minus the allowed ones.

    ``kinds`` keeps only those classes (ids of :data:`KINDS`). The list is deterministic, has no
    duplicates, and starts with ``null``.
    """
    allowed = [serialised(o, "allowed origin") for o in allowed]
    wanted = set(KINDS) if kinds is None else set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise CorsLabError(f"unknown attack kind {sorted(unknown)[0]!r}; known: {', '.join(KINDS)}")
    keep = set(allowed)
    out: list[Attack] = []
    seen: set[str] = set()

    def add(kind: str, origin: str, target: str) -> None:
        if kind in wanted and origin not in keep and origin not in seen and _valid(origin):
            seen.add(origin)
            out.append(Attack(origin, kind, target))

    for target in allowed:
        if target != "null":
            add("null-origin-allowed", "null", target)
    for target in allowed:
        if target == "null":
            continue
        for kind, origin in _derived(target):
            add(kind, origin, target)
    return out


def _valid(origin: str) -> bool:
    try:
        return parse_origin(origin).serialize() == origin
    except CorsLabError:
        return False


def let_through(allows: Callable[[str], object], allowed: Iterable[str],
                kinds: Iterable[str] | None = None) -> list[Attack]:
    """The attacks ``allows(origin)`` accepts (a truthy answer). Exceptions propagate."""
    return [a for a in attack_origins(allowed, kinds) if allows(a.origin)]
