"""Which cookies a request carries, as Chromium decides it in 2026: the cookie half of a credentialed
cross-site call, next to CORS (which only decides whether the page may *read* the answer).

Sources: RFC 6265bis (draft-ietf-httpbis-rfc6265bis-20: section 5.2 "same-site" and "cross-site"
requests, 5.6 storage model with the ``SameSite=None`` requires ``Secure`` rule, 5.8 retrieval),
CHIPS (the ``Partitioned`` attribute, draft-cutler-httpbis-partitioned-cookies) and Chromium's
``net/cookies/canonical_cookie.cc``, ``cookie_inclusion_status.h`` and
``components/content_settings`` (third-party cookie blocking). The reasons are the names DevTools
shows in the Network panel's Cookies tab and the CDP ``Network`` events (``SetCookieBlockedReason``,
``CookieBlockedReason``): a cookie that is refused prints nothing to the console.

What the model follows, each checked in Chromium 156 by tests/browser/test_https_cookies.py:

* a cookie's site is its request URL's *schemeful* site (``corslab.fetch.origins``): in Chromium
  each ``*.localhost`` name is a site of its own, so ``https://app.localhost`` calling
  ``https://api.localhost`` is a cross-site request;
* ``SameSite=None`` without ``Secure`` is refused when set (``SameSiteNoneInsecure``);
* no ``SameSite`` means ``Lax``; ``Lax`` and ``Strict`` cookies are neither set nor sent by a
  cross-site subresource request (``fetch``); a top-level navigation carries ``Lax`` ones;
* third-party cookies (a request whose site differs from the top-level page's) are blocked unless
  the browser allows them: Safari, Firefox, incognito windows and a fresh headless Chromium block
  them (``UserPreferences``, measured in Chromium 156); a profile with ``profile.cookie_controls_mode`` = 0 allows them;
* a ``Partitioned`` cookie (CHIPS, must be ``Secure``) is kept under the top-level site it was set
  in and sent only under that top-level site - third-party blocking does not stop it;
* a fetch sends and stores cookies only with ``credentials: 'include'``, or for a same-origin URL
  with the default ``'same-origin'``; never with ``'omit'``.

Pure Python: no network, no I/O (see :mod:`corslab.fetch`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from corslab.errors import CorsLabError
from corslab.fetch.origins import origin_of, same_origin

NONE, LAX, STRICT = "None", "Lax", "Strict"

# Reasons, as DevTools and CDP name them (Network.SetCookieBlockedReason / CookieBlockedReason).
SAME_SITE_NONE_INSECURE = "SameSiteNoneInsecure"
SAME_SITE_LAX = "SameSiteLax"
SAME_SITE_STRICT = "SameSiteStrict"
SAME_SITE_UNSPECIFIED_LAX = "SameSiteUnspecifiedTreatedAsLax"
THIRD_PARTY_BLOCKED = "UserPreferences"  # Chromium 156: the user's (or the default) setting blocks them
SECURE_ONLY = "SecureOnly"
PARTITIONED_INSECURE = "InvalidPartitioned"  # Partitioned without Secure (CHIPS)
CREDENTIALS_MODE = "CredentialsModeNotInclude"  # not a cookie rule: fetch() did not ask for cookies
OTHER_PARTITION = "OtherPartition"  # a partitioned cookie of another top-level site
HOST_MISMATCH = "DomainMismatch"
NOT_ON_PATH = "NotOnPath"

#: What each reason means, in one sentence a learner can act on.
MEANING = {
    SAME_SITE_NONE_INSECURE: "SameSite=None needs Secure: the cookie was refused; add Secure (and serve it over HTTPS)",
    SAME_SITE_LAX: "SameSite=Lax: not sent on (or set by) a cross-site fetch; only top-level navigations carry it",
    SAME_SITE_STRICT: "SameSite=Strict: never sent on (or set by) a cross-site request",
    SAME_SITE_UNSPECIFIED_LAX: "no SameSite attribute means Lax: not sent on (or set by) a cross-site fetch; say SameSite=None; Secure",
    THIRD_PARTY_BLOCKED: "third-party cookies are blocked in this browser: the request's site differs from the page's top-level site",
    SECURE_ONLY: "a Secure cookie is set and sent over HTTPS only",
    PARTITIONED_INSECURE: "Partitioned (CHIPS) needs Secure: the cookie was refused",
    CREDENTIALS_MODE: "fetch() sends and stores cookies cross-origin only with credentials: 'include'",
    OTHER_PARTITION: "a Partitioned cookie is sent only under the top-level site it was set in",
    HOST_MISMATCH: "the cookie belongs to another host",
    NOT_ON_PATH: "the cookie's Path does not cover this URL",
}


@dataclass(frozen=True)
class Cookie:
    """One cookie as a browser keeps it. ``same_site`` is ``None``/``Lax``/``Strict`` or ``""``
    when the attribute was left out (then it acts as Lax); ``partition`` is the top-level site a
    ``Partitioned`` cookie belongs to."""

    name: str
    value: str
    host: str
    path: str = "/"
    secure: bool = False
    http_only: bool = False
    same_site: str = ""
    partitioned: bool = False
    partition: str | None = None

    @property
    def effective_same_site(self) -> str:
        return self.same_site or LAX


@dataclass(frozen=True)
class Context:
    """Where a request is made: the top-level page's URL (the tab's address bar), the origin that
    makes the request (``None`` for a navigation the user starts), how, and the browser's setting.

    ``credentials`` is fetch()'s credentials mode; a navigation always includes cookies.
    ``third_party_cookies``: False as Safari, Firefox, incognito and a fresh headless Chromium do.
    """

    top_level: str
    initiator: str | None = None
    navigation: bool = False
    credentials: str = "include"
    third_party_cookies: bool = False

    def __post_init__(self):
        if self.credentials not in ("include", "same-origin", "omit"):
            raise CorsLabError(f"credentials={self.credentials!r}: fetch() knows 'include', "
                               "'same-origin' and 'omit'")


@dataclass(frozen=True)
class Decision:
    """A cookie and what the browser does with it: ``ok`` (stored / sent) or the ``reason`` it
    does not (one of this module's reason names, see :data:`MEANING`)."""

    cookie: Cookie
    ok: bool
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"{self.cookie.name}: yes"
        return f"{self.cookie.name}: no - {self.reason} ({MEANING[self.reason]})"


def parse_set_cookie(header: str, url: str) -> Cookie:
    """A ``Set-Cookie`` value received from ``url`` (RFC 6265bis 5.6: name=value, then attributes
    case-insensitively; unknown ones ignored). One clear error for a header without ``name=``."""
    pair, *attrs = header.split(";")
    name, eq, value = pair.partition("=")
    if not eq or not name.strip():
        raise CorsLabError(f"Set-Cookie {header!r} has no name=value pair first; write e.g. "
                           "'sid=abc; SameSite=None; Secure'")
    cookie = Cookie(name.strip(), value.strip(), host=urlsplit(url).hostname or "")
    for attr in attrs:
        key, _, val = attr.strip().partition("=")
        key = key.strip().lower()
        if key == "secure":
            cookie = replace(cookie, secure=True)
        elif key == "httponly":
            cookie = replace(cookie, http_only=True)
        elif key == "partitioned":
            cookie = replace(cookie, partitioned=True)
        elif key == "samesite":
            cookie = replace(cookie, same_site={"none": NONE, "lax": LAX, "strict": STRICT}.get(
                val.strip().lower(), ""))  # an unknown value acts as if it were left out
        elif key == "path" and val.strip().startswith("/"):
            cookie = replace(cookie, path=val.strip())
    return cookie


def site_of(url: str) -> str:
    """The schemeful site of a URL (``https://app.localhost``)."""
    return origin_of(url).site


def is_cross_site(url: str, ctx: Context) -> bool:
    """RFC 6265bis 5.2: a request is same-site when its URL's site equals the top-level site and
    the initiator's site (a navigation the user starts has no initiator)."""
    site = site_of(url)
    if site != site_of(ctx.top_level):
        return True
    return ctx.initiator is not None and site_of(ctx.initiator) != site


def is_third_party(url: str, ctx: Context) -> bool:
    """A third-party context: the URL's site is not the top-level page's site."""
    return site_of(url) != site_of(ctx.top_level)


def _same_site_reason(cookie: Cookie, url: str, ctx: Context) -> str:
    """The SameSite rule for a request (or a response being stored): "" when it passes."""
    if not is_cross_site(url, ctx):
        return ""
    mode = cookie.effective_same_site
    if mode == NONE:
        return ""
    if mode == LAX and ctx.navigation:
        return ""  # a top-level navigation (GET) carries Lax cookies
    if mode == STRICT:
        return SAME_SITE_STRICT
    return SAME_SITE_LAX if cookie.same_site else SAME_SITE_UNSPECIFIED_LAX


def _credentials_reason(url: str, ctx: Context) -> str:
    if ctx.navigation or ctx.credentials == "include":
        return ""
    if ctx.credentials == "same-origin" and ctx.initiator and same_origin(ctx.initiator, origin_of(url)):
        return ""
    return CREDENTIALS_MODE


def _secure_url(url: str) -> bool:
    return urlsplit(url).scheme in ("https", "wss")


def store(header: str, url: str, ctx: Context) -> Decision:
    """What the browser does with ``Set-Cookie: header`` in the answer from ``url`` to a request
    made in ``ctx``: stored (``ok``; a partitioned cookie gets its top-level site) or refused."""
    cookie = parse_set_cookie(header, url)
    if reason := _credentials_reason(url, ctx):
        return Decision(cookie, False, reason)
    if cookie.secure and not _secure_url(url):
        return Decision(cookie, False, SECURE_ONLY)
    if cookie.same_site == NONE and not cookie.secure:
        return Decision(cookie, False, SAME_SITE_NONE_INSECURE)
    if cookie.partitioned and not cookie.secure:
        return Decision(cookie, False, PARTITIONED_INSECURE)
    if reason := _same_site_reason(cookie, url, ctx):
        return Decision(cookie, False, reason)
    if cookie.partitioned:
        return Decision(replace(cookie, partition=site_of(ctx.top_level)), True)
    if is_third_party(url, ctx) and not ctx.third_party_cookies:
        return Decision(cookie, False, THIRD_PARTY_BLOCKED)
    return Decision(cookie, True)


def send(cookie: Cookie, url: str, ctx: Context) -> Decision:
    """Whether ``cookie`` (as stored) goes with a request to ``url`` made in ``ctx``."""
    parts = urlsplit(url)
    if parts.hostname != cookie.host:
        return Decision(cookie, False, HOST_MISMATCH)
    path = parts.path or "/"
    if not (path == cookie.path or path.startswith(cookie.path.rstrip("/") + "/")):
        return Decision(cookie, False, NOT_ON_PATH)
    if reason := _credentials_reason(url, ctx):
        return Decision(cookie, False, reason)
    if cookie.secure and not _secure_url(url):
        return Decision(cookie, False, SECURE_ONLY)
    if reason := _same_site_reason(cookie, url, ctx):
        return Decision(cookie, False, reason)
    if cookie.partitioned:
        ok = cookie.partition == site_of(ctx.top_level)
        return Decision(cookie, ok, "" if ok else OTHER_PARTITION)
    if is_third_party(url, ctx) and not ctx.third_party_cookies:
        return Decision(cookie, False, THIRD_PARTY_BLOCKED)
    return Decision(cookie, True)


class Jar:
    """A browser's cookie store, enough for the lessons: ``set`` what a response says, ask what a
    request ``carries``. Cookies are keyed by (name, host, path, partition), like a browser's."""

    def __init__(self):
        self.cookies: dict[tuple, Cookie] = {}

    def set(self, header: str, url: str, ctx: Context) -> Decision:
        decision = store(header, url, ctx)
        if decision.ok:
            c = decision.cookie
            self.cookies[(c.name, c.host, c.path, c.partition)] = c
        return decision

    def decisions(self, url: str, ctx: Context) -> list[Decision]:
        """Every cookie of the jar and whether it goes with this request (and why not)."""
        return [send(c, url, ctx) for c in self.cookies.values()]

    def carries(self, url: str, ctx: Context) -> list[str]:
        """The names of the cookies the request carries, in the order they were stored."""
        return [d.cookie.name for d in self.decisions(url, ctx) if d.ok]
