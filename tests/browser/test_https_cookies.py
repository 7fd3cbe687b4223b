"""Cookies over the lab's HTTPS origins in Chromium, each case with the model's prediction
(corslab.fetch.cookies) beside what Chromium did.

Each case sets a cookie - by a credentialed fetch() from a page, or by a top-level navigation to
the echo - then makes a request from a page and asks the echo's own log (``/_lab/seen``, which keeps
cookie names) which cookies arrived: what Chromium sent, whatever CORS then let the page read.
Chromium's reason for a refused cookie is read from the DevTools protocol (``Network``
``responseReceivedExtraInfo.blockedCookies`` and ``requestWillBeSentExtraInfo.associatedCookies``),
where Chromium reports it: a refused cookie prints nothing to the console. Between the lab's
``*.localhost`` sites Chromium 156 names the SameSite reasons with DevTools' ``Schemeful`` prefix
(``SchemefulSameSiteLax``: cross-site once the scheme counts, ``SameSiteLax``'s twin), so a model
reason ``SameSiteLax`` matches either spelling.

Third-party cookies: a fresh headless profile blocks them; a profile whose preference
``profile.cookie_controls_mode`` is 0 allows them (corslab.probing.chromium.launch_profile).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

import pytest

from corslab.fetch import cookies
from corslab.probing import chromium
from corslab.stack import topology

pytestmark = pytest.mark.stack

APP = topology.APP_TLS_ORIGIN
ATTACKER = topology.ATTACKER_TLS_ORIGIN
ECHO = topology.origin("echo-tls")  # another site: echo.localhost


@dataclass(frozen=True)
class Case:
    id: str
    set_cookie: str
    set_from: str | None  # the page whose fetch() gets the Set-Cookie; None: a top-level navigation
    read_from: str  # the page whose credentialed fetch() to the echo is checked
    third_party_cookies: bool = False
    credentials: str = "include"


CASES = [
    # SameSite=None; Secure on a credentialed cross-site call: stored and sent when third-party
    # cookies are allowed...
    Case("none-secure-3p-allowed", "sid=1; SameSite=None; Secure", APP, APP, third_party_cookies=True),
    # ...and neither when they are blocked (the fresh headless default, like Safari and Firefox)
    Case("none-secure-3p-blocked", "sid=1; SameSite=None; Secure", APP, APP),
    # set first-party (a navigation to the API's site), then called cross-site: blocked loses it
    Case("first-party-then-cross-site-3p-blocked", "sid=1; SameSite=None; Secure", None, APP),
    Case("first-party-then-cross-site-3p-allowed", "sid=1; SameSite=None; Secure", None, APP,
         third_party_cookies=True),
    # the same without Secure: refused even where third-party cookies are allowed
    Case("none-without-secure", "sid=1; SameSite=None", APP, APP, third_party_cookies=True),
    Case("none-without-secure-first-party", "sid=1; SameSite=None", None, ECHO, third_party_cookies=True),
    # Lax / Strict / no SameSite: set first-party, then a cross-site fetch leaves them behind...
    Case("lax-cross-site", "sid=1; SameSite=Lax; Secure", None, APP, third_party_cookies=True),
    Case("strict-cross-site", "sid=1; SameSite=Strict; Secure", None, APP, third_party_cookies=True),
    Case("unspecified-cross-site", "sid=1; Secure", None, APP, third_party_cookies=True),
    # ...a same-origin fetch from the echo's own page carries them
    Case("lax-same-origin", "sid=1; SameSite=Lax; Secure", None, ECHO),
    Case("strict-same-origin", "sid=1; SameSite=Strict; Secure", None, ECHO),
    # ...and a cross-site fetch cannot set them either
    Case("lax-set-cross-site", "sid=1; SameSite=Lax; Secure", APP, ECHO, third_party_cookies=True),
    # Partitioned (CHIPS): set cross-site under the app even where third-party cookies are
    # blocked, sent back under the app, never under another top-level site
    Case("partitioned-same-top-level", "sid=1; SameSite=None; Secure; Partitioned", APP, APP),
    Case("partitioned-other-top-level", "sid=1; SameSite=None; Secure; Partitioned", APP, ATTACKER),
    # credentials: fetch()'s default 'same-origin' sends no cookie cross-origin
    Case("none-secure-default-credentials", "sid=1; SameSite=None; Secure", None, APP,
         third_party_cookies=True, credentials="same-origin"),
]


def echo_url(path: str, trace: str, set_cookie: str | None = None) -> str:
    query = [("trace", trace), ("acao", "{origin}"), ("acac", "true")]
    if set_cookie:
        query.append(("hdr", f"Set-Cookie:{set_cookie}"))
    return f"{ECHO}{path}?{urllib.parse.urlencode(query)}"


def cookies_seen(trace: str) -> list[str]:
    """The cookie names that reached the echo with ``trace`` (its log, read natively)."""
    with urllib.request.urlopen(f"{topology.native_url('echo')}/_lab/seen?trace={trace}", timeout=5) as r:
        entries = json.load(r)["requests"]
    names = []
    for entry in entries:
        for key, value in entry["headers"]:
            if key.lower() == "cookie":
                names += [part.split("=")[0].strip() for part in value.split(";") if part.strip()]
    return names


class Recorder:
    """CDP Network events of one page: the reasons Chromium gives for cookies it refused."""

    def __init__(self, context, page):
        self.session = context.new_cdp_session(page)
        self.set_blocked: list[list[str]] = []
        self.send_blocked: dict[str, list[str]] = {}
        self.session.on("Network.responseReceivedExtraInfo", self._response)
        self.session.on("Network.requestWillBeSentExtraInfo", self._request)
        self.session.send("Network.enable")

    def _response(self, event):
        for item in event.get("blockedCookies", []):
            self.set_blocked.append(item["blockedReasons"])

    def _request(self, event):
        for item in event.get("associatedCookies", []):
            if item.get("blockedReasons"):
                self.send_blocked.setdefault(item["cookie"]["name"], []).extend(item["blockedReasons"])


def said(reason: str, chromium_reasons: list[str]) -> bool:
    """Chromium reported the model's reason (or its ``Schemeful`` spelling)."""
    return reason in chromium_reasons or f"Schemeful{reason}" in chromium_reasons


