"""Mixed content and Local Network Access in Chromium, each case with the model's verdict
(corslab.fetch.lna.decide) beside Chromium's: the console line, whether the request reached the
server (the echo's own log, ``/_lab/seen``), and the status the page read.

One browser for the module, launched as the kit launches it plus two documented switches:
``--host-resolver-rules`` maps ``*.lab.test`` (a name that is not loopback, so http to it is mixed
content) to 127.0.0.1, and ``--ip-address-space-overrides`` makes the attacker's HTTPS site
``public`` for Chromium's Local Network Access, as a site on the internet would be. The app's HTTPS
page stays ``loopback``. The LNA permission is driven per browser context: granted with
Playwright's ``grant_permissions(["local-network-access"])``, denied with CDP
``Browser.setPermission``, or left unset (headless Chromium then denies at once).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

import pytest

from corslab.fetch import lna
from corslab.probing import chromium
from corslab.stack import topology
from corslab.tools import explain

pytestmark = pytest.mark.stack

APP = topology.APP_TLS_ORIGIN  # loopback
PUBLIC_PAGE = topology.ATTACKER_TLS_ORIGIN  # made public below
ECHO_PORT = topology.SERVICES["echo"].port
ECHO_TLS = topology.origin("echo-tls")
MAPPED = f"http://echo.lab.test:{ECHO_PORT}"  # mixed content: not a loopback name
LOOPBACK_HTTP = f"http://localhost:{ECHO_PORT}"
SWITCHES = ["--host-resolver-rules=MAP *.lab.test 127.0.0.1",
            f"--ip-address-space-overrides=127.0.0.1:{topology.SERVICES['attacker-tls'].port}=public"]


@dataclass(frozen=True)
class Case:
    id: str
    page: str
    target: str
    permission: str = "ask"
    target_address_space: str | None = None
    extra: tuple[tuple[str, str], ...] = ()  # more query parameters for the echo

    @property
    def page_space(self) -> str:
        return lna.PUBLIC if self.page == PUBLIC_PAGE else lna.LOOPBACK


CASES = [
    # an HTTPS page calling an http API on a name that is not loopback: blocked before CORS
    Case("mixed-content", APP, MAPPED),
    # ...but http on loopback is potentially trustworthy: not mixed content, CORS as usual
    Case("https-to-http-loopback-is-not-mixed", APP, LOOPBACK_HTTP),
    # a public page fetching the loopback API: the LNA permission decides
    Case("lna-unset-headless-denies", PUBLIC_PAGE, ECHO_TLS),
    Case("lna-granted", PUBLIC_PAGE, ECHO_TLS, permission="granted"),
    Case("lna-granted-through-cdp", PUBLIC_PAGE, ECHO_TLS, permission="granted-cdp"),
    Case("lna-denied", PUBLIC_PAGE, ECHO_TLS, permission="denied"),
    # what the server can do: nothing - the retired PNA header does not help
    Case("lna-denied-allow-private-network-header-does-nothing", PUBLIC_PAGE, ECHO_TLS, permission="denied",
         extra=(("hdr", "Access-Control-Allow-Private-Network:true"),
                ("pf_acao", "{origin}"), ("pf_acam", "GET"),
                ("pf_hdr", "Access-Control-Allow-Private-Network:true"))),
    # targetAddressSpace: an http local URL from an HTTPS public page passes mixed content...
    Case("target-address-space-lets-http-through", PUBLIC_PAGE, MAPPED, permission="granted",
         target_address_space="loopback"),
    # ...a wrong guess is refused
    Case("target-address-space-mismatch", PUBLIC_PAGE, MAPPED, permission="granted",
         target_address_space="local"),
]


def target_url(case: Case, trace: str) -> str:
    query = [("trace", trace), ("acao", "{origin}"), *case.extra]
    return f"{case.target}/lna?{urllib.parse.urlencode(query)}"


def reached(trace: str) -> int:
    with urllib.request.urlopen(f"{topology.native_url('echo')}/_lab/seen?trace={trace}", timeout=5) as r:
        return len(json.load(r)["requests"])


@pytest.fixture(scope="module")
def browser(playwright, stack):
    browser = chromium.launch(playwright, SWITCHES)
    yield browser
    browser.close()


def set_permission(browser, context, page, setting: str) -> None:
    """``granted``: Playwright's grant_permissions; ``granted-cdp`` / ``denied``: CDP
    Browser.setPermission for this browser context; ``ask``: nothing set."""
    if setting == "granted":
        context.grant_permissions(["local-network-access"], origin=page)
    elif setting in ("granted-cdp", "denied"):
        probe = context.new_page()
        target = context.new_cdp_session(probe).send("Target.getTargetInfo")["targetInfo"]
        probe.close()
        cdp = browser.new_browser_cdp_session()
        for name in ("loopback-network", "local-network"):  # CDP's names: one per target space
            cdp.send("Browser.setPermission", {
                "permission": {"name": name}, "origin": page,
                "setting": setting.removesuffix("-cdp"), "browserContextId": target["browserContextId"]})


_RUNS: dict[str, tuple] = {}


def run(browser, case: Case) -> tuple[object, list[str], int, str]:
    """(what the page's fetch() gave, the console lines, requests that reached the echo, the URL);
    each case runs once per module."""
    if case.id not in _RUNS:
        _RUNS[case.id] = _run(browser, case)
    return _RUNS[case.id]


def _run(browser, case: Case) -> tuple[object, list[str], int, str]:
    context = browser.new_context()
    try:
        set_permission(browser, context, case.page, case.permission)
        page = context.new_page()
        lines: list[str] = []
        page.on("console", lambda m: lines.append(m.text))
        page.goto(case.page + "/")
        trace = uuid.uuid4().hex
        url = target_url(case, trace)
        options = {"targetAddressSpace": case.target_address_space} if case.target_address_space else {}
        status = page.evaluate("([url, options]) => fetch(url, options).then(r => r.status, e => String(e))",
                               [url, options])
        page.wait_for_timeout(100)  # console messages arrive after the promise settles
        return status, lines, reached(trace), url
    finally:
        context.close()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_model_predicts_mixed_content_and_local_network_access(case, browser, parity):
    """W3C Mixed Content 4.4, Secure Contexts 3.2, WICG Local Network Access; Chromium 156."""
    status, lines, arrived, url = run(browser, case)
    verdict = lna.decide(case.page + "/", url, page_space=case.page_space, target_space=lna.LOOPBACK,
                         permission=case.permission.removesuffix("-cdp"),
                         target_address_space=case.target_address_space)
    detail = f"{case.id}: model {verdict}, Chromium: status {status}, reached {arrived}, console {lines}"
    parity.count("lna", verdict.reaches_server == bool(arrived), detail)
    assert verdict.reaches_server == bool(arrived), detail
    if verdict.stage:
        assert status == "TypeError: Failed to fetch", detail
        wanted = verdict.console if verdict.stage == "mixed-content" else (
            lna.CORS_PREFIX.format(url=url, origin=case.page) + verdict.console)
        assert wanted in lines, f"{detail}\nexpected: {wanted}"
    else:
        assert status == 200, detail
    assert bool(verdict.warning) == any("should also be served over HTTPS" in line for line in lines), detail
    if verdict.warning:
        assert verdict.warning in lines, detail


@pytest.mark.parametrize("case", [c for c in CASES if c.id in (
    "mixed-content", "lna-denied", "target-address-space-mismatch")], ids=lambda c: c.id)
def test_explain_recognises_each_new_console_line(case, browser):
    """The line Chromium printed, handed to `explain`, is named for what it is (not a CORS header)."""
    _status, lines, _arrived, _url = run(browser, case)
    line = next(l for l in lines if "Mixed Content" in l and "blocked" in l or "address space" in l)
    finding = explain.explain(line)
    text = finding.report()
    if case.id == "mixed-content":
        assert "mixed content" in text.lower() and "before CORS" in text, text
    else:
        assert "Local Network Access" in text, text
