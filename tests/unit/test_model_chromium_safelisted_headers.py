"""Chromium's own CORS-safelisted request headers: client hints and Intervention send no preflight.

Source: Chromium services/network/public/cpp/cors/cors.cc IsCorsSafelistedHeader; the value rules
were observed in Chromium 156 here (found by tests/browser/test_fuzz_parity.py: the model sent
``Access-Control-Request-Headers: dpr`` where Chromium sent no preflight at all).
"""

from __future__ import annotations

import pytest

from corslab.fetch import headers as fh
from corslab.fetch.model import FetchRequest, effective_headers, preflight_needed
from corslab.stack.topology import APP_ORIGIN, service

URL = service("echo").origin + "/h"


def needs(headers, **kw) -> bool:
    return preflight_needed(FetchRequest(URL, APP_ORIGIN, "GET", list(headers), **kw))


@pytest.mark.parametrize("name, value", [
    ("DPR", "2"), ("DPR", "1.5"), ("Device-Memory", "0.25"), ("Downlink", "10"),
    ("Width", "100"), ("Viewport-Width", "08"), ("RTT", "50"), ("Save-Data", "on"),
    ("Save-Data", "ON"), ("ECT", "slow-2g"), ("ECT", "4g"), ("Intervention", "anything \"at\" all"),
])
def test_chromium_safelists_client_hints_with_valid_values(name, value):
    """Observed in Chromium 156 here: no preflight for these script-set headers."""
    assert not needs([(name, value)])


@pytest.mark.parametrize("name, value", [
    ("DPR", "x"), ("DPR", "2."), ("DPR", ".5"), ("DPR", "1e3"), ("DPR", "-1"), ("DPR", "1.2.3"),
    ("Width", "8.5"), ("Width", "+8"), ("Viewport-Width", "wide"), ("RTT", "1.5"),
    ("Downlink", "1."), ("Save-Data", "off"), ("Save-Data", "on;x"), ("ECT", "5g"), ("ECT", "4G"),
    ("Width", "1" * 129), ("Intervention", "i" * 129),
])
def test_client_hints_with_other_values_need_a_preflight(name, value):
    """Observed in Chromium 156 here: a bad value (or one over 128 bytes) is not safelisted."""
    assert needs([(name, value)])


def test_client_hints_count_toward_the_1024_byte_total():
    """Observed in Chromium 156 here: 1024 bytes of safelisted values pass, 1025 make all unsafe."""
    base = [("Accept", "a" * 127), ("Accept-Language", "b" * 127), ("Content-Language", "c" * 127),
            ("Content-Type", "text/plain;" + "d" * 110), ("Intervention", "i" * 128),
            ("Width", "1" * 128), ("Viewport-Width", "1" * 128), ("RTT", "1" * 128)]
    assert not needs(base + [("DPR", "1" * 10)])
    assert fh.unsafe_request_header_names(base + [("DPR", "1" * 11)]) == [
        "accept", "accept-language", "content-language", "content-type", "dpr", "intervention",
        "rtt", "viewport-width", "width"]


def test_client_hints_are_not_no_cors_safelisted():
    """Observed in Chromium 156 here: a no-cors fetch() drops DPR, Save-Data, Intervention."""
    req = FetchRequest(URL, APP_ORIGIN, "GET", [("DPR", "2"), ("Save-Data", "on")], mode="no-cors")
    sent, dropped = effective_headers(req)
    assert sent == [] and [n for n, _ in dropped] == ["DPR", "Save-Data"]
