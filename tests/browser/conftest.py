"""Browser tests: real fetch() in the system Chromium, driven by Playwright, against the real stack.

What Chromium did is learned without touching the traffic (``page.route`` would add its own CORS
headers, and Playwright's request events do not show preflights):
  * the outcome - the result of ``window.corslab.run`` on the playground page (servers/static);
  * the reason - the console message "... has been blocked by CORS policy: <reason>";
  * the preflight - DevTools protocol network events (a preflight is a request whose initiator type
    is "preflight"), cross-checked with the backend's own log ``/_lab/seen``, since a preflight that
    a proxy answers never reaches the backend.

One browser per session, one page per origin, reused by every test.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import pytest

from corslab.probing import chromium
from corslab.stack import topology

BLOCKED_MARK = "has been blocked by CORS policy: "
PLAYGROUND = "/playground.html"
# What the playground's run() reports when the request failed on the network or by CORS (fetch()'s
# rejection, or an XMLHttpRequest's error event), as opposed to a call that threw on its arguments.
NETWORK_FAILURES = ("TypeError: Failed to fetch", "NetworkError: the XMLHttpRequest failed (its error event)")
# Console lines of a request Blink refuses before (or, for a redirect, instead of) the network.
REFUSED_MARKS = ("Fetch API cannot load", "Unsafe attempt to load URL")

# ---- parity figures, printed at the end of the run ----------------------------------------------

class Parity:
    """Agreement between the model and Chromium per dimension (allowed, preflight, exposed, reason,
    wire, cache), printed as "parity: allowed 150/150, ..." at the end of the run."""

    def __init__(self):
        self.figures: dict[str, list[int]] = {}  # dimension -> [agree, total]
        self.disagreements: list[str] = []

    def count(self, dimension: str, agree: bool, detail: str = "") -> None:
        agreed, total = self.figures.setdefault(dimension, [0, 0])
        self.figures[dimension] = [agreed + agree, total + 1]
        if not agree:
            self.disagreements.append(f"{dimension}: {detail}")

    def summary(self) -> str:
        return "parity: " + ", ".join(f"{d} {a}/{t}" for d, (a, t) in self.figures.items())


PARITY = Parity()


@pytest.fixture(scope="session")
def parity() -> Parity:
    return PARITY


def pytest_terminal_summary(terminalreporter):
    if not PARITY.figures:
        return
    terminalreporter.write_sep("=", "model vs Chromium")
    terminalreporter.write_line(PARITY.summary())
    for line in PARITY.disagreements:
        terminalreporter.write_line(f"  disagreement - {line}")


# ---- the browser --------------------------------------------------------------------------------

def launch(playwright):
    """Chromium as corslab launches it (corslab.probing.chromium), from the session's Playwright; a missing
    Chromium fails the test with corslab's one-line reason (install it - not `playwright install`)."""
    reason = chromium.unavailable()
    if reason:
        pytest.fail(f"the browser tests drive the system Chromium: {reason}")
    return chromium.launch(playwright)


@pytest.fixture(scope="package")
def browser(playwright):
    browser = launch(playwright)
    yield browser
    browser.close()


@dataclass
class Observation:
    """What Chromium did with one fetch()."""

    result: dict  # window.corslab.run's answer: ok, status, type, headers, body, error
    console: list[str]  # console messages that mention the URL
    preflights: int  # preflight requests Chromium sent for the URL (DevTools protocol)
    cors_error: dict | None = None  # DevTools' corsErrorStatus for the URL, for diagnostics
    net_error: str | None = None  # DevTools' errorText of a failed load (net::ERR_...)

    @property
    def readable(self) -> bool:
        """Could page JavaScript read the response? (An opaque no-cors answer is not readable.)"""
        return self.result["error"] is None and self.result["type"] in ("basic", "cors")

    @property
    def failed(self) -> bool:
        """fetch() rejected (a blocked or refused request; an opaque answer is not a failure)."""
        return self.result["error"] is not None

    @property
    def reason(self) -> str | None:
        """Chromium's words for a failure, in the model's terms (its ``reason``).

        A CORS refusal: the text after "has been blocked by CORS policy: ". A request Blink refuses
        before the network (e.g. mode "same-origin"): its console line. fetch() throwing at once
        (e.g. a body on GET): the TypeError's message, the only text there is.
        """
        for text in self.console:
            if BLOCKED_MARK in text:
                return text.split(BLOCKED_MARK, 1)[1]
        for text in self.console:
            if text.startswith(REFUSED_MARKS):
                return text
        error = self.result["error"]
        if error and error not in NETWORK_FAILURES:
            return error.split(": ", 1)[1]  # TypeError / SyntaxError / SecurityError: the message
        if self.net_error and self.net_error != "net::ERR_FAILED":
            # A network error, not a CORS one: the console's "Failed to load resource: net::..."
            # (which names no URL, so it is read from DevTools instead).
            return self.net_error
        return None

    @property
    def header_names(self) -> set[str]:
        return {name.lower() for name, _ in self.result["headers"]}


