"""Kong ``cors`` plugin emulator, against a real upstream through a real emulator process.

Sources: Kong/kong kong/plugins/cors/handler.lua and schema.lua, spec/03-plugins/13-cors/
01-access_spec.lua (its origin regex table).
"""

import json
import socket

import pytest

from corslab.stack import policy
from corslab.emulate import kong

LAB_CONFIG = "infra/kong/kong.yml"
APP, ADMIN, EVIL = policy.ALLOWED_ORIGINS[0], policy.ALLOWED_ORIGINS[1], "http://127.0.0.1:4000"

# One route per origins setting from 01-access_spec.lua, so one process serves them all.
SPEC_ROUTES = {
    "flat": ["foo.test"],
    "regex-host": ["foo\\.test"],
    "regex-subdomains": ["(.*[./])?foo\\.test"],
    "regex-port": ["(.*[./])?foo\\.test:8000"],
    "anchored": ["^http://(.*[.])?foo\\.test(:(80|90))?$"],
    "two-flat": ["foo.test", "bar.test"],
    "two-full": ["http://foo.test", "https://bar.test:1234"],
    "mixed": ["bar.test", "(.*\\.)?foo\\.test"],
    "star-in-list": ["foo.bar", "*"],
    "star-after-match": ["http://foo.test", "*"],
}


def spec_yaml() -> str:
    routes = []
    for name, origins in SPEC_ROUTES.items():
        routes.append({"name": name, "paths": [f"/{name}"],
                       "plugins": [{"name": "cors", "config": {"origins": origins}}]})
    routes.append({"name": "star-creds", "paths": ["/star-creds"],
                   "plugins": [{"name": "cors", "config": {"origins": ["*"], "credentials": True}}]})
    routes.append({"name": "star", "paths": ["/star"],
                   "plugins": [{"name": "cors", "config": {"origins": ["*"]}}]})
    routes.append({"name": "absent-off", "paths": ["/absent-off"],
                   "plugins": [{"name": "cors", "config": {"origins": [APP], "credentials": True,
                                                           "allow_origin_absent": False}}]})
    routes.append({"name": "continue", "paths": ["/continue"],
                   "plugins": [{"name": "cors", "config": {"origins": [APP], "preflight_continue": True}}]})
    routes.append({"name": "echo-acrh", "paths": ["/echo-acrh"],
                   "plugins": [{"name": "cors", "config": {"origins": [APP]}}]})
    routes.append({"name": "strip", "paths": ["/strip"]})  # strip_path defaults to true
    routes.append({"name": "cors2", "paths": ["/cors2"],  # the spec's cors2.test plugin
                   "plugins": [{"name": "cors", "config": {
                       "origins": ["example.test"], "methods": ["GET"], "headers": ["origin", "type", "accepts"],
                       "exposed_headers": ["x-auth-token"], "max_age": 23, "credentials": True}}]})
    routes.append({"name": "pna", "paths": ["/pna"],  # the spec's cors13.test plugin
                   "plugins": [{"name": "cors", "config": {"origins": ["allowed-domain.test"],
                                                           "private_network": True}}]})
    doc = {"_format_version": "3.0", "services": [{"name": "spec", "url": "http://spec.invalid:80", "routes": routes}]}
    return json.dumps(doc)  # JSON is YAML


@pytest.fixture(scope="module")
def lab(emulator):
    return emulator("kong", LAB_CONFIG)


@pytest.fixture(scope="module")
def spec(emulator, confdir):
    path = confdir / "kong-spec.yml"
    path.write_text(spec_yaml())
    return emulator("kong", path)


# --- the lab's kong.yml -------------------------------------------------------------------------


def test_preflight_is_answered_at_kong_with_200_not_204(lab, upstream, wire):
    """handler.lua access(): kong.response.exit(200) (changed from 204 in commit da8b4c25)."""
    status, headers, body = wire.preflight(f"{lab}/v1/users", APP, "PUT", "content-type")
    assert status == 200 and body == b""
    assert wire.one(headers, "content-length") == "0"
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "access-control-allow-methods") == "GET,POST,PUT,DELETE"
    assert wire.one(headers, "access-control-allow-headers") == "Content-Type,Authorization,X-Trace-Id"
    assert wire.one(headers, "access-control-max-age") == "600"
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert wire.one(headers, "vary") == "Origin"
    assert upstream.paths("OPTIONS") == [], "the preflight must never reach the API"


