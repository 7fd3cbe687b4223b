"""Notebook 14 - HTTPS origins, cookies across sites, mixed content and Local Network Access.

Live runs (real Chromium, launched as the kit launches it: the lab's CA trusted, nothing else):

* :func:`cookies_in_chromium` - each of :data:`COOKIE_CASES` in Chromium beside the model's
  prediction (``corslab.fetch.cookies``): which cookie the echo over HTTPS received;
* :func:`before_cors_in_chromium` - :data:`BEFORE_CORS_CASES` (mixed content, Local Network
  Access granted / unset, ``targetAddressSpace``) beside ``corslab.fetch.lna.decide``.

Checkers (they never raise and never show the reference answer): :func:`check_cookie_predictions`
(does the cookie travel? graded by the model, which tests/browser checks against Chromium),
:func:`check_partner_cookie` (a Set-Cookie that keeps a cross-site session where third-party
cookies are blocked) and :func:`check_before_cors` (which console lines no CORS header can fix:
graded by ``explain``).
"""

from __future__ import annotations

import json
import tempfile
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from corslab.course.grading import Feedback, unanswered
from corslab.errors import CorsLabError
from corslab.fetch import cookies, lna
from corslab.stack import topology

APP = topology.APP_TLS_ORIGIN
API = topology.API_TLS_ORIGIN
ATTACKER = topology.ATTACKER_TLS_ORIGIN
ECHO = topology.origin("echo-tls")
#: Chromium switches of the live runs: a name that is not loopback (http to it is mixed content),
#: and the attacker's HTTPS site made "public" for Local Network Access.
MAPPED = f"http://echo.lab.test:{topology.SERVICES['echo'].port}"
SWITCHES = ("--host-resolver-rules=MAP *.lab.test 127.0.0.1",
            f"--ip-address-space-overrides=127.0.0.1:{topology.SERVICES['attacker-tls'].port}=public")


@dataclass(frozen=True)
class CookieCase:
    """A cookie set by ``set_cookie`` (by a credentialed fetch() from ``set_from``'s page, or by
    a top-level navigation to the API when None), then a credentialed fetch() from ``read_from``."""

    set_cookie: str
    set_from: str | None
    read_from: str
    third_party_cookies: bool

    def describe(self) -> str:
        how = "navigating to the API" if self.set_from is None else f"a fetch() from {self.set_from}"
        browser = "3rd-party cookies allowed" if self.third_party_cookies else "3rd-party cookies blocked"
        return f"{self.set_cookie!r} set by {how}; fetch() from {self.read_from}; {browser}"


COOKIE_CASES = {
    "None; Secure, 3rd-party allowed": CookieCase("sid=1; SameSite=None; Secure", APP, APP, True),
    "None; Secure, 3rd-party blocked": CookieCase("sid=1; SameSite=None; Secure", APP, APP, False),
    "None without Secure": CookieCase("sid=1; SameSite=None", APP, APP, True),
    "Lax, set first-party, fetched cross-site": CookieCase("sid=1; SameSite=Lax; Secure", None, APP, True),
    "Partitioned, 3rd-party blocked": CookieCase("sid=1; SameSite=None; Secure; Partitioned", APP, APP, False),
    "Partitioned, under another top-level site": CookieCase(
        "sid=1; SameSite=None; Secure; Partitioned", APP, ATTACKER, False),
}


def _echo(path: str, trace: str, set_cookie: str | None = None, **params) -> str:
    query = [("trace", trace), ("acao", "{origin}"), ("acac", "true"), *params.items()]
    if set_cookie:
        query.append(("hdr", f"Set-Cookie:{set_cookie}"))
    return f"{ECHO}{path}?{urllib.parse.urlencode(query)}"


def predict(case: CookieCase) -> tuple[cookies.Decision, cookies.Decision | None]:
    """The model: how the Set-Cookie fares, and whether the later fetch() carries the cookie."""
    jar = cookies.Jar()
    url = _echo("/set", "x", case.set_cookie)
    where = (cookies.Context(top_level=url, navigation=True, third_party_cookies=case.third_party_cookies)
             if case.set_from is None else
             cookies.Context(top_level=case.set_from, initiator=case.set_from,
                             third_party_cookies=case.third_party_cookies))
    stored = jar.set(case.set_cookie, url, where)
    read = jar.decisions(_echo("/read", "x"), cookies.Context(
        top_level=case.read_from, initiator=case.read_from, third_party_cookies=case.third_party_cookies))
    return stored, (read[0] if read else None)


def _arrived(trace: str) -> list[str]:
    """Cookie names that reached the echo with ``trace`` (its own log, read natively)."""
    with urllib.request.urlopen(f"{topology.native_url('echo')}/_lab/seen?trace={trace}", timeout=5) as r:
        entries = json.load(r)["requests"]
    return [part.split("=")[0].strip() for e in entries for k, v in e["headers"]
            if k.lower() == "cookie" for part in v.split(";") if part.strip()]


