"""The playground page itself: the form drives a real fetch() and shows what JavaScript got.

The page is static (servers/static/playground.*) and reads the stack's services from its own
origin's /_lab/topology.json, so the same file must work unchanged on every origin.
"""

from __future__ import annotations

import json

import pytest

from corslab import topology

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
    from corslab import model, probe

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
    from corslab import model, probe

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
