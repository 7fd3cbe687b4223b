"""Run a scenario in real headless Chromium, from the lab page of its origin.

    from corslab.probing.browser import run
    seen = run(Scenario("cors-proxy", method="PUT", headers={"Content-Type": "application/json"}))
    seen.outcome, seen.console, seen.preflights

The page is the playground of the scenario's page origin (served by the stack's pages server), so
the request really is cross-origin; Chromium's own console line is recorded. Needs Playwright
(the Python package) and a system Chromium; :func:`unavailable` says in one line what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corslab.probing.chromium import unavailable  # noqa: F401  (the widgets ask corslab.probing.browser)
from corslab.errors import CorsLabError

BLOCKED_MARK = "has been blocked by CORS policy: "
PLAYGROUND = "/playground.html"
# The playground's run(): a failure on the network or by CORS (fetch()'s rejection, an
# XMLHttpRequest's error event), as opposed to a call that threw on its arguments.
NETWORK_FAILURES = ("TypeError: Failed to fetch", "NetworkError: the XMLHttpRequest failed (its error event)")
# Console lines of a request Blink refuses before (or, redirected, instead of) the network.
REFUSED_MARKS = ("Fetch API cannot load", "Unsafe attempt to load URL")


@dataclass
class BrowserOutcome:
    """What Chromium did with one fetch()."""

    result: dict  # ok, status, type, headers, body, error (the playground's window.corslab.run)
    console: list[str] = field(default_factory=list)
    preflights: int = 0

    @property
    def readable(self) -> bool:
        return self.result.get("error") is None and self.result.get("type") in ("basic", "cors")

    @property
    def outcome(self) -> str:
        """In the words of the model's verdicts: allowed | opaque | blocked | refused before
        sending | network error."""
        error = self.result.get("error")
        if error is None:
            return "opaque" if self.result.get("type") == "opaque" else "allowed"
        if error not in NETWORK_FAILURES:
            return "refused before sending"  # fetch() threw on its arguments: nothing was sent
        if any(text.startswith(REFUSED_MARKS) for text in self.console):
            return "refused before sending"
        if any(BLOCKED_MARK in text for text in self.console):
            return "blocked"
        return "network error"

    @property
    def reason(self) -> str | None:
        """The text after "has been blocked by CORS policy: " (the model's ``reason``), if any."""
        line = self.console_line or ""
        return line.split(BLOCKED_MARK, 1)[1] if BLOCKED_MARK in line else None

    @property
    def console_line(self) -> str | None:
        """Chromium's own words about this request (the CORS line when there is one)."""
        for text in self.console:
            if BLOCKED_MARK in text or text.startswith(REFUSED_MARKS):
                return text
        return self.result.get("error")


def run(scenario, timeout: float = 15.0) -> BrowserOutcome:
    """Run ``scenario`` (a corslab.widgets.Scenario) in headless Chromium; see the module doc.

    Works from a Jupyter kernel's widget callback too: the browser is driven from a thread of its
    own (:class:`corslab.probing.chromium.Driver`).
    """
    from corslab.probing.chromium import Driver

    with Driver() as driver:
        return driver.call(_run, driver.playwright, scenario, timeout)


def _run(playwright, scenario, timeout: float) -> BrowserOutcome:
    from playwright.sync_api import Error as PlaywrightError

    from corslab.probing.chromium import launch

    page_url = scenario.page_origin + PLAYGROUND
    args = {"url": scenario.target, "method": scenario.method,
            "headers": [list(h) for h in scenario.headers], "credentials": scenario.credentials,
            "mode": scenario.mode, "body": scenario.body, "cache": "no-store"}
    try:
        chromium = launch(playwright)
        try:
            context = chromium.new_context()
            page = context.new_page()
            console: list[str] = []
            preflights: list[str] = []
            page.on("console", lambda msg: console.append(msg.text))
            # Playwright's request events never show a preflight; DevTools does (initiator type).
            cdp = context.new_cdp_session(page)
            cdp.on("Network.requestWillBeSent", lambda e: preflights.append(e["request"]["url"])
                   if e.get("initiator", {}).get("type") == "preflight" else None)
            cdp.send("Network.enable")
            page.goto(page_url, timeout=timeout * 1000)
            page.evaluate("window.corslab.ready")
            result = page.evaluate("args => window.corslab.run(args)", args)
            if result.get("error") in NETWORK_FAILURES:
                for _ in range(50):  # the console line arrives after the rejection
                    if any(BLOCKED_MARK in c or c.startswith(REFUSED_MARKS) for c in console):
                        break
                    page.wait_for_timeout(10)
            return BrowserOutcome(result, console, len(preflights))
        finally:
            chromium.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise CorsLabError(f"Chromium could not run the scenario from {page_url}: {first} "
                           "(is the stack running? course.start())") from None
