"""The model's verdict equals Chromium's, scenario by scenario, on every running method of the stack.

For each case a real ``fetch()`` runs in Chromium on the playground page of the case's origin, and
the model (corslab.fetch.model) decides the same request from the same server's answers (fetched by
corslab.probing.probe). Five dimensions must agree:
  allowed    - Chromium let JavaScript read the response         == decision.allowed
  preflight  - Chromium sent a preflight (DevTools; the backend's
               /_lab/seen agrees where the backend is the target) == decision.preflight_needed
  exposed    - names in response.headers                         == decision.exposed_headers
               (cases both allow)
  reason     - Chromium's words: the text after "has been blocked by CORS policy: " (or the
               TypeError / "Fetch API cannot load" line when refused before the network)
                                                                 == decision.reason (failed fetches)
  wire       - the probe's requests reach the backend like Chromium's (method, Origin,
               Access-Control-Request-*, a cookie or not)

Where the expectations come from: the Fetch standard (CORS check, CORS-preflight fetch, CORS-safelisted
request-headers and methods), Chromium's cors_error_string.cc for the reason texts, and the WPT suites
fetch/api/cors/ and cors/ for the echo scenarios (ACAO values, ACAC values, wildcards, statuses). The
tests hard-code none of the outcomes: the model computes them and Chromium checks them.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests

from corslab.fetch import reasons
from corslab.probing.probe import BODY_PREVIEW
from corslab.stack import topology
from tests.browser.conftest import PLAYGROUND

SERVICES = topology.SERVICES
JSON = (("Content-Type", "application/json"),)

#: One id per test session, added to every trace: URLs never repeat, so Chromium's preflight cache
#: (keyed by origin and URL) never answers in place of the server we want to observe.
RUN_ID = uuid.uuid4().hex[:8]


def new_trace(name: str) -> str:
    return f"{name}-{RUN_ID}"


def seen(service: str, trace: str) -> list[dict]:
    """What reached ``service`` (a Flask backend) for this trace, oldest first."""
    answer = requests.get(f"{SERVICES[service].origin}/_lab/seen", params={"trace": trace}, timeout=5)
    answer.raise_for_status()
    return answer.json()["requests"]


@dataclass(frozen=True)
class Case:
    name: str  # unique and readable: the test id and the base of the trace
    page: str  # the service whose origin runs the page
    target: str  # the service the fetch goes to
    path: str  # path and query, without the trace
    method: str = "GET"
    headers: tuple = ()
    credentials: str = "omit"
    mode: str = "cors"
    body: str | None = None
    cache: str = "default"  # fetch()'s cache mode
    api: str = "fetch"  # or "xhr": an XMLHttpRequest (credentials "include" = withCredentials)
    body_kind: str = "string"  # string | blob | formdata | urlencoded (model.BODY_KINDS)
    blob_type: str = ""
    upload_listener: bool = False  # xhr: a listener on xhr.upload
    referrer: str | None = None  # fetch()'s referrer option (None: not given, the page's URL)
    referrer_policy: str = ""  # fetch()'s referrerPolicy ("" = Chromium's default)

    @property
    def options(self) -> dict:
        """The request options beyond fetch()'s classic ones, as model.FetchRequest names them."""
        return dict(api=self.api, body_kind=self.body_kind, blob_type=self.blob_type,
                    upload_listener=self.upload_listener, referrer_policy=self.referrer_policy,
                    **({} if self.referrer is None else {"referrer": self.referrer}))

    def url(self, trace: str) -> str:
        sep = "&" if "?" in self.path else "?"
        return f"{SERVICES[self.target].origin}{self.path}{sep}trace={trace}"


# ---- the matrix -------------------------------------------------------------------------------------

def api_cases(target: str) -> list[Case]:
    """The same API scenarios against one method of the stack."""
    user = json.dumps({"name": "grace"})
    return [
        Case(f"{target}-get-users-app", "frontend", target, "/v1/users"),
        Case(f"{target}-get-users-admin-default-credentials", "admin", target, "/v1/users",
             credentials="same-origin"),
        Case(f"{target}-get-users-untrusted", "untrusted", target, "/v1/users"),
        Case(f"{target}-me-include-app", "frontend", target, "/v1/me", credentials="include"),
        Case(f"{target}-me-include-untrusted", "untrusted", target, "/v1/me", credentials="include"),
        Case(f"{target}-post-text-plain-app", "frontend", target, "/v1/users", "POST",
             (("Content-Type", "text/plain"),), body=user),
        Case(f"{target}-put-json-app", "frontend", target, "/v1/users/1", "PUT", JSON, body=user),
        Case(f"{target}-post-json-trace-header-admin-include", "admin", target, "/v1/users", "POST",
             JSON + (("X-Trace-Id", "t1"),), credentials="include", body=user),
        Case(f"{target}-delete-untrusted", "untrusted", target, "/v1/users/999", "DELETE"),
        Case(f"{target}-custom-header-app", "frontend", target, "/v1/users", "GET", (("X-Custom", "1"),)),
        Case(f"{target}-patch-app", "frontend", target, "/v1/users/1", "PATCH", JSON, body=user),
        Case(f"{target}-authorization-include-app", "frontend", target, "/v1/me", "GET",
             (("Authorization", "Bearer lab"),), credentials="include"),
        Case(f"{target}-redirect-app", "frontend", target, "/v1/redirect?to=/v1/users"),
    ]


