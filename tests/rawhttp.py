"""One HTTP exchange with every response header line kept (duplicates too), for assertions.

``requests`` folds repeated headers into one value; a test that must see two
Access-Control-Allow-Origin *lines* needs the raw list.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]  # lower-cased names, in order, duplicates kept
    body: bytes

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name.lower()]

    def one(self, name: str) -> str | None:
        values = self.all(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    @property
    def acao(self) -> str | None:
        return self.one("access-control-allow-origin")

    def cors(self) -> dict[str, list[str]]:
        return {k: self.all(k) for k, _ in self.headers if k.startswith("access-control-")}


def send(method: str, url: str, headers: dict | list | None = None, body: bytes | str | None = None,
         timeout: float = 5) -> Reply:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        items = headers.items() if isinstance(headers, dict) else (headers or [])
        conn.putrequest(method, path, skip_accept_encoding=True)
        data = body.encode() if isinstance(body, str) else body
        for name, value in items:
            conn.putheader(name, value)
        if data is not None:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        resp = conn.getresponse()
        return Reply(resp.status, [(k.lower(), v) for k, v in resp.msg.items()], resp.read())
    finally:
        conn.close()


def preflight(url: str, origin: str, method: str = "PUT", request_headers: str | None = None) -> Reply:
    """The OPTIONS request a browser sends before a non-simple request (no cookies)."""
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    return send("OPTIONS", url, headers)
