"""Two rules a browser applies *before* CORS, that a console line can make look like CORS:
mixed content, and Local Network Access (LNA, 로컬 네트워크 접근).

Mixed content (W3C Mixed Content, section 4.4 "should fetching request be blocked"; Chromium's
``MixedContentChecker``): a page loaded over HTTPS may not fetch() an ``http://`` URL; the request
never leaves the browser. ``localhost``, names under ``.localhost`` and loopback addresses are
potentially trustworthy (Secure Contexts 3.2), so an HTTPS page calling ``http://localhost:8081``
is *not* mixed content - only a name that is not loopback is (the lab maps one with Chromium's
``--host-resolver-rules``).

Local Network Access (WICG Local Network Access, Chrome 142+; it replaced Private Network Access:
no more preflight with ``Access-Control-Request-Private-Network``, and
``Access-Control-Allow-Private-Network`` does nothing): every IP address belongs to an address
space - ``loopback`` (127.0.0.0/8, ::1), ``local`` (private, link-local and unique-local ranges)
or ``public``. A page whose server is in a *more public* space than the target needs the user's
permission ("Apps on device" / "Local network" prompt). Without it - denied, or headless Chromium,
which denies at once when nothing is set - the request is refused before anything reaches the
server, not even a preflight; the server can do nothing about it. ``fetch(url,
{targetAddressSpace: 'loopback'})`` says in advance where the request goes: then an ``http://``
local URL from an HTTPS page is allowed past mixed content (a warning remains) and asks for the
permission, and a wrong guess is refused.

Chromium's console lines, byte for byte (measured in Chromium 156; the CORS ones come from
``third_party/blink/renderer/platform/loader/cors/cors_error_string.cc``) are the functions
``mixed_content_blocked``, ``permission_denied`` and ``address_space_mismatch``. Everything here is
checked in Chromium by tests/browser/test_https_mixed_lna.py.

Pure Python: no network, no I/O (see :mod:`corslab.fetch`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from corslab.errors import CorsLabError

LOOPBACK, LOCAL, PUBLIC = "loopback", "local", "public"
SPACES = (LOOPBACK, LOCAL, PUBLIC)  # from the most private to the most public
PERMISSIONS = ("granted", "denied", "ask")  # "ask": nobody answered (headless Chromium denies)

CORS_PREFIX = "Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS policy: "


def mixed_content_blocked(page: str, url: str) -> str:
    """The console line of a fetch() blocked as mixed content (Chromium 156)."""
    return (f"Mixed Content: The page at '{page}' was loaded over HTTPS, but requested an insecure "
            f"resource '{url}'. This request has been blocked; the content must be served over HTTPS.")


def mixed_content_warning(page: str, url: str) -> str:
    """The console line when an LNA fetch (``targetAddressSpace``) may load http content."""
    return (f"Mixed Content: The page at '{page}' was loaded over HTTPS, but requested an insecure "
            f"resource '{url}'. This content should also be served over HTTPS.")


def permission_denied(space: str) -> str:
    """The CORS reason of an LNA request the user (or headless Chromium) did not allow."""
    return f"Permission was denied for this request to access the `{space}` address space."


def address_space_mismatch(declared: str, actual: str) -> str:
    """The CORS reason when ``targetAddressSpace`` names another space than the server's."""
    return (f"Request had a target IP address space of `{declared}` yet the resource is in "
            f"address space `{actual}`.")


def address_space(address: str) -> str:
    """The address space of an IP address (LNA section 2.1; IPv4-mapped IPv6 as its IPv4)."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        raise CorsLabError(f"{address!r} is not an IP address; give one such as 127.0.0.1, "
                           "192.168.1.10 or ::1") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return LOOPBACK
    if ip.is_private or ip.is_link_local or ip in ipaddress.ip_network("100.64.0.0/10"):
        return LOCAL
    return PUBLIC


def is_loopback_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


def potentially_trustworthy(url: str) -> bool:
    """Secure Contexts 3.2: https/wss, or a loopback host (``localhost``, ``*.localhost``, 127/8, ::1)."""
    parts = urlsplit(url)
    if parts.scheme in ("https", "wss"):
        return True
    host = parts.hostname or ""
    if is_loopback_name(host):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _more_public(a: str, b: str) -> bool:
    return SPACES.index(a) > SPACES.index(b)


@dataclass(frozen=True)
class Verdict:
    """What happens to the request before CORS: ``stage`` is "" (it goes on to the network and to
    CORS as usual), "mixed-content" or "lna" (refused in the browser: nothing reaches the server).
    ``console`` is the line Chromium prints (the CORS line's reason for "lna")."""

    stage: str
    console: str = ""
    warning: str = ""

    @property
    def reaches_server(self) -> bool:
        return not self.stage


def decide(page: str, url: str, *, page_space: str = LOOPBACK, target_space: str = LOOPBACK,
           permission: str = "ask", target_address_space: str | None = None) -> Verdict:
    """The verdict for ``fetch(url)`` from the page at URL ``page``.

    ``page_space``: the address space of the server that served the page (``public`` where
    Chromium is told so by ``--ip-address-space-overrides``); ``target_space``: that of the
    server ``url`` resolves to; ``permission``: the page's Local Network Access permission;
    ``target_address_space``: fetch()'s option of that name, if given."""
    for name, value, allowed in (("page_space", page_space, SPACES), ("target_space", target_space, SPACES),
                                 ("permission", permission, PERMISSIONS)):
        if value not in allowed:
            raise CorsLabError(f"{name}={value!r}: use one of {', '.join(allowed)}")
    if target_address_space is not None and target_address_space not in (LOCAL, LOOPBACK):
        raise CorsLabError(f"targetAddressSpace={target_address_space!r}: fetch() takes 'local' or 'loopback'")
    warning = ""
    page_secure = urlsplit(page).scheme == "https"
    if page_secure and not potentially_trustworthy(url):
        if target_address_space is None:
            return Verdict("mixed-content", mixed_content_blocked(page, url))
        warning = mixed_content_warning(page, url)
    if target_address_space is not None and target_address_space != target_space:
        return Verdict("lna", address_space_mismatch(target_address_space, target_space), warning)
    if _more_public(page_space, target_space) and permission != "granted":
        return Verdict("lna", permission_denied(target_space), warning)
    return Verdict("", "", warning)