def same_origin_cases() -> list[Case]:
    """Method 1: the page and the API share one origin, so CORS never applies - and from elsewhere it fails."""
    so = "same-origin"
    user = json.dumps({"name": "grace"})
    return [
        Case("same-origin-get-users", so, so, "/v1/users"),
        Case("same-origin-put-json", so, so, "/v1/users/1", "PUT", JSON, body=user),
        Case("same-origin-me-default-credentials", so, so, "/v1/me", credentials="same-origin"),
        Case("same-origin-custom-header", so, so, "/v1/users", "GET", (("X-Custom", "1"),)),
        Case("same-origin-from-app-origin", "frontend", so, "/v1/users"),
    ]


def q(url: str) -> str:
    """A URL as a query-parameter value (the echo's redirect=...)."""
    return quote(url, safe="")


def echo_cases() -> list[Case]:
    """Header-echo scenarios: each URL states the exact CORS headers the server answers with."""
    e, app = "echo", "frontend"
    me = "acao={origin}"  # the echo reflects the request's Origin
    # The same echo under another host: another origin, for cross-origin redirect hops.
    other = SERVICES[e].origin.replace("//localhost:", "//127.0.0.1:")
    put = ("PUT",)
    x = (("X-Foo", "1"),)
    return [
        # Access-Control-Allow-Origin values (WPT cors/origin.htm)
        Case("echo-acao-star", app, e, "/o?acao=*"),
        Case("echo-acao-star-include", app, e, "/o?acao=*&acac=true", credentials="include"),
        Case("echo-acao-origin", app, e, f"/o?{me}"),
        Case("echo-acao-origin-untrusted", "untrusted", e, f"/o?{me}"),
        Case("echo-acao-missing", app, e, "/o"),
        Case("echo-acao-duplicate-origin", app, e, f"/o?{me}&{me}"),
        Case("echo-acao-duplicate-star", app, e, "/o?acao=*&acao=*"),
        Case("echo-acao-trailing-slash", app, e, "/o?acao={origin}/"),
        Case("echo-acao-null", app, e, "/o?acao=null"),
        Case("echo-acao-dash", app, e, "/o?acao=-"),
        Case("echo-acao-upper-case", app, e, f"/o?acao={topology.APP_ORIGIN.upper()}"),
        Case("echo-acao-other-allowed-origin", "admin", e, f"/o?acao={topology.APP_ORIGIN}"),
        Case("echo-acao-no-cors-mode", "untrusted", e, "/o", mode="no-cors"),
        # Access-Control-Allow-Credentials (WPT cors/credentials-flag.htm)
        Case("echo-acac-missing-include", app, e, f"/o?{me}", credentials="include"),
        Case("echo-acac-true-include", app, e, f"/o?{me}&acac=true", credentials="include"),
        Case("echo-acac-upper-include", app, e, f"/o?{me}&acac=TRUE", credentials="include"),
        Case("echo-acac-one-include", app, e, f"/o?{me}&acac=1", credentials="include"),
        Case("echo-acac-false-omit", app, e, f"/o?{me}&acac=false"),
        # Allow-Methods (WPT fetch/api/cors/cors-preflight-star.any.js)
        Case("echo-acam-put", app, e, f"/m?{me}&acam=PUT", *put),
        Case("echo-acam-lower-put", app, e, f"/m?{me}&acam=put", *put),
        Case("echo-acam-star-omit", app, e, f"/m?{me}&acam=*", *put),
        Case("echo-acam-star-include", app, e, f"/m?{me}&acac=true&acam=*", *put, credentials="include"),
        Case("echo-acam-missing-delete", app, e, f"/m?{me}", "DELETE"),
        Case("echo-acam-patch-lower-method", app, e, f"/m?{me}&acam=PATCH", "patch"),
        Case("echo-acam-unparsable", app, e, f"/m?{me}&acam=Bad%20method", *put),
        Case("echo-acam-safelisted-get-not-listed", app, e, f"/m?{me}&acam=PUT&acah=x-foo", "GET", x),
        # Allow-Headers
        Case("echo-acah-case-insensitive", app, e, f"/h?{me}&acah=X-FOO", "GET", x),
        Case("echo-acah-missing", app, e, f"/h?{me}", "GET", x),
        Case("echo-acah-star-omit", app, e, f"/h?{me}&acah=*", "GET", x),
        Case("echo-acah-star-include", app, e, f"/h?{me}&acac=true&acah=*", "GET", x, credentials="include"),
        Case("echo-acah-star-authorization", app, e, f"/h?{me}&acah=*", "GET", (("Authorization", "Bearer lab"),)),
        Case("echo-acah-star-authorization-include", app, e, f"/h?{me}&acac=true&acah=*", "GET",
             (("Authorization", "Bearer lab"),), credentials="include"),
        Case("echo-accept-language-129-bytes", app, e, f"/h?{me}&acah=accept-language", "GET",
             (("Accept-Language", "fr" + ",fr" * 42 + "r"),)),
        Case("echo-method-lowercase-put-normalized", app, e, f"/h?{me}&acam=PUT", "put"),
        Case("echo-head-simple", app, e, f"/h?{me}", "HEAD"),
        Case("echo-acah-unparsable", app, e, f"/h?{me}&acah=header%20name%20with%20space", "GET", x),
        Case("echo-content-type-json-preflight", app, e, f"/h?{me}&acah=content-type", "POST", JSON, body="{}"),
        Case("echo-content-type-json-not-allowed", app, e, f"/h?{me}", "POST", JSON, body="{}"),
        Case("echo-content-type-text-plain-simple", app, e, f"/h?{me}", "POST",
             (("Content-Type", "text/plain;charset=utf-8"),), body="hi"),
        Case("echo-accept-language-simple", app, e, f"/h?{me}", "GET", (("Accept-Language", "fr"),)),
        Case("echo-range-simple", app, e, f"/h?{me}", "GET", (("Range", "bytes=0-"),)),
        Case("echo-range-suffix-preflight", app, e, f"/h?{me}", "GET", (("Range", "bytes=-5"),)),
        # Preflight status and redirects (WPT cors-preflight-status.any.js, cors-preflight-redirect)
        Case("echo-preflight-500", app, e, f"/p?{me}&acam=PUT&preflight_status=500", *put),
        Case("echo-preflight-404", app, e, f"/p?{me}&acam=PUT&preflight_status=404", *put),
        Case("echo-preflight-200", app, e, f"/p?{me}&acam=PUT&preflight_status=200", *put),
        Case("echo-preflight-redirect", app, e, f"/p?{me}&acam=PUT&preflight_redirect=/elsewhere", *put),
        Case("echo-preflight-bad-origin-and-status", app, e,
             f"/p?pf_acao=null&pf_acam=PUT&preflight_status=500&{me}", *put),
        Case("echo-preflight-ok-actual-missing-acao", app, e, f"/p?pf_acao={{origin}}&pf_acam=PUT", *put),
        Case("echo-preflight-star-include", app, e, f"/p?pf_acao=*&pf_acac=true&pf_acam=PUT&{me}&acac=true",
             *put, credentials="include"),
        Case("echo-preflight-acac-missing-include", app, e, f"/p?pf_acao={{origin}}&pf_acam=PUT&{me}&acac=true",
             *put, credentials="include"),
        # Actual responses: any status passes the CORS check; redirects are checked hop by hop
        Case("echo-status-403", app, e, f"/s?{me}&status=403"),
        Case("echo-status-500-no-acao", app, e, "/s?status=500"),
        Case("echo-redirect-without-acao", app, e, "/r?redirect=/elsewhere"),
        Case("echo-redirect-followed", app, e, f"/r?acao=*&redirect={q('/r2?acao=*')}"),
        Case("echo-redirect-303-post-becomes-get", app, e,
             f"/r?{me}&redirect={q('/r2?acao={origin}')}&redirect_status=303", "POST",
             (("Content-Type", "text/plain"),), body="x"),
        Case("echo-redirect-cross-origin-null-allowed", app, e,
             f"/r?{me}&redirect={q(other + '/r2?acao=null')}"),
        Case("echo-redirect-cross-origin-origin-refused", app, e,
             f"/r?{me}&redirect={q(other + '/r2?acao=' + SERVICES[app].origin)}"),
        # Refused before the network: fetch() throws, or Blink refuses the mode
        Case("echo-same-origin-mode", app, e, f"/t?{me}", mode="same-origin"),
        Case("echo-no-cors-put", app, e, f"/t?{me}", "PUT", mode="no-cors"),
        Case("echo-get-with-body", app, e, f"/t?{me}", body="x"),
        # Exposed headers (WPT fetch/api/cors/cors-expose-star.js)
        Case("echo-aceh-listed", app, e, f"/x?{me}&hdr=X-Secret:s&aceh=X-Secret"),
        Case("echo-aceh-none", app, e, f"/x?{me}&hdr=X-Secret:s"),
        Case("echo-aceh-star-omit", app, e, f"/x?{me}&hdr=X-Secret:s&aceh=*"),
        Case("echo-aceh-star-include", app, e, f"/x?{me}&acac=true&hdr=X-Secret:s&aceh=*", credentials="include"),
        Case("echo-aceh-two-lines", app, e, f"/x?{me}&hdr=X-Secret:s&hdr=X-Other:o&aceh=X-Secret&aceh=X-Other"),
        Case("echo-aceh-request-id-lower", app, e, f"/x?{me}&aceh=x-request-id"),
        Case("echo-aceh-set-cookie-never", app, e,
             f"/x?{me}&hdr=X-Secret:s&hdr={q('Set-Cookie:echo=1; Path=/x')}&aceh=Set-Cookie,%20X-Secret"),
    ]


