"""What notebooks 00-06 show, checked from outside on the executed committed notebooks.

A learner's view has no assert cells: each check that used to sit in a hidden cell reads the
outputs a learner sees (``corslab.course.execute.executed``; a cell is named by a line it runs).
The expected behaviour comes from the Fetch standard and from Chromium, which several cells run
beside the model ("Model and Chromium agree").
"""

from __future__ import annotations

import html
import re

import pytest

from corslab.course.execute import executed as _executed
from corslab.course.execute import notebooks
from corslab.stack import topology

pytestmark = pytest.mark.usefixtures("stack")

AGREE = "Model and Chromium agree."
STEMS = {p.stem[:2]: p.stem for p in notebooks()}


def executed(name: str):
    """The executed notebook, by its full stem: the same run tests/notebooks reads (one per session)."""
    return _executed(STEMS[name])


def _cell(name: str, code: str):
    """The one code cell of notebook ``name`` whose source contains ``code`` (cells are found by
    what they run: their ids are renumbered whenever a notebook is committed)."""
    found = [c for c in executed(name).cells if c.cell_type == "code" and code in c.source]
    assert len(found) == 1, f"{len(found)} code cells of notebook {name} contain {code!r}"
    return found[0]


def plain(name: str, code: str) -> str:
    """Printed text and the text/plain form of what the cell displays."""
    parts = []
    for o in _cell(name, code).get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        else:
            parts.append(o.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def shown(name: str, code: str) -> str:
    """The HTML a learner sees (tags and styles removed, entities decoded), plus printed text."""
    parts = []
    for o in _cell(name, code).get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        else:
            data = o.get("data", {})
            parts.append(data.get("text/html") or data.get("text/plain", ""))
    text = re.sub(r"<style.*?</style>", " ", "\n".join(parts), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def seen_rows(name: str, code: str) -> list[tuple[str, str]]:
    """(method, request headers) of each row of a ``live.seen_log`` table in the cell's output."""
    rows = []
    for line in plain(name, code).splitlines():
        m = re.match(r"\s*\d+\s+(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH)\s+\S+\s+(.*)$", line)
        if m:
            rows.append((m.group(1), m.group(2)))
    return rows


# -- 00 ------------------------------------------------------------------------------------------

def test_00_runs_chromium_beside_the_model_and_they_agree():
    """Lesson 00 says the verdict's wording is the kit's prediction; Chromium's own line is beside."""
    text = shown("00", 'untrusted = Scenario("cors-proxy", "/v1/users", origin=topology.UNTRUSTED_ORIGIN)')
    assert "headless Chromium" in text and AGREE in text
    assert text.count("has been blocked by CORS policy") == 2  # the model's line and Chromium's


# -- 01 ------------------------------------------------------------------------------------------

def test_01_lab_origins_same_site_but_not_same_origin():
    lines = {line.split()[0]: line for line in plain("01", 'page = topology.APP_ORIGIN').splitlines() if line.strip()}
    assert "same origin as the app: no" in lines["admin"] and "same site: yes" in lines["admin"]
    assert "same site: no" in lines["untrusted"]


def test_01_the_bank_ran_the_evil_request_without_the_cookie_and_hid_the_answer():
    assert "-> 200" in plain("01", 'bank = topology.origin("api")')
    evil = shown("01", 'trace = live.trace_id()')
    assert "Blocked" in evil and "preflight: none needed" in evil
    rows = seen_rows("01", 'live.seen_log("api", trace)')
    assert [m for m, _ in rows] == ["GET"]
    assert f"Origin: {topology.UNTRUSTED_ORIGIN}" in rows[0][1] and "Cookie" not in rows[0][1]


def test_01_a_same_site_page_gets_the_cookie_sent_but_still_cannot_read():
    text = plain("01", 'trace2 = live.trace_id()')
    assert "the bank answered: 200" in text and "ada" in text
    assert "reads it: False" in text and "No 'Access-Control-Allow-Origin'" in text
    rows = seen_rows("01", 'trace2 = live.trace_id()')
    assert len(rows) == 1 and "Cookie:" in rows[0][1]


def test_01_python_reads_the_bare_api():
    m = re.search(r"Python read (\d+) users", plain("01", 'import json, urllib.request'))
    assert m and int(m.group(1)) >= 1


def test_01_no_cors_load_is_sent_and_opaque():
    assert "Opaque" in shown("01", 'trace3 = live.trace_id()')
    rows = seen_rows("01", 'live.seen_log("api", trace3)')
    assert len(rows) == 1 and "Sec-Fetch-Mode: no-cors" in rows[0][1]


# -- 02 ------------------------------------------------------------------------------------------

def test_02_simple_or_preflighted_as_fetch_says():
    """Fetch: CORS-safelisted method, request-headers and the three form Content-Types."""
    lines = [line for line in plain("02", '("GET", [], None),').splitlines() if "->" in line]
    got = ["simple" if line.rstrip().endswith("-> simple") else "preflight" for line in lines]
    assert got == ["simple", "simple", "simple", "simple", "preflight", "simple", "preflight",
                   "preflight"]


def test_02_bare_api_answers_but_the_page_cannot_read_method_2_allows_it():
    bare = shown("02", 'bare = probe(f"{api}/v1/users", origin=app)')
    assert "received" in bare and "Blocked" in bare and "preflight: none needed" in bare
    assert "Allowed" in shown("02", 'allowed = probe(f"{proxy}/v1/users", origin=app)')
    assert re.search(r"access-control-allow-origin\s+" + re.escape(topology.APP_ORIGIN),
                     plain("02", 'live.headers(allowed.response, "the answer through cors-proxy (CORS lines)")'), re.I)


def test_02_only_star_and_the_exact_origin_pass():
    lines = [line for line in plain("02", 'values = [app, "*", app + "/", app.replace("http://", "https://"), topology.ADMIN_ORIGIN,').splitlines() if line.startswith("ACAO")]
    assert ["page reads it" in line for line in lines] == [True, True, False, False, False, False, False]


def test_02_a_cross_origin_form_post_ran_on_the_server():
    assert "status the server sent: 201 - the page may read it: False" in plain("02", 'trace = live.trace_id()')
    assert [m for m, _ in seen_rows("02", 'trace = live.trace_id()')] == ["POST"]


def test_02_expose_headers_makes_x_request_id_readable():
    lines = plain("02", 'only_acao = probe(f"{echo}/echo?" + urlencode([("acao", "{origin}")]), origin=app)').splitlines()
    assert "x-request-id" not in lines[0].lower() and "x-request-id" in lines[1].lower()


# -- 03 ------------------------------------------------------------------------------------------

def test_03_every_trigger_sends_an_options_naming_it():
    text = plain("03", 'triggers = {')
    assert text.count("OPTIONS") == 4
    custom = [line for line in text.splitlines() if "Access-Control-Request-Headers: x-trace-id" in line]
    assert len(custom) == 1


def test_03_method_2_answers_the_preflight_at_the_edge():
    assert "Allowed" in shown("03", 'trace = live.trace_id()')
    assert [m for m, _ in seen_rows("03", 'live.seen_log("api", trace)')] == ["PUT"]
    assert "blocked by CORS policy" in plain("03", 'trace_bare = live.trace_id()')
    assert [m for m, _ in seen_rows("03", 'trace_bare = live.trace_id()')] == ["OPTIONS"]


def test_03_each_missing_part_of_the_preflight_answer_is_named():
    lines = [line for line in plain("03", 'good = {"acao": app, "acam": "PUT", "acah": "Content-Type, X-Trace-Id"}').splitlines() if "->" in line]
    assert "PUT sent, page reads it" in lines[0]
    assert "Method PUT is not allowed" in lines[1]
    assert "x-trace-id is not allowed" in lines[2]
    assert "No 'Access-Control-Allow-Origin'" in lines[3]
    assert "HTTP ok status" in lines[4]


def test_03_chromium_caps_max_age_at_two_hours():
    """services/network/cors/preflight_result.cc: kMaxTimeout 2 hours."""
    lines = plain("03", "# The model's preflight cache with a pretend clock: two hours pass in no time.").splitlines()
    assert ["sent" in l.split("preflight")[1] for l in lines] == [True, False, True]


def test_03_preflight_cache_expires_after_max_age():
    assert [m for m, _ in seen_rows("03", 'trace_cache = live.trace_id()')] == ["OPTIONS", "PUT", "PUT", "OPTIONS", "PUT"]


def test_03_redirect_hops_and_a_redirected_preflight():
    assert "ACAO on both hops:   page reads the final answer" in plain("03", 'final = f"{echo}/final?" + urlencode({"acao": app})')
    assert "Redirect is not allowed for a preflight request" in plain("03", 'pf_redirect = probe(f"{echo}/api?" + urlencode({"acao": app, "acam": "PUT", "acah": "Content-Type",')


def test_03_after_a_cross_origin_redirect_the_origin_is_null():
    """Fetch: a request whose redirect-taint is not "same-origin" serialises its origin as null
    (Chromium runs the same chain in test_lesson01_06_chromium)."""
    assert "prediction of Chromium's console line: Access to fetch" in plain("03", "tainted = chain.probe()")
    rows = seen_rows("03", 'live.seen_log("api-appcors", trace_taint)')
    assert len(rows) == 1 and "Origin: null" in rows[0][1]


# -- 04 ------------------------------------------------------------------------------------------

def test_04_only_include_sends_the_cookie():
    lines = plain("04", 'ada = ProbeSession()').splitlines()
    assert [re.search(r"answered (\d+)", line).group(1) for line in lines] == ["401", "401", "200"]
    assert all("page reads it: True" in line for line in lines)


def test_04_credentialed_answers_need_the_exact_origin_and_acac_true():
    lines = [line for line in plain("04", '"ACAO *, ACAC true":             [("acao", "*"), ("acac", "true")],').splitlines() if "->" in line]
    assert ["page reads it" in line for line in lines] == [False, False, False, True]
    assert "wildcard '*'" in lines[0]


def test_04_star_covers_authorization_in_the_kit_as_in_chromium_and_the_standard_is_said():
    """Chromium: kCorsNonWildcardRequestHeadersSupport off by default (checked in Chromium in
    test_lesson01_06_chromium); Fetch: Authorization must be named."""
    text = plain("04", "with_token = bearer.probe()")
    assert "the kit (following Chromium): allowed" in text and "Firefox 115+" in text


def test_04_a_credentialed_get_is_not_preflighted_and_cookie_is_dropped():
    text = plain("04", 'trace = live.trace_id()')
    assert "preflight sent: False" in text and "Cookie" in text.split("dropped by the browser:")[1]
    rows = seen_rows("04", 'trace = live.trace_id()')
    assert [m for m, _ in rows] == ["GET"] and "Cookie" not in rows[0][1]


def test_04_a_cross_site_login_stores_no_cookie():
    assert "after a cross-site login: 0" in plain("04", 'mallory = ProbeSession()')


def test_04_over_https_only_samesite_none_secure_is_stored_cross_site():
    """The HTTPS twins' login: the API's Lax cookie and `None` without `Secure` are refused
    cross-site, `None; Secure` is stored (RFC 6265bis; the cookie model is checked against
    Chromium in tests/browser/test_https_cookies.py)."""
    lines = [l for l in plain("04", "tls_login = ProbeSession()").splitlines() if "->" in l]
    assert len(lines) == 3, lines
    said = [line.split("->", 1) for line in lines]
    assert "SameSite=Lax" in said[0][0] and ": no - " in said[0][1]
    assert said[1][0].strip() == "SameSite=None" and ": no - " in said[1][1]
    assert said[2][0].strip() == "SameSite=None; Secure" and said[2][1].endswith(": yes")


# -- 05 ------------------------------------------------------------------------------------------

def test_05_flask_cors_answers_the_preflight_in_the_app():
    assert "Allowed" in shown("05", 'trace = live.trace_id()')
    assert [m for m, _ in seen_rows("05", 'live.seen_log("api-appcors", trace)')] == ["OPTIONS", "PUT"]
    assert "blocked by CORS policy" in plain("05", 'outsider = probe(f"{appcors}/v1/users", origin=evil)')


def test_05_flask_cors_defaults_reflect_any_origin_with_credentials():
    text = plain("05", 'for kwargs in ({}, {"supports_credentials": True}):')
    second = text.split("supports_credentials=True")[1]
    assert topology.UNTRUSTED_ORIGIN in second and re.search(r"access-control-allow-credentials\s+true", second, re.I)


def test_05_fastapi_runs_live_and_refuses_the_untrusted_preflight_with_400():
    """Starlette CORSMiddleware: a disallowed preflight gets 400 "Disallowed CORS origin"."""
    assert "Allowed" in shown("05", 'fastapi = lesson05.serve_fastapi()')
    assert "its preflight answer: 400" in plain("05", 'print("untrusted origin:", fa_evil.console)')


def test_05_proxy_and_app_both_add_acao_and_chromium_refuses_two_values():
    acao = [line for line in plain("05", 'from corslab.emulate.nginx import running').splitlines()
            if line.lower().startswith("access-control-allow-origin")]
    assert len(acao) == 2
    assert "multiple values" in plain("05", 'print(twice.console)')


# -- 06 ------------------------------------------------------------------------------------------

def test_06_one_origin_no_preflight_no_cors_headers_and_origin_only_on_the_put():
    """Fetch "append a request Origin header": same-origin GET and HEAD carry none."""
    assert "Allowed" in shown("06", 'browser = ProbeSession()') and "OPTIONS" not in shown("06", 'browser = ProbeSession()')
    assert "access-control-" not in plain("06", 'live.headers(edit.response, "the PUT\'s answer: CORS lines")').lower()
    rows = seen_rows("06", 'live.seen_log("api", trace)')
    assert [m for m, _ in rows] == ["POST", "PUT", "GET", "HEAD"]
    put, get, head = rows[1][1], rows[2][1], rows[3][1]
    assert "Cookie:" in put and "Origin:" in put
    assert "Origin:" not in get and "Origin:" not in head and "Cookie:" in get


# -- the lab in one line; concepts 15, 17, 31, 33 live ---------------------------------------------

@pytest.mark.parametrize("name", ["00", "01", "02", "03", "04", "05", "06"])
def test_the_first_cell_says_the_lab_runs_in_one_line(name):
    text = plain(name, "course.start()").strip()
    assert text.startswith("The lab is running") and len(text.splitlines()) == 1


def test_04_dev_and_prod_allowlists_each_trust_only_their_own_pages():
    """Concept 31: one code, ALLOWED_ORIGINS from the environment."""
    rows = {line.split()[0]: line.split()[1:] for line in plain("04", 'from corslab.course.lesson05 import serve_fastapi').splitlines()
            if line.startswith(("http://", "https://"))}
    assert rows[topology.APP_ORIGIN] == ["allowed", "blocked"]
    assert rows["https://app.example.com"] == ["blocked", "allowed"]


def test_05_express_fastapi_and_flask_cors_run_the_same_scenarios_live():
    """Concept 15: the verdicts agree, the refused preflight's status differs (flask-cors 200
    without headers, Express cors: next() to Express' own OPTIONS answer 200, Starlette 400)."""
    lines = plain("05", 'frameworks = lesson05.compare_frameworks({"flask-cors": appcors, "Express + cors": express.url,').splitlines()
    app = next(line for line in lines if line.startswith("app page"))
    assert app.count("allowed") == 3
    untrusted = next(line for line in lines if line.startswith("untrusted page"))
    assert untrusted.count("blocked") == 3 and "preflight 400" in untrusted
    for attacker in ("look-alike", "null origin"):
        assert next(line for line in lines if line.startswith(attacker)).count("blocked") == 3


def test_05_forward_proxy_gets_the_full_url_reverse_proxy_its_own_path():
    """Concept 17: RFC 9112 §3.2.2 absolute-form is what a client sends to a forward proxy."""
    text = plain("05", 'forward = lesson05.forward_proxy()')
    assert re.search(r"forward proxy received:\s+GET http://localhost:\d+/v1/health HTTP/1.1", text)
    assert re.search(r"> GET /v1/health\?trace=\S+ HTTP/1.1", text)
    assert [m for m, _ in seen_rows("05", 'forward = lesson05.forward_proxy()')] == ["GET"]


def test_05_a_server_side_proxy_works_around_cors_and_its_costs_are_measured():
    """Concept 33: the extra hop is timed; the API's cookie never reaches the proxy (401)."""
    text = plain("05", 'from corslab.probing.probe import ProbeSession')
    assert "the API directly:   blocked" in text and "its own /proxy/...: allowed" in text
    ms = re.search(r"latency: ([\d.]+) ms directly, ([\d.]+) ms through the proxy", text)
    assert ms and float(ms.group(1)) > 0 and float(ms.group(2)) > 0
    assert "bank's own page -> 200; through the proxy -> 401" in text
