"""The probe's result object, reports and command-line plumbing - without network traffic.

Source of the expected shapes: docs/architecture.md (the probe object, CLI and JSON) and the CLI's
rules in corslab/cli.py (lazy imports so a verb starts in 0.3 s).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from corslab.probing import cli as probe_cli
from corslab.stack import topology
from corslab.errors import CorsLabError
from corslab.fetch.model import FetchRequest, HttpResponse, Verdict
from corslab.probing.probe import Exchange, ProbeResult, parse_header_line
from corslab.probing.display import html_report, lab_hint, stack_service, text_report

API = topology.service("api")
PROXY = topology.service("cors-proxy")
APP = topology.APP_ORIGIN


def result(url=API.origin + "/v1/users/1", origin=APP, allowed=False, exchanges=(), **kw):
    req = FetchRequest(url, origin, "PUT", [("Content-Type", "application/json")],
                       credentials="include")
    defaults = dict(preflight_needed=True, reason="Method PUT is not allowed.", kind="cors",
                    explanation="why <and> how", exposed_headers=[])
    defaults.update(kw)
    return ProbeResult(request=req, allowed=allowed, exchanges=list(exchanges), **defaults)


def exchange(role, method, status, headers, url=API.origin + "/v1/users/1"):
    return Exchange(role, method, url, [("Origin", APP)], HttpResponse(status, headers), 0.0, 0.001,
                    verdict=Verdict(status < 300))


def test_to_json_is_the_design_probe_object():
    """docs/architecture.md: url, origin, method, credentials, mode, preflight_needed, preflight{status,
    headers}, response{status, headers}, allowed, exposed_headers, reason; header pairs as lists."""
    r = result(allowed=True, reason=None, exposed_headers=["x-request-id"], exchanges=[
        exchange("preflight", "OPTIONS", 204, [("access-control-allow-origin", APP)]),
        exchange("request", "PUT", 200, [("content-type", "application/json"),
                                         ("content-type", "application/json")])])
    data = json.loads(r.to_json())
    assert data["url"] == API.origin + "/v1/users/1" and data["origin"] == APP
    assert (data["method"], data["credentials"], data["mode"]) == ("PUT", "include", "cors")
    assert data["preflight"] == {"status": 204,
                                 "headers": [["access-control-allow-origin", APP]]}
    assert data["response"]["headers"] == [["content-type", "application/json"]] * 2
    assert data["allowed"] is True and data["reason"] is None
    assert data["exposed_headers"] == ["x-request-id"]


def test_preflight_and_response_are_null_when_not_sent():
    """docs/architecture.md: preflight null when none was needed; response null after a failed preflight."""
    data = result().to_dict()
    assert data["preflight"] is None and data["response"] is None


def test_response_is_the_last_answer_of_a_redirect_chain():
    """The contract's response is what the page finally gets; every hop is in exchanges."""
    r = result(exchanges=[exchange("request", "PUT", 307, [("location", "/x")]),
                          exchange("request", "PUT", 200, [])])
    assert r.response.status == 200 and len(r.to_dict()["exchanges"]) == 2


def test_console_line_is_chromiums_template():
    """Chromium cors_error_string.cc: "Access to fetch at '<URL>' from origin '<ORIGIN>' has been blocked by CORS
    policy: <REASON>"."""
    r = result()
    assert r.console == (f"Access to fetch at '{r.url}' from origin '{APP}' has been blocked by "
                         "CORS policy: Method PUT is not allowed.")


def test_reports_escape_html_and_show_the_verdict():
    """The Jupyter picture escapes server-controlled text; the text report says BLOCKED."""
    r = result(exchanges=[exchange("preflight", "OPTIONS", 204, [("x-evil", "<script>")])])
    r._seen = {}  # no backend lookup in a unit test
    html = html_report(r)
    assert "<script>" not in html and "why &lt;and&gt; how" in html and "Blocked" in html
    text = text_report(r, seen=False)
    assert "BLOCKED: Method PUT is not allowed." in text and "1. OPTIONS" in text


def test_stack_service_matches_loopback_host_and_port_from_the_topology():
    """Ports come from corslab.stack.topology, never typed by hand."""
    assert stack_service(f"http://localhost:{PROXY.port}/v1/users") is PROXY
    assert stack_service(f"http://127.0.0.1:{API.port}/") is API
    assert stack_service(f"http://example.com:{API.port}/") is None


def test_lab_hint_for_the_api_without_cors_names_both_ways_to_add_it():
    """README "The stack": 8095 has no CORS; the fix is flask-cors in the app or a layer in front."""
    hint = lab_hint(result())
    assert f"`{API.name}` on port {API.port}" in hint
    assert "flask-cors" in hint and f"`{PROXY.name}` on {PROXY.port}" in hint


