"""Seeded random scenarios: the model's verdict equals Chromium's on cases nobody wrote by hand.

A generator draws a page origin, a fetch() (method, headers, credentials, mode, cache mode) and the
header echo's answer (ACAO/ACAC/ACAM/ACAH/ACEH/Max-Age variants, a separate preflight answer,
statuses, redirects to the echo, to another origin or to the stack), and each case is compared
exactly as the hand-written matrix does (test_cors_matrix.compare_with_chromium: allowed, preflight,
exposed, wire, reason - counted in the session's parity figures).

What it found (each fixed in the model, with a unit test): Chromium's own safelisted request
headers (client hints, Intervention), client hints removed on redirect, the order of fetch()'s
TypeErrors, redirects to other schemes and to user:pw@ URLs; from the wide seeds (1000+): the
default `Accept: */*` counting toward the 1024-byte safelisted total, Range positions of 2**63-1,
ACAO 'http:/host' being a mismatch (GURL-valid), and an Access-Control-Max-Age beyond int64 (see
tests/browser/test_edge_parity.py and test_preflight_cache_edges.py); and one gap left open
(strict xfail): which missing header a refusal names.

The committed run is small and fixed (seed 156, 120 cases). Explore with more:

    CORSLAB_FUZZ_SEED=7 CORSLAB_FUZZ_CASES=2000 python -m pytest tests/browser/test_fuzz_parity.py -q

Seeds from 1000 on (WIDE_FROM_SEED) also draw from wider generators, so every seed below keeps
generating the cases it always did: values at the edges of the safelist rules (Content-Type
parameters, quotes and case; language and Accept bytes; Range forms beyond int64; safelisted
values adding up to just under or over 1024 bytes), method spellings, more ACAO/ACAC/ACAM/ACAH/
ACEH spellings (white space, empty items, '*' forms, a fragment or query after the origin), and
redirect chains of up to four hops (back to the first origin, 303 after a PUT, a preflight answer
of their own on each hop).

Seeds from 2000 on (ROUND3_FROM_SEED) draw the request's other dimensions too - XMLHttpRequest
(withCredentials, an upload listener), the body's kind (string, Blob with or without a type,
FormData, URLSearchParams), the referrer and its policy, cache modes more often - and add
sequences: a few requests to one URL in one browser profile (preflight cache, HTTP cache with
ETag/Cache-Control answers, cookies), compared step by step (test_fuzzed_sequence_equals_chromium).
Seeds below 2000 generate exactly the cases they always did.
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from urllib.parse import quote, urlencode

import pytest

from corslab.stack import topology
from tests.browser.conftest import PLAYGROUND
from tests.browser.test_cors_matrix import Case, compare_with_chromium, new_trace, on_the_wire, seen

SERVICES = topology.SERVICES
SEED = int(os.environ.get("CORSLAB_FUZZ_SEED", "156"))
COUNT = int(os.environ.get("CORSLAB_FUZZ_CASES", "120"))
WIDE_FROM_SEED = 1000
WIDE = SEED >= WIDE_FROM_SEED
ROUND3_FROM_SEED = 2000
ROUND3 = SEED >= ROUND3_FROM_SEED


def wider(legacy, extra):
    """``legacy`` on the seeds that always had it; ``legacy + extra`` from WIDE_FROM_SEED on."""
    return list(legacy) + list(extra) if WIDE else list(legacy)

PAGES = ("frontend", "admin", "untrusted")
ECHO = SERVICES["echo"].origin
OTHER_ECHO = ECHO.replace("//localhost:", "//127.0.0.1:")  # the same echo, another origin
STACK = ("api", "api-appcors", "cors-proxy", "ingress", "alb", "gateway")
# Never an existing user's id: Chromium's request comes first and the probe's second, so a DELETE
# of /v1/users/1 would leave the probe a 404 (and the shared stack without user 1).
STACK_PATHS = ("/v1/users", "/v1/me", "/v1/users/999")

METHODS = ("GET", "GET", "HEAD", "POST", "POST", "PUT", "DELETE", "PATCH", "patch", "put", "get",
           "Post", "OPTIONS", "X-CUSTOM", "QUERY", "purge", "TRACE", "connect", "B@D", "M!")
METHODS_WIDE = ("Delete", "oPTIONS", "Head", "head", "pAtCh", "Patch", "post", "delete", "track",
                "GET ", "get\t")

LONG = "a" * 120
HEADER_CHOICES = {
    "content-type": ["text/plain", "text/plain;charset=utf-8", "TEXT/Plain", "  text/plain  ",
                     "text/plain ; charset=utf-8", "application/json", "text/plain, application/json",
                     "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                     "text/plain;garbage", "text /plain", 'text/plain; charset="utf-8"',
                     "text/plain(x)", "text/html", "", "text/plain;" + "a" * 115,
                     "text/plain;" + "a" * 118, "text/plain\t"],
    "accept": ["*/*", "application/json", 'text/"x"', "a@b", "text/html, */*;q=0.8",
               "x" * 128, "x" * 129, "{json}", "", "a\x01", "\xe9"],
    "accept-language": ["fr", "en-US,en;q=0.9", "fr@x", "fr(1)", "fr_FR", "de-DE ", "*",
                        "f" * 128, "f" * 129, ""],
    "content-language": ["de", "de/x", "de-DE", "en, fr", "de;q=1", "c" * 127, "d!"],
    "range": ["bytes=0-", "bytes=0-10", "bytes=-5", "bytes=5-1", "bytes=0-1,2-3", "bytes = 0-",
              "Bytes=0-", "bytes=00-1", "bytes=" + "9" * 30 + "-", "bytes=1-1", "bytes=0-\t"],
    "authorization": ["Bearer lab", "Basic YTpi"],
    "x-foo": ["1", "", " spaced value ", "a\x01b", "del\x7f", "caf\xe9", "nul\x00"],
    "bad name": ["1"],
    "x-trace-id": ["t1"],
    "dpr": ["2", "1.5", "x"],
    "save-data": ["on", "off"],
    "viewport-width": ["800", "wide"],
    "device-memory": ["8", "0.5"],
    "width": ["100"],
    "rtt": ["50"],
    "downlink": ["1.5"],
    "ect": ["4g", "5g"],
    "cookie": ["a=b"],
    "origin": ["http://evil.example"],
    "sec-foo": ["1"],
    "proxy-x": ["1"],
    "connection": ["close"],
    "referer": ["http://x/"],
    "x-http-method-override": ["PUT", "TRACE"],
}
INT64 = "9223372036854775807"
HEADER_CHOICES_WIDE = {  # Fetch #cors-safelisted-request-header, value by value
    "content-type": ['text/plain;charset="utf-8"', "Text/Plain;Charset=UTF-8",
                     'multipart/form-data;boundary="x y"', "application/x-www-form-urlencoded;",
                     "text/plain;;", "text/plain; a=b; c", "text/plain\x0b", "text/plain, text/plain",
                     ";text/plain", 'text/plain;charset="a;b"', "text/plain/x", "text/*", "*/*",
                     "text/\tplain", "text\t/plain", "MULTIPART/FORM-DATA", 'text/plain;a="\\""',
                     "text/plain;a=b]", "text/plain; charset=utf-8; charset=latin1",
                     "application/x-www-form-urlencoded;charset=UTF-8", "text/plain;" + "z" * 117],
    "accept": ["a" * 127 + "?", "text/html;q=0.9", "application/json, text/plain, */*", "x\x7f",
               "[x]", "x\ty", "a:b", "<a>", "\\", "a" * 128],
    "accept-language": ["en-US,en;q=0.9,*;q=0.5", "zh-Hant-TW", "en_US", "x" * 127 + "!", "de\tDE",
                        "en'", "en+US", "e" * 128, "q=0.5;,"],
    "content-language": ["en-US, fr-CA", "*", "de_DE", "i-klingon", "x=y", "x;y", "c" * 128,
                         "c" * 129],
    "range": ["bytes=0-0", "bytes=10-5", "bytes=0-" + INT64, "bytes=0-9223372036854775808",
              f"bytes={INT64}-", "bytes=9223372036854775808-", "bytes= 0-", "bytes=0 -1",
              "bytes=+0-", "bytes=0x1-", "bytes=0-1,", "bytes=,0-1", "BYTES=0-1", "items=0-1",
              "bytes=0--1", "bytes=1-2-3", "bytes=0-1;", "bytes=1-1"],
    "intervention": ["<https://x/>; level=warning", "anything"],
}
SPELLING = {"content-type": "Content-Type", "accept-language": "Accept-Language",
            "content-language": "Content-Language", "x-http-method-override": "X-HTTP-Method-Override"}


def near_1024(rnd: random.Random) -> list[tuple[str, str]]:
    """Safelisted headers whose values add up to 1020-1028 bytes (Fetch
    #cors-unsafe-request-header-names: over 1024, every safelisted name becomes unsafe)."""
    fill = [("Accept", "a"), ("Accept-Language", "b"), ("Content-Language", "c"), ("DPR", "1"),
            ("Width", "2"), ("Viewport-Width", "3"), ("RTT", "4"), ("Device-Memory", "5"),
            ("Downlink", "6"), ("Intervention", "i")]
    rnd.shuffle(fill)
    left = rnd.randint(1020, 1028)
    headers = []
    if rnd.random() < 0.5:
        ctype = "text/plain;" + "d" * rnd.randint(0, 117)
        headers.append(("Content-Type", ctype))
        left -= len(ctype)
    for name, char in fill:
        if left <= 0:
            break
        size = min(left, 128)
        headers.append((name, char * size))
        left -= size
    return headers


def request_headers(rnd: random.Random) -> tuple:
    headers = []
    choices = {n: wider(HEADER_CHOICES.get(n, ()), HEADER_CHOICES_WIDE.get(n, ()))
               for n in list(HEADER_CHOICES) + [n for n in HEADER_CHOICES_WIDE if WIDE]}
    for _ in range(rnd.choice((0, 0, 1, 1, 1, 2, 3, 5))):
        name = rnd.choice(list(choices))
        spelled = rnd.choice((name, SPELLING.get(name, name.title()), name.upper()))
        headers.append((spelled, rnd.choice(choices[name])))
    if WIDE and rnd.random() < 0.08:
        return tuple(near_1024(rnd))
    if rnd.random() < 0.05:  # safelisted values adding up to about 1024 bytes
        headers = [("Accept", "a" * 127), ("Accept-Language", "b" * 127),
                   ("Content-Language", "c" * 127), ("Content-Type", "text/plain;" + "d" * 110),
                   ("DPR", "2"), ("Save-Data", "on"), ("Viewport-Width", "1" * rnd.randint(100, 128)),
                   ("Device-Memory", "8"), ("Width", "1" * rnd.randint(100, 128))]
    return tuple(headers)


def acao_values(rnd: random.Random, page_origin: str) -> list[str]:
    return rnd.choice([
        ["{origin}"], ["{origin}"], ["{origin}"], ["*"], ["*"], ["null"], [], [page_origin.upper()],
        [page_origin + "/"], [" {origin} "], ["{origin}", "{origin}"], ["{origin}", "*"],
        ["{origin}, " + topology.ADMIN_ORIGIN], [""], ["-"], [topology.APP_ORIGIN.split("//")[1]],
        ["http://"], [topology.ADMIN_ORIGIN], ["*, *"], ["{origin}\t"], ['"{origin}"'],
        [page_origin.replace("http:", "HTTP:")], [page_origin.replace("http:", "https:")],
        [page_origin + ":80"], ["null", "null"], ["{origin}", ""], ["file://"], ["*/*"],
    ] + wider((), [[page_origin + "#"], [page_origin + "?"], [" * "], ["\t*"], ["**"], ["*", ""],
                   ["", "{origin}"], [page_origin.replace("localhost", "LOCALHOST")],
                   [page_origin.rsplit(":", 1)[0]], [page_origin + "/path"], ["{origin}", "null"],
                   ["null"], ["null"], ["*"], ["'{origin}'"], [page_origin.replace("http://", "http:/")]]))


def acac_values(rnd: random.Random) -> list[str]:
    return rnd.choice([["true"], ["true"], [], ["TRUE"], ['"true"'], ["true", "true"], ["false"],
                       [" true"], ["true, true"], ["True"]]
                      + wider((), [["true "], ["\ttrue"], ["tRUE"], ["true", "false"], ["1"], [""],
                                   ["true;"]]))


def acam_values(rnd: random.Random, method: str) -> list[str]:
    return rnd.choice([[method], [method], [method.upper()], [method.lower()], ["*"], [], ["PUT"],
                       [f"GET, {method}"], [f"{method},"], [f",{method}"], [method, method],
                       ["PU T"], [f"{method}, *"], ["GET", method], [" , "], [f'"{method}"'],
                       ["PATCH"], ["DELETE ,PUT"]]
                      + wider((), [[" * "], ["*,"], [method.title()], ["\t" + method],
                                   [method + " ,GET"], ["GET,POST,HEAD"], ["get, post"],
                                   ["OPTIONS"], [method + ";"], [method + "/"], ["*", method],
                                   ["", method]]))


def acah_values(rnd: random.Random, headers: tuple) -> list[str]:
    names = [n for n, _ in headers] or ["X-Foo"]
    listed = ", ".join(names)
    return rnd.choice([[listed], [listed], [listed.upper()], [listed.lower()], ["*"], ["*"], [],
                       ["*, Authorization"], [f"{listed}, Authorization"], ["Authorization"],
                       ["X Foo"], [f",{listed},"], [listed, listed], [f"{listed}, *"], [","],
                       [names[0]], ["x-foo"]]
                      + wider((), [["Authorization, *"], [listed + ";"], ["\t" + listed],
                                   [listed.replace(", ", ",")], ["Content-Type, Range"],
                                   ["*", "Authorization"], ["", listed], [listed.title()],
                                   [" * "], ["**"]]))


def aceh_values(rnd: random.Random) -> list[str]:
    return rnd.choice([[], [], ["*"], ["X-Secret"], ["x-secret, X-Other"], ["X-Request-Id"],
                       [", ,"], ["X-Secret", "X-Other"], ["*, X-Secret"], ["X Secret"],
                       ["Set-Cookie, X-Secret"], ["Content-Type"], ["x-secret,,x-other"],
                       ["X-Secret", "*"], ["Content-Length"], ['"X-Secret"']]
                      + wider((), [[" X-Secret "], ["x-secret;"], ["X-Secret, *"], ["Set-Cookie"],
                                   ["*", ""], ["\tX-Secret"], ["X-REQUEST-ID, x-other"],
                                   ["X-Secret,"], [" * "]]))


def echo_answer(rnd: random.Random, page_origin: str, method: str, headers: tuple,
                prefix: str = "") -> list[tuple[str, str]]:
    """The CORS part of an echo query: (parameter, value) pairs. Half the answers are mostly
    right (each header the fitting value, 80 % of the time), so that allowed cases are common."""
    right = rnd.random() < 0.5

    def pick(fitting: list[str], variants: list[str]) -> list[str]:
        return fitting if right and rnd.random() < 0.8 else variants

    names = ", ".join(n for n, _ in headers) or "X-Foo"
    params = [(prefix + "acao", v) for v in pick(["{origin}"], acao_values(rnd, page_origin))]
    if right or rnd.random() < 0.6:
        params += [(prefix + "acac", v) for v in pick(["true"], acac_values(rnd))]
    if right or rnd.random() < 0.7:
        params += [(prefix + "acam", v) for v in pick([method], acam_values(rnd, method))]
    if right or rnd.random() < 0.6:
        params += [(prefix + "acah", v) for v in pick([names], acah_values(rnd, headers))]
    if rnd.random() < 0.3:
        params.append((prefix + "acma", rnd.choice(["0", "-1", "600", "soon", "99999"])))
    return params


def redirect_target(rnd: random.Random, page_origin: str, method: str, headers: tuple,
                    unique: str, hop: int = 1) -> str:
    kind = rnd.choice(("same", "same", "cross", "stack", "odd") + (("cross", "same") if WIDE else ()))
    if kind == "odd":  # user:password@ in the Location, or not http(s) at all
        return rnd.choice((ECHO.replace("//", "//user:pw@") + f"/r2?acao=*&u={unique}",
                           OTHER_ECHO.replace("//", "//user@") + f"/r2?acao=*&u={unique}",
                           "data:,hello", "ftp://localhost/x", OTHER_ECHO.split(":", 1)[1] + "/r2?acao=null"))
    if kind == "stack":
        return SERVICES[rnd.choice(STACK)].origin + rnd.choice(STACK_PATHS) + f"?u={unique}"
    base = ECHO if kind == "same" else OTHER_ECHO
    params = echo_answer(rnd, page_origin, method, headers) + [("u", unique)]
    if rnd.random() < 0.3:
        params.append(("acao", "null"))
    if WIDE and rnd.random() < 0.3:  # the hop's own preflight answer
        params += echo_answer(rnd, page_origin, method, headers, prefix="pf_")
    if WIDE and hop < 4 and rnd.random() < 0.45:  # a chain: this hop redirects again
        params.append(("redirect", redirect_target(rnd, page_origin, method, headers, unique, hop + 1)))
        params.append(("redirect_status", str(rnd.choice((301, 302, 303, 307, 308)))))
    return base + f"/r{hop + 1}?" + urlencode(params, quote_via=quote)


def make_case(rnd: random.Random, index: int) -> Case:
    name = f"fuzz-{SEED}-{index}"
    page = rnd.choice(PAGES)
    page_origin = SERVICES[page].origin
    method = rnd.choice(wider(METHODS, METHODS_WIDE))
    headers = request_headers(rnd)
    credentials = rnd.choice(("omit", "same-origin", "include", "include"))
    mode = rnd.choices(("cors", "no-cors", "same-origin"), weights=(90, 7, 3))[0]
    cache = rnd.choices(("default", "no-store", "reload", "no-cache", "force-cache", "only-if-cached"),
                        weights=(80, 5, 5, 5, 4, 1))[0]
    body = None
    if rnd.random() < (0.6 if method.upper() not in ("GET", "HEAD") else 0.03):
        body = rnd.choice(('{"a": 1}', "x"))
    if rnd.random() < 0.1:  # one of the stack's own services, as it is
        target = rnd.choice(STACK)
        return Case(name, page, target, rnd.choice(STACK_PATHS), method, headers, credentials, mode,
                    body, cache)
    params = echo_answer(rnd, page_origin, method, headers)
    if rnd.random() < 0.3:
        params += [("hdr", "X-Secret:s")] + ([("hdr", "X-Other:o")] if rnd.random() < 0.5 else [])
    if rnd.random() < 0.5:
        params += [("aceh", v) for v in aceh_values(rnd)]
    if rnd.random() < 0.35:  # the preflight gets an answer of its own
        params += echo_answer(rnd, page_origin, method, headers, prefix="pf_")
    roll = rnd.random()
    if roll < 0.15:
        params.append(("preflight_status", str(rnd.choice((200, 201, 202, 203, 205, 206, 299, 304,
                                                          400, 401, 403, 404, 405, 500, 503)))))
    elif roll < 0.22:
        params.append(("preflight_redirect", "/elsewhere"))
        params.append(("preflight_redirect_status", str(rnd.choice((301, 302, 307, 308)))))
    roll = rnd.random()
    if roll < 0.15:
        params.append(("status", str(rnd.choice((201, 202, 203, 206, 299, 400, 403, 404, 500, 503)))))
    elif roll < 0.30:
        params.append(("redirect", redirect_target(rnd, page_origin, method, headers, name)))
        params.append(("redirect_status", str(rnd.choice((301, 302, 303, 307, 308)))))
    path = "/f?" + urlencode(params, quote_via=quote)
    return Case(name, page, "echo", path, method, headers, credentials, mode, body, cache)


REFERRER_POLICIES = ("no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
                     "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url")
BLOB_TYPES = ("", "", "text/plain", "application/json", "Text/HTML;Charset=UTF-8",
              "application/json\x01", "multipart/form-data; boundary=x", "text/plain\x7f")


def round3(rnd: random.Random, case: Case) -> Case:
    """The dimensions of seeds from ROUND3_FROM_SEED on, drawn over a case of the older generators."""
    changes: dict = {}
    if rnd.random() < 0.25:  # an XMLHttpRequest: mode cors, no cache mode, withCredentials or not
        changes.update(api="xhr", mode="cors", cache="default",
                       credentials="include" if case.credentials == "include" else "same-origin",
                       upload_listener=rnd.random() < 0.35)
    elif rnd.random() < 0.3:
        changes["cache"] = rnd.choice(("no-store", "reload", "no-cache", "force-cache"))
    if case.body is not None or rnd.random() < 0.1:
        changes["body"] = case.body if case.body is not None else "x"
        changes["body_kind"] = rnd.choice(("string", "string", "blob", "blob", "formdata", "urlencoded"))
        if changes["body_kind"] == "blob":
            changes["blob_type"] = rnd.choice(BLOB_TYPES)
    policy, referrer = rnd.random() < 0.4, rnd.random() < 0.1
    if changes.get("api") != "xhr":  # XMLHttpRequest has neither option
        if policy:
            changes["referrer_policy"] = rnd.choice(REFERRER_POLICIES)
        if referrer:
            changes["referrer"] = rnd.choice(("", "/other/page?q=1#frag", OTHER_ECHO + "/x"))
    return replace(case, **changes)


COMMITTED_ROUND3 = 40  # below ROUND3_FROM_SEED: this many of the cases again, with the new dimensions


def fuzz_cases() -> list[Case]:
    """The seed's cases. From ROUND3_FROM_SEED on each also gets the new dimensions; below it the
    cases are exactly the older ones, and the first COMMITTED_ROUND3 of them come once more with
    the new dimensions (named fuzz-SEED-r3-N), so every run exercises those too."""
    rnd = random.Random(SEED)
    cases = [make_case(rnd, i) for i in range(COUNT)]
    extra = random.Random(SEED * 7919)  # a generator of its own: the older draws stay as they were
    if ROUND3:
        return [round3(extra, c) for c in cases]
    return cases + [replace(round3(extra, c), name=c.name.replace(f"fuzz-{SEED}-", f"fuzz-{SEED}-r3-"))
                    for c in cases[:COMMITTED_ROUND3]]


def make_sequence(rnd: random.Random, index: int) -> tuple[str, str, list[Case]]:
    """(name, page, steps): two or three requests to one echo URL from one page."""
    page = rnd.choice(PAGES)
    page_origin = SERVICES[page].origin
    method = rnd.choice(("GET", "PUT", "DELETE", "POST"))
    headers = rnd.choice(((), (("X-Foo", "1"),), (("Authorization", "Bearer x"),)))
    params = echo_answer(rnd, page_origin, method, headers)
    params.append(("acma", rnd.choice(("600", "0", "5"))))
    if rnd.random() < 0.5:
        params += [("etag", "v1"), ("hdr", rnd.choice(("Cache-Control:no-cache", "Cache-Control:max-age=600",
                                                       "Cache-Control:no-store")))]
        if rnd.random() < 0.5:
            params += [("hdr304", "X-Ver:2"), ("aceh", "X-Ver")]
    if rnd.random() < 0.3:
        params.append(("hdr", f"Set-Cookie:fz{SEED}x{index}=1; Path=/"))
    name = f"fuzz-seq-{SEED}-{index}"
    path = "/s?" + urlencode(params, quote_via=quote)
    steps = []
    for _ in range(rnd.choice((2, 2, 3))):
        step_method = rnd.choice((method, method, "GET", "PUT", "DELETE"))
        steps.append(Case(name, page, "echo", path, step_method,
                          rnd.choice((headers, headers, (), (("X-Bar", "1"),))),
                          rnd.choice(("omit", "include", "same-origin")), "cors", None,
                          rnd.choice(("default", "default", "no-store", "no-cache", "force-cache", "reload"))))
    return name, page, steps


def fuzz_sequences() -> list[tuple[str, str, list[Case]]]:
    """COUNT // 6 sequences from ROUND3_FROM_SEED on; 8 below it (new tests: no older case changes)."""
    rnd = random.Random(SEED * 104729)
    return [make_sequence(rnd, i) for i in range(max(COUNT // 6, 1) if ROUND3 else 8)]


CASES = fuzz_cases()
# Several refused headers: Chromium names the first of its request-header list, which Blink fills
# from a hash map (a hash-table order; X-1..X-9 gives x-2 first in Chromium 156 here). The model
# names the first in sorted order and lists them all (Decision.refused_headers); the comparison
# accepts any of them (compare_with_chromium), and the exact name stays a known difference.
HEADER_ORDER_CASE = Case("header-order-x1-to-x9", "frontend", "echo", "/f?acao=*&acam=PUT", "PUT",
                         tuple((f"X-{i}", "1") for i in range(1, 10)))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fuzzed_model_verdict_equals_chromium(case: Case, pages, logged_in, parity):
    """The same comparison as the matrix (Fetch: main fetch, CORS check, CORS-preflight fetch,
    HTTP-redirect fetch, as Chromium 156 applies them), on generated scenarios."""
    compare_with_chromium(case, pages, logged_in, parity)


def test_several_refused_headers_chromium_names_one_the_model_lists(pages, logged_in, parity):
    """Chromium preflight_result.cc EnsureAllowedCrossOriginHeaders names the first refused name of
    the request's header list; the model lists every refused name, and Chromium's is among them."""
    from corslab.fetch import model, reasons

    compare_with_chromium(HEADER_ORDER_CASE, pages, logged_in, parity)
    origin = SERVICES["frontend"].origin
    trace = new_trace("header-order-names")
    seen_by = pages.at(origin).fetch(HEADER_ORDER_CASE.url(trace), key=f"trace={trace}",
                                     method="PUT", headers=HEADER_ORDER_CASE.headers)
    decision = model.decide(model.FetchRequest(HEADER_ORDER_CASE.url(trace), origin, "PUT",
                                               list(HEADER_ORDER_CASE.headers)),
                            model.HttpResponse(204, [("access-control-allow-origin", "*"),
                                                     ("access-control-allow-methods", "PUT")]))
    assert decision.refused_headers == [f"x-{i}" for i in range(1, 10)]
    assert seen_by.reason in {reasons.header_disallowed(n) for n in decision.refused_headers}


@pytest.mark.xfail(strict=True, reason="a known difference: Chromium names the first refused header "
                   "in Blink's hash-table order (HTTPHeaderMap), the model the first in sorted order")
def test_the_named_refused_header_is_chromiums(pages):
    """Documents the difference: the reason's one name, compared exactly."""
    from corslab.fetch import model

    origin = SERVICES["frontend"].origin
    trace = new_trace("header-order-exact")
    seen_by = pages.at(origin).fetch(HEADER_ORDER_CASE.url(trace), key=f"trace={trace}",
                                     method="PUT", headers=HEADER_ORDER_CASE.headers)
    decision = model.decide(model.FetchRequest(HEADER_ORDER_CASE.url(trace), origin, "PUT",
                                               list(HEADER_ORDER_CASE.headers)),
                            model.HttpResponse(204, [("access-control-allow-origin", "*"),
                                                     ("access-control-allow-methods", "PUT")]))
    assert decision.reason == seen_by.reason


SEQUENCES = fuzz_sequences()


@pytest.mark.parametrize("sequence", SEQUENCES, ids=[s[0] for s in SEQUENCES])
def test_fuzzed_sequence_equals_chromium(sequence, pages, logged_in, parity):
    """A few requests to one URL in one browser profile (Chromium's context; a ProbeSession with
    the preflight cache and the HTTP cache): per step the preflights sent, whether the page could
    read, and what reached the echo (test_cors_matrix.on_the_wire) agree."""
    from corslab.probing import probe

    name, page, steps = sequence
    origin = SERVICES[page].origin
    trace = new_trace(name)
    url, probe_url = steps[0].url(trace), steps[0].url("probe-" + trace)
    session = probe.ProbeSession(cache_preflights=True, http_cache=True)
    session.set_cookies(probe_url, logged_in)
    chromium, model = [], []
    for step in steps:
        before = len(seen("echo", trace))
        seen_by = pages.at(origin).fetch(url, key=f"trace={trace}", method=step.method,
                                         headers=step.headers, credentials=step.credentials,
                                         cache=step.cache)
        chromium.append((seen_by.preflights, seen_by.readable, on_the_wire(seen("echo", trace)[before:])))
        before = len(seen("echo", "probe-" + trace))
        found = session.probe(probe_url, origin, step.method, list(step.headers), step.credentials,
                              cache=step.cache, page_url=origin + PLAYGROUND)
        model.append((sum(e.role == "preflight" for e in found.exchanges), found.allowed,
                      on_the_wire(seen("echo", "probe-" + trace)[before:])))
    agree = model == chromium
    parity.count("sequence", agree, f"{name}: model {model}, Chromium {chromium}")
    assert agree, f"per step (preflights, readable, wire):\nmodel    {model}\nChromium {chromium}"