def test_second_allowed_origin_is_echoed(lab, wire):
    """handler.lua configure_origin(): on a match ACAO is the (normalised) request Origin."""
    _, headers, _ = wire.preflight(f"{lab}/v1/users", ADMIN)
    assert wire.one(headers, "access-control-allow-origin") == ADMIN


def test_preflight_does_not_check_the_requested_method_or_headers(lab, wire):
    """handler.lua access(): ACAM/ACAH come from the config; the request's ACRM/ACRH are not checked."""
    status, headers, _ = wire.preflight(f"{lab}/v1/users", APP, "PATCH", "x-not-allowed")
    assert status == 200
    assert wire.one(headers, "access-control-allow-methods") == "GET,POST,PUT,DELETE"
    assert wire.one(headers, "access-control-allow-headers") == "Content-Type,Authorization,X-Trace-Id"


def test_disallowed_origin_preflight_gets_no_acao_but_still_acac(lab, upstream, wire):
    """configure_origin() clears ACAO on a mismatch; configure_credentials() sets ACAC whenever not allow-all."""
    status, headers, _ = wire.preflight(f"{lab}/v1/users", EVIL)
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") is None
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert wire.one(headers, "access-control-allow-methods") == "GET,POST,PUT,DELETE"
    assert wire.one(headers, "vary") == "Origin"
    assert upstream.paths("OPTIONS") == []


def test_actual_response_gets_acao_acac_aceh_and_an_added_vary(lab, wire):
    """header_filter(): ACAO, ACAC, ACEH; Vary added next to the upstream's (#5794); no ACAM/ACMA."""
    status, headers, body = wire.send(f"{lab}/v1/users", "GET", {"Origin": APP})
    assert status == 200 and json.loads(body)["path"] == "/v1/users"
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert wire.one(headers, "access-control-expose-headers") == "X-Request-Id"
    assert wire.values(headers, "vary") == ["Accept-Encoding", "Origin"]
    assert wire.one(headers, "access-control-allow-methods") is None
    assert wire.one(headers, "access-control-max-age") is None
    assert wire.one(headers, "x-request-id") is not None


def test_disallowed_origin_removes_the_upstreams_own_acao(lab, wire):
    """configure_origin(): clear_header removes an ACAO set by the upstream too (fix #5511)."""
    _, headers, _ = wire.send(f"{lab}/v1/users?upstream_cors=1", "GET", {"Origin": EVIL})
    assert wire.one(headers, "access-control-allow-origin") is None
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert wire.one(headers, "access-control-allow-methods") == "PATCH", "headers Kong does not set pass through"


def test_allowed_origin_overrides_the_upstreams_acao(lab, wire):
    """kong.response.set_header replaces the upstream's header line rather than adding a second."""
    _, headers, _ = wire.send(f"{lab}/v1/users?upstream_cors=1", "GET", {"Origin": APP})
    assert wire.values(headers, "access-control-allow-origin") == [APP]


def test_request_without_origin_still_gets_vary_and_acac(lab, wire):
    """allow_origin_absent defaults to true (Kong >= 3.10): header_filter runs without an Origin."""
    _, headers, _ = wire.send(f"{lab}/v1/users", "GET")
    assert wire.one(headers, "access-control-allow-origin") is None
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert "Origin" in wire.values(headers, "vary")


def test_options_without_request_method_is_proxied_not_a_preflight(lab, upstream, wire):
    """handler.lua access(): a preflight needs OPTIONS, a non-empty Origin and Access-Control-Request-Method."""
    status, headers, _ = wire.send(f"{lab}/v1/users", "OPTIONS", {"Origin": APP})
    assert status == 200 and upstream.paths("OPTIONS") == ["/v1/users"]
    assert wire.one(headers, "access-control-expose-headers") == "X-Request-Id"


def test_empty_origin_is_not_a_preflight(lab, upstream, wire):
    """Fix #14368 (2025): an empty Origin header does not make an OPTIONS a preflight."""
    wire.send(f"{lab}/v1/users", "OPTIONS", {"Origin": "", "Access-Control-Request-Method": "PUT"})
    assert upstream.paths("OPTIONS") == ["/v1/users"]