def stack_methods() -> list[str]:
    """The API-serving methods in the topology: app-level, method 2, and methods 3-5 once they join."""
    return ["api", "api-appcors"] + [
        name for name, s in SERVICES.items() if s.method is not None and s.method >= 2
    ]


def all_cases() -> list[Case]:
    cases = [c for target in stack_methods() for c in api_cases(target)]
    if "same-origin" in SERVICES:
        cases += same_origin_cases()
    if "echo" in SERVICES:
        cases += echo_cases()
    return cases


CASES = all_cases()


# ---- the model's side -----------------------------------------------------------------------------

def model_verdict(case: Case, origin: str, trace: str, cookies: dict[str, str]):
    return model_and_probe(case, origin, trace, cookies)[0]


def model_and_probe(case: Case, origin: str, trace: str, cookies: dict[str, str]):
    """(the model's verdict, the ProbeResult behind it - None when nothing was sent)."""
    """The model's verdict on the case, reached on the server's real answers.

    The probe fetches those answers: it sends what the page's fetch() sends (the preflight when the
    model says one is needed, cookies as the browser holds them, so e.g. /v1/me answers alike), under
    its own trace ("probe-...") so its requests stay apart from Chromium's in /_lab/seen. Then
    ``model.decide`` judges them. A redirect chain is judged by the probe hop by hop with the model's
    own steps (model.follow_redirect at each redirect, model.decide on the last answer).
    """
    from corslab.fetch import model
    from corslab.probing import probe

    headers = list(case.headers)
    page_url = origin + PLAYGROUND  # the page the browser side runs on: the Referer's source
    request = model.FetchRequest(case.url("probe-" + trace), origin, method=case.method,
                                 headers=headers, credentials=case.credentials, mode=case.mode,
                                 body=case.body, cache=case.cache, page_url=page_url, **case.options)
    if model.validate(request):  # fetch() throws before any traffic: nothing to probe
        return model.decide(request), None
    found = probe.probe(request.url, origin, case.method, headers, case.credentials, case.mode,
                        case.body, cookies=cookies, cache=case.cache, page_url=page_url,
                        **case.options)
    if found.response is None or any(e.role == "request" and e.response.is_redirect
                                     for e in found.exchanges):
        return found, found  # a redirect chain, or nothing answered (an only-if-cached miss)
    return model.decide(request, found.preflight, found.response), found