def _run_cookie_case(context, case: CookieCase) -> list[str]:
    context.clear_cookies()
    trace = uuid.uuid4().hex
    page = context.new_page()
    try:
        if case.set_from is None:
            page.goto(_echo("/set", trace + "-set", case.set_cookie))
        else:
            page.goto(case.set_from + "/")
            page.evaluate("url => fetch(url, {credentials: 'include'}).then(r => r.status, e => String(e))",
                          _echo("/set", trace + "-set", case.set_cookie))
        page.goto(case.read_from + "/")
        page.evaluate("url => fetch(url, {credentials: 'include'}).then(r => r.status, e => String(e))",
                      _echo("/read", trace))
    finally:
        page.close()
    return _arrived(trace)


def _cookie_rows(playwright, cases: dict[str, CookieCase]) -> list[list[str]]:
    from corslab.probing import chromium

    rows = []
    browser = chromium.launch(playwright)
    with tempfile.TemporaryDirectory(prefix="corslab-profile-") as folder:
        allowing = None
        try:
            for label, case in cases.items():
                if case.third_party_cookies:
                    allowing = allowing or chromium.launch_profile(playwright, folder, third_party_cookies=True)
                    sent = _run_cookie_case(allowing, case)
                else:
                    context = browser.new_context()
                    try:
                        sent = _run_cookie_case(context, case)
                    finally:
                        context.close()
                stored, read = predict(case)
                said = "sent" if read is not None and read.ok else (
                    f"not stored: {stored.reason}" if not stored.ok else f"not sent: {read.reason}")
                rows.append([label, said, "sent" if "sid" in sent else "not sent"])
        finally:
            if allowing is not None:
                allowing.close()
            browser.close()
    return rows


def cookies_in_chromium(cases: dict[str, CookieCase] | None = None) -> list[list[str]]:
    """[case, what the model predicts (and why), what Chromium did] for each case."""
    from corslab.probing import chromium

    with chromium.Driver() as driver:
        return driver.call(_cookie_rows, driver.playwright, cases or COOKIE_CASES)


@dataclass(frozen=True)
class BeforeCorsCase:
    page: str
    target: str
    permission: str = "ask"  # granted (Playwright's grant_permissions) or ask (headless: denied)
    target_address_space: str | None = None


BEFORE_CORS_CASES = {
    "https page -> http API on a non-loopback name": BeforeCorsCase(APP, MAPPED),
    "public page -> loopback API, no permission": BeforeCorsCase(ATTACKER, ECHO),
    "public page -> loopback API, permission granted": BeforeCorsCase(ATTACKER, ECHO, "granted"),
    "public page -> http API, targetAddressSpace 'loopback', granted": BeforeCorsCase(
        ATTACKER, MAPPED, "granted", "loopback"),
}


def verdict(case: BeforeCorsCase, url: str) -> lna.Verdict:
    """The model's verdict for a case (the echo is on loopback)."""
    return lna.decide(case.page + "/", url, page_space=lna.PUBLIC if case.page == ATTACKER else lna.LOOPBACK,
                      target_space=lna.LOOPBACK, permission=case.permission,
                      target_address_space=case.target_address_space)


def _before_cors_rows(playwright, cases: dict[str, BeforeCorsCase]) -> list[list[str]]:
    from corslab.probing import chromium

    rows = []
    browser = chromium.launch(playwright, SWITCHES)
    try:
        for label, case in cases.items():
            context = browser.new_context()
            try:
                if case.permission == "granted":
                    context.grant_permissions(["local-network-access"], origin=case.page)
                page = context.new_page()
                lines: list[str] = []
                page.on("console", lambda m: lines.append(m.text))
                page.goto(case.page + "/")
                trace = uuid.uuid4().hex
                url = f"{case.target}/lna?" + urllib.parse.urlencode([("trace", trace), ("acao", "{origin}")])
                options = {"targetAddressSpace": case.target_address_space} if case.target_address_space else {}
                status = page.evaluate("([u, o]) => fetch(u, o).then(r => r.status, e => String(e))", [url, options])
                page.wait_for_timeout(100)
            finally:
                context.close()
            model = verdict(case, url)
            said = "reaches the server" if model.reaches_server else f"blocked: {model.stage}"
            with urllib.request.urlopen(f"{topology.native_url('echo')}/_lab/seen?trace={trace}", timeout=5) as r:
                arrived = bool(json.load(r)["requests"])
            line = next((l for l in lines if "Mixed Content" in l or "address space" in l), "")
            rows.append([label, said, f"{status}; {'reached' if arrived else 'nothing reached'} the server",
                         line])
    finally:
        browser.close()
    return rows


def before_cors_in_chromium(cases: dict[str, BeforeCorsCase] | None = None) -> list[list[str]]:
    """[case, the model's verdict, Chromium's outcome, its console line] for each case."""
    from corslab.probing import chromium

    with chromium.Driver() as driver:
        return driver.call(_before_cors_rows, driver.playwright, cases or BEFORE_CORS_CASES)


# ---- exercises ---------------------------------------------------------------------------------

