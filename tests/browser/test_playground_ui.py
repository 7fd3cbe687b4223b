"""The playground page itself: the form drives a real fetch() and shows what JavaScript got.

The page is static (servers/static/playground.*) and reads the stack's services from its own
origin's /_lab/topology.json, so the same file must work unchanged on every origin.
"""

from __future__ import annotations

import json

import pytest

from corslab.stack import topology

SERVICES = topology.SERVICES
PAGE_SITES = ["frontend", "admin", "untrusted"]


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    yield page
    page.close()


def open_playground(page, site: str):
    page.goto(SERVICES[site].origin + "/playground.html")
    page.evaluate("window.corslab.ready")


def send(page, *, target: str, path: str, method="GET", headers="", credentials="same-origin", body=""):
    """Fill the form like a learner (pick the target, then edit the URL) and press Send."""
    runs = page.locator("#result").get_attribute("data-runs") or "0"
    page.get_by_label("Target").select_option(label=next(
        o for o in page.locator("#target option").all_inner_texts() if o.startswith(target + " ")))
    page.get_by_label("URL").fill(SERVICES[target].origin + path)
    page.get_by_label("Method").fill(method)
    page.get_by_label("Request headers").fill(headers)
    page.get_by_label("Credentials").select_option(credentials)
    page.get_by_label("Body").fill(body)
    page.get_by_role("button", name="Send").click()
    page.wait_for_function(f"(document.querySelector('#result').dataset.runs || '0') !== '{runs}'")
    return json.loads(page.locator("#result").get_attribute("data-corslab-result"))


@pytest.mark.parametrize("site", PAGE_SITES)
def test_the_page_lists_every_service_on_every_origin(page, site):
    """One static page, three origins: it says where it runs and offers every service of the topology."""
    open_playground(page, site)
    assert page.locator("#page-origin").inner_text() == SERVICES[site].origin
    offered = page.locator("#target option[data-service]").evaluate_all("os => os.map(o => o.dataset.service)")
    assert offered == list(SERVICES)


def test_send_shows_a_readable_response(page):
    """A request the lab policy allows (method 2, app origin): status, readable headers and body appear."""
    from corslab.fetch import model
    from corslab.probing import probe

    open_playground(page, "frontend")
    body = json.dumps({"name": "grace"})
    result = send(page, target="cors-proxy", path="/v1/users", method="POST",
                  headers="Content-Type: application/json", credentials="include", body=body)

    origin = SERVICES["frontend"].origin
    url = SERVICES["cors-proxy"].origin + "/v1/users"
    headers = [("Content-Type", "application/json")]
    found = probe.probe(url, origin, "POST", headers, "include", "cors", body)
    decision = model.decide(model.FetchRequest(url, origin, method="POST", headers=headers,
                                               credentials="include", body=body),
                            found.preflight, found.response)
    assert result["error"] is None and decision.allowed, (result, decision)

    box = page.locator("#result")
    assert box.get_attribute("data-state") == "ok"
    assert f"status {result['status']}" in box.locator("[data-field=status]").inner_text()
    shown = box.locator("[data-field=headers] td:first-child").all_inner_texts()
    assert shown == [name for name, _ in result["headers"]]
    assert {h.lower() for h in decision.exposed_headers} == set(shown)
    assert "grace" in box.locator("[data-field=body]").inner_text()


def test_send_shows_the_error_and_points_to_the_console(page):
    """A request the model says is blocked (the CORS-unaware API): the page shows the TypeError and the DevTools hint."""
    from corslab.fetch import model
    from corslab.probing import probe

    open_playground(page, "frontend")
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    result = send(page, target="api", path="/v1/users?ui=blocked")

    origin = SERVICES["frontend"].origin
    url = SERVICES["api"].origin + "/v1/users?ui=blocked"
    found = probe.probe(url, origin, "GET", [], "same-origin", "cors", None)
    decision = model.decide(model.FetchRequest(url, origin), found.preflight, found.response)
    assert not decision.allowed

    box = page.locator("#result")
    assert box.get_attribute("data-state") == "error"
    assert result["error"].startswith("TypeError")
    assert box.locator("[data-field=error]").inner_text() == result["error"]
    assert "has been blocked by CORS policy" in box.inner_text()
    page.wait_for_timeout(200)  # the console message trails the rejected promise
    assert any("has been blocked by CORS policy: " in m and url in m for m in messages), messages


def test_a_malformed_header_line_is_explained(page):
    """A header line without a colon is a learner's typo: say so instead of sending."""
    open_playground(page, "frontend")
    result = send(page, target="echo", path="/typo", headers="X-Foo 1")
    assert "Name: value" in result["error"]
    assert page.locator("#result").get_attribute("data-state") == "error"
    assert "Not sent" in page.locator("#result").inner_text()


# ---- the playground beside the model: prefilled scenarios, what reached the app, the prediction --

def submit(page):
    runs = page.locator("#result").get_attribute("data-runs") or "0"
    page.get_by_role("button", name="Send").click()
    page.wait_for_function(f"(document.querySelector('#analysis').dataset.runs || '0') !== '{runs}'")
    return json.loads(page.locator("#result").get_attribute("data-corslab-result"))


