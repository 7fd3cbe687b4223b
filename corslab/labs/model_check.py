"""The same checks without a browser: corslab's model (``corslab.probing.probe``) decides instead.

``lab check NAME --model`` uses it where Chromium is not installed, and the tests use it to show
that the model's reason is Chromium's console text for every check of every lab. The probe sends
what the page's fetch() would send (the preflight, then the request, with Ada's cookie when the
model says it travels) to the same lab component; the story's host names resolve to 127.0.0.1
here as they do in the checker's Chromium (``--host-resolver-rules``).
"""

from __future__ import annotations

import contextlib
import socket

from corslab.errors import CorsLabError
from corslab.labs import backend
from corslab.labs.browser import Outcome

STORY_SUFFIX = ".test"  # app.example.test, api.example.test, evil.test, ...


@contextlib.contextmanager
def story_hosts():
    """Resolve the story's ``.test`` host names to 127.0.0.1 in this process, for the block."""
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if isinstance(host, str) and host.rstrip(".").endswith(STORY_SUFFIX):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    socket.getaddrinfo = resolve
    try:
        yield
    finally:
        socket.getaddrinfo = real


class ModelBrowser:
    """Quacks like LabBrowser: ``fetch(check, api_url) -> Outcome``, decided by the model."""

    def __enter__(self):
        self._hosts = story_hosts()
        self._hosts.__enter__()
        return self

    def __exit__(self, *exc):
        self._hosts.__exit__(*exc)

    def fetch(self, check, api_url: str) -> Outcome:
        from corslab.probing.probe import probe

        cookies = {backend.SESSION_COOKIE: backend.VICTIM_SESSION} if check.login else None
        from corslab.labs.browser import FETCH_TIMEOUT

        try:
            result = probe(api_url + check.path, check.origin, check.method, list(check.headers),
                           check.credentials, "cors", check.body, timeout=FETCH_TIMEOUT, cookies=cookies)
        except CorsLabError as exc:
            if "did not answer" not in str(exc) and "took longer" not in str(exc):
                raise
            return Outcome(readable=False, status=None, body="", error="TimeoutError: signal timed out",
                           reason=None)
        readable = result.allowed and not result.opaque
        last = result.exchanges[-1] if result.exchanges else None
        return Outcome(readable=readable, status=last.status if (readable and last) else None,
                       body=last.body if (readable and last) else "",
                       error=None if readable else "TypeError: Failed to fetch",
                       reason=None if readable else result.reason)