#: Exercise 1: does the later credentialed fetch() carry the cookie? (graded by the model)
PREDICT_CASES = {
    "a": CookieCase("sid=1; SameSite=None; Secure", APP, APP, True),
    "b": CookieCase("sid=1; SameSite=None", APP, APP, True),
    "c": CookieCase("sid=1; SameSite=Strict; Secure", None, APP, True),
    "d": CookieCase("sid=1; SameSite=None; Secure", None, APP, False),
    "e": CookieCase("sid=1; SameSite=None; Secure; Partitioned", APP, APP, False),
    "f": CookieCase("sid=1; Secure", None, ECHO, False),
}


def check_cookie_predictions(answer) -> Feedback:
    """``answer``: {"a": True/False, ...}: is the cookie sent with the later fetch()?"""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo('Set `answer = {"a": True or False, ..., "f": ...}`: is `sid` sent?')
    fb = Feedback("Does the cookie travel?")
    for key, case in PREDICT_CASES.items():
        stored, read = predict(case)
        sent = read is not None and read.ok
        why = (cookies.MEANING[stored.reason] if not stored.ok else
               cookies.MEANING[read.reason] if not sent else "it is stored, and nothing keeps it home")
        if not isinstance(answer.get(key), bool):
            fb.check(False, f"{key}: answer True or False.")
        else:
            fb.check(answer[key] == sent, f"{key}: {'sent' if sent else 'not sent'} - {why}." if answer[key] == sent
                     else f"{key}: look again at {case.set_cookie!r} (the table of section 2 has its twin).")
    return fb


def check_partner_cookie(answer) -> Feedback:
    """``answer``: the ``Set-Cookie`` value the API (``api.localhost``) sends at login so that the
    app's page (``app.localhost``, another site) keeps the session in a browser that blocks
    third-party cookies - and a page of another top-level site does not get it."""
    if unanswered(answer):
        return Feedback.todo('Set `answer = "session=abc; ..."`: the login\'s Set-Cookie value.')
    if not isinstance(answer, str):
        return Feedback("A cookie for a cross-site API", [(False, "The answer is a string: a Set-Cookie value.")])
    fb = Feedback("A cookie for a cross-site API")
    try:
        jar = cookies.Jar()
        here = cookies.Context(top_level=APP, initiator=APP, third_party_cookies=False)
        stored = jar.set(answer, API + "/v1/login", here)
    except CorsLabError as exc:
        fb.check(False, str(exc))
        return fb
    if not fb.check(stored.ok, "stored by the login's cross-site answer" if stored.ok
                    else f"refused at login: {cookies.MEANING[stored.reason]}"):
        return fb
    name = stored.cookie.name
    fb.check(name in jar.carries(API + "/v1/me", here),
             "sent on the app's next credentialed call" if name in jar.carries(API + "/v1/me", here)
             else "stored, but not sent on the app's next call")
    elsewhere = cookies.Context(top_level=ATTACKER, initiator=ATTACKER, third_party_cookies=False)
    fb.check(name not in jar.carries(API + "/v1/me", elsewhere),
             "kept away from pages of other top-level sites (its partition)")
    fb.check(stored.cookie.http_only, "HttpOnly: the page's scripts cannot read the session" if stored.cookie.http_only
             else "add HttpOnly: a session cookie has no business in document.cookie")
    return fb


#: Exercise 3: console lines; which ones can a CORS header on the server fix?
CONSOLE_LINES = {
    "a": lna.CORS_PREFIX.format(url=f"{API}/v1/me", origin=ATTACKER) + lna.permission_denied("loopback"),
    "b": lna.mixed_content_blocked(APP + "/", f"http://api.example.test:{topology.SERVICES['cors-proxy'].port}/v1/me"),
    "c": lna.CORS_PREFIX.format(url=f"{API}/v1/me", origin=ATTACKER)
         + "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
    "d": lna.CORS_PREFIX.format(url=f"{MAPPED}/v1/me", origin=ATTACKER) + lna.address_space_mismatch("local", "loopback"),
}
_BEFORE_CORS = {"LocalNetworkAccessPermissionDenied", "InvalidPrivateNetworkAccess", "MixedContent"}


def check_before_cors(answer) -> Feedback:
    """``answer``: {"a": True/False, ...}: can a CORS header sent by the server fix this line?"""
    from corslab.tools import explain

    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo('Set `answer = {"a": True or False, ...}`: can a server CORS header fix it?')
    fb = Feedback("CORS, or before CORS?")
    for key, line in CONSOLE_LINES.items():
        name = explain.explain(line).error
        fixable = name not in _BEFORE_CORS
        if not isinstance(answer.get(key), bool):
            fb.check(False, f"{key}: answer True or False.")
        else:
            fb.check(answer[key] == fixable, f"{key}: {name} - " + (
                "a CORS header fixes it" if fixable else "decided in the browser before CORS; no header helps")
                if answer[key] == fixable else f"{key}: read the line again - `explain` names it.")
    return fb
