"""Chromium 156 here: a page's User-Agent header sends no preflight and never reaches the server.

Source: Chromium net/http/http_util.cc (kForbiddenHeaderFields keeps ``user-agent``,
crbug.com/571722). The Fetch standard (#forbidden-request-header no longer lists it) and Firefox
would preflight it. The server side tells what was sent: DevTools' preflight events and the echo's
own log (/_lab/seen). The expectation is computed by the model, never written down here.
"""

from __future__ import annotations

import uuid

import requests

from corslab import model, topology

ECHO = topology.SERVICES["echo"].origin


def test_chromium_sends_no_preflight_for_a_page_user_agent_and_sends_its_own(pages):
    trace = uuid.uuid4().hex
    url = f"{ECHO}/ua?trace={trace}&acao=*&acah=*"
    page_ua = "corslab-page-agent/1.0"
    seen_by = pages.at(topology.APP_ORIGIN).fetch(url, key=f"trace={trace}",
                                                   headers=[("User-Agent", page_ua)])
    reached = requests.get(f"{ECHO}/_lab/seen", params={"trace": trace}, timeout=5).json()["requests"]
    req = model.FetchRequest(url, topology.APP_ORIGIN, "GET", [("User-Agent", page_ua)])

    assert seen_by.readable
    assert (seen_by.preflights > 0) == model.preflight_needed(req)
    assert ("OPTIONS" in [r["method"] for r in reached]) == model.preflight_needed(req)
    agent = next(v for k, v in reached[0]["headers"] if k.lower() == "user-agent")
    assert agent != page_ua and "Chrom" in agent
    sent, _ = model.effective_headers(req)
    assert "user-agent" not in {n.lower() for n, _ in sent}
