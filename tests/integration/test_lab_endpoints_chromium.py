"""In Chromium: a page of another origin cannot make the lab's own servers send anything.

The attacker's script runs in real pages of the stack's other origins - the untrusted site
(another site), the admin page (a same-site sibling on another port) and a sandboxed frame
(the ``null`` origin, HTML §7.5.3 sandboxing) - and tries every way a page has to reach the trusted
page's ``/_lab/predict``: fetch() in cors and no-cors mode, the old GET form, a form POST with
``enctype=text/plain`` carrying JSON. Whatever the browser lets out, the backends' own logs
(``/_lab/seen``) show that no request reached them on the attacker's behalf.
"""

from __future__ import annotations

import json
import uuid

import pytest

from corslab.probing import chromium
from corslab.stack import topology
from tests.rawhttp import send

pytestmark = pytest.mark.usefixtures("stack")

TRUSTED = topology.SERVICES["frontend"].origin
TARGET = "api-appcors"  # its policy lets the trusted origin DELETE: a forged call would go through

ATTACK = """async ({predict, target}) => {
  const body = JSON.stringify({url: target, method: "DELETE", credentials: "include"});
  const get = predict + "?url=" + encodeURIComponent(target) + "&method=DELETE";
  const tries = [
    fetch(predict, {method: "POST", headers: {"Content-Type": "application/json"}, body, credentials: "include"}),
    fetch(predict, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body, credentials: "include"}),
    fetch(predict, {method: "POST", mode: "no-cors", body: new Blob([body]), credentials: "include"}),
    fetch(get, {mode: "no-cors", credentials: "include"}),
  ];
  const outcomes = (await Promise.allSettled(tries)).map((r) => r.status);
  // a form POST: text/plain, name + "=" + value makes a JSON document
  const frame = document.createElement("iframe");
  frame.name = "sink-" + Math.random();
  document.body.append(frame);
  const form = document.createElement("form");
  Object.assign(form, {method: "POST", action: predict, enctype: "text/plain", target: frame.name});
  const field = document.createElement("input");
  field.name = body.slice(0, -1) + ',"pad": "';
  field.value = '"}';
  form.append(field);
  document.body.append(form);
  const loaded = new Promise((done) => frame.addEventListener("load", done));
  form.submit();
  await loaded;
  return outcomes;
}"""

SANDBOXED = """async ({predict, target}) => {
  const script = `
    const body = JSON.stringify({url: ${JSON.stringify(target)}, method: "DELETE"});
    Promise.allSettled([
      fetch(${JSON.stringify(predict)}, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body}),
      fetch(${JSON.stringify(predict)}, {method: "POST", headers: {"Content-Type": "application/json"}, body}),
    ]).then(() => parent.postMessage("done", "*"));`;
  const frame = document.createElement("iframe");
  frame.sandbox = "allow-scripts";
  frame.srcdoc = "<script>" + script + "</" + "script>";
  const done = new Promise((resolve) => addEventListener("message", (e) => e.data === "done" && resolve()));
  document.body.append(frame);
  await done;
  return ["sandboxed"];
}"""


@pytest.fixture(scope="module")
def browser(playwright):
    reason = chromium.unavailable()
    if reason:
        pytest.fail(f"this test drives the system Chromium: {reason}")
    browser = chromium.launch(playwright)
    yield browser
    browser.close()


def reached(trace: str) -> list[tuple[str, str | None]]:
    reply = send("GET", topology.SERVICES[TARGET].origin + f"/_lab/seen?trace={trace}")
    return [(e["method"], dict((k.lower(), v) for k, v in e["headers"]).get("origin"))
            for e in json.loads(reply.body)["requests"]]


@pytest.mark.parametrize("attacker,script", [
    ("untrusted", ATTACK), ("admin", ATTACK), ("untrusted", SANDBOXED),
], ids=["untrusted site", "same-site sibling", "null origin"])
def test_a_foreign_page_cannot_make_the_trusted_pages_server_send_anything(browser, attacker, script):
    trace = uuid.uuid4().hex
    target = topology.SERVICES[TARGET].origin + f"/v1/users/3?trace={trace}"
    page = browser.new_page()
    try:
        page.goto(topology.SERVICES[attacker].origin + "/playground.html")
        page.evaluate(script, {"predict": TRUSTED + "/_lab/predict", "target": target})
    finally:
        page.close()
    assert reached(trace) == []
    users = json.loads(send("GET", topology.SERVICES[TARGET].origin + "/v1/users").body)
    assert 3 in [u["id"] for u in users["users"]]


def test_the_attackers_own_prediction_sends_nothing_unsafe_and_nothing_as_the_trusted_origin(browser):
    """The untrusted page's own server predicts for the untrusted origin: the lab sends at most the
    preflight and a GET, with the attacker's own origin on them - what its page could send itself."""
    trace = uuid.uuid4().hex
    untrusted = topology.SERVICES["untrusted"].origin
    target = topology.SERVICES[TARGET].origin + f"/v1/users/3?trace={trace}"
    page = browser.new_page()
    try:
        page.goto(untrusted + "/playground.html")
        answer = page.evaluate("""async (target) => (await fetch("/_lab/predict", {method: "POST",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({url: target, method: "DELETE", credentials: "include"})})).json()""", target)
    finally:
        page.close()
    assert answer["allowed"] is False
    assert {m for m, _ in reached(trace)} <= {"OPTIONS", "GET"}
    assert {o for _, o in reached(trace)} <= {untrusted}


@pytest.mark.parametrize("site", ["frontend", "untrusted"])
def test_the_playground_console_shows_no_unrelated_error(browser, site):
    """A learner reads the console for CORS lines; the page itself must put no error there
    (browsers ask every origin for /favicon.ico - HTML Living Standard, link type "icon")."""
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(topology.SERVICES[site].origin + "/playground.html", wait_until="networkidle")
        page.evaluate("window.corslab.ready")
        page.wait_for_timeout(300)
    finally:
        page.close()
    assert errors == []