def backend_of(target: str) -> str | None:
    """The Flask backend whose /_lab/seen shows what reached it through ``target``."""
    svc = SERVICES[target]
    if svc.kind == "flask":
        return target
    apis = [u for u in svc.upstreams if SERVICES[u].kind == "flask" and u.startswith("api")]
    return apis[0] if apis else None


def on_the_wire(entries: list[dict]) -> list[tuple]:
    """What matters of each request a backend received: method, Origin, Access-Control-Request-*,
    whether a cookie came along, the Referer, the cache mode's Cache-Control and Pragma, and the
    Content-Type (a form's random boundary written as one placeholder) - the rest (User-Agent,
    Accept-Language...) is the client's own."""
    def get(entry, name):
        return next((v for k, v in entry["headers"] if k.lower() == name), None)

    def content_type(entry):
        value = get(entry, "content-type")
        return value and re.sub(r"boundary=[-\w]+", "boundary=...", value)

    return [(e["method"], get(e, "origin"), get(e, "access-control-request-method"),
             get(e, "access-control-request-headers"), get(e, "cookie") is not None,
             get(e, "referer"), get(e, "cache-control"), get(e, "pragma"), content_type(e))
            for e in entries]


def _body_shape(body: str | None):
    """What of an answer's body both sides share: the echo's method and path (trace aside); a
    body that is not the echo's JSON as itself."""
    try:
        data = json.loads(body or "")
    except ValueError:
        return body
    if not isinstance(data, dict) or "method" not in data:
        return data
    return data["method"], re.sub(r"trace=(probe-)?", "trace=", data.get("path", ""))


