"""What notebooks 07-13 show, checked from outside: the committed notebooks are executed once per
session (corslab.course.execute.executed) and their tables are read back from the outputs, so no
assert cell sits in a learner's view. Each check is what the text beside the table claims; the
claims' sources are in the notebooks (nginx docs for `always` and `add_header` inheritance, Kong's
handler.lua, Envoy's StringMatcher, the ALB's listener attributes, the Fetch standard)."""

from __future__ import annotations

import pytest

from corslab.course import lesson12
from corslab.course.execute import executed, outputs_text
from corslab.stack import topology

pytestmark = pytest.mark.usefixtures("stack")
APP, ADMIN, UNTRUSTED = topology.APP_ORIGIN, topology.ADMIN_ORIGIN, topology.UNTRUSTED_ORIGIN


def tables(notebook: str) -> list[list[dict]]:
    """Every text table the notebook printed (corslab.course.live.Table's plain text): rows as
    {column: cell}, columns cut where the dashed line under the header puts them."""
    found = []
    for text in outputs_text(executed(notebook)):
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if i == 0 or not line.startswith("-") or set(line) - {"-", " "}:
                continue
            starts = [j for j, ch in enumerate(line) if ch == "-" and (j == 0 or line[j - 1] == " ")]
            cut = lambda row: [row[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]  # noqa: E731
            head = cut(lines[i - 1])
            rows = []
            for row in lines[i + 1:]:
                if not row.strip() or row.lstrip().startswith("<"):
                    break
                rows.append(dict(zip(head, cut(row))))
            found.append(rows)
    return found


def table_with(notebook: str, *columns: str) -> list[dict]:
    matches = [t for t in tables(notebook) if t and all(c in t[0] for c in columns)]
    assert matches, f"no table with columns {columns} in {notebook}"
    return matches[0]


# -- 07 ------------------------------------------------------------------------------------------

def test_07_preflight_is_answered_at_nginx_and_only_the_put_reaches_the_api():
    rows = table_with("07", "exchange", "reached the API?")
    assert [(r["method"], r["status from nginx"], r["reached the API?"]) for r in rows] == \
        [("OPTIONS", "204", "no"), ("PUT", "200", "yes")]


def test_07_the_proxy_refuses_every_attack_origin_it_names_among_them_the_30000_lookalike():
    rows = table_with("07", "Origin sent", "what it is", "Access-Control-Allow-Origin back")
    listed = {r["Origin sent"]: r["Access-Control-Allow-Origin back"] for r in rows if r["what it is"] == "listed"}
    assert listed == {APP: APP, ADMIN: ADMIN}
    attacks = [r for r in rows if r["what it is"] != "listed"]
    assert len(attacks) >= 10 and all(r["Access-Control-Allow-Origin back"] == "(none)" for r in attacks)
    prefix = next(r["Origin sent"] for r in attacks if r["what it is"] == "prefix-match")
    assert APP + "0" in prefix.split(", ")   # the text names the `:30000` look-alike: it was tested


def test_07_blog_config_fails_where_the_text_says_and_the_labs_config_reads_the_401():
    rows = {r["request"]: r for r in table_with("07", "request", "verdict", "what the console says")}
    put = rows["PUT with cookies (preflighted)"]
    assert put["verdict"] == "blocked" and "Access-Control-Allow-Credentials" in put["what the console says"]
    assert rows["GET /v1/me, session expired (401)"]["verdict"] == "blocked"
    assert rows["GET from the admin app"]["verdict"] == "blocked"
    lab = rows["the lab's config: GET /v1/me (401)"]
    assert lab["verdict"] == "allowed" and lab["what the console says"] == "the page reads status 401"


def test_07_a_shared_cache_without_vary_serves_one_origin_to_another():
    rows = table_with("07", "behind the cache", "X-Cache")
    assert [r["X-Cache"] for r in rows] == ["MISS", "HIT", "MISS", "MISS"]
    assert (rows[1]["ACAO received"], rows[1]["verdict"]) == (APP, "blocked")
    assert (rows[3]["ACAO received"], rows[3]["verdict"]) == (ADMIN, "allowed")


def test_07_the_generated_config_allows_the_two_frontends_and_refuses_the_stranger():
    rows = table_with("07", "page origin", "credentialed PUT")
    assert [r["credentialed PUT"] for r in rows] == ["allowed", "allowed", "blocked"]


# -- 08 ------------------------------------------------------------------------------------------

def test_08_the_controllers_quirks_show_live():
    rows = {r["quirk"]: r["what came back"] for r in table_with("08", "quirk", "what came back")}
    assert rows["several origins"] == f"app gets {APP}, admin gets {ADMIN}"
    assert rows["Vary on a reflected answer"] == "(none)"
    assert rows["Origin: x" + APP] == "x" + APP
    assert rows["OPTIONS from the untrusted origin"].endswith("reached the API: yes")


# -- 09 ------------------------------------------------------------------------------------------

def test_09_the_alb_replaces_the_apis_correct_header():
    rows = {r["admin page calls"]: r for r in table_with("09", "admin page calls", "ACAO received")}
    assert rows["flask-cors API, directly"]["verdict"] == "allowed"
    behind = rows["the same API behind the ALB"]
    assert (behind["ACAO received"], behind["verdict"]) == (APP, "blocked")


def test_09_one_static_origin_for_everyone():
    rows = table_with("09", "page origin", "ACAO received", "Vary")
    assert {r["ACAO received"] for r in rows} == {APP}
    assert [r["verdict"] for r in rows] == ["allowed", "blocked", "blocked"]


# -- 10 ------------------------------------------------------------------------------------------

def test_10_the_three_gateways_apply_the_policy_and_only_kong_sends_vary():
    rows = {r["probe"]: r for r in table_with("10", "probe", "Kong", "Istio / Envoy")}
    for product in ("Kong", "Istio / Envoy", "API Gateway (HTTP API)"):
        assert rows["credentialed PUT from the app"][product] == "allowed"
        assert rows["GET from the admin app"][product] == "allowed"
        assert rows["PATCH + X-Unlisted (not in the policy)"][product].endswith("blocked")
    assert rows["Vary on the actual answer"]["Kong"] != "(none)"


def test_10_kong_sends_a_lone_plain_entry_to_every_origin():
    rows = table_with("10", "Kong config", "ACAO received")
    assert {r["ACAO received"] for r in rows} == {APP}
    assert [r["verdict"] for r in rows] == ["allowed", "blocked", "blocked"]


def test_10_kong_star_with_credentials_echoes_any_origin_and_a_same_site_page_reads_ada():
    rows = table_with("10", "ACAC received", "what the page read")
    assert all(r["ACAO received"] == r["page origin"] and r["ACAC received"] == "true"
               and r["verdict"] == "allowed" for r in rows)
    assert rows[0]["what the page read"].startswith("status 401")   # another site: Lax cookie stays home
    assert rows[1]["what the page read"].startswith("status 200") and "ada" in rows[1]["what the page read"]


def test_10_envoys_prefix_matcher_admits_the_port_lookalikes_exact_does_not():
    rows = {r["page origin"]: r for r in table_with("10", "exact: (the lab's file)")}
    assert rows[APP]["exact: (the lab's file)"] == rows[APP]["prefix: (one word changed)"] == "allowed"
    assert rows[APP + "0"]["prefix: (one word changed)"] == "allowed"
    assert all(r["exact: (the lab's file)"] == "blocked" for o, r in rows.items() if o != APP)


def test_10_api_gateway_refuses_star_with_credentials_at_configuration():
    (row,) = table_with("10", "CorsConfiguration", "what API Gateway says")
    assert "allow-credentials is not supported if 'allow-origin' is *" in row["what API Gateway says"]


# -- 11 ------------------------------------------------------------------------------------------

def test_11_the_matrix_reads_as_the_text_says():
    rows = {r["scenario"]: r for r in table_with("11", "scenario", "2 nginx", "4 ALB")}
    admin = rows["admin: PUT JSON with cookies"]
    assert admin["4 ALB"] == "blocked" and admin["2 nginx"] == "allowed"
    assert set(list(rows["untrusted: GET /v1/users"].values())[1:]) == {"blocked"}
    assert rows["app: GET /v1/users"]["no CORS"] == "blocked"


# -- 12 ------------------------------------------------------------------------------------------

def test_12_every_console_line_is_named_as_the_case_expects():
    rows = {r["#"]: r["what explain names it"] for r in table_with("12", "#", "what explain names it")}
    assert rows == {c.number: c.error for c in lesson12.CONSOLE_CASES + lesson12.MORE_CASES}


def test_12_each_myth_is_decided_by_what_the_lab_measured():
    rows = [r["what the lab measured"] for r in table_with("12", "belief", "what the lab measured")]
    assert rows[0].startswith("blocked, yet the API received: POST")
    assert "readable=False" in rows[1] and rows[2] == "with cookies: blocked"
    assert rows[3].endswith("True") and rows[4].startswith("raw call to the API with no CORS: 200")
    assert rows[5] == "exact allowlist vs attacker: blocked; reflect-any: allowed"
    assert rows[6] == "preflight sent: True" and "date" not in rows[7]
    assert rows[8].startswith("blocked") and rows[9].endswith("blocked")
    assert rows[10] == "via the page's own origin: allowed, preflight: False"
    assert rows[11].endswith("blocked")


# -- 13 ------------------------------------------------------------------------------------------

def test_13_reflection_a_lax_cookie_and_the_exact_allowlist():
    rows = table_with("13", "who asks for /v1/me", "CORS verdict")
    assert rows[0]["CORS verdict"] == "allowed" and rows[0]["what the page could read"].startswith("status 401")
    assert rows[1]["CORS verdict"] == "allowed" and '"username":"ada"' in rows[1]["what the page could read"]
    assert rows[2]["CORS verdict"] == "blocked"


def test_13_every_broken_check_lets_its_attacker_in_and_the_exact_list_refuses_all():
    rows = table_with("13", "check", "attacker's Origin")
    assert len(rows) == 5
    assert all(r["verdict"] == "allowed" and r["against the exact allowlist"] == "blocked" for r in rows)


def test_13_scan_finds_the_reflection_and_nothing_on_the_labs_proxy():
    rows = table_with("13", "scanned", "severity", "finding")
    assert rows and all(r["scanned"].startswith("/reflect/") for r in rows)


def test_10_api_gateway_replaces_the_backends_cors_headers():
    rows = {r["the untrusted page calls"]: r for r in table_with("10", "the untrusted page calls")}
    assert (rows["the backend, directly"]["ACAO received"], rows["the backend, directly"]["verdict"]) == ("*", "allowed")
    behind = rows["the same backend behind API Gateway"]
    assert (behind["ACAO received"], behind["verdict"]) == ("(none)", "blocked")
