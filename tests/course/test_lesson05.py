"""Lesson 05: checkers and the helpers that run the lesson's extra servers.

Expected facts: flask-cors' documented defaults (origins '*' reflected when send_wildcard is off;
supports_credentials off), Fetch "CORS check" (two ACAO lines are combined with ", " and fail:
Chromium kMultipleAllowOriginValues), Starlette's CORSMiddleware (a disallowed preflight gets 400).
"""

import pytest

from corslab.stack import policy, topology
from corslab.course import lesson05, live
from corslab.probing.probe import probe

APP, EVIL = topology.APP_ORIGIN, topology.UNTRUSTED_ORIGIN
URL = topology.origin("api-appcors") + "/v1/users/1"
LAB_POLICY = {"origins": list(policy.ALLOWED_ORIGINS), "supports_credentials": True,
              "methods": list(policy.ALLOWED_METHODS), "allow_headers": list(policy.ALLOWED_HEADERS)}


def test_flask_cors_lab_policy_passes_in_a_real_flask_app():
    fb = lesson05.check_flask_cors(LAB_POLICY, URL)
    assert fb.ok and len(fb.points) == 4 and "attack origins" in fb.points[2][1]


def test_flask_cors_default_origins_reflect_everyone():
    fb = lesson05.check_flask_cors({k: v for k, v in LAB_POLICY.items() if k != "origins"}, URL)
    assert len(fb.wrong) > 1 and "default origins='*'" in fb.wrong[-1]


def test_flask_cors_without_credentials_blocks_the_allowed_origins():
    fb = lesson05.check_flask_cors({"origins": list(policy.ALLOWED_ORIGINS)}, URL)
    assert len(fb.wrong) == 2 and all("Access-Control-Allow-Credentials" in m for m in fb.wrong)


def test_flask_cors_arguments_it_rejects_are_one_point_not_a_traceback():
    """flask-cors raises ValueError on an invalid origin regex; the checker reports it."""
    fb = lesson05.check_flask_cors({"origins": ["("], "supports_credentials": True}, URL)
    assert len(fb.points) == 1 and "CORS(app, **answer) fails: ValueError" in fb.wrong[0]


def test_flask_cors_unanswered():
    assert lesson05.check_flask_cors(..., URL).pending


def test_duplicate_right_wrong_unanswered():
    right = {"value_read": f"{APP}, {APP}", "allowed": False, "layers_that_should_add_it": 1}
    assert lesson05.check_duplicate(right, URL, APP).ok
    wrong = lesson05.check_duplicate({"value_read": APP, "allowed": True, "layers_that_should_add_it": 2},
                                     URL, APP)
    assert len(wrong.wrong) == 3
    assert lesson05.check_duplicate(..., URL, APP).pending


def test_proxy_kind_right_wrong_unanswered():
    right = {"a": "reverse", "b": "forward", "c": "reverse", "d": "reverse"}
    assert lesson05.check_proxy_kind(right).ok
    assert len(lesson05.check_proxy_kind({**right, "b": "reverse"}).wrong) == 1
    assert lesson05.check_proxy_kind({**right, "d": ...}).pending


def test_fastapi_example_runs_its_cors_middleware_live():
    """Starlette CORSMiddleware: an allowed preflight gets 200 with ACAO; a refused one 400."""
    with lesson05.serve_fastapi() as server:
        ok = probe(f"{server.url}/v1/users/1", origin=APP, method="PUT",
                   headers=[("Content-Type", "application/json")], body="{}", credentials="include")
        refused = probe(f"{server.url}/v1/users/1", origin=EVIL, method="PUT",
                        headers=[("Content-Type", "application/json")], body="{}")
    assert ok.allowed and ok.preflight.get("access-control-max-age") == "600"
    assert not refused.allowed and refused.preflight.status == 400


def test_express_example_runs_the_cors_package_live():
    """expressjs/cors: an allowed preflight gets 204 with the origin, credentials, methods, headers
    and max-age; a refused origin gets no CORS headers (the package calls next(); Express answers
    the OPTIONS itself with 200 and Allow) and, without the example's own line, no Vary either."""
    with lesson05.serve_express() as server:
        ok = probe(f"{server.url}/v1/users/1", origin=APP, method="PUT",
                   headers=[("Content-Type", "application/json")], body='{"name": "Ada"}',
                   credentials="include")
        refused = probe(f"{server.url}/v1/users/1", origin=EVIL, method="PUT",
                        headers=[("Content-Type", "application/json")], body="{}")
    assert ok.allowed and ok.preflight.status == 204
    assert ok.preflight.get("access-control-max-age") == "600"
    assert not refused.allowed and refused.preflight.status == 200
    assert refused.preflight.get("access-control-allow-origin") is None
    assert "origin" in (refused.preflight.get("vary") or "").lower()


def test_express_example_missing_packages_is_one_clear_line(tmp_path):
    from corslab.errors import CorsLabError

    with pytest.raises(CorsLabError, match="npm ci"):
        lesson05.serve_express(folder=lesson05.EXAMPLES / "express" / "no-such-folder")


@pytest.mark.usefixtures("stack")
def test_nginx_in_front_of_flask_cors_sends_two_acao_lines():
    """The duplicate-header mistake, reproduced with real nginx (emulate nginx) and the real
    flask-cors app: Chromium kMultipleAllowOriginValues."""
    from corslab.emulate.nginx import running

    with running(str(live.ROOT / "examples/app-level/nginx-adds-too.conf"),
                 upstream=f"http://127.0.0.1:{topology.service('api-appcors').port}", quiet=True) as url:
        result = probe(f"{url}/v1/users", origin=APP)
    lines = [v for n, v in result.response.headers if n == "access-control-allow-origin"]
    assert len(lines) == 2 and APP in lines
    assert not result.allowed and "contains multiple values" in result.reason


def test_the_server_side_proxy_relays_its_one_upstream_only():
    """An open relay (any URL a client names) is an SSRF hole: the lesson's proxy refuses it."""
    import http.client

    with lesson05.server_side_proxy("http://127.0.0.1:9") as relay:
        conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=5)
        conn.request("GET", "http://169.254.169.254/latest/meta-data/")
        assert conn.getresponse().status == 400
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=5)
        conn.request("GET", "/proxy/v1/users")  # upstream down: one clear 502, no hang
        assert conn.getresponse().status == 502
        conn.close()