def test_no_matching_route_is_a_404_from_kong(lab, upstream, wire):
    """Kong's router: no route -> 404 {"message":"no Route matched with those values"}."""
    status, _, body = wire.send(f"{lab}/other", "GET", {"Origin": APP})
    assert status == 404 and json.loads(body) == {"message": "no Route matched with those values"}
    assert upstream.seen == []


def test_route_with_methods_outranks_a_longer_path(emulator, confdir, upstream, wire):
    """https://developer.konghq.com/gateway/routing/traditional/ (traditional_compat priority): "For the
    presence of each of a route's methods, host, headers, and snis, a priority point will be added", and
    routes with more points are considered first - before the path length is compared."""
    doc = {"_format_version": "3.0", "services": [
        {"name": "a", "url": "http://a.invalid/a", "routes": [{"name": "short-get", "paths": ["/v1"], "methods": ["GET"]}]},
        {"name": "b", "url": "http://b.invalid/b", "routes": [{"name": "long-any", "paths": ["/v1/users"]}]},
    ]}
    path = confdir / "kong-points.yml"
    path.write_text(json.dumps(doc))
    base = emulator("kong", path)
    wire.send(f"{base}/v1/users", "GET")
    wire.send(f"{base}/v1/users", "POST", body=b"{}")
    assert upstream.paths() == ["/a/users", "/b"], "GET takes the route with methods; POST the longer path"


def test_vary_is_written_in_lower_case_next_to_the_upstreams_vary(lab):
    """Kong/kong kong/plugins/cors/handler.lua add_vary_header(): kong.response.add_header("vary", "Origin") in
    header_filter - a second line, name as written; Kong/kong issue #8978 shows "vary: Origin" on a real response."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(lab)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", "/v1/users", headers={"Origin": APP})
    resp = conn.getresponse()
    resp.read()
    lines = [(k, v) for k, v in resp.getheaders() if k.lower() == "vary"]
    conn.close()
    assert ("vary", "Origin") in lines and len(lines) == 2, lines


def test_path_is_kept_when_strip_path_is_false(lab, upstream, wire):
    """kong.yml sets strip_path: false, so /v1/health reaches the API as /v1/health."""
    wire.send(f"{lab}/v1/health?x=1", "GET")
    assert upstream.paths() == ["/v1/health?x=1"]


def test_cors_headers_are_added_to_upstream_errors_too(emulator, confdir, wire):
    """header_filter runs on every response, including 502s: the browser can read the error."""
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()
    url = emulator("kong", LAB_CONFIG, targets={"api": f"http://127.0.0.1:{port}"})
    status, headers, body = wire.send(f"{url}/v1/users", "GET", {"Origin": APP})
    assert status == 502
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "vary") == "Origin"


def test_unreachable_upstream_is_kongs_502_json_with_cors_headers(emulator, wire):
    """Kong/kong spec/03-plugins/13-cors/01-access_spec.lua "works even when upstream timeouts": a 502 still
    gets ACAO, ACEH and Vary: Origin from header_filter; the body is Kong's JSON error
    {"message": "An invalid response was received from the upstream server"} (S502_MESSAGE in Kong's
    spec/02-integration error_default_type spec; newer releases add "request_id")."""
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()
    url = emulator("kong", LAB_CONFIG, targets={"api": f"http://127.0.0.1:{port}"})
    status, headers, body = wire.send(f"{url}/v1/users", "GET", {"Origin": APP})
    assert status == 502
    assert json.loads(body)["message"] == "An invalid response was received from the upstream server"
    assert wire.one(headers, "content-type") == "application/json; charset=utf-8"
    assert wire.one(headers, "access-control-allow-origin") == APP
    assert wire.one(headers, "access-control-expose-headers") == "X-Request-Id"


# --- 01-access_spec.lua: the origins table ------------------------------------------------------


def acao(wire, base, route, origin):
    status, headers, _ = wire.preflight(f"{base}/{route}", origin, "GET")
    assert status == 200
    return wire.one(headers, "access-control-allow-origin")


def test_single_flat_origin_is_echoed_to_every_origin(spec, wire):
    """01-access_spec.lua: origins={"foo.test"} -> ACAO "foo.test" whatever the Origin."""
    for origin in ("http://evil.test", "http://foo.test", "https://anything.example"):
        assert acao(wire, spec, "flat", origin) == "foo.test"


@pytest.mark.parametrize("origin,expected", [
    ("http://foo.test", "http://foo.test"),
    ("http://foo.test:80", "http://foo.test"),
    ("http://foo.test:8000", "http://foo.test:8000"),
    ("https://foo.test:8000", "https://foo.test:8000"),
    ("http://foo.test:90", "http://foo.test:90"),
    ("http://evil.test", None),
    ("http://foo.test.evil.test", None),
    ("http://something.foo.test", None),
    ("http://evilfoo.test", None),
    ("http://foobtest", None),
    ("https://bar.test:1234", None),
])
def test_regex_without_colon_matches_the_host_only(spec, wire, origin, expected):
    """01-access_spec.lua: origins={"foo\\.test"}: any scheme and port; full match; default port dropped."""
    assert acao(wire, spec, "regex-host", origin) == expected


@pytest.mark.parametrize("origin,expected", [
    ("http://something.foo.test", "http://something.foo.test"),
    ("http://foo.test", "http://foo.test"),
    ("http://foo.test.evil.test", None),
    ("http://foobtest", None),
])
def test_regex_with_optional_subdomains(spec, wire, origin, expected):
    """01-access_spec.lua: origins={"(.*[./])?foo\\.test"} also accepts subdomains."""
    assert acao(wire, spec, "regex-subdomains", origin) == expected


@pytest.mark.parametrize("origin,expected", [
    ("http://foo.test:8000", "http://foo.test:8000"),
    ("https://foo.test:8000", "https://foo.test:8000"),
    ("http://foo.test", None),
    ("http://foo.test:80", None),
    ("http://foo.test:90", None),
])
def test_regex_with_colon_matches_the_whole_origin(spec, wire, origin, expected):
    """01-access_spec.lua: origins={"(.*[./])?foo\\.test:8000"}: a ':' makes the subject scheme://host:port."""
    assert acao(wire, spec, "regex-port", origin) == expected


