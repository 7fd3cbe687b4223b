"""What notebooks 00-06 show, checked from outside on the executed committed notebooks.

A learner's view has no assert cells: each check that used to sit in a hidden cell reads the
outputs a learner sees (``corslab.course.execute.executed``; cells named by their stable ids).
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


def _cell(name: str, cell_id: str):
    book = executed(name)
    for cell in book.cells:
        if cell.get("id") == cell_id:
            assert cell.cell_type == "code", f"{name} cell {cell_id} is not code"
            return cell
    raise AssertionError(f"{name} has no cell {cell_id}")


def plain(name: str, cell_id: str) -> str:
    """Printed text and the text/plain form of what the cell displays."""
    parts = []
    for o in _cell(name, cell_id).get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        else:
            parts.append(o.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def shown(name: str, cell_id: str) -> str:
    """The HTML a learner sees (tags and styles removed, entities decoded), plus printed text."""
    parts = []
    for o in _cell(name, cell_id).get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        else:
            data = o.get("data", {})
            parts.append(data.get("text/html") or data.get("text/plain", ""))
    text = re.sub(r"<style.*?</style>", " ", "\n".join(parts), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def seen_rows(name: str, cell_id: str) -> list[tuple[str, str]]:
    """(method, request headers) of each row of a ``live.seen_log`` table in the cell's output."""
    rows = []
    for line in plain(name, cell_id).splitlines():
        m = re.match(r"\s*\d+\s+(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH)\s+\S+\s+(.*)$", line)
        if m:
            rows.append((m.group(1), m.group(2)))
    return rows


# -- 00 ------------------------------------------------------------------------------------------

def test_00_runs_chromium_beside_the_model_and_they_agree():
    """Lesson 00 says the verdict's wording is the kit's prediction; Chromium's own line is beside."""
    text = shown("00", "23")
    assert "headless Chromium" in text and AGREE in text
    assert text.count("has been blocked by CORS policy") == 2  # the model's line and Chromium's


# -- 01 ------------------------------------------------------------------------------------------

def test_01_lab_origins_same_site_but_not_same_origin():
    lines = {line.split()[0]: line for line in plain("01", "7").splitlines() if line.strip()}
    assert "same origin as the app: no" in lines["admin"] and "same site: yes" in lines["admin"]
    assert "same site: no" in lines["untrusted"]


def test_01_the_bank_ran_the_evil_request_without_the_cookie_and_hid_the_answer():
    assert "-> 200" in plain("01", "15")
    evil = shown("01", "17")
    assert "Blocked" in evil and "preflight: none needed" in evil
    rows = seen_rows("01", "19")
    assert [m for m, _ in rows] == ["GET"]
    assert f"Origin: {topology.UNTRUSTED_ORIGIN}" in rows[0][1] and "Cookie" not in rows[0][1]


def test_01_a_same_site_page_gets_the_cookie_sent_but_still_cannot_read():
    text = plain("01", "21")
    assert "the bank answered: 200" in text and "ada" in text
    assert "reads it: False" in text and "No 'Access-Control-Allow-Origin'" in text
    rows = seen_rows("01", "21")
    assert len(rows) == 1 and "Cookie:" in rows[0][1]


def test_01_python_reads_the_bare_api():
    m = re.search(r"Python read (\d+) users", plain("01", "29"))
    assert m and int(m.group(1)) >= 1


def test_01_no_cors_load_is_sent_and_opaque():
    assert "Opaque" in shown("01", "33")
    rows = seen_rows("01", "34")
    assert len(rows) == 1 and "Sec-Fetch-Mode: no-cors" in rows[0][1]


# -- 02 ------------------------------------------------------------------------------------------

def test_02_simple_or_preflighted_as_fetch_says():
    """Fetch: CORS-safelisted method, request-headers and the three form Content-Types."""
    lines = [line for line in plain("02", "5").splitlines() if "->" in line]
    got = ["simple" if line.rstrip().endswith("-> simple") else "preflight" for line in lines]
    assert got == ["simple", "simple", "simple", "simple", "preflight", "simple", "preflight",
                   "preflight"]


def test_02_bare_api_answers_but_the_page_cannot_read_method_2_allows_it():
    bare = shown("02", "13")
    assert "received" in bare and "Blocked" in bare and "preflight: none needed" in bare
    assert "Allowed" in shown("02", "14")
    assert re.search(r"access-control-allow-origin\s+" + re.escape(topology.APP_ORIGIN),
                     plain("02", "15"), re.I)


def test_02_only_star_and_the_exact_origin_pass():
    lines = [line for line in plain("02", "20").splitlines() if line.startswith("ACAO")]
    assert ["page reads it" in line for line in lines] == [True, True, False, False, False, False, False]


