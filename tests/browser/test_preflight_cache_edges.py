"""Access-Control-Max-Age values at the edges of Chromium's parser, checked against Chromium.

Chromium reads Max-Age with base::StringToInt64 (services/network/cors/preflight_result.cc
ParseAccessControlMaxAge): a leading '+' and leading zeros parse, a number beyond 64 bits does not
and falls back to kDefaultTimeout (5 s). The standard (#cors-preflight-fetch-0 step 7, "if
max-age is failure, set it to 5") agrees in spirit; an engine that clamps instead would cache a
huge value for its maximum. Each scenario fetches one URL twice from the same page, optionally
waiting between the two, and compares (preflights sent, readable) per fetch with the model's
PreflightCache driven by the probe (the same comparison as test_preflight_cache.py).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import pytest

from corslab.stack import topology
from tests.browser.test_preflight_cache import ME, Fetch

SERVICES = topology.SERVICES
RUN_ID = uuid.uuid4().hex[:8]


@dataclass(frozen=True)
class Edge:
    name: str
    max_age: str  # the echo's Access-Control-Max-Age (repeat with & for two lines)
    pause: float = 0.0  # seconds between the two fetches


EDGES = [
    Edge("plus-sign-parses", "%2B600"),
    Edge("leading-zeros-parse", "0600"),
    # 5 s in Chromium (parse failure), 0 if it were read as a negative number: cached at once.
    Edge("huge-negative-is-default-5s", "-99999999999999999999"),
    # 5 s in Chromium, 2 h if it were clamped: gone after 6 s.
    Edge("huge-positive-is-default-5s", "99999999999999999999", pause=6.0),
    # Two lines read as "600, 600": not a number, so 5 s.
    Edge("two-lines-is-default-5s", "600&acma=600", pause=6.0),
]


@pytest.mark.parametrize("edge", EDGES, ids=[e.name for e in EDGES])
def test_max_age_edge_value_caches_like_chromium(edge: Edge, pages, logged_in, parity):
    from corslab.probing import probe

    origin = SERVICES["frontend"].origin
    trace = f"cache-edge-{edge.name}-{RUN_ID}"
    url = f"{SERVICES['echo'].origin}/cache?{ME}&acam=PUT&acma={edge.max_age}&trace={trace}"
    fetches = (Fetch(), Fetch())
    page = pages.at(origin)
    session = probe.ProbeSession(cache_preflights=True)  # one browser profile, with its cache
    probe_url = url.replace(f"trace={trace}", f"trace=probe-{trace}")
    chromium, model = [], []
    for i, f in enumerate(fetches):
        if i and edge.pause:
            time.sleep(edge.pause)
        seen_by = page.fetch(url, key=f"trace={trace}", method=f.method, headers=f.headers,
                             credentials=f.credentials, cache=f.cache)
        chromium.append((seen_by.preflights, seen_by.readable))
        found = session.probe(probe_url, origin, f.method, list(f.headers), f.credentials,
                              cookies=logged_in, cache=f.cache)
        model.append((sum(e.role == "preflight" for e in found.exchanges), found.allowed))

    agree = model == chromium
    parity.count("cache", agree, f"{edge.name}: model {model}, Chromium {chromium}")
    assert agree, f"(preflights sent, readable) per fetch: model {model}, Chromium {chromium}"
