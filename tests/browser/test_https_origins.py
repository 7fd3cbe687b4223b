"""The lab's HTTPS origins: Chromium as the kit launches it trusts them with no interstitial, a
Chromium without the kit's switch refuses them; the probe verifies TLS against the lab's CA; and a
credentialed cross-site call carries its SameSite=None; Secure cookie whatever CORS says - the
right ACAO/ACAC only decide whether the page may read the answer (Fetch standard, CORS check)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid

import pytest

from corslab.errors import CorsLabError
from corslab.fetch import cookies, model
from corslab.probing import chromium, probe
from corslab.stack import topology

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def browser(playwright, stack):
    browser = chromium.launch(playwright)
    yield browser
    browser.close()


@pytest.mark.parametrize("name", [s.name for s in topology.tls_services()])
def test_chromium_launched_by_the_kit_loads_every_https_origin_without_an_interstitial(browser, name):
    page = browser.new_page()
    try:
        answer = page.goto(topology.origin(name) + topology.SERVICES[name].health)
        assert answer.status == 200 and page.evaluate("isSecureContext")
    finally:
        page.close()


def test_a_chromium_without_the_kits_switch_refuses_the_lab_certificate(playwright, stack):
    """The switch is what makes the difference: no trust store was changed."""
    plain = playwright.chromium.launch(executable_path=chromium.path(), args=list(chromium.BASE_ARGS))
    try:
        with pytest.raises(Exception, match="ERR_CERT_AUTHORITY_INVALID"):
            plain.new_page().goto(topology.APP_TLS_ORIGIN + "/")
    finally:
        plain.close()


def test_the_probe_verifies_tls_against_the_labs_ca(stack, monkeypatch, tmp_path):
    result = probe.probe(topology.API_TLS_ORIGIN + "/v1/users", topology.APP_TLS_ORIGIN)
    assert result.allowed, result
    monkeypatch.setenv("CORSLAB_RUNTIME", str(tmp_path))  # a runtime folder without the lab's CA
    with pytest.raises(CorsLabError, match="certificate is not trusted"):
        probe.probe(topology.API_TLS_ORIGIN + "/v1/users", topology.APP_TLS_ORIGIN)


@pytest.mark.parametrize("acac", ["true", None])
def test_a_credentialed_cross_site_call_carries_its_cookie_and_only_acac_lets_the_page_read(
        playwright, stack, tmp_path, acac):
    echo = topology.origin("echo-tls")
    context = chromium.launch_profile(playwright, tmp_path / "profile", third_party_cookies=True)
    trace = uuid.uuid4().hex
    query = [("trace", trace), ("acao", "{origin}")] + ([("acac", acac)] if acac else [])
    url = f"{echo}/me?{urllib.parse.urlencode(query)}"
    try:
        page = context.new_page()
        page.goto(echo + "/set?" + urllib.parse.urlencode(
            [("hdr", "Set-Cookie:sid=1; SameSite=None; Secure")]))  # first-party, by navigation
        page.goto(topology.APP_TLS_ORIGIN + "/")
        outcome = page.evaluate("url => fetch(url, {credentials: 'include'}).then(r => r.status, e => String(e))", url)
    finally:
        context.close()
    with urllib.request.urlopen(f"{topology.native_url('echo')}/_lab/seen?trace={trace}", timeout=5) as r:
        [entry] = json.load(r)["requests"]
    sent = any(k.lower() == "cookie" and "sid=" in v for k, v in entry["headers"])
    jar = cookies.Jar()
    jar.set("sid=1; SameSite=None; Secure", echo + "/set", cookies.Context(top_level=echo + "/set", navigation=True))
    ctx = cookies.Context(top_level=topology.APP_TLS_ORIGIN, initiator=topology.APP_TLS_ORIGIN,
                          third_party_cookies=True)
    assert sent == (jar.carries(url, ctx) == ["sid"]) == True  # noqa: E712 - both say: sent
    headers = [("access-control-allow-origin", topology.APP_TLS_ORIGIN)] + (
        [("access-control-allow-credentials", acac)] if acac else [])
    verdict = model.decide(model.FetchRequest(url, topology.APP_TLS_ORIGIN, credentials="include"),
                           response=model.HttpResponse(200, headers))
    assert verdict.allowed == (outcome == 200), (verdict, outcome)


@pytest.mark.parametrize("name", [s.name for s in topology.tls_services()])
def test_an_https_twin_keeps_the_body_limit_and_its_cors_headers(stack, name):
    """RFC 9110 15.5.14: a body over 1 MiB is refused with 413 - and, as on every service of the
    stack, with the CORS headers another error of the same method gets, so a page can read it."""
    from corslab.stack import tls

    svc = topology.SERVICES[name]
    path = "/x?acao={origin}&acac=true" if svc.twin_of == "echo" else (
        "/v1/users" if svc.health.startswith("/v1/") else "/_lab/health")

    def post(length: int, chunks: list[bytes]):
        conn = tls.https_connection(svc.host, svc.port, 10)
        try:
            conn.putrequest("POST", path, skip_accept_encoding=True)
            for key, value in (("Origin", topology.APP_TLS_ORIGIN), ("Content-Type", "application/json"),
                               ("Content-Length", str(length))):
                conn.putheader(key, value)
            conn.endheaders()
            for chunk in chunks:
                try:
                    conn.send(chunk)
                except OSError:
                    break  # answered early and closed: what we want to read
            answer = conn.getresponse()
            return answer.status, {k.lower(): v for k, v in answer.getheaders() if k.lower().startswith("access-control-")}
        finally:
            conn.close()

    big_status, big_cors = post(1024 * 1024 + 1, [b"x" * 65536] * 2)
    small_status, small_cors = post(1, [b"{"])
    assert big_status == 413 and small_status != 413
    assert big_cors == small_cors