@pytest.mark.parametrize("origin,expected", [
    ("http://foo.test", "http://foo.test"),
    ("http://something.foo.test", "http://something.foo.test"),
    ("http://foo.test:80", "http://foo.test"),
    ("http://foo.test:90", "http://foo.test:90"),
    ("http://foo.test:8000", None),
    ("https://foo.test", None),
])
def test_user_anchored_regex(spec, wire, origin, expected):
    """01-access_spec.lua: a leading ^ is stripped, a trailing $ kept; the subject is normalised first."""
    assert acao(wire, spec, "anchored", origin) == expected


def test_several_flat_entries_without_scheme_match_nothing(spec, wire):
    """01-access_spec.lua: origins={"foo.test","bar.test"}: flat entries need exact equality with the origin."""
    for origin in ("http://foo.test", "http://bar.test", "https://foo.test"):
        assert acao(wire, spec, "two-flat", origin) is None


@pytest.mark.parametrize("origin,expected", [
    ("http://foo.test", "http://foo.test"),
    ("http://foo.test:80", "http://foo.test"),
    ("https://bar.test:1234", "https://bar.test:1234"),
    ("http://foo.test:8000", None),
    ("http://foo.test:90", None),
    ("https://bar.test", None),
])
def test_several_full_origins_compare_normalised(spec, wire, origin, expected):
    """01-access_spec.lua: origins={"http://foo.test","https://bar.test:1234"}."""
    assert acao(wire, spec, "two-full", origin) == expected


def test_flat_and_regex_entries_mixed(spec, wire):
    """01-access_spec.lua: origins={"bar.test","(.*\\.)?foo\\.test"}."""
    assert acao(wire, spec, "mixed", "http://something.foo.test") == "http://something.foo.test"
    assert acao(wire, spec, "mixed", "http://evil.test") is None


def test_star_anywhere_in_the_list_allows_all(spec, wire):
    """Fix #13334 (3.8): origins={"foo.bar","*"} gives ACAO "*"."""
    assert acao(wire, spec, "star-in-list", "http://anything.example") == "*"


