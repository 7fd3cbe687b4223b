"""The lessons' key claims, run in real headless Chromium beside the kit's prediction.

Each scenario is one a lesson (01-06) shows with the probe; here Chromium runs it from the
playground page of the scenario's origin (corslab.probing.browser), and its console line and preflight
count must be what the lesson says - and what the model predicted for the same scenario.
"""

import pytest

from corslab.probing import browser
from corslab.stack import topology
from corslab.widgets import Scenario

pytestmark = [pytest.mark.usefixtures("stack"),
              pytest.mark.skipif(browser.unavailable() is not None,
                                 reason=f"Chromium cannot run here: {browser.unavailable()}")]

APP, EVIL = topology.APP_ORIGIN, topology.UNTRUSTED_ORIGIN
JSON = (("Content-Type", "application/json"),)


def both(scenario):
    return browser.run(scenario), scenario.probe()


def test_lesson01_the_evil_page_is_refused_the_banks_answer():
    """Lesson 01 §2: the untrusted page's credentialed GET is sent (no preflight) and blocked for
    the missing ACAO (Fetch "CORS check" step 2; Chromium kMissingAllowOriginHeader)."""
    seen, predicted = both(Scenario("api", "/v1/me", origin=EVIL, credentials="include"))
    assert seen.outcome == "blocked" and seen.preflights == 0
    assert seen.reason == predicted.reason and "No 'Access-Control-Allow-Origin'" in seen.reason


def test_lesson03_a_redirected_preflight_fails_whatever_its_headers():
    """Lesson 03 §4: Chromium kPreflightDisallowedRedirect."""
    from urllib.parse import urlencode

    echo = topology.origin("echo")
    query = urlencode({"acao": APP, "acam": "PUT", "acah": "Content-Type",
                       "preflight_redirect": f"{echo}/api/"})
    seen, predicted = both(Scenario(url=f"{echo}/api?{query}", origin=APP, method="PUT",
                                    headers=JSON, body="{}"))
    assert seen.outcome == "blocked" and seen.reason == predicted.reason
    assert "Redirect is not allowed for a preflight request" in seen.reason


def test_lesson04_a_credentialed_get_is_not_preflighted_and_cookie_is_dropped():
    """Lesson 04 §3, the correction of source post 004: GET + credentials is simple (Fetch
    "CORS-safelisted method"); Cookie is a forbidden request header, dropped before sending."""
    seen, predicted = both(Scenario("cors-proxy", "/v1/me", origin=EVIL, credentials="include",
                                    headers=(("Cookie", "corslab_session=forged"),)))
    assert seen.preflights == 0 and not predicted.preflight_needed
    assert seen.outcome == "blocked"


def test_lesson04_wildcard_with_credentials_is_refused():
    """Lesson 04 §2: Chromium kWildcardOriginNotAllowed."""
    echo = topology.origin("echo")
    seen, predicted = both(Scenario(url=f"{echo}/me?acao=*&acac=true", origin=APP, credentials="include"))
    assert seen.outcome == "blocked" and seen.reason == predicted.reason and "wildcard '*'" in seen.reason


def test_lesson05_proxy_and_app_both_adding_acao_is_multiple_values():
    """Lesson 05 §4: real nginx (emulate nginx) in front of flask-cors; Chromium
    kMultipleAllowOriginValues, the message the lesson quotes."""
    from corslab.course import live
    from corslab.emulate.nginx import running

    upstream = f"http://127.0.0.1:{topology.service('api-appcors').port}"
    with running(str(live.ROOT / "examples/app-level/nginx-adds-too.conf"), upstream=upstream,
                 quiet=True) as url:
        seen, predicted = both(Scenario(url=f"{url}/v1/users", origin=APP))
    assert seen.outcome == "blocked" and seen.reason == predicted.reason
    assert "contains multiple values" in seen.reason


def test_lesson06_one_origin_needs_no_preflight_for_a_json_put():
    """Lesson 06 §2: same origin - CORS does not apply, no preflight (Fetch "main fetch")."""
    seen, predicted = both(Scenario("same-origin", "/v1/users/1", method="PUT", headers=JSON,
                                    body='{"name": "Ada"}'))
    assert seen.outcome == "allowed" and seen.preflights == 0
    assert predicted.allowed and not predicted.preflight_needed


@pytest.mark.parametrize("method", ["HEAD"])  # GET: the model and every notebook; HEAD is the one people miss
def test_lesson06_same_origin_get_and_head_carry_no_origin_in_chromium(method):
    """Lesson 06 §2: Fetch "append a request `Origin` header" adds it to a same-origin request only
    when the method is neither GET nor HEAD; the API's own log shows what Chromium sent."""
    from corslab.course import live

    trace = live.trace_id()
    seen = browser.run(Scenario("same-origin", f"/v1/health?trace={trace}", method=method))
    assert seen.outcome == "allowed"
    log = live.seen_log("api", trace)
    assert log.methods == [method] and log.header(0, "Origin") is None


def test_lesson06_a_same_origin_put_carries_origin_in_chromium():
    from corslab.course import live

    trace = live.trace_id()
    seen = browser.run(Scenario("same-origin", f"/v1/users/1?trace={trace}", method="PUT",
                                headers=JSON, body='{"name": "Ada"}'))
    assert seen.outcome == "allowed"
    assert live.seen_log("api", trace).header(0, "Origin") == topology.origin("same-origin")


def test_lesson03_after_a_cross_origin_redirect_chromium_sends_origin_null():
    """Lesson 03 §4: Fetch "HTTP-redirect fetch" taints the request; its origin serialises to null.
    The flask-cors API's own log shows what Chromium and the model sent: the same Origin and the
    same Sec-Fetch-Site (Fetch Metadata: the page's origin against the chain's URLs)."""
    from urllib.parse import urlencode

    from corslab.course import live

    trace = live.trace_id()
    onward = f"{topology.origin('api-appcors')}/v1/users?trace={trace}"
    chain = Scenario(url=f"{topology.origin('echo')}/start?" + urlencode({"acao": APP, "redirect": onward}),
                     origin=APP)
    seen, predicted = both(chain)
    assert seen.outcome == "blocked" and seen.reason == predicted.reason
    log = live.seen_log("api-appcors", trace)
    assert [log.header(i, "Origin") for i in range(2)] == ["null", "null"]
    assert log.header(0, "Sec-Fetch-Site") == log.header(1, "Sec-Fetch-Site") == "same-site"


def test_lesson04_allow_headers_star_covers_authorization_in_chromium():
    """Lesson 04 §2: Chromium lets ACAH '*' cover Authorization (CorsNonWildcardRequestHeadersSupport
    is off by default); the Fetch standard and WPT cors-preflight-star say it must not."""
    seen, predicted = both(Scenario(url=f"{topology.origin('echo')}/me?acao={APP}&acah=*", origin=APP,
                                    headers=(("Authorization", "Bearer t0ken"),)))
    assert seen.outcome == "allowed" and seen.preflights == 1
    assert predicted.allowed
