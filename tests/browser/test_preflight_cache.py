"""The preflight cache: when Chromium reuses a preflight answer, the model's cache does too.

Each scenario fetches one URL two or three times from the same page. Chromium keeps the preflight answer for
Access-Control-Max-Age seconds (5 when absent, none when 0 or negative), keyed by origin and URL,
and an answer got without credentials does not serve a credentialed request (Fetch #concept-cache;
Chromium preflight_result.cc / preflight_cache.cc). The model side is a probe session with the
model's PreflightCache. Per fetch: whether a preflight went out, and whether the page could read.
Two rules come from Chromium's preflight_cache.cc rather than the standard: the look-up checks
a cached '*' with non-wildcard request-header support (Authorization is never spared), and an
entry that does not cover a request is removed, whatever the next preflight says.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from corslab.stack import topology

SERVICES = topology.SERVICES
RUN_ID = uuid.uuid4().hex[:8]
ME = "acao={origin}&acac=true"  # the echo reflects the Origin and allows credentials
X = (("X-Foo", "1"),)
Y = (("X-Bar", "1"),)
AUTH = (("Authorization", "Bearer lab"),)


@dataclass(frozen=True)
class Fetch:
    method: str = "PUT"
    headers: tuple = ()
    credentials: str = "omit"
    cache: str = "default"  # fetch()'s cache mode
    api: str = "fetch"
    body: str | None = None
    upload_listener: bool = False

    @property
    def options(self) -> dict:
        return {"api": self.api, "upload_listener": self.upload_listener}


@dataclass(frozen=True)
class Scenario:
    name: str
    query: str  # what the echo answers, to the preflight and to the request
    first: Fetch
    second: Fetch
    third: Fetch | None = None

    @property
    def fetches(self) -> tuple:
        return (self.first, self.second) + ((self.third,) if self.third else ())


SCENARIOS = [
    Scenario("max-age-600", f"{ME}&acam=PUT&acma=600", Fetch(), Fetch()),
    Scenario("max-age-0", f"{ME}&acam=PUT&acma=0", Fetch(), Fetch()),
    Scenario("max-age-negative", f"{ME}&acam=PUT&acma=-1", Fetch(), Fetch()),
    Scenario("max-age-absent-default-5s", f"{ME}&acam=PUT", Fetch(), Fetch()),
    Scenario("max-age-unparsable", f"{ME}&acam=PUT&acma=soon", Fetch(), Fetch()),
    Scenario("omit-then-include", f"{ME}&acam=PUT&acma=600", Fetch(), Fetch(credentials="include")),
    Scenario("include-then-omit", f"{ME}&acam=PUT&acma=600", Fetch(credentials="include"), Fetch()),
    Scenario("two-methods-one-answer", f"{ME}&acam=PUT,%20DELETE&acma=600", Fetch("PUT"), Fetch("DELETE")),
    Scenario("method-not-in-cached-answer", f"{ME}&acam=PUT&acma=600", Fetch("PUT"), Fetch("DELETE")),
    Scenario("two-headers-one-answer", f"{ME}&acah=X-Foo,%20X-Bar&acma=600", Fetch("GET", X), Fetch("GET", Y)),
    Scenario("header-not-in-cached-answer", f"{ME}&acah=X-Foo&acma=600", Fetch("GET", X), Fetch("GET", Y)),
    Scenario("no-store-skips-the-cache", f"{ME}&acam=PUT&acma=600", Fetch(), Fetch(cache="no-store")),
    Scenario("reload-skips-the-cache", f"{ME}&acam=PUT&acma=600", Fetch(), Fetch(cache="reload")),
    Scenario("no-cache-skips-the-cache", f"{ME}&acam=PUT&acma=600", Fetch(), Fetch(cache="no-cache")),
    Scenario("force-cache-uses-the-cache", f"{ME}&acam=PUT&acma=600", Fetch(), Fetch(cache="force-cache")),
    Scenario("cached-star-never-spares-authorization", "acao=*&acam=PUT&acah=*&acma=600",
             Fetch(headers=AUTH), Fetch(headers=AUTH)),
    Scenario("cached-star-spares-other-headers", "acao=*&acam=PUT&acah=*&acma=600",
             Fetch(headers=X), Fetch(headers=Y)),
    Scenario("refused-request-removes-the-entry", f"{ME}&acam=PUT&acma=600",
             Fetch("PUT"), Fetch("DELETE"), Fetch("PUT")),
    Scenario("uncovered-header-removes-the-entry", f"{ME}&acah=X-Foo&acma=600",
             Fetch("GET", X), Fetch("GET", Y), Fetch("GET", X)),
    Scenario("credentialed-request-removes-an-uncredentialed-entry", f"{ME}&acam=PUT&acma=600",
             Fetch(), Fetch(credentials="include"), Fetch()),
    Scenario("no-cache-leaves-the-entry", f"{ME}&acam=PUT&acma=600",
             Fetch(), Fetch(cache="no-cache"), Fetch()),
    Scenario("max-age-0-answer-replaces-the-entry", f"{ME}&acam=PUT&acma=600&pf_acao={{origin}}"
             "&pf_acac=true&pf_acam=PUT,DELETE&pf_acma=0", Fetch("PUT"), Fetch("DELETE"), Fetch("PUT")),
    Scenario("xhr-upload-listener-preflight-is-cached", "acao=*&acma=600",
             Fetch("POST", api="xhr", body="x", upload_listener=True, credentials="same-origin"),
             Fetch("POST", api="xhr", body="x", upload_listener=True, credentials="same-origin")),
]


@pytest.mark.parametrize("scenario", SCENARIOS,
                         ids=[s.name if isinstance(s, Scenario) else None for s in SCENARIOS])
def test_preflight_cache_matches_chromium(scenario: Scenario, pages, logged_in, parity):
    from corslab.probing import probe

    origin = SERVICES["frontend"].origin
    trace = f"cache-{scenario.name}-{RUN_ID}"
    url = f"{SERVICES['echo'].origin}/cache?{scenario.query}&trace={trace}"
    page = pages.at(origin)
    chromium = []
    for f in scenario.fetches:
        seen_by = page.fetch(url, key=f"trace={trace}", method=f.method, headers=f.headers,
                             credentials=f.credentials, cache=f.cache, body=f.body, **f.options)
        chromium.append((seen_by.preflights, seen_by.readable))

    session = probe.ProbeSession(cache_preflights=True)  # one browser profile, with its cache
    model = []
    probe_url = url.replace(f"trace={trace}", f"trace=probe-{trace}")
    for f in scenario.fetches:
        found = session.probe(probe_url, origin, f.method, list(f.headers), f.credentials,
                              body=f.body, cookies=logged_in, cache=f.cache, **f.options)
        sent = sum(e.role == "preflight" for e in found.exchanges)
        model.append((sent, found.allowed))

    agree = model == chromium
    parity.count("cache", agree, f"{scenario.name}: model {model}, Chromium {chromium}")
    assert agree, f"(preflights sent, readable) per fetch: model {model}, Chromium {chromium}"
