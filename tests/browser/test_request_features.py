"""fetch() and XMLHttpRequest details beyond the CORS headers, each run in Chromium and in the model.

Every case goes through the matrix's comparison (test_cors_matrix.compare_with_chromium: allowed,
preflight, exposed headers, status text and body, reason, and the wire - method, Origin,
Access-Control-Request-*, cookie, Referer, Cache-Control, Pragma, Content-Type as the backend
logged them). Where the expected behaviour comes from:

* header values: Fetch #concept-header-value-normalize strips HTTP whitespace only, so
  ``text/plain\\v`` keeps its vertical tab and is not CORS-safelisted (WPT
  fetch/api/cors/cors-preflight-not-cors-safelisted.any.js);
* cache modes: Fetch "HTTP-network-or-cache fetch" (Pragma/Cache-Control lines), Chromium
  preflight_controller.cc (the preflight keeps the request's cache load flags);
* XMLHttpRequest: the XHR standard (send(): body dropped on GET/HEAD, charset rewrite, upload
  listener flag -> CORS-preflight flag), Blink's XHR texts and cors_error_string.cc (the
  withCredentials hint);
* bodies: Fetch "extract a body" and File API "new Blob" (the type);
* referrer: Referrer Policy "determine request's referrer", Chromium's default
  strict-origin-when-cross-origin; Fetch "new Request" step 14 (a referrer of another origin
  becomes "client");
* mode "same-origin": Fetch main fetch and HTTP-redirect fetch (a redirect to another origin is a
  network error), with Blink's console line.

No outcome is written here: the model computes it and Chromium checks it.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import quote

import pytest

from corslab.stack import topology
from tests.browser.test_cors_matrix import Case, compare_with_chromium, new_trace

SERVICES = topology.SERVICES
ECHO = SERVICES["echo"].origin
OTHER_ECHO = ECHO.replace("//localhost:", "//127.0.0.1:")
ANY = "/rf?acao=*"
ME = "/rf?acao={origin}&acac=true"
PUT_OK = "/rf?acao=*&acam=PUT&acah=*"


# An XMLHttpRequest: withCredentials false is credentials "same-origin", true is "include".
Xhr = partial(Case, api="xhr", credentials="same-origin")


def _redirect_to(name: str, target: str) -> str:
    """A same-origin path on method 1 (nginx -> api) that redirects to ``target``, which carries
    the case's trace so Chromium's console line can be matched."""
    to = f"{target}&trace={new_trace(name)}"
    return f"/v1/redirect?to={quote(to, safe='')}"


CASES = [
    # Header values: only space and tab (and CR/LF) are stripped.
    Case("value-vertical-tab-is-kept", "frontend", "echo", ANY + "&acah=content-type", "POST",
         (("Content-Type", "text/plain\v"),), body="x"),
    Case("value-spaces-and-tabs-are-stripped", "frontend", "echo", ANY, "POST",
         (("Content-Type", " \ttext/plain\t "),), body="x"),
    # Last-Event-ID: EventSource sends it itself; from a page's fetch() it is a header like any other.
    Case("last-event-id-from-fetch", "frontend", "echo", ANY, headers=(("Last-Event-ID", "1"),)),
    # Cache modes: the lines they add, to the request and to its preflight, and no preflight.
    *[Case(f"cache-{mode}-simple", "frontend", "echo", ANY, cache=mode)
      for mode in ("no-store", "reload", "no-cache", "force-cache")],
    *[Case(f"cache-{mode}-preflighted", "frontend", "echo", PUT_OK, "PUT", cache=mode)
      for mode in ("no-store", "reload", "no-cache")],
    Case("cache-no-store-own-cache-control", "frontend", "echo", PUT_OK, "PUT",
         (("Cache-Control", "max-age=5"),), cache="no-store"),
    Case("only-if-cached-nothing-cached", "same-origin", "same-origin", "/v1/health",
         mode="same-origin", cache="only-if-cached"),
    # mode "same-origin" and redirects.
    Case("same-origin-redirect-to-another-origin", "same-origin", "same-origin",
         _redirect_to("same-origin-redirect-to-another-origin", ECHO + "/so?acao=*"),
         mode="same-origin"),
    Case("same-origin-redirect-to-another-host", "same-origin", "same-origin",
         _redirect_to("same-origin-redirect-to-another-host", OTHER_ECHO + "/so?acao=*"),
         mode="same-origin"),
    Case("same-origin-redirect-staying", "same-origin", "same-origin",
         "/v1/redirect?to=%2Fv1%2Fhealth", mode="same-origin"),
    Case("cors-redirect-from-same-origin-page", "same-origin", "same-origin",
         _redirect_to("cors-redirect-from-same-origin-page", ECHO + "/so?acao=*")),
    # XMLHttpRequest.
    Xhr("xhr-simple-get", "frontend", "echo", ANY + "&hdr=X-Secret:s&aceh=X-Secret"),
    Xhr("xhr-with-credentials-wildcard", "frontend", "echo", ANY, credentials="include"),
    Xhr("xhr-with-credentials-no-acac", "frontend", "echo", "/rf?acao={origin}&acam=PUT", "PUT",
         credentials="include"),
    Xhr("xhr-with-credentials-allowed", "frontend", "echo", ME, credentials="include"),
    Xhr("xhr-without-credentials-same-origin-default", "admin", "echo", ME),
    Xhr("xhr-charset-rewritten", "frontend", "echo", ANY, "POST",
         (("Content-Type", "text/plain; charset=iso-8859-1"),), body="hi"),
    Xhr("xhr-charset-rewritten-twice", "frontend", "echo", ANY + "&acah=*", "POST",
         (("Content-Type", "application/json;charset=latin1;x=1;CHARSET=ascii"),), body="{}"),
    Xhr("xhr-get-body-dropped", "frontend", "echo", ANY, body="dropped"),
    Xhr("xhr-head-body-dropped", "frontend", "echo", ANY, "HEAD", body="dropped"),
    Xhr("xhr-upload-listener-forces-preflight", "frontend", "echo", ANY, "POST", body="hi",
        upload_listener=True),
    Xhr("xhr-upload-listener-refused", "frontend", "echo", "/rf?acao=*&pf_acao=null", "POST",
         body="hi", upload_listener=True),
    Xhr("xhr-upload-listener-without-body", "frontend", "echo", ANY, "POST",
         upload_listener=True),
    Xhr("xhr-upload-listener-get", "frontend", "echo", ANY, upload_listener=True),
    Xhr("xhr-forbidden-header-dropped", "frontend", "echo", ANY, headers=(("Cookie", "a=b"),)),
    Xhr("xhr-header-refused", "frontend", "echo", "/rf?acao=*&acam=PUT", "PUT",
         (("X-A", "1"),)),
    Xhr("xhr-invalid-method", "frontend", "echo", ANY, "B@D"),
    Xhr("xhr-forbidden-method", "frontend", "echo", ANY, "connect"),
    Xhr("xhr-forbidden-method-trace", "frontend", "echo", ANY, "TRACE"),
    Xhr("xhr-invalid-header-name", "frontend", "echo", ANY, headers=(("bad name", "1"),)),
    Xhr("xhr-invalid-header-value", "frontend", "echo", ANY, headers=(("X-A", "a\x00b"),)),
    Xhr("xhr-redirect-to-other-origin", "frontend", "echo",
         "/rf?acao=*&redirect=" + quote(OTHER_ECHO + "/r2?acao=*", safe="") + "&redirect_status=307"),
    # Bodies.
    Case("blob-without-type", "frontend", "echo", ANY, "POST", body="hi", body_kind="blob"),
    Case("blob-with-type-lower-cased", "frontend", "echo", ANY, "POST", body="hi", body_kind="blob",
         blob_type="Text/Plain;Charset=ISO-8859-1"),
    Case("blob-json-type-preflights", "frontend", "echo", ANY, "POST", body="{}",
         body_kind="blob", blob_type="application/json"),
    Case("blob-type-with-control-character-is-dropped", "frontend", "echo", ANY, "POST", body="x",
         body_kind="blob", blob_type="application/json\x01"),
    Case("formdata", "frontend", "echo", ANY, "POST", body="v", body_kind="formdata"),
    Case("formdata-put", "frontend", "echo", PUT_OK, "PUT", body="v", body_kind="formdata"),
    Case("urlencoded", "frontend", "echo", ANY, "POST", body="a b&c~*", body_kind="urlencoded"),
    Case("author-type-wins-over-blob-type", "frontend", "echo", ANY + "&acah=*", "POST",
         (("Content-Type", "application/json"),), body="{}", body_kind="blob", blob_type="text/plain"),
    Case("no-cors-blob-json-type-dropped", "frontend", "echo", ANY, "POST", body="{}",
         mode="no-cors", body_kind="blob", blob_type="application/json"),
    Case("no-cors-formdata-type-kept", "frontend", "echo", ANY, "POST", body="v", mode="no-cors",
         body_kind="formdata"),
    Xhr("xhr-blob-without-type", "frontend", "echo", ANY, "POST", body="hi", body_kind="blob"),
    Xhr("xhr-formdata", "frontend", "echo", ANY, "POST", body="v", body_kind="formdata"),
    # Referrer policy: the Referer of the request and of its preflight.
    *[Case(f"referrer-policy-{policy}-cross-origin", "frontend", "echo", PUT_OK, "PUT",
           referrer_policy=policy)
      for policy in ("no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
                     "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url")],
    *[Case(f"referrer-policy-{policy}-same-origin", "same-origin", "same-origin", "/v1/health",
           referrer_policy=policy)
      for policy in ("origin", "same-origin", "strict-origin-when-cross-origin", "no-referrer")],
    Case("referrer-default-cross-origin", "frontend", "echo", ANY),
    Case("referrer-none", "frontend", "echo", ANY, referrer=""),
    Case("referrer-own-path-unsafe-url", "frontend", "echo", ANY, referrer="/other/page?q=1#frag",
         referrer_policy="unsafe-url"),
    Case("referrer-of-another-origin-becomes-the-page", "frontend", "echo", ANY,
         referrer=OTHER_ECHO + "/x", referrer_policy="unsafe-url"),
    Case("referrer-recomputed-on-redirect", "same-origin", "same-origin",
         _redirect_to("referrer-recomputed-on-redirect", ECHO + "/so?acao=*"),
         referrer_policy="origin-when-cross-origin"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_request_feature_matches_chromium(case: Case, pages, logged_in, parity):
    """See the module docstring for the source of each behaviour."""
    compare_with_chromium(case, pages, logged_in, parity)
