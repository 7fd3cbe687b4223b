"""Where a lab runs: its host names (the story's origins) and its own ports.

The labs tell the story of one company, ``example.test`` (``.test`` is reserved for testing,
RFC 2606, so no real site is ever reached):

    http://app.example.test      the company's web app - trusted
    http://admin.example.test    its admin app - trusted too
    http://api.example.test:P    the API the lab protects (P: a lab port, below)
    http://forum.example.test    the community forum where anyone can post HTML: same site as
                                 the API (so the victim's SameSite=Lax cookie travels with its
                                 requests) but another origin, and not trusted
    http://evil.test             an attacker's site: another site altogether

The origins are fixed strings, so the learner's configs never depend on a port. In Chromium every
one of these names resolves to 127.0.0.1 (``--host-resolver-rules``) and the pages themselves are
served by the checker, not by a server; only the API and what stands in front of it listen.

Ports: a lab never uses the stack's ports. Its range is the stack's lowest port (from
``corslab.stack.topology``, so ``CORSLAB_PORT_OFFSET`` shifts it too) plus ``LAB_SHIFT``; ``lab start``
uses the first block, ``lab check`` the next (so a check runs while you keep a lab started).
"""

from __future__ import annotations

from corslab.stack import topology

APP_ORIGIN = "http://app.example.test"
ADMIN_ORIGIN = "http://admin.example.test"
FORUM_ORIGIN = "http://forum.example.test"
EVIL_ORIGIN = "http://evil.test"
API_HOST = "api.example.test"
TRUSTED_ORIGINS = (APP_ORIGIN, ADMIN_ORIGIN)

#: Named page origins a check may start from.
PAGES = {"app": APP_ORIGIN, "admin": ADMIN_ORIGIN, "forum": FORUM_ORIGIN, "evil": EVIL_ORIGIN}

LAB_SHIFT = 10000  # 3000 -> 13000: far from every stack port
BLOCK = 10  # ports per block: backend, component, spare


def base_port() -> int:
    return min(topology.all_ports()) + LAB_SHIFT


def ports(block: str = "check") -> tuple[int, int]:
    """(backend port, component port) of a block: "start" or "check"."""
    first = base_port() + BLOCK * {"start": 0, "check": 1}[block]
    return first, first + 1


def api_url(port: int) -> str:
    """The API's URL as a page in the story fetches it."""
    return f"http://{API_HOST}:{port}"