def test_lab_hint_says_the_policy_refuses_an_origin_off_the_allowlist():
    """README lab policy: only the two trusted origins; a refusal of others is intended."""
    hint = lab_hint(result(url=PROXY.origin + "/v1/users", origin=topology.UNTRUSTED_ORIGIN))
    assert "no fix needed" in hint


@pytest.mark.parametrize("line, pair", [
    ("X-Trace-Id: 42", ("X-Trace-Id", "42")),
    ("Content-Type:application/json", ("Content-Type", "application/json")),
    ("Accept:   */*  ", ("Accept", "*/*")),
    ("X-Empty:", ("X-Empty", "")),
])
def test_header_lines_parse_as_name_colon_value(line, pair):
    assert parse_header_line(line) == pair


@pytest.mark.parametrize("line", ["no colon", ": value", "Bad Name: v", " X: v"])
def test_malformed_header_lines_are_a_clear_error(line):
    with pytest.raises(CorsLabError, match="'Name: value'"):
        parse_header_line(line)


def test_cli_options_match_the_contract():
    """README: URL --origin [--method] [--header]... [--credentials] [--mode] [--json]."""
    parser = argparse.ArgumentParser()
    probe_cli.add_arguments(parser)
    args = parser.parse_args(["http://localhost/x", "--origin", APP, "--method", "PUT",
                              "--header", "A: 1", "--header", "B: 2", "--credentials", "include",
                              "--mode", "no-cors", "--json"])
    assert (args.method, args.header, args.credentials, args.mode, args.json) == (
        "PUT", ["A: 1", "B: 2"], "include", "no-cors", True)
    with pytest.raises(SystemExit):
        parser.parse_args(["http://localhost/x", "--origin", APP, "--credentials", "always"])


def test_importing_the_cli_module_loads_no_probe_machinery():
    """corslab/cli.py "starts fast": corslab.cli imports probe_cli for every verb; it stays stdlib-only."""
    code = ("import sys, corslab.probing.cli; "
            "print(','.join(sorted(m for m in sys.modules if m.startswith('corslab'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert set(out.split(",")) <= {"corslab", "corslab.probing", "corslab.probing.cli"}


def test_json_carries_status_text_and_body_of_a_readable_answer():
    """docs/architecture.md, the probe object: ``status_text`` and ``body`` are what page
    JavaScript reads (response.statusText, response.text()) - null when it reads nothing."""
    answer = Exchange("request", "PUT", API.origin + "/v1/users/1", [], HttpResponse(
        404, [("access-control-allow-origin", APP)], "NOT FOUND"), 0.0, 0.001, body='{"error": 1}')
    data = result(allowed=True, reason=None, exchanges=[answer]).to_dict()
    assert (data["status_text"], data["body"]) == ("NOT FOUND", '{"error": 1}')
    blocked = result(allowed=False, exchanges=[answer]).to_dict()
    assert (blocked["status_text"], blocked["body"]) == (None, None)
    unnamed = Exchange("request", "PUT", API.origin, [], HttpResponse(204, []), 0.0, 0.0)
    assert result(allowed=True, reason=None, exchanges=[unnamed]).to_dict()["status_text"] == "No Content"


def test_header_line_strips_only_space_and_tab():
    """RFC 9110 §5.6.3 (OWS) and Fetch #concept-header-value-normalize: a vertical tab or a form
    feed is part of the value (and makes Content-Type non-safelisted); Python's str.strip() would
    remove it."""
    assert parse_header_line("Content-Type: \ttext/plain\v") == ("Content-Type", "text/plain\v")
    assert parse_header_line("X-A:  a\x0c ") == ("X-A", "a\x0c")


def test_cli_takes_the_request_options():
    """--api, --upload-listener, --body-kind, --blob-type, --referrer, --referrer-policy, --page-url
    reach probe() (corslab/probing/cli.py)."""
    parser = argparse.ArgumentParser()
    probe_cli.add_arguments(parser)
    args = parser.parse_args([API.origin, "--origin", APP, "--api", "xhr", "--upload-listener",
                              "--body-kind", "blob", "--blob-type", "text/plain",
                              "--referrer", "", "--referrer-policy", "unsafe-url"])
    assert (args.api, args.upload_listener, args.body_kind, args.blob_type, args.referrer,
            args.referrer_policy) == ("xhr", True, "blob", "text/plain", "", "unsafe-url")


def test_xhr_with_omit_is_one_clear_error():
    """XMLHttpRequest has no credentials mode 'omit' (withCredentials is a boolean)."""
    from corslab.probing.probe import _checked_request

    with pytest.raises(CorsLabError, match="XMLHttpRequest"):
        _checked_request(API.origin, APP, "GET", (), "omit", "cors", None, api="xhr")
    with pytest.raises(CorsLabError, match="unknown option"):
        _checked_request(API.origin, APP, "GET", (), "omit", "cors", None, apii="xhr")