def test_02_a_cross_origin_form_post_ran_on_the_server():
    assert "status the server sent: 201 - the page may read it: False" in plain("02", "24")
    assert [m for m, _ in seen_rows("02", "24")] == ["POST"]


def test_02_expose_headers_makes_x_request_id_readable():
    lines = plain("02", "28").splitlines()
    assert "x-request-id" not in lines[0].lower() and "x-request-id" in lines[1].lower()


# -- 03 ------------------------------------------------------------------------------------------

def test_03_every_trigger_sends_an_options_naming_it():
    text = plain("03", "5")
    assert text.count("OPTIONS") == 4
    custom = [line for line in text.splitlines() if "Access-Control-Request-Headers: x-trace-id" in line]
    assert len(custom) == 1


def test_03_method_2_answers_the_preflight_at_the_edge():
    assert "Allowed" in shown("03", "9")
    assert [m for m, _ in seen_rows("03", "12")] == ["PUT"]
    assert "blocked by CORS policy" in plain("03", "14")
    assert [m for m, _ in seen_rows("03", "14")] == ["OPTIONS"]


def test_03_each_missing_part_of_the_preflight_answer_is_named():
    lines = [line for line in plain("03", "22").splitlines() if "->" in line]
    assert "PUT sent, page reads it" in lines[0]
    assert "Method PUT is not allowed" in lines[1]
    assert "x-trace-id is not allowed" in lines[2]
    assert "No 'Access-Control-Allow-Origin'" in lines[3]
    assert "HTTP ok status" in lines[4]


def test_03_chromium_caps_max_age_at_two_hours():
    """services/network/cors/preflight_result.cc: kMaxTimeout 2 hours."""
    lines = plain("03", "32").splitlines()
    assert ["sent" in l.split("preflight")[1] for l in lines] == [True, False, True]


def test_03_preflight_cache_expires_after_max_age():
    assert [m for m, _ in seen_rows("03", "34")] == ["OPTIONS", "PUT", "PUT", "OPTIONS", "PUT"]


def test_03_redirect_hops_and_a_redirected_preflight():
    assert "ACAO on both hops:   page reads the final answer" in plain("03", "40")
    assert "Redirect is not allowed for a preflight request" in plain("03", "42")


def test_03_after_a_cross_origin_redirect_the_origin_is_null_in_chromium_and_the_model():
    """Fetch: a request whose redirect-taint is not "same-origin" serialises its origin as null."""
    text = shown("03", "43b")
    assert AGREE in text and "headless Chromium blocked" in text
    rows = seen_rows("03", "43c")
    assert len(rows) == 2 and all("Origin: null" in headers for _, headers in rows)


# -- 04 ------------------------------------------------------------------------------------------

def test_04_only_include_sends_the_cookie():
    lines = plain("04", "5").splitlines()
    assert [re.search(r"answered (\d+)", line).group(1) for line in lines] == ["401", "401", "200"]
    assert all("page reads it: True" in line for line in lines)


def test_04_credentialed_answers_need_the_exact_origin_and_acac_true():
    lines = [line for line in plain("04", "9").splitlines() if "->" in line]
    assert ["page reads it" in line for line in lines] == [False, False, False, True]
    assert "wildcard '*'" in lines[0]


def test_04_chromium_lets_star_cover_authorization_and_the_notebook_says_the_standard_does_not():
    """Chromium: kCorsNonWildcardRequestHeadersSupport off by default; Fetch: it must be named."""
    text = shown("04", "9b")
    assert AGREE in text and "headless Chromium allowed" in text
    assert "Firefox 115+" in text


def test_04_a_credentialed_get_is_not_preflighted_and_cookie_is_dropped():
    text = plain("04", "17")
    assert "preflight sent: False" in text and "Cookie" in text.split("dropped by the browser:")[1]
    rows = seen_rows("04", "17")
    assert [m for m, _ in rows] == ["GET"] and "Cookie" not in rows[0][1]


def test_04_a_cross_site_login_stores_no_cookie():
    assert "after a cross-site login: 0" in plain("04", "23")


# -- 05 ------------------------------------------------------------------------------------------

def test_05_flask_cors_answers_the_preflight_in_the_app():
    assert "Allowed" in shown("05", "6")
    assert [m for m, _ in seen_rows("05", "7")] == ["OPTIONS", "PUT"]
    assert "blocked by CORS policy" in plain("05", "9")


def test_05_flask_cors_defaults_reflect_any_origin_with_credentials():
    text = plain("05", "12")
    second = text.split("supports_credentials=True")[1]
    assert topology.UNTRUSTED_ORIGIN in second and re.search(r"access-control-allow-credentials\s+true", second, re.I)