def test_a_scenario_link_prefills_the_form(page):
    """corslab.widgets.playground_link writes the scenario into the URL query; the page reads it back."""
    from corslab.widgets import Scenario

    scenario = Scenario("cors-proxy", "/v1/users/2", method="PUT", credentials="include",
                        headers={"Content-Type": "application/json", "X-Trace-Id": "prefill"},
                        body='{"name": "grace"}')
    page.goto(scenario.playground_url())
    page.evaluate("window.corslab.ready")
    assert page.locator("#page-origin").inner_text() == scenario.page_origin
    assert page.get_by_label("URL").input_value() == scenario.target
    assert page.get_by_label("Method").input_value() == "PUT"
    assert page.get_by_label("Request headers").input_value() == \
        "Content-Type: application/json\nX-Trace-Id: prefill"
    assert page.get_by_label("Credentials").input_value() == "include"
    assert page.get_by_label("Body").input_value() == '{"name": "grace"}'
    assert page.locator("#target").evaluate("s => s.selectedOptions[0].dataset.service") == "cors-proxy"
    assert page.locator("#prefilled").is_visible()


@pytest.mark.parametrize("service", ["cors-proxy", "api"])
def test_the_page_says_whether_the_preflight_reached_the_app_and_shows_the_prediction(page, service):
    """A PUT with JSON needs a preflight (Fetch §4.8 CORS-preflight fetch). At method 2 nginx answers it
    (nginx/cors-proxy.conf), so the API's /_lab/seen never logs it; the bare API logs it and refuses it,
    and the actual PUT never leaves the browser. The page reads the backend's log and the kit's
    prediction (corslab.probing.probe), and says whether the model agrees with what the browser did."""
    from corslab.widgets import Scenario

    scenario = Scenario(service, f"/v1/users/1?trace=seen-{service}", method="PUT",
                        headers={"Content-Type": "application/json"}, body='{"name": "ada"}')
    predicted = scenario.probe()
    page.goto(scenario.playground_url())
    page.evaluate("window.corslab.ready")
    result = submit(page)

    assert (result["error"] is None) == predicted.allowed
    analysis = page.locator("#analysis")
    assert analysis.locator("[data-field=prediction]").get_attribute("data-agrees") == "true"
    preflight_sent = predicted.preflight is not None
    reached_app = preflight_sent and predicted.seen()["reached"][0] is not False
    seen_text = analysis.locator("[data-field=preflight-seen]").inner_text()
    assert seen_text.startswith("Your browser's OPTIONS reached" if reached_app else "No OPTIONS")
    request_text = analysis.locator("[data-field=request-seen]").inner_text()
    assert ("never reached" in request_text) == (predicted.response is None)
    answer = analysis.locator("[data-field=preflight-answer]").inner_text()
    assert f"status {predicted.preflight.status}" in analysis.locator("[data-field=preflight]").inner_text()
    assert ("access-control-allow-origin" in answer.lower()) == \
        (predicted.preflight.get("access-control-allow-origin") is not None)
    if predicted.console:
        assert analysis.locator("[data-field=console]").inner_text() == predicted.console
    assert "`" not in analysis.inner_text()  # explanations show code, never raw Markdown


def test_a_readable_error_status_is_not_coloured_as_a_success(page):
    """CORS decides readability, not success: flask-cors adds its headers to the API's 405 for DELETE
    without an id (servers/api.py), so JavaScript reads a 405 - shown as a failure of the request."""
    from corslab.widgets import Scenario

    scenario = Scenario("api-appcors", "/v1/users", method="DELETE")
    predicted = scenario.probe()
    assert predicted.allowed and predicted.response.status >= 400, predicted.report()
    page.goto(scenario.playground_url())
    page.evaluate("window.corslab.ready")
    result = submit(page)
    box = page.locator("#result")
    assert result["status"] == predicted.response.status
    assert box.get_attribute("data-outcome") == "http-error"
    assert box.get_attribute("data-state") != "ok"
    assert "not a success" in box.inner_text()


def test_a_fetch_argument_error_is_not_called_a_cors_block(page):
    """fetch() throws a TypeError for a body on GET before any request (Fetch §5.4 new Request step
    36): nothing is sent, so the page must not say 'blocked'."""
    from corslab.widgets import Scenario

    scenario = Scenario("cors-proxy", "/v1/users", method="GET", body="{}")
    predicted = scenario.probe()
    assert predicted.kind == "type-error" and not predicted.exchanges
    page.goto(scenario.playground_url())
    page.evaluate("window.corslab.ready")
    result = submit(page)
    box = page.locator("#result")
    assert result["error"].startswith("TypeError") and result["error"] != "TypeError: Failed to fetch"
    assert box.get_attribute("data-outcome") == "refused"
    assert "not a CORS block" in box.inner_text() and "Blocked" not in box.inner_text()


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_the_default_url_works_for_the_chosen_method(page, method):
    """Choosing a method on an API target rewrites the untouched URL, headers and body to ones the
    API accepts (servers/api.py: PUT/DELETE need /v1/users/<id>, POST/PUT a JSON body)."""
    open_playground(page, "frontend")
    page.get_by_label("Target").select_option(label=next(
        o for o in page.locator("#target option").all_inner_texts() if o.startswith("cors-proxy ")))
    page.get_by_label("Method").fill(method)
    page.get_by_label("Method").dispatch_event("change")
    result = submit(page)
    assert result["error"] is None and 200 <= result["status"] < 300, result
    assert page.locator("#result").get_attribute("data-outcome") == "allowed"