@dataclass
class OriginPage:
    """The playground page of one origin, with its console and network events recorded."""

    origin: str
    page: object
    console: list[str] = field(default_factory=list)
    preflight_urls: list[str] = field(default_factory=list)
    cors_errors: list[tuple[str, dict]] = field(default_factory=list)  # (url, corsErrorStatus)
    net_errors: list[tuple[str, str]] = field(default_factory=list)  # (url, errorText)
    finished: list[str] = field(default_factory=list)  # first URLs of requests that are done
    _urls: dict = field(default_factory=dict)  # requestId -> url
    _last: tuple = (0, "")  # (preflight mark, key) of the last fetch

    def fetch(self, url: str, key: str, method="GET", headers=(), credentials="same-origin",
              mode="cors", body=None, cache="default", **more) -> Observation:
        """Run fetch(url) on this page; ``key`` (the case's trace) finds its console and network
        events among those that arrive from now on (a URL may be fetched twice: the cache tests).
        ``more``: the model's request options (api, body_kind, blob_type, upload_listener,
        referrer, referrer_policy), handed to the playground's run() under its names."""
        marks = (len(self.console), len(self.preflight_urls), len(self.cors_errors), len(self.finished),
                 len(self.net_errors))
        args = {"url": url, "method": method, "headers": [list(h) for h in headers],
                "credentials": credentials, "mode": mode, "body": body, "cache": cache}
        names = {"api": "api", "body_kind": "bodyKind", "blob_type": "blobType",
                 "upload_listener": "uploadListener", "referrer": "referrer",
                 "referrer_policy": "referrerPolicy"}
        args.update({names[k]: v for k, v in more.items() if v is not None})
        result = self.page.evaluate("args => window.corslab.run(args)", args)

        def since(events, mark, text=lambda e: e):
            return [e for e in events[mark:] if key in text(e)]

        # Console and DevTools events travel apart from the promise: wait (briefly) for the console
        # line of a failure, and for the request's last network event - DevTools reports a preflight
        # before that, so once it is here the preflight count is final. A TypeError thrown at once
        # (a body on GET...) has neither; a request Blink refuses up front has only its console line.
        def settled() -> bool:
            lines = since(self.console, marks[0])
            if any(line.startswith("Fetch API cannot load") for line in lines):
                return True  # refused before the network: there will be no network events
            return bool(lines or not result["error"]) and bool(since(self.finished, marks[3]))

        if result["error"] is None or result["error"] in NETWORK_FAILURES:
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline and not settled():
                self.page.wait_for_timeout(10)
        self._last = (marks[1], key)
        errors = since(self.cors_errors, marks[2], text=lambda e: e[0])
        net_errors = since(self.net_errors, marks[4], text=lambda e: e[0])
        return Observation(
            result=result,
            console=since(self.console, marks[0]),
            preflights=len(since(self.preflight_urls, marks[1])),
            cors_error=errors[0][1] if errors else None,
            net_error=net_errors[0][1] if net_errors else None,
        )

    def recount_preflights(self, wait_ms: int = 500) -> int:
        """The last fetch's preflights, counted again after ``wait_ms``: DevTools now and then
        reports a preflight after the request it belongs to has finished."""
        self.page.wait_for_timeout(wait_ms)
        mark, key = self._last
        return len([u for u in self.preflight_urls[mark:] if key in u])

    # DevTools protocol listeners
    def _on_request(self, event):
        url = event["request"]["url"]
        if event.get("initiator", {}).get("type") == "preflight":
            self.preflight_urls.append(url)
        else:
            self._urls.setdefault(event["requestId"], url)  # a redirect keeps its first URL

    def _on_finished(self, event):
        if event["requestId"] in self._urls:
            self.finished.append(self._urls[event["requestId"]])

    def _on_failed(self, event):
        url = self._urls.get(event["requestId"])
        if url and event.get("corsErrorStatus"):
            self.cors_errors.append((url, event["corsErrorStatus"]))
        if url and event.get("errorText"):
            self.net_errors.append((url, event["errorText"]))
        self._on_finished(event)


class Pages:
    """One playground page per origin, opened on first use and reused."""

    def __init__(self, context):
        self.context = context
        self._pages: dict[str, OriginPage] = {}

    def at(self, origin: str) -> OriginPage:
        if origin not in self._pages:
            page = self.context.new_page()
            op = OriginPage(origin, page)
            page.on("console", lambda msg: op.console.append(msg.text))
            cdp = self.context.new_cdp_session(page)
            cdp.on("Network.requestWillBeSent", op._on_request)
            cdp.on("Network.loadingFailed", op._on_failed)
            cdp.on("Network.loadingFinished", op._on_finished)
            cdp.send("Network.enable")
            page.goto(origin + PLAYGROUND)
            page.evaluate("window.corslab.ready")
            self._pages[origin] = op
        return self._pages[origin]


@pytest.fixture(scope="package")
def browser_context(browser, stack):
    """One browser profile for the session, against the running stack (tests/conftest.py)."""
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture(scope="package")
def pages(browser_context) -> Pages:
    return Pages(browser_context)


@pytest.fixture(scope="package")
def logged_in(browser_context) -> dict[str, str]:
    """Log in to the API once, so credentialed requests carry a session cookie; returns the cookies.

    The cookie belongs to the host ``localhost`` (cookies ignore ports), so every localhost service
    receives it, and Chromium sends it along with same-site requests such as localhost:3000 -> :8081.
    """
    api = topology.SERVICES["api"].origin
    answer = browser_context.request.post(api + "/v1/login", data=json.dumps({"username": "ada"}),
                                          headers={"Content-Type": "application/json"})
    assert answer.ok, f"login failed: {answer.status} {answer.text()}"
    return {c["name"]: c["value"] for c in browser_context.cookies(api)}
