"""Every finding of the scanner against a small real server planting it, and its output formats.

Whether an origin is allowed is what the Fetch standard's CORS check says (§3.2.5 "CORS check":
one Access-Control-Allow-Origin value equal to the request's serialized origin, or `*` without
credentials; `Access-Control-Allow-Credentials: true` for credentials) - each server here is a
real HTTP server on loopback answering as the flaw would. The crafted origins are the package's
attack generator's (corslab.fetch.attacks), and a finding's id is its attack kind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corslab.fetch import attacks
from corslab.tools.scan import FIXES, IDS, crafted, scan, scan_report
from tests.scan.targets import ADMIN, TRUSTED, api, exact, regex

ROOT = Path(__file__).resolve().parents[2]
HTTPS = "https://app.example.test"

#: finding id -> (a server planting it, trusted origins, the severity it must get, scan options)
PLANTED = {
    "origin-reflected": (api(lambda o: o), [TRUSTED], "high", {}),
    "null-origin-allowed": (api(exact(TRUSTED, "null")), [TRUSTED], "high", {}),
    "prefix-match": (api(regex(r"^http://app\.example\.test")), [TRUSTED], "high", {}),
    "suffix-match": (api(regex(r"example\.test$")), [TRUSTED], "high", {}),
    "substring-match": (api(lambda o: o if o in f"{TRUSTED} {ADMIN}" else None), [TRUSTED], "high", {}),
    "unescaped-dot": (api(regex(r"^http://app.example.test$")), [TRUSTED], "high", {}),
    "special-characters": (api(regex(r"^http://app\.example\.test\W")), [TRUSTED], "high", {}),
    "subdomain-allowed": (api(regex(r"^http://([a-z0-9-]+\.)*app\.example\.test$")), [TRUSTED], "high", {}),
    "other-domain-allowed": (api(regex(r"^http://app\.example\.[a-z]+$")), [TRUSTED], "high", {}),
    "other-port-allowed": (api(regex(r"^http://app\.example\.test(:\d+)?$")), [TRUSTED], "low", {}),
    "insecure-scheme-allowed": (api(regex(r"^https?://app\.example\.test$")), [HTTPS], "high", {}),
    "localhost-allowed": (api(exact(TRUSTED, "http://localhost:3000")), [TRUSTED], "high", {}),
    "third-party-origin-allowed": (api(regex(r"^(http://app\.example\.test|https://[a-z0-9-]+\.github\.io)$")),
                                   [TRUSTED], "high", {}),
    "wildcard-with-credentials": (api(lambda o: "*"), [TRUSTED], "medium", {}),
    "wildcard-origin": (api(lambda o: "*", credentials=False), [TRUSTED], "low", {}),
    "missing-vary": (api(exact(TRUSTED), vary=False), [TRUSTED], "medium", {}),
    "preflight-reflects-request": (api(exact(TRUSTED), allow_headers="echo"), [TRUSTED], "low", {}),
    "duplicate-acao": (api(lambda o: [o, o] if o == TRUSTED else None), [TRUSTED], "low", {}),
    "null-acao-on-refusal": (api(lambda o: o if o == TRUSTED else "null", credentials=False),
                             [TRUSTED], "low", {}),
    "invalid-acao": (api(lambda o: o + "/" if o == TRUSTED else None), [TRUSTED], "low", {}),
    "error-without-cors": (api(exact(TRUSTED), errors_with_cors=False, login_required=True),
                           [TRUSTED], "low", {}),
    "private-network-allowed": (api(exact(TRUSTED), private_network=True), [TRUSTED], "low", {}),
    "trusted-origin-refused": (api(exact(ADMIN)), [TRUSTED], "info", {}),
}


def findings_of(serve, app, trusted, **options):
    return {f.id: f for f in scan(serve(app) + "/v1/me", trusted, **options)}


def test_every_finding_id_has_a_planted_target_and_the_kinds_are_the_generators():
    assert set(PLANTED) == set(IDS)
    assert set(attacks.KINDS) <= set(IDS)
    assert crafted(TRUSTED) == [(a.kind, a.origin) for a in attacks.attack_origins([TRUSTED])]


@pytest.mark.parametrize("fid", sorted(PLANTED))
def test_each_planted_flaw_is_named_with_its_severity_evidence_and_fix(fid, serve):
    app, trusted, severity, options = PLANTED[fid]
    found = findings_of(serve, app, trusted, **options)
    assert fid in found, sorted(found)
    f = found[fid]
    assert (f.severity, f.fix) == (severity, FIXES[fid])
    assert f.request["method"] in ("GET", "OPTIONS") and f.request["url"].startswith("http://127.0.0.1:")
    assert ["Origin", f.origin_sent] in f.request["headers"] and (f.response.get("status") or 0) >= 200
    assert f.origin_sent in f.evidence and " -> " in f.evidence
    if fid in attacks.KINDS:  # the origin that got through is the generator's, of that kind
        assert (f.origin_sent, fid) in {(a.origin, a.kind) for a in attacks.attack_origins(trusted)}


def test_a_correct_api_has_no_finding_at_all(serve):
    assert scan(serve(api(exact(TRUSTED, ADMIN))) + "/v1/me", [TRUSTED, ADMIN]) == []


def test_allowed_without_credentials_is_medium_not_high(serve):
    found = findings_of(serve, api(lambda o: o, credentials=False), [TRUSTED])
    assert found["origin-reflected"].severity == "medium"


def test_a_private_network_grant_to_an_origin_that_also_passes_is_medium(serve):
    found = findings_of(serve, api(lambda o: o, private_network=True), [TRUSTED])
    assert found["private-network-allowed"].severity == "medium"


def test_a_static_origin_needs_no_vary(serve):
    """ALB-style: one fixed ACAO for everybody does not depend on Origin, so no missing-vary."""
    assert "missing-vary" not in findings_of(serve, api(lambda o: TRUSTED, vary=False), [TRUSTED])


def test_a_local_origin_is_low_on_an_api_that_serves_local_origins(serve):
    """The lab itself trusts localhost:3000: 127.0.0.1:3000 let through is no development leftover."""
    app = api(exact("http://localhost:3000", "http://127.0.0.1:3000"))
    found = findings_of(serve, app, ["http://localhost:3000"])
    assert found["localhost-allowed"].severity == "low"


def test_cookies_reveal_a_flaw_shown_only_to_logged_in_users(serve):
    """Some APIs add CORS headers only for a session: --cookie scans as that user."""
    from flask import request

    app = api(lambda o: o if request.cookies.get("session") == "s3cret" else None)
    assert "origin-reflected" not in findings_of(serve, app, [TRUSTED])
    assert "origin-reflected" in findings_of(serve, app, [TRUSTED], cookies={"session": "s3cret"})


def test_method_and_header_options_scan_the_preflight_the_app_sends(serve):
    """The default preflight (PUT, Content-Type, Authorization) passes; a DELETE with X-Trace-Id
    is refused, in Chromium's words (the model's check_preflight)."""
    app = api(exact(TRUSTED))
    assert findings_of(serve, app, [TRUSTED]) == {}
    found = findings_of(serve, app, [TRUSTED], method="DELETE", headers=["X-Trace-Id: 1"])
    assert "Method DELETE is not allowed" in found["trusted-origin-refused"].evidence


def test_requests_per_scan_are_bounded_and_reflection_stops_early(serve):
    correct = scan_report(serve(api(exact(TRUSTED))) + "/v1/me", [TRUSTED])
    assert correct.complete and correct.requests <= 2 * len(attacks.attack_origins([TRUSTED])) + 10
    reflected = scan_report(serve(api(lambda o: o)) + "/v1/me", [TRUSTED])
    assert reflected.complete and reflected.requests < 20


def run_cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "corslab", "scan", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout)


def test_json_output_has_the_contract_fields_and_exit_status(serve):
    url = serve(PLANTED["null-origin-allowed"][0]) + "/v1/me"
    done = run_cli(url, "--origin", TRUSTED, "--json")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["url"] == url and data["complete"] and data["requests"] > 0
    assert {tuple(sorted(f)) for f in data["findings"]} == {
        ("evidence", "fix", "id", "origin_sent", "request", "response", "severity")}
    assert "null-origin-allowed" in {f["id"] for f in data["findings"]}


def test_sarif_output_is_a_sarif_2_1_0_log_with_a_rule_per_finding(serve):
    """OASIS SARIF v2.1.0 §3.13 (sarifLog: version, runs), §3.19 (tool.driver with rules),
    §3.27 (result: ruleId, level one of none/note/warning/error, message.text, locations)."""
    url = serve(PLANTED["suffix-match"][0]) + "/v1/me"
    done = run_cli(url, "--origin", TRUSTED, "--sarif")
    assert done.returncode == 1, done.stderr
    log = json.loads(done.stdout)
    assert log["version"] == "2.1.0" and "sarif-schema-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(dict.fromkeys(r["ruleId"] for r in run["results"]))
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == url
    assert {"suffix-match": "error"}.items() <= {r["ruleId"]: r["level"] for r in run["results"]}.items()


def test_text_output_is_one_line_per_finding_with_its_fix(serve):
    done = run_cli(serve(PLANTED["prefix-match"][0]) + "/v1/me", "--origin", TRUSTED)
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and "finding" in lines[0] and "requests" in lines[0]
    assert lines[1:] and all("fix: " in line for line in lines[1:])


def test_repeated_origins_scan_a_multi_origin_api_without_false_alarms(serve):
    app = api(exact(TRUSTED, ADMIN))
    done = run_cli(serve(app) + "/v1/me", "--origin", TRUSTED, "--origin", ADMIN)
    assert done.returncode == 0 and done.stdout.splitlines()[0].endswith("s)") and "0 findings" in done.stdout
