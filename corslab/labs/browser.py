"""Run a lab's check in real Chromium: a page at the story's origin calls fetch() on the API.

The page documents are served through the DevTools protocol (``Fetch.fulfillRequest`` for
documents only), so ``http://app.example.test`` needs no server - and not Playwright's
``route()``, which would answer every CORS preflight itself; every host name resolves to 127.0.0.1 (``--host-resolver-rules``), so the
fetch() itself goes over the wire to the lab's real nginx / emulator / Flask. What the page's
JavaScript got - the body, or the ``TypeError`` - is the outcome; the reason is Chromium's own
console line "... has been blocked by CORS policy: <reason>".

Private Network Access / Local Network Access checks are switched off: in the lab a "public"
page (served by Playwright, no IP address) calls a loopback API, which Chromium would otherwise
refuse or ask permission for - a protection for real networks that is not the subject here.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from corslab.errors import CorsLabError
from corslab.labs import backend, hosts

CHROMIUM = os.environ.get("CORSLAB_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
    "--host-resolver-rules=MAP * 127.0.0.1",
    "--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,"
    "PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks",
]
BLOCKED_MARK = "has been blocked by CORS policy: "
PAGE = "<!doctype html><html><head><title>{origin}</title></head><body>{origin}</body></html>"

FETCH_JS = """async (a) => {
  const options = {method: a.method, headers: a.headers, credentials: a.credentials, cache: 'no-store'};
  if (a.body !== null) options.body = a.body;
  if (!a.sandbox) {
    try { const r = await fetch(a.url, options); return {status: r.status, body: await r.text()}; }
    catch (e) { return {error: String(e)}; }
  }
  // Origin "null": a sandboxed iframe (no allow-same-origin) runs the same fetch and posts back.
  return await new Promise((resolve) => {
    const frame = document.createElement('iframe');
    frame.sandbox = 'allow-scripts';
    window.addEventListener('message', (e) => { if (e.source === frame.contentWindow) resolve(e.data); });
    frame.srcdoc = '<script>fetch(' + JSON.stringify(a.url) + ',' + JSON.stringify(options) + ')' +
      '.then(async r => parent.postMessage({status: r.status, body: await r.text()}, "*"))' +
      '.catch(e => parent.postMessage({error: String(e)}, "*"))<\\/script>';
    document.body.appendChild(frame);
  });
}"""


@dataclass
class Outcome:
    """What the page's JavaScript got from one fetch()."""

    readable: bool
    status: int | None
    body: str
    error: str | None
    reason: str | None  # Chromium's words after "blocked by CORS policy:", or its console line


class LabBrowser:
    """One Chromium for a whole check (or a whole test session: pass ``browser``)."""

    def __init__(self, browser=None):
        self._own = None
        self.browser = browser
        self._contexts: dict[bool, tuple] = {}

    def __enter__(self):
        if self.browser is None:
            self.browser = launch_owned(self)
        return self

    def __exit__(self, *exc):
        for context, _pages, _console in self._contexts.values():
            context.close()
        self._contexts.clear()
        if self._own is not None:
            self.browser.close()
            self._own.stop()

    def _context(self, login: bool):
        if login not in self._contexts:
            context = self.browser.new_context()
            if login:
                context.add_cookies([{"name": backend.SESSION_COOKIE, "value": backend.VICTIM_SESSION,
                                      "domain": hosts.API_HOST, "path": "/", "httpOnly": True,
                                      "sameSite": "Lax"}])

            self._contexts[login] = (context, {}, [])
        return self._contexts[login]

    def page(self, origin: str, login: bool):
        context, pages, console = self._context(login)
        if origin not in pages:
            page = context.new_page()
            page.on("console", lambda msg: console.append(msg.text))
            cdp = context.new_cdp_session(page)

            def serve_page(event):
                url = urlsplit(event["request"]["url"])
                body = PAGE.format(origin=f"{url.scheme}://{url.netloc}").encode()
                cdp.send("Fetch.fulfillRequest", {
                    "requestId": event["requestId"], "responseCode": 200,
                    "responseHeaders": [{"name": "Content-Type", "value": "text/html"}],
                    "body": base64.b64encode(body).decode()})

            cdp.on("Fetch.requestPaused", serve_page)
            cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "resourceType": "Document"}]})
            page.goto(origin + "/")
            pages[origin] = page
        return pages[origin], console

    def fetch(self, check, api_url: str) -> Outcome:
        page, console = self.page(check.page_origin, check.login)
        mark = len(console)
        args = {"url": api_url + check.path, "method": check.method, "headers": [list(h) for h in check.headers],
                "credentials": check.credentials, "body": check.body, "sandbox": check.sandbox}
        result = page.evaluate(FETCH_JS, args)
        reason = None
        if "error" in result:
            for _ in range(100):  # the console line arrives apart from the promise
                reason = _reason(console[mark:])
                if reason:
                    break
                page.wait_for_timeout(10)
        return Outcome(readable="error" not in result, status=result.get("status"),
                       body=result.get("body", ""), error=result.get("error"), reason=reason)


def launch_owned(holder: LabBrowser):
    if not os.access(CHROMIUM, os.X_OK):
        raise CorsLabError(f"the checks run in Chromium, which is not at {CHROMIUM}; install it "
                           "(Debian: apt-get install chromium) or set CORSLAB_CHROMIUM")
    from playwright.sync_api import sync_playwright

    holder._own = sync_playwright().start()
    return holder._own.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)


def _reason(lines: list[str]) -> str | None:
    for text in lines:
        if BLOCKED_MARK in text:
            return text.split(BLOCKED_MARK, 1)[1]
    for text in lines:
        if text.startswith(("Access to fetch", "Fetch API")):
            return text
    return None


def describe(body: str, limit: int = 160) -> str:
    """A body as one short line (JSON compacted)."""
    try:
        body = json.dumps(json.loads(body), separators=(",", ":"))
    except ValueError:
        pass
    body = " ".join(body.split())
    return body if len(body) <= limit else body[: limit - 1] + "…"