def test_star_in_the_list_wins_even_over_an_entry_that_matches_first(spec, wire):
    """Kong/kong kong/plugins/cors/handler.lua configure_origin(): the ``entry == "*"`` check runs while
    the entry cache is built, before any entry is compared with the Origin, so origins={"http://foo.test","*"}
    answers ``*`` to http://foo.test too (not the echoed origin); Vary: Origin was already added."""
    status, headers, _ = wire.preflight(f"{spec}/star-after-match", "http://foo.test", "GET")
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") == "*"
    assert wire.one(headers, "vary") == "Origin"


@pytest.mark.parametrize("origin,expected", [
    ("http://FOO.test", None),  # socket.url.parse keeps the case; the compare is exact
    ("http://foo.test", "http://foo.test"),
])
def test_origin_host_is_compared_case_sensitively(spec, wire, origin, expected):
    """Kong/kong kong/plugins/cors/handler.lua normalize_origin(): LuaSocket's url.parse does not lower-case
    the host, and flat entries are compared with ``==`` (regexes use ngx.re.find "ajo", no "i" flag)."""
    assert acao(wire, spec, "two-full", origin) == expected
    assert acao(wire, spec, "regex-host", origin) == expected


def test_star_without_credentials_sends_star_and_no_vary(spec, wire):
    """configure_origin(): allow-all -> ACAO "*" and no Vary (#8401)."""
    _, headers, _ = wire.send(f"{spec}/star", "GET", {"Origin": "http://anything.example"})
    assert wire.one(headers, "access-control-allow-origin") == "*"
    assert "Origin" not in wire.values(headers, "vary")


def test_star_with_credentials_reflects_the_origin(spec, wire):
    """configure_credentials(): with credentials, allow-all reflects the Origin, adds ACAC and Vary."""
    _, headers, _ = wire.send(f"{spec}/star-creds", "GET", {"Origin": "http://anything.example"})
    assert wire.one(headers, "access-control-allow-origin") == "http://anything.example"
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert "Origin" in wire.values(headers, "vary")
    _, headers, _ = wire.send(f"{spec}/star-creds", "GET")
    assert wire.one(headers, "access-control-allow-origin") == "*"
    assert wire.one(headers, "access-control-allow-credentials") is None


def test_allow_origin_absent_false_leaves_originless_requests_alone(spec, wire):
    """schema allow_origin_absent=false (3.10): no Origin -> no CORS headers at all."""
    _, headers, _ = wire.send(f"{spec}/absent-off", "GET")
    assert not [k for k, _ in headers if k.startswith("access-control-")]
    assert "Origin" not in wire.values(headers, "vary")


def test_preflight_continue_proxies_the_preflight_untouched(spec, upstream, wire):
    """handler.lua: preflight_continue=true -> proxied upstream and no CORS header added to it."""
    status, headers, _ = wire.preflight(f"{spec}/continue?upstream_cors=1", APP)
    assert upstream.paths("OPTIONS") == ["/?upstream_cors=1"]  # strip_path (default true) removed /continue
    assert wire.one(headers, "access-control-allow-origin") == wire.UPSTREAM_ORIGIN


def test_without_headers_config_the_request_headers_are_echoed(spec, wire):
    """handler.lua access(): no conf.headers -> ACAH echoes Access-Control-Request-Headers."""
    _, headers, _ = wire.preflight(f"{spec}/echo-acrh", APP, "PUT", "x-anything, content-type")
    assert wire.one(headers, "access-control-allow-headers") == "x-anything, content-type"
    assert wire.one(headers, "access-control-allow-methods") == ",".join(kong.DEFAULT_METHODS)


def test_strip_path_defaults_to_true(spec, upstream, wire):
    """Kong route strip_path defaults to true: the matched prefix is removed before proxying."""
    wire.send(f"{spec}/strip/users", "GET")
    assert upstream.paths() == ["/users"]


# --- the schema: configs Kong would refuse --------------------------------------------------------


def kong_yml(config: dict) -> str:
    return json.dumps({"_format_version": "3.0", "services": [{"name": "api", "url": "http://api:8095", "routes": [
        {"name": "r", "paths": ["/"], "plugins": [{"name": "cors", "config": config}]}]}]})