def model(case: Case) -> tuple[cookies.Decision, list[cookies.Decision], str]:
    """The model's prediction: how the Set-Cookie fares, and which cookies the read carries."""
    jar = cookies.Jar()
    set_url = echo_url("/set", "x", case.set_cookie)
    if case.set_from is None:
        set_ctx = cookies.Context(top_level=set_url, navigation=True,
                                  third_party_cookies=case.third_party_cookies)
    else:
        set_ctx = cookies.Context(top_level=case.set_from, initiator=case.set_from,
                                  third_party_cookies=case.third_party_cookies)
    stored = jar.set(case.set_cookie, set_url, set_ctx)
    read_url = echo_url("/read", "x")
    read_ctx = cookies.Context(top_level=case.read_from, initiator=case.read_from,
                               credentials=case.credentials, third_party_cookies=case.third_party_cookies)
    return stored, jar.decisions(read_url, read_ctx), read_url


def run_in_chromium(context, case: Case) -> tuple[list[str], Recorder]:
    trace = uuid.uuid4().hex
    page = context.new_page()
    recorder = Recorder(context, page)
    try:
        if case.set_from is None:
            page.goto(echo_url("/set", trace + "-set", case.set_cookie))
        else:
            page.goto(case.set_from + "/")
            page.evaluate("url => fetch(url, {credentials: 'include'}).then(r => r.status, e => String(e))",
                          echo_url("/set", trace + "-set", case.set_cookie))
        page.goto(case.read_from + "/")
        page.evaluate("([url, mode]) => fetch(url, {credentials: mode}).then(r => r.status, e => String(e))",
                      [echo_url("/read", trace), case.credentials])
        return cookies_seen(trace), recorder
    finally:
        page.close()


@pytest.fixture(scope="module")
def contexts(playwright, stack, tmp_path_factory):
    """{third_party_cookies: browser context}: a fresh profile (blocked) and one that allows them."""
    browser = chromium.launch(playwright)
    allowing = chromium.launch_profile(playwright, tmp_path_factory.mktemp("profile-3pc"),
                                       third_party_cookies=True)
    yield {False: browser, True: allowing}
    allowing.close()
    browser.close()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_model_predicts_which_cookies_chromium_sends(case, contexts, parity):
    """RFC 6265bis 5.6/5.8, CHIPS and Chromium's third-party cookie setting, in Chromium 156."""
    owner = contexts[case.third_party_cookies]
    context = owner.new_context() if not case.third_party_cookies else owner
    try:
        context.clear_cookies()
        sent, recorder = run_in_chromium(context, case)
    finally:
        if context is not owner:
            context.close()
    stored, decisions, _ = model(case)
    predicted = [d.cookie.name for d in decisions if d.ok]
    detail = f"{case.id}: model {predicted} ({stored}; {[str(d) for d in decisions]}), Chromium sent {sent}"
    parity.count("cookies", predicted == sent, detail)
    assert predicted == sent, detail
    # Chromium's own reason where the model says the cookie was refused or left behind.
    if not stored.ok and stored.reason != cookies.CREDENTIALS_MODE:
        assert any(said(stored.reason, reasons) for reasons in recorder.set_blocked), (
            f"{case.id}: model refuses with {stored.reason}, Chromium said {recorder.set_blocked}")
    for d in decisions:
        if not d.ok and d.reason not in (cookies.CREDENTIALS_MODE, cookies.OTHER_PARTITION):
            assert said(d.reason, recorder.send_blocked.get(d.cookie.name, [])), (
                f"{case.id}: model leaves {d.cookie.name} out with {d.reason}, "
                f"Chromium said {recorder.send_blocked}")