# ---- the test ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_model_verdict_equals_chromium(case: Case, pages, logged_in, parity):
    """Fetch standard: main fetch, CORS check, CORS-preflight fetch, HTTP-redirect fetch - as
    Chromium applies them, with Chromium's console texts (cors_error_string.cc)."""
    compare_with_chromium(case, pages, logged_in, parity)


def compare_with_chromium(case: Case, pages, logged_in, parity) -> None:
    """Run ``case`` in Chromium and through the model; count each dimension in ``parity`` and
    fail with every disagreement (shared with tests/browser/test_fuzz_parity.py)."""
    origin = SERVICES[case.page].origin
    trace = new_trace(case.name)
    seen_by = pages.at(origin).fetch(case.url(trace), key=f"trace={trace}", method=case.method,
                                     headers=case.headers, credentials=case.credentials,
                                     mode=case.mode, body=case.body, cache=case.cache,
                                     **case.options)

    # The browser-side observation of the preflight agrees with what reached a directly called backend.
    if SERVICES[case.target].kind == "flask":
        # A preflight is an OPTIONS with Access-Control-Request-Method (fetch(url, {method:
        # "OPTIONS"}) sends a plain OPTIONS as the actual request).
        options = [r for r in seen(case.target, trace) if r["method"] == "OPTIONS" and any(
            k.lower() == "access-control-request-method" for k, _ in r["headers"])]
        if len(options) != seen_by.preflights:
            seen_by.preflights = pages.at(origin).recount_preflights()
        assert len(options) == seen_by.preflights, (
            f"DevTools saw {seen_by.preflights} preflight(s) but {case.target} logged {len(options)}")

    verdict, found = model_and_probe(case, origin, trace, logged_in)
    problems = []

    def check(dimension, model_says, chromium_says):
        agree = model_says == chromium_says
        detail = f"{case.name}: model {model_says!r}, Chromium {chromium_says!r}"
        parity.count(dimension, agree, detail)
        if not agree:
            problems.append(detail.replace(f"{case.name}: ", f"{dimension}: "))

    check("allowed", verdict.allowed, seen_by.readable)
    check("preflight", verdict.preflight_needed, seen_by.preflights > 0)
    if verdict.allowed and seen_by.readable:
        check("exposed", sorted(h.lower() for h in verdict.exposed_headers), sorted(seen_by.header_names))
        if found is not None and found.allowed:  # probe --json: what the page reads
            answer = found.to_dict()
            check("status text", answer["status_text"], seen_by.result.get("statusText"))
            if case.target == "echo" and len(answer["body"] or "") < BODY_PREVIEW:
                # The body is the same kind of answer: the echo's JSON names its method and path.
                check("body", _body_shape(answer["body"]), _body_shape(seen_by.result["body"]))
    backend = backend_of(case.target)
    if backend:  # the probe sends what Chromium sent: same requests, same CORS-relevant headers
        check("wire", on_the_wire(seen(backend, "probe-" + trace)), on_the_wire(seen(backend, trace)))
    if seen_by.failed:
        # A reason may quote the URL (mode "same-origin"): the probe's differs only by its trace.
        model_reason = verdict.reason and verdict.reason.replace("trace=probe-", "trace=")
        refused = getattr(verdict, "refused_headers", [])
        if len(refused) > 1 and seen_by.reason in {reasons.header_disallowed(n) for n in refused}:
            # Several headers refused: Chromium names one in its hash-table order, the model all
            # of them (model.check_preflight; a documented difference, docs/architecture.md).
            parity.count("reason (one of several refused headers)", True)
        else:
            check("reason", model_reason, seen_by.reason)
    assert not problems, "\n".join(problems + [f"console: {seen_by.console}",
                                               f"devtools: {seen_by.cors_error}",
                                               f"model: {verdict.explanation}"])
