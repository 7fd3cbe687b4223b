"""A session of requests - one browser profile across fetches - in Chromium and in a ProbeSession.

Each scenario runs a few fetch() calls to one URL from the playground (one browser context: one
cookie jar, one HTTP cache, one preflight cache) and the same calls through one
``probe.ProbeSession(cache_preflights=True, http_cache=True)``. Per step both sides must agree on:
whether the page could read the answer, which headers it could read (and the value of X-Ver, the
header a 304 brings), and what reached the server - how many requests, whether they were
conditional (If-None-Match), and which of the scenario's cookies they carried.

Where the expected behaviour comes from: RFC 6265bis (a response's Set-Cookie is stored when the
request carried credentials, before and whatever the CORS check says; SameSite=Lax by default, so a
cross-site page's requests neither store nor send cookies - Chromium 156 blocks third-party
cookies), RFC 9111 with Fetch "HTTP-network-or-cache fetch" (fresh answers reused, stale ones
revalidated and a 304 merged into the stored answer, force-cache and only-if-cached answered from
the cache, reload and no-store going to the network), and Fetch's CORS check, which runs on what
the cache gives back. No outcome is written here: the model computes it, Chromium checks it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import requests

from corslab.stack import topology
from tests.browser.conftest import PLAYGROUND

SERVICES = topology.SERVICES
RUN_ID = uuid.uuid4().hex[:8]
COOKIE = f"rt{RUN_ID}"  # the scenarios' cookies start with this, so other cookies do not count


@dataclass(frozen=True)
class Step:
    credentials: str = "omit"
    cache: str = "default"
    mode: str = "cors"
    page: str = "frontend"


@dataclass(frozen=True)
class Sequence:
    name: str
    query: str  # the echo's answer (or, with target "same-origin", the path's query)
    steps: tuple
    target: str = "echo"
    path: str = "/session"


ME = "acao={origin}&acac=true"
SEQUENCES = [
    Sequence("cookie-set-by-one-answer-sent-with-the-next",
             f"{ME}&hdr=Set-Cookie:{COOKIE}a=1;%20Path=/", (Step("include"), Step("include"))),
    Sequence("cookie-not-stored-without-credentials",
             f"{ME}&hdr=Set-Cookie:{COOKIE}b=1;%20Path=/", (Step("omit"), Step("include"))),
    Sequence("cookie-stored-although-cors-blocks-the-answer",
             f"acao={{origin}}&hdr=Set-Cookie:{COOKIE}c=1;%20Path=/", (Step("include"), Step("include"))),
    Sequence("cookie-from-a-cross-site-page-neither-stored-nor-sent",
             f"{ME}&hdr=Set-Cookie:{COOKIE}d=1;%20Path=/",
             (Step("include", page="untrusted"), Step("include", page="untrusted"))),
    Sequence("http-cache-304-merged-into-the-stored-answer",
             "acao=*&etag=v1&hdr=Cache-Control:no-cache&hdr304=X-Ver:2&aceh=X-Ver", (Step(), Step())),
    Sequence("http-cache-fresh-answer-reused", "acao=*&hdr=Cache-Control:max-age=600&aceh=X-Request-Id",
             (Step(), Step())),
    Sequence("http-cache-force-cache-takes-a-stale-answer", "acao=*&etag=v1&hdr=Cache-Control:no-cache",
             (Step(), Step(cache="force-cache"))),
    Sequence("http-cache-no-cache-revalidates", "acao=*&etag=v1&hdr=Cache-Control:max-age=600",
             (Step(), Step(cache="no-cache"))),
    Sequence("http-cache-reload-goes-to-the-network", "acao=*&hdr=Cache-Control:max-age=600",
             (Step(), Step(cache="reload"), Step())),
    Sequence("http-cache-no-store-keeps-nothing", "acao=*&hdr=Cache-Control:max-age=600",
             (Step(cache="no-store"), Step())),
    Sequence("http-cache-no-store-answer-not-kept", "acao=*&hdr=Cache-Control:no-store",
             (Step(), Step(cache="force-cache"))),
    Sequence("http-cache-keeps-no-answer-that-fails-cors", "acao=http://x.test&hdr=Cache-Control:max-age=600",
             (Step(), Step(cache="force-cache"))),
    Sequence("http-cache-cors-check-on-the-cached-answer", "acao={origin}&hdr=Cache-Control:max-age=600",
             (Step(), Step(page="admin"))),
    Sequence("http-cache-vary-origin-keeps-answers-apart",
             "acao={origin}&hdr=Cache-Control:max-age=600&hdr=Vary:Origin", (Step(), Step(page="admin"))),
    Sequence("only-if-cached-answered-from-the-cache", "x=1",
             (Step(mode="same-origin", page="same-origin"),
              Step(mode="same-origin", cache="only-if-cached", page="same-origin")),
             target="same-origin", path="/v1/health"),
]


def _logged(target: str, trace: str) -> list[dict]:
    backend = "api" if target == "same-origin" else target
    answer = requests.get(f"{SERVICES[backend].origin}/_lab/seen", params={"trace": trace}, timeout=5)
    answer.raise_for_status()
    return answer.json()["requests"]


def _wire(entries: list[dict], sequence: Sequence) -> list[tuple]:
    """Per request that reached the server: method, conditional or not, the scenario's cookie
    (the one its query sets: the browser context also holds the other scenarios' cookies)."""
    def get(entry, name):
        return next((v for k, v in entry["headers"] if k.lower() == name), None)

    def cookies(entry):
        names = [c.split("=", 1)[0].strip() for c in (get(entry, "cookie") or "").split(";")]
        return tuple(sorted(n for n in names if n.startswith(COOKIE) and n + "=" in sequence.query))

    return [(e["method"], get(e, "if-none-match") is not None, cookies(e)) for e in entries]


def _readable(names_values) -> tuple:
    """The readable header names (X-Request-Id's value differs per answer: its name only), and
    X-Ver's value."""
    pairs = {n.lower(): v for n, v in names_values}
    return tuple(sorted(pairs)), pairs.get("x-ver")


@pytest.mark.parametrize("sequence", SEQUENCES, ids=[s.name for s in SEQUENCES])
def test_session_of_requests_matches_chromium(sequence: Sequence, pages, logged_in, parity):
    """See the module docstring for where each expectation comes from."""
    from corslab.probing import probe

    trace = f"session-{sequence.name}-{RUN_ID}"
    base = f"{SERVICES[sequence.target].origin}{sequence.path}?{sequence.query}"
    url, probe_url = f"{base}&trace={trace}", f"{base}&trace=probe-{trace}"
    session = probe.ProbeSession(cache_preflights=True, http_cache=True)
    session.set_cookies(probe_url, logged_in)  # the profile's login, as in Chromium's context
    chromium, model = [], []
    for step in sequence.steps:
        origin = SERVICES[step.page].origin
        before = len(_logged(sequence.target, trace))
        seen_by = pages.at(origin).fetch(url, key=f"trace={trace}", credentials=step.credentials,
                                         cache=step.cache, mode=step.mode)
        chromium.append((seen_by.readable, _readable(seen_by.result["headers"]) if seen_by.readable
                         else None, _wire(_logged(sequence.target, trace)[before:], sequence)))
        before = len(_logged(sequence.target, "probe-" + trace))
        found = session.probe(probe_url, origin, credentials=step.credentials, cache=step.cache,
                              mode=step.mode, page_url=origin + PLAYGROUND)
        answer = found.readable_answer
        readable = _readable([(n, v) for n, v in answer.headers if n in found.exposed_headers]) \
            if answer else None
        model.append((found.allowed, readable,
                      _wire(_logged(sequence.target, "probe-" + trace)[before:], sequence)))
    agree = model == chromium
    parity.count("session", agree, f"{sequence.name}: model {model}, Chromium {chromium}")
    assert agree, f"per step (readable, (headers, X-Ver), wire):\nmodel    {model}\nChromium {chromium}"
