"""The preflight cache: Max-Age as Chromium reads it, and entries keyed as Fetch says.

Sources: Fetch #concept-cache and #cors-preflight-fetch-0 step 7-8; Chromium preflight_result.cc
(kDefaultTimeout 5 s, kMaxTimeout 2 h, negative -> 0) and preflight_cache.cc.
"""

from __future__ import annotations

import pytest

from corslab.fetch.model import (FetchRequest, HttpResponse, PreflightCache, decide, parse_max_age,
                           preflight_needed)
from corslab.stack.topology import APP_ORIGIN, service

URL = service("api").origin + "/v1/users/1"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def answer(methods="PUT", headers="x-trace-id", max_age="600", credentials=True):
    h = [("access-control-allow-origin", APP_ORIGIN), ("access-control-allow-methods", methods),
         ("access-control-allow-headers", headers)]
    if credentials:
        h.append(("access-control-allow-credentials", "true"))
    if max_age is not None:
        h.append(("access-control-max-age", max_age))
    return HttpResponse(204, h)


def put(credentials="include", headers=(("X-Trace-Id", "1"),), method="PUT"):
    return FetchRequest(URL, APP_ORIGIN, method, list(headers), credentials=credentials)


@pytest.mark.parametrize("value, seconds", [
    (None, 5), ("abc", 5), ("", 5), ("1.5", 5), ("600", 600), ("0", 0), ("-1", 0),
    ("7199", 7199), ("7200", 7200), ("86400", 7200),
])
def test_max_age_follows_chromium(value, seconds):
    """Chromium ParseAccessControlMaxAge: absent/unparsable 5, negative 0, capped at 7200."""
    assert parse_max_age(value) == seconds


@pytest.mark.parametrize("value", ["99999999999999999999", "-99999999999999999999",
                                   "9223372036854775808", "-9223372036854775809"])
def test_max_age_beyond_int64_is_the_five_second_default(value):
    """Chromium preflight_result.cc ParseAccessControlMaxAge: base::StringToInt64 fails on
    overflow, and a value that fails to parse means kDefaultTimeout (5 s) - not the 2-hour cap,
    nor 0 for a huge negative number (checked in Chromium by
    tests/browser/test_preflight_cache_edges.py)."""
    assert parse_max_age(value) == 5


@pytest.mark.parametrize("value, seconds", [("9223372036854775807", 7200),
                                            ("-9223372036854775808", 0), ("+600", 600),
                                            ("0600", 600)])
def test_max_age_within_int64_follows_sign_and_cap(value, seconds):
    """base::StringToInt64 accepts a leading '+' and leading zeros; the int64 limits still parse."""
    assert parse_max_age(value) == seconds


def test_a_cached_answer_spares_the_next_preflight_until_it_expires():
    """Fetch #cors-preflight-fetch-0: no preflight while method and header entries match."""
    clock = Clock()
    cache = PreflightCache(clock=clock)
    assert cache.store(put(), answer(max_age="600")) == 600
    assert not preflight_needed(put(), cache)
    clock.now += 599
    assert not preflight_needed(put(), cache)
    clock.now += 2
    assert preflight_needed(put(), cache)


def test_without_max_age_the_answer_lives_five_seconds():
    """Chromium kDefaultTimeout = 5 s."""
    clock = Clock()
    cache = PreflightCache(clock=clock)
    cache.store(put(), answer(max_age=None))
    clock.now += 4.9
    assert cache.covers(put())
    clock.now += 0.2
    assert not cache.covers(put())


def test_max_age_zero_or_negative_is_not_cached():
    """Chromium: negative values become 0, meaning not cached."""
    cache = PreflightCache(clock=Clock())
    assert cache.store(put(), answer(max_age="-5")) == 0
    assert not cache.covers(put())


def test_an_entry_without_credentials_does_not_serve_a_request_with_credentials():
    """Fetch #concept-cache "cache entry match": credentials false matches only non-include."""
    cache = PreflightCache(clock=Clock())
    cache.store(put(credentials="omit"), answer(credentials=False))
    assert cache.covers(put(credentials="omit"))
    assert not cache.covers(put(credentials="include"))


def test_an_entry_with_credentials_serves_both():
    """Fetch #concept-cache: an entry whose credentials is true matches any request."""
    cache = PreflightCache(clock=Clock())
    cache.store(put(), answer())
    assert cache.covers(put(credentials="omit"))


def test_an_uncovered_header_or_method_needs_a_new_preflight():
    """Fetch #cors-preflight-fetch: every unsafe name and the method need an entry."""
    for uncovered in (put(headers=[("X-Other", "1")]), put(method="DELETE")):
        cache = PreflightCache(clock=Clock())
        cache.store(put(), answer(methods="PUT", headers="x-trace-id"))
        assert cache.covers(put(headers=[("x-TRACE-id", "2")]))  # names compare case-insensitively
        assert not cache.covers(uncovered)


def test_a_lookup_that_is_not_covered_removes_the_entry():
    """Chromium preflight_cache.cc CheckIfRequestCanSkipPreflight: "The cache entry is either stale
    or not sufficient. Remove the item from the cache." - so PUT, a DELETE it does not cover, then
    PUT again needs a preflight again (the standard's cache would still cover the PUT)."""
    for chromium, again in ((True, False), (False, True)):
        cache = PreflightCache(chromium=chromium, clock=Clock())
        cache.store(put(), answer(methods="PUT"))
        assert cache.covers(put())
        assert not cache.covers(put(method="DELETE"))
        assert cache.covers(put()) is again


