"""The lab's CORS policy: the same for every method, so the methods compare side by side.

Each method states this policy in its own product's format (nginx map, flask-cors arguments,
Ingress annotations, kong.yml, ...); tests check that every one of them agrees with this module.
"""

from __future__ import annotations

from corslab.stack.topology import ADMIN_ORIGIN, APP_ORIGIN

#: Exact, anchored allowlist: an origin is allowed only if it equals one of these strings.
ALLOWED_ORIGINS: tuple[str, ...] = (APP_ORIGIN, ADMIN_ORIGIN)
ALLOWED_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "DELETE")
ALLOWED_HEADERS: tuple[str, ...] = ("Content-Type", "Authorization", "X-Trace-Id")
EXPOSED_HEADERS: tuple[str, ...] = ("X-Request-Id",)
ALLOW_CREDENTIALS: bool = True
MAX_AGE: int = 600  # seconds a browser may cache the preflight answer


def is_allowed_origin(origin: str | None) -> bool:
    """Exact string match, as a browser compares ACAO with its Origin (case and port included)."""
    return origin in ALLOWED_ORIGINS


def header_list(values: tuple[str, ...]) -> str:
    """The comma-separated form used in Access-Control-Allow-* headers."""
    return ", ".join(values)