def test_05_fastapi_runs_live_and_refuses_the_untrusted_preflight_with_400():
    """Starlette CORSMiddleware: a disallowed preflight gets 400 "Disallowed CORS origin"."""
    assert "Allowed" in shown("05", "24")
    assert "its preflight answer: 400" in plain("05", "25")


def test_05_proxy_and_app_both_add_acao_and_chromium_refuses_two_values():
    acao = [line for line in plain("05", "33").splitlines()
            if line.lower().startswith("access-control-allow-origin")]
    assert len(acao) == 2
    assert "multiple values" in plain("05", "34")


# -- 06 ------------------------------------------------------------------------------------------

def test_06_one_origin_no_preflight_no_cors_headers_and_origin_only_on_the_put():
    """Fetch "append a request Origin header": same-origin GET and HEAD carry none."""
    assert "Allowed" in shown("06", "13") and "OPTIONS" not in shown("06", "13")
    assert "access-control-" not in plain("06", "14").lower()
    rows = seen_rows("06", "15")
    assert [m for m, _ in rows] == ["POST", "PUT", "GET", "HEAD"]
    put, get, head = rows[1][1], rows[2][1], rows[3][1]
    assert "Cookie:" in put and "Origin:" in put
    assert "Origin:" not in get and "Origin:" not in head and "Cookie:" in get


# -- the lab in one line; concepts 15, 17, 31, 33 live ---------------------------------------------

@pytest.mark.parametrize("name", ["00", "01", "02", "03", "04", "05", "06"])
def test_the_first_cell_says_the_lab_runs_in_one_line(name):
    text = plain(name, _first_code_id(name)).strip()
    assert text.startswith("The lab is running") and len(text.splitlines()) == 1


def _first_code_id(name):
    return next(c.id for c in executed(name).cells if c.cell_type == "code")


def test_04_dev_and_prod_allowlists_each_trust_only_their_own_pages():
    """Concept 31: one code, ALLOWED_ORIGINS from the environment."""
    rows = {line.split()[0]: line.split()[1:] for line in plain("04", "30b").splitlines()
            if line.startswith(("http://", "https://"))}
    assert rows[topology.APP_ORIGIN] == ["allowed", "blocked"]
    assert rows["https://app.example.com"] == ["blocked", "allowed"]


def test_05_express_fastapi_and_flask_cors_run_the_same_scenarios_live():
    """Concept 15: the verdicts agree, the refused preflight's status differs (flask-cors 200
    without headers, Express cors: next() to Express' own OPTIONS answer 200, Starlette 400)."""
    lines = plain("05", "25b").splitlines()
    app = next(line for line in lines if line.startswith("app page"))
    assert app.count("allowed") == 3
    untrusted = next(line for line in lines if line.startswith("untrusted page"))
    assert untrusted.count("blocked") == 3 and "preflight 400" in untrusted
    for attacker in ("look-alike", "null origin"):
        assert next(line for line in lines if line.startswith(attacker)).count("blocked") == 3


def test_05_forward_proxy_gets_the_full_url_reverse_proxy_its_own_path():
    """Concept 17: RFC 9112 §3.2.2 absolute-form is what a client sends to a forward proxy."""
    text = plain("05", "41a")
    assert re.search(r"forward proxy received:\s+GET http://localhost:\d+/v1/health HTTP/1.1", text)
    assert re.search(r"> GET /v1/health\?trace=\S+ HTTP/1.1", text)
    assert [m for m, _ in seen_rows("05", "41a")] == ["GET"]


def test_05_a_server_side_proxy_works_around_cors_and_its_costs_are_measured():
    """Concept 33: the extra hop is timed; the API's cookie never reaches the proxy (401)."""
    text = plain("05", "41c")
    assert "the API directly:   blocked" in text and "its own /proxy/...: allowed" in text
    ms = re.search(r"latency: ([\d.]+) ms directly, ([\d.]+) ms through the proxy", text)
    assert ms and float(ms.group(1)) > 0 and float(ms.group(2)) > 0
    assert "bank's own page -> 200; through the proxy -> 401" in text


def test_03_after_the_tainting_redirect_model_and_chromium_send_the_same_fetch_metadata():
    """Fetch Metadata: Sec-Fetch-Site is computed from the request's origin (not its tainted
    serialisation) and every URL of the redirect chain; both rows of the log must agree."""
    rows = seen_rows("03", "43c")
    site = [re.search(r"Sec-Fetch-Site: (\S+?);", h).group(1) for _, h in rows]
    assert len(set(site)) == 1, site