@pytest.mark.parametrize("config,message", [
    ({"origins": ["http://[localhost"]}, "'http://[localhost' is not a valid regex"),
    ({"methods": ["FETCH"]}, "expected one of: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT"),
    ({"origin": "http://localhost:3000"}, "config.origin: unknown field"),
    ({"credentials": "yes"}, "config.credentials: must be true or false"),
])
def test_schema_rejects_what_kong_rejects(confdir, wire, config, message):
    """schema.lua: origins are `*` or a valid regex, methods one_of, unknown fields rejected."""
    path = confdir / "bad.yml"
    path.write_text(kong_yml(config))
    done = wire.cli("kong", str(path), "--port", "0")
    assert done.returncode == 2
    assert message in done.stderr and str(path) in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_file_without_format_version_is_refused(confdir, wire):
    """Kong's declarative loader needs _format_version."""
    path = confdir / "noversion.yml"
    path.write_text("services: []\n")
    done = wire.cli("kong", str(path), "--port", "0")
    assert done.returncode == 2 and "_format_version" in done.stderr


def test_plugins_other_than_cors_are_refused_clearly(confdir, wire):
    """Only cors is emulated; a file with key-auth says so instead of silently ignoring it."""
    path = confdir / "keyauth.yml"
    path.write_text(json.dumps({"_format_version": "3.0", "plugins": [{"name": "key-auth"}]}))
    done = wire.cli("kong", str(path), "--port", "0")
    assert done.returncode == 2 and "'key-auth' is not emulated" in done.stderr


def test_lab_kong_yml_passes_the_kong_schema():
    """infra/kong/kong.yml is valid for the cors schema and routes /v1 to the api service."""
    config = kong.load(LAB_CONFIG)
    assert [r.paths for r in config.routes] == [["/v1"]]
    assert config.routes[0].cors is not None and config.routes[0].strip_path is False


def test_port_in_use_is_one_clear_line(wire):
    """A port in use is an error the learner can act on, not a traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        done = wire.cli("kong", LAB_CONFIG, "--port", str(busy.getsockname()[1]))
    assert done.returncode == 2
    assert "already in use" in done.stderr and "Traceback" not in done.stderr


def test_accepts_config_options_on_preflight(spec, wire):
    """01-access_spec.lua "accepts config options" (OPTIONS): configured ACAM, ACAO, ACMA, ACAC, ACAH, Vary; no ACEH."""
    status, headers, _ = wire.preflight(f"{spec}/cors2", "origin5.test", "GET")
    assert status == 200 and wire.one(headers, "content-length") == "0"
    assert wire.one(headers, "access-control-allow-methods") == "GET"
    assert wire.one(headers, "access-control-allow-origin") == "example.test"
    assert wire.one(headers, "access-control-max-age") == "23"
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert wire.one(headers, "access-control-allow-headers") == "origin,type,accepts"
    assert wire.one(headers, "vary") == "Origin"
    assert wire.one(headers, "access-control-expose-headers") is None


def test_accepts_config_options_on_actual_requests(spec, wire):
    """01-access_spec.lua "accepts config options" (GET): ACAO, ACEH, ACAC, Vary; no ACAM/ACAH/ACMA."""
    _, headers, _ = wire.send(f"{spec}/cors2", "GET")
    assert wire.one(headers, "access-control-allow-origin") == "example.test"
    assert wire.one(headers, "access-control-expose-headers") == "x-auth-token"
    assert wire.one(headers, "access-control-allow-credentials") == "true"
    assert "Origin" in wire.values(headers, "vary")
    for name in ("access-control-allow-methods", "access-control-allow-headers", "access-control-max-age"):
        assert wire.one(headers, name) is None


def test_private_network_preflight(spec, wire):
    """01-access_spec.lua "support private-network": ACAPN true when asked and enabled."""
    _, headers, _ = wire.preflight(f"{spec}/pna", "allowed-domain.test", "PUT",
                                   extra={"Access-Control-Request-Private-Network": "true"})
    assert wire.one(headers, "access-control-allow-private-network") == "true"
    _, headers, _ = wire.preflight(f"{spec}/pna", "allowed-domain.test", "PUT")
    assert wire.one(headers, "access-control-allow-private-network") is None


def test_target_must_name_a_service_of_kong_yml(wire):
    """--target NAME=URL names a Kong service; a typo is refused instead of silently ignored."""
    done = wire.cli("kong", LAB_CONFIG, "--port", "0", "--target", "apx=http://127.0.0.1:1")
    assert done.returncode == 2 and "has no service named 'apx'; its services are: api" in done.stderr
