"""The example configs notebook 07 runs are real nginx configs that behave as the notebook says
(nginx docs: add_header applies only to 2xx/3xx without `always`, and is not inherited into a
level that has its own add_header; ngx_http_proxy_module: proxy_cache honours the upstream's Vary)."""

import pytest

from corslab.stack import topology
from corslab.course import live
from corslab.probing.probe import probe

pytestmark = pytest.mark.usefixtures("stack")
JSON = [("Content-Type", "application/json")]


def test_blog_config_fails_as_the_notebook_says():
    with live.emulate("nginx", "nginx/examples/blog-method2.conf", upstream=live.upstream_of("api")) as base:
        put = probe(base + "/v1/users/1", topology.APP_ORIGIN, "PUT", headers=JSON, credentials="include",
                    body='{"name": "ada"}')
        me = probe(base + "/v1/me", topology.APP_ORIGIN, credentials="include")
        admin = probe(base + "/v1/users", topology.ADMIN_ORIGIN)
    assert put.preflight.status == 204 and live.header(put.preflight, "access-control-allow-credentials") is None
    assert not put.allowed
    assert me.response.status == 401 and live.header(me.response, "access-control-allow-origin") is None
    assert not admin.allowed


@pytest.mark.parametrize("upstream, second_acao", [("ingress", "app"), ("cors-proxy", "admin")])
def test_shared_cache_mixes_origins_only_without_vary(upstream, second_acao):
    path = f"/v1/users?trace={live.trace_id('test')}"
    with live.emulate("nginx", "nginx/examples/shared-cache.conf", upstream=live.upstream_of(upstream)) as cache:
        probe(cache + path, topology.APP_ORIGIN)
        second = probe(cache + path, topology.ADMIN_ORIGIN)
    expected = topology.APP_ORIGIN if second_acao == "app" else topology.ADMIN_ORIGIN
    assert live.header(second.response, "access-control-allow-origin") == expected
    assert second.allowed is (second_acao == "admin")


def test_lab_proxy_config_hides_the_backend_headers():
    with live.emulate("nginx", "nginx/cors-proxy.conf", upstream=live.upstream_of("api-appcors")) as base:
        r = probe(base + "/v1/users", topology.APP_ORIGIN)
    assert len([1 for n, _ in r.response.headers if n.lower() == "access-control-allow-origin"]) == 1
    assert r.allowed


def test_every_insecure_check_admits_its_attacker():
    attacks = {"reflect": "https://evil.test", "null": "null", "suffix": "https://evilexample.com",
               "prefix": "https://app.example.com.evil.test", "dot": "https://appxexample.com",
               "scheme": "http://app.example.com"}
    with live.emulate("nginx", "nginx/examples/insecure-allowlists.conf", upstream=live.upstream_of("api")) as base:
        verdicts = {path: probe(f"{base}/{path}/v1/users", origin, credentials="include").allowed
                    for path, origin in attacks.items()}
    assert all(verdicts.values()), verdicts
