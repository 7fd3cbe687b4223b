"""Run a scenario in real headless Chromium, from the lab page of its origin.

    from corslab.browser import run
    seen = run(Scenario("cors-proxy", method="PUT", headers={"Content-Type": "application/json"}))
    seen.outcome, seen.console, seen.preflights

The page is the playground of the scenario's page origin (served by the stack's pages server), so
the request really is cross-origin; Chromium's own console line is recorded. Needs Playwright
(the Python package) and a system Chromium; :func:`unavailable` says in one line what is missing.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

from corslab.errors import CorsLabError

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BLOCKED_MARK = "has been blocked by CORS policy: "
PLAYGROUND = "/playground.html"


def chromium_path() -> str | None:
    """The system Chromium (CORSLAB_CHROMIUM overrides), or None."""
    for candidate in (os.environ.get("CORSLAB_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def unavailable() -> str | None:
    """None when Chromium can run here; otherwise one line saying what to install."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is missing (pip install playwright)"
    if chromium_path() is None:
        return ("no Chromium found (Debian: apt-get install chromium; or set CORSLAB_CHROMIUM "
                "to its path)")
    return None


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
        """allowed | opaque | blocked - in the model's words."""
        if self.readable:
            return "allowed"
        if self.result.get("error") is None and self.result.get("type") == "opaque":
            return "opaque"
        return "blocked"

    @property
    def console_line(self) -> str | None:
        """Chromium's own words about this request (the CORS line when there is one)."""
        for text in self.console:
            if BLOCKED_MARK in text or text.startswith("Fetch API cannot load"):
                return text
        return self.result.get("error")


def run(scenario, timeout: float = 15.0) -> BrowserOutcome:
    """Run ``scenario`` (a corslab.widgets.Scenario) in headless Chromium; see the module doc."""
    reason = unavailable()
    if reason:
        raise CorsLabError(f"cannot run Chromium: {reason}")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    page_url = scenario.page_origin + PLAYGROUND
    args = {"url": scenario.target, "method": scenario.method,
            "headers": [list(h) for h in scenario.headers], "credentials": scenario.credentials,
            "mode": scenario.mode, "body": scenario.body, "cache": "no-store"}
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            try:
                page = chromium.new_page()
                console: list[str] = []
                preflights: list[str] = []
                page.on("console", lambda msg: console.append(msg.text))
                page.on("request", lambda r: preflights.append(r.url) if r.method == "OPTIONS" else None)
                page.goto(page_url, timeout=timeout * 1000)
                page.evaluate("window.corslab.ready")
                result = page.evaluate("args => window.corslab.run(args)", args)
                if result.get("error"):
                    page.wait_for_timeout(200)  # the console line arrives after the rejection
                return BrowserOutcome(result, console, len(preflights))
            finally:
                chromium.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise CorsLabError(f"Chromium could not run the scenario from {page_url}: {first} "
                           "(is the stack running? course.start())") from None