def test_a_cached_star_never_covers_authorization():
    """Chromium preflight_cache.cc: the cache look-up always uses the "non-wildcard request
    headers" variant of PreflightResult::EnsureAllowedRequest, so '*' spares no request with
    Authorization - while the preflight itself lets it through (CorsNonWildcardRequestHeadersSupport
    off). Other names are covered by '*'."""
    cache = PreflightCache(clock=Clock())
    omit = dict(credentials="omit")
    star = answer(headers="*", credentials=False)
    assert decide(put(headers=[("Authorization", "Bearer x")], **omit), star, HttpResponse(
        200, [("access-control-allow-origin", APP_ORIGIN)])).allowed
    cache.store(put(headers=[("Authorization", "Bearer x")], **omit), star)
    assert not cache.covers(put(headers=[("Authorization", "Bearer x")], **omit))
    cache.store(put(**omit), star)
    assert cache.covers(put(headers=[("X-Anything", "1")], **omit))


def test_the_cache_keys_on_the_page_origin_even_when_the_request_is_tainted():
    """Chromium keys the cache on request_initiator (the page's origin), not the Origin header,
    which is 'null' after a cross-origin redirect."""
    from dataclasses import replace

    cache = PreflightCache(clock=Clock())
    tainted = replace(put(), tainted_origin=True)
    cache.store(tainted, answer())
    assert cache.covers(put())


def test_urls_of_1024_characters_or_more_are_not_cached():
    """Chromium preflight_cache.cc kMaxKeyLength = 1024."""
    cache = PreflightCache(clock=Clock())
    long = FetchRequest(URL + "?" + "a" * (1024 - len(URL) - 1), APP_ORIGIN, "PUT",
                        [("X-Trace-Id", "1")], credentials="include")
    assert len(long.url) == 1024
    cache.store(long, answer())
    assert not cache.covers(long)


def test_entries_are_per_origin_and_url():
    """Fetch #concept-cache: key includes the serialised origin and the URL."""
    cache = PreflightCache(clock=Clock())
    cache.store(put(), answer())
    other_url = FetchRequest(URL + "?x", APP_ORIGIN, "PUT", [("X-Trace-Id", "1")], credentials="include")
    other_origin = FetchRequest(URL, "http://localhost:3001", "PUT", [("X-Trace-Id", "1")],
                                credentials="include")
    assert not cache.covers(other_url) and not cache.covers(other_origin)


def test_chromium_replaces_the_answer_per_origin_and_url_the_standard_accumulates():
    """Chromium PreflightCache::AppendEntry keeps one result per (origin, URL); Fetch adds entries."""
    for chromium, covered in ((True, False), (False, True)):
        cache = PreflightCache(chromium=chromium, clock=Clock())
        cache.store(put(), answer(methods="PUT"))
        cache.store(put(method="DELETE"), answer(methods="DELETE"))
        assert cache.covers(put(method="DELETE"))
        assert cache.covers(put()) is covered


def test_decide_with_a_cache_skips_the_preflight_it_remembers():
    """decide(..., cache=...) stores a passing preflight and reuses it."""
    cache = PreflightCache(clock=Clock())
    ok = HttpResponse(200, [("access-control-allow-origin", APP_ORIGIN),
                            ("access-control-allow-credentials", "true")])
    first = decide(put(), answer(), ok, cache=cache)
    second = decide(put(), None, ok, cache=cache)
    assert first.preflight_needed and not second.preflight_needed
    assert first.allowed and second.allowed


def test_decide_says_how_long_the_browser_reuses_the_answer():
    """Chromium preflight_result.cc: Max-Age capped at 7200 s; the learner sees the effective value."""
    ok = HttpResponse(200, [("access-control-allow-origin", APP_ORIGIN),
                            ("access-control-allow-credentials", "true")])
    d = decide(put(), answer(max_age="86400"), ok)
    assert any("for 7200 s" in n for n in d.notes)


@pytest.mark.parametrize("mode, used, kept", [
    ("default", True, True), ("force-cache", True, True), ("no-store", False, False),
    ("reload", False, True), ("no-cache", False, True),
])
def test_fetch_cache_modes_that_skip_the_preflight_cache(mode, used, kept):
    """Chromium preflight_controller.cc: no-store/reload/no-cache (LOAD_DISABLE_CACHE,
    LOAD_BYPASS_CACHE, LOAD_VALIDATE_CACHE) skip the cache lookup; only no-store skips storing."""
    cache = PreflightCache(clock=Clock())
    cache.store(put(), answer())
    probe_req = FetchRequest(URL, APP_ORIGIN, "PUT", [("X-Trace-Id", "1")], credentials="include",
                             cache=mode)
    assert cache.covers(probe_req) is used
    fresh = PreflightCache(clock=Clock())
    fresh.store(probe_req, answer())
    assert fresh.covers(put()) is kept


def test_only_if_cached_needs_same_origin_mode():
    """Fetch #dom-request: 'only-if-cached' with a mode other than 'same-origin' throws."""
    d = decide(FetchRequest(URL, APP_ORIGIN, cache="only-if-cached"))
    assert d.kind == "type-error" and "only-if-cached" in d.reason
