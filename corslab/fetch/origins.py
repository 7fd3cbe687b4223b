"""Origins: parse, serialise, compare - as the URL and HTML standards define them.

An origin is the triple (scheme, host, port) of a page or a URL; a browser serialises it as
``scheme://host[:port]`` with the host lower-cased and the scheme's default port dropped
(``http://localhost:80`` is ``http://localhost``). ``null`` is the opaque origin (a sandboxed
page, a ``file:`` page, a request whose origin was tainted by a cross-origin redirect).

CORS compares *serialised* origins byte for byte (Fetch "CORS check" step 4), which is why the
model always goes through :func:`parse_origin` and :meth:`Origin.serialize`.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urlsplit

from corslab.errors import CorsLabError

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_LABEL, MAX_HOST = 63, 253  # RFC 1035 §2.3.4
EXAMPLE = "http://localhost:3000"


@dataclass(frozen=True)
class Origin:
    """A tuple origin, or the opaque origin (``opaque=True``, serialised ``null``)."""

    scheme: str = ""
    host: str = ""
    port: int | None = None  # the effective port: explicit, or the scheme's default
    opaque: bool = False

    def serialize(self) -> str:
        """The ASCII serialisation a browser puts in the ``Origin`` header."""
        if self.opaque:
            return "null"
        if self.port is None or self.port == DEFAULT_PORTS.get(self.scheme):
            return f"{self.scheme}://{self.host}"
        return f"{self.scheme}://{self.host}:{self.port}"

    def __str__(self) -> str:
        return self.serialize()

    @property
    def site(self) -> str:
        """The schemeful site: scheme plus registrable domain (see :func:`registrable_domain`)."""
        if self.opaque:
            return "null"
        return f"{self.scheme}://{registrable_domain(self.host)}"


OPAQUE = Origin(opaque=True)


def _split(value: str, what: str) -> SplitResult:
    if not isinstance(value, str) or not value.strip():
        raise CorsLabError(f"the {what} is empty; give a full URL such as {EXAMPLE}/v1/users")
    if value != value.strip() or any(c in value for c in "\r\n\t "):
        raise CorsLabError(f"the {what} {value!r} contains white space; remove it")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError as exc:
        raise CorsLabError(f"the {what} {value!r} is malformed ({exc}); "
                           f"write it as scheme://host[:port], e.g. {EXAMPLE}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise CorsLabError(f"the {what} {value!r} must start with http:// or https:// "
                           f"(CORS applies to HTTP(S) only), e.g. {EXAMPLE}")
    if not parts.hostname:
        raise CorsLabError(f"the {what} {value!r} has no host; write it as "
                           f"{scheme}://HOST[:PORT], e.g. {EXAMPLE}")
    if parts.username is not None or parts.password is not None:
        raise CorsLabError(f"the {what} {value!r} contains a user name or password; remove "
                           "'user:password@' (fetch() rejects such URLs)")
    return parts


def _host(parts: SplitResult, value: str, what: str) -> str:
    host = parts.hostname or ""  # urlsplit lower-cases it and strips IPv6 brackets
    try:
        ipaddress.IPv6Address(host)
        return f"[{host}]"
    except ValueError:
        pass
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        try:
            host = host.encode("idna").decode("ascii")  # what a browser puts on the wire
        except UnicodeError:
            raise CorsLabError(f"the host of the {what} {value!r} is not a valid domain name") from None
    bad = set(host) - set("abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=%")
    if bad:
        raise CorsLabError(f"the host of the {what} {value!r} contains {''.join(sorted(bad))!r}; "
                           f"use a host name such as localhost")
    # RFC 1035 §2.3.4: a DNS label has at most 63 octets, a name at most 253 characters.
    label = max(host.rstrip(".").split("."), key=len)
    if len(label) > MAX_LABEL:
        raise CorsLabError(f"the host of the {what} has a label of {len(label)} characters "
                           f"({label[:12]}...); a DNS label has at most {MAX_LABEL}: shorten it")
    if len(host) > MAX_HOST:
        raise CorsLabError(f"the host of the {what} is {len(host)} characters long; a host name "
                           f"has at most {MAX_HOST}: shorten it")
    return host


@lru_cache(maxsize=1024)  # pure and called for every check: the model re-reads the same origins
def parse_origin(value: str) -> Origin:
    """Parse an origin as a learner types it: ``http://localhost:3000`` or ``null``.

    The host is lower-cased and a default port dropped, as a browser serialises it. A single
    trailing ``/`` is tolerated (copied from an address bar); any other path, a query or a
    fragment is an error, because an origin has none.
    """
    if value == "null":
        return OPAQUE
    parts = _split(value, "origin")
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.endswith(("?", "#")):
        raise CorsLabError(f"the origin {value!r} has a path, query or fragment; an origin is "
                           f"scheme://host[:port] only, e.g. {EXAMPLE}")
    scheme = parts.scheme.lower()
    port = parts.port if parts.port is not None else DEFAULT_PORTS[scheme]
    return Origin(scheme, _host(parts, value, "origin"), port)


@lru_cache(maxsize=1024)
def parse_url(value: str) -> SplitResult:
    """Check that ``value`` is an absolute http(s) URL a request can carry; return its parts.

    The path and query must be ASCII, as on the wire: a browser percent-encodes the rest (URL
    standard, path percent-encode set), so the error shows the encoded URL to use.
    """
    parts = _split(value, "URL")
    _host(parts, value, "URL")
    rest = value[len(parts.scheme) + 3 + len(parts.netloc):]
    if not rest.isascii() or any(ord(c) < 0x20 or c == "\x7f" for c in rest):
        encoded = value[:len(value) - len(rest)] + quote(rest, safe="/?#[]@!$&'()*+,;=:%~-._")
        raise CorsLabError(f"the URL {value!r} has characters a request line cannot carry in its "
                           f"path or query; percent-encode them as a browser does: {encoded}")
    return parts


@lru_cache(maxsize=1024)
def origin_of(url: str) -> Origin:
    """The origin of an absolute http(s) URL."""
    parts = parse_url(url)
    scheme = parts.scheme.lower()
    port = parts.port if parts.port is not None else DEFAULT_PORTS[scheme]
    return Origin(scheme, _host(parts, url, "URL"), port)


def as_origin(value: str | Origin) -> Origin:
    return value if isinstance(value, Origin) else parse_origin(value)


def same_origin(a: str | Origin, b: str | Origin) -> bool:
    """HTML "same origin": equal tuples; an opaque origin here is never same-origin with another."""
    a, b = as_origin(a), as_origin(b)
    if a.opaque or b.opaque:
        return False
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def is_ip_address(host: str) -> bool:
    """Is ``host`` an IPv4 or IPv6 address (brackets allowed), not a name?"""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def registrable_domain(host: str) -> str:
    """The registrable domain ("eTLD+1") of ``host``, approximated without the Public Suffix List.

    An IP address or a one-label host (``localhost``) is its own site; otherwise the last two
    labels (``app.example.com`` -> ``example.com``; ``app.localhost`` -> ``app.localhost``, since
    ``localhost`` acts as a top-level domain). Wrong for multi-label suffixes such as ``co.uk``,
    which the lab never uses.
    """
    if host.startswith("["):
        return host
    try:
        ipaddress.IPv4Address(host)
        return host
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return ".".join(labels[-2:])


def same_site(a: str | Origin, b: str | Origin) -> bool:
    """Schemeful same-site: same scheme and same registrable domain (cookies follow this)."""
    a, b = as_origin(a), as_origin(b)
    if a.opaque or b.opaque:
        return False
    return a.site == b.site
