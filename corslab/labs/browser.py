"""Run a lab's check in real Chromium: a page at the story's origin calls fetch() on the API.

The page documents are served through the DevTools protocol (``Fetch.fulfillRequest`` for
documents only), so ``http://app.example.test`` needs no server - and not Playwright's
``route()``, which would answer every CORS preflight itself; every host name resolves to 127.0.0.1 (``--host-resolver-rules``), so the
fetch() itself goes over the wire to the lab's real nginx / emulator / Flask. What the page's
JavaScript got - the body, or the ``TypeError`` - is the outcome; the reason is Chromium's own
console line "... has been blocked by CORS policy: <reason>".

Chromium is found and launched by :mod:`corslab.probing.chromium` (:data:`LAB_ARGS` on top of its base
flags); when the check owns its browser, Playwright runs in a thread of its own, so a check works
from a notebook cell (inside the kernel's asyncio loop) as from the command line.

Private Network Access / Local Network Access checks are switched off: in the lab a "public"
page (served by Playwright, no IP address) calls a loopback API, which Chromium would otherwise
refuse or ask permission for - a protection for real networks that is not the subject here.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from corslab.probing import chromium
from corslab.errors import CorsLabError
from corslab.labs import backend, hosts

LAB_ARGS = (  # on top of corslab.probing.chromium.BASE_ARGS
    "--host-resolver-rules=MAP * 127.0.0.1",
    "--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,"
    "PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks",
)
BLOCKED_MARK = "has been blocked by CORS policy: "
PAGE = "<!doctype html><html><head><title>{origin}</title></head><body>{origin}</body></html>"

FETCH_TIMEOUT = 10.0  # seconds a page waits for the API: a loop in a handler is a failure, not a hang
BODY_LIMIT = 64 * 1024  # characters of an answer the page keeps: enough to see a leaked secret
FETCH_JS = """async (a) => {
  // The page reads at most a.limit characters of the answer, then cancels the rest.
  async function readCapped(r, limit) {
    if (!r.body) return '';
    const reader = r.body.getReader(), decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const {done, value} = await reader.read();
      if (done) return text + decoder.decode();
      text += decoder.decode(value, {stream: true});
      if (text.length > limit) { reader.cancel(); return text.slice(0, limit); }
    }
  }
  const options = {method: a.method, headers: a.headers, credentials: a.credentials, cache: 'no-store'};
  if (a.body !== null) options.body = a.body;
  if (!a.sandbox) {
    options.signal = AbortSignal.timeout(a.timeout);
    try { const r = await fetch(a.url, options); return {status: r.status, body: await readCapped(r, a.limit)}; }
    catch (e) { return {error: String(e)}; }
  }
  // Origin "null": a sandboxed iframe (no allow-same-origin) runs the same fetch and posts back.
  return await new Promise((resolve) => {
    const frame = document.createElement('iframe');
    frame.sandbox = 'allow-scripts';
    window.addEventListener('message', (e) => { if (e.source === frame.contentWindow) resolve(e.data); });
    frame.srcdoc = '<script>' + readCapped.toString() + ';fetch(' + JSON.stringify(a.url) + ',Object.assign(' +
      JSON.stringify(options) + ',{signal: AbortSignal.timeout(' + a.timeout + ')}))' +
      '.then(async r => parent.postMessage({status: r.status, body: await readCapped(r, ' + a.limit + ')}, "*"))' +
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

    @property
    def timed_out(self) -> bool:
        """The API did not answer within FETCH_TIMEOUT (fetch() aborted): nothing to judge."""
        return bool(self.error) and "TimeoutError" in self.error


class LabBrowser:
    """One Chromium for a whole check (or a whole test session: pass ``browser``, launched with
    :func:`launch` in the caller's thread, which then drives it).

    Without ``browser`` it launches its own in a :class:`corslab.probing.chromium.Driver` thread and does
    all its Playwright work there, so it can be used from any thread, a Jupyter kernel's included.
    """

    def __init__(self, browser=None):
        self._driver = None
        self.browser = browser
        self._context = None  # one fresh profile per check: no preflight cache carried over
        self._logged_in: bool | None = None
        self._pages: dict[str, object] = {}
        self.console: list[str] = []

    def __enter__(self):
        if self.browser is None:
            reason = chromium.unavailable()
            if reason:
                raise CorsLabError(f"the checks run in Chromium: {reason} - or add --model to let "
                                   "corslab's model decide without a browser")
            self._driver = chromium.Driver()
            try:
                self.browser = self._driver.launch(LAB_ARGS)
            except BaseException:
                self._driver.close()
                raise
        return self

    def __exit__(self, *exc):
        try:
            if self._context is not None:
                self._call(self._context.close)
        finally:
            if self._driver is not None:
                self._driver.close()  # stops Playwright and the browser it launched

    def _call(self, fn, *args):
        """Run ``fn`` in the thread that drives this browser."""
        return self._driver.call(fn, *args) if self._driver is not None else fn(*args)

    def _login(self, login: bool) -> None:
        """Ada is logged in (her session cookie is in the profile) - or her session expired."""
        if self._context is None:
            self._context = self.browser.new_context()
        if login == self._logged_in:
            return
        if login:
            self._context.add_cookies([{"name": backend.SESSION_COOKIE, "value": backend.VICTIM_SESSION,
                                        "domain": hosts.API_HOST, "path": "/", "httpOnly": True,
                                        "sameSite": "Lax"}])
        else:
            self._context.clear_cookies()
        self._logged_in = login

    def page(self, origin: str):
        """The page at ``origin`` (opened on first use; its document is served over CDP)."""
        if origin not in self._pages:
            page = self._context.new_page()
            page.on("console", lambda msg: self.console.append(msg.text))
            cdp = self._context.new_cdp_session(page)

            def serve_page(event):
                url = urlsplit(event["request"]["url"])
                body = PAGE.format(origin=f"{url.scheme}://{url.netloc}").encode()
                cdp.send("Fetch.fulfillRequest", {
                    "requestId": event["requestId"], "responseCode": 200,
                    "responseHeaders": [{"name": "Content-Type", "value": "text/html"}],
                    "body": base64.b64encode(body).decode()})

            cdp.on("Fetch.requestPaused", serve_page)
            cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "resourceType": "Document"}]})
            page.goto(origin + "/", wait_until="commit")
            self._pages[origin] = page
        return self._pages[origin]

    def fetch(self, check, api_url: str) -> Outcome:
        return self._call(self._fetch, check, api_url)

    def _fetch(self, check, api_url: str) -> Outcome:
        self._login(check.login)
        page, console = self.page(check.page_origin), self.console
        mark = len(console)
        args = {"url": api_url + check.path, "method": check.method, "headers": [list(h) for h in check.headers],
                "credentials": check.credentials, "body": check.body, "sandbox": check.sandbox,
                "timeout": int(FETCH_TIMEOUT * 1000), "limit": BODY_LIMIT}
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


def launch(playwright):
    """A Chromium for lab checks (base flags + :data:`LAB_ARGS`) from the caller's sync Playwright."""
    return chromium.launch(playwright, LAB_ARGS)


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
