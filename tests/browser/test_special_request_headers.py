"""Request headers Chromium treats specially when a page sets them: preflight and wire, in Chromium 156.

Beyond the Fetch standard's lists (#forbidden-request-header, #cors-safelisted-request-header),
Chromium has its own: net/http/http_util.cc kForbiddenHeaderFields still holds User-Agent
(crbug.com/571722: the page's value is replaced and no preflight is sent, where the standard and
Firefox preflight it), services/network/public/cpp/cors/cors.cc IsCorsSafelistedHeader adds client
hints and Intervention, and the network stack sets Accept-Encoding, Host, Referer and Sec-CH-*
itself. For each name the server side tells what happened - DevTools' preflight events and the
echo's own log (/_lab/seen) - and the model's answer is computed, never written down here.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from corslab.fetch import model
from corslab.stack import topology

ECHO = topology.SERVICES["echo"].origin
PAGE_VALUE = "1"
NAMES = [
    "User-Agent", "Access-Control-Request-Private-Network", "Access-Control-Request-Local-Network",
    "Attribution-Reporting-Eligible", "Priority", "Purpose", "Sec-Purpose", "X-Requested-With",
    "Cache-Control", "Pragma", "If-Modified-Since", "If-None-Match", "Last-Event-ID", "Save-Data",
    "Intervention", "Device-Memory", "DPR", "Sec-CH-UA", "Accept-Charset", "Accept-Encoding", "DNT",
    "Referer", "Via", "Date", "Expect", "Keep-Alive", "TE", "Trailer", "Upgrade", "Host",
    "Content-Length", "Set-Cookie", "Cookie2", "Origin-Agent-Cluster", "Service-Worker",
    "X-Client-Data", "Early-Data", "Access-Control-Request-Method", "Sec-Browsing-Topics",
]


def observe(pages, name: str, value: str):
    trace = uuid.uuid4().hex
    url = f"{ECHO}/h?trace={trace}&acao=*&acah=*"
    seen_by = pages.at(topology.APP_ORIGIN).fetch(url, key=f"trace={trace}", headers=[(name, value)])
    reached = requests.get(f"{ECHO}/_lab/seen", params={"trace": trace}, timeout=5).json()["requests"]
    return url, seen_by, reached


def wire_value(entries: list[dict], name: str) -> str | None:
    actual = [e for e in entries if e["method"] != "OPTIONS"]
    return next((v for k, v in actual[-1]["headers"] if k.lower() == name.lower()), None) if actual else None


@pytest.mark.parametrize("name", NAMES)
def test_model_and_chromium_agree_on_a_header_chromium_treats_specially(name, pages):
    url, seen_by, reached = observe(pages, name, PAGE_VALUE)
    req = model.FetchRequest(url, topology.APP_ORIGIN, "GET", [(name, PAGE_VALUE)])
    sent, _ = model.effective_headers(req)
    assert seen_by.readable
    assert (seen_by.preflights > 0) == model.preflight_needed(req)
    assert ("OPTIONS" in [r["method"] for r in reached]) == model.preflight_needed(req)
    assert (wire_value(reached, name) == PAGE_VALUE) == (name.lower() in {n.lower() for n, _ in sent})


def test_chromium_sends_no_preflight_for_a_page_user_agent_and_sends_its_own(pages):
    """net/http/http_util.cc (crbug.com/571722): the page's User-Agent never reaches the server."""
    page_ua = "corslab-page-agent/1.0"
    url, seen_by, reached = observe(pages, "User-Agent", page_ua)
    req = model.FetchRequest(url, topology.APP_ORIGIN, "GET", [("User-Agent", page_ua)])
    assert seen_by.readable
    assert (seen_by.preflights > 0) == model.preflight_needed(req)
    assert ("OPTIONS" in [r["method"] for r in reached]) == model.preflight_needed(req)
    agent = wire_value(reached, "User-Agent")
    assert agent != page_ua and "Chrom" in agent
    sent, _ = model.effective_headers(req)
    assert "user-agent" not in {n.lower() for n, _ in sent}
