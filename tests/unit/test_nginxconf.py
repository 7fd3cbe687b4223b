"""The nginx method configs: one template each, rendered natively, accepted by real `nginx -t`,
and stating the lab policy of corslab/stack/policy.py."""

from __future__ import annotations

import re
import subprocess

import pytest

from corslab.stack import nginxconf, policy, topology
from corslab.errors import CorsLabError

NGINX_SERVICES = [s for s in topology.SERVICES.values() if s.kind == "nginx"]


@pytest.mark.parametrize("svc", NGINX_SERVICES, ids=lambda s: s.name)
def test_every_nginx_config_passes_nginx_t(svc, tmp_path):
    """`nginx -t` on every nginx config, as the runner renders it."""
    site = tmp_path / "site.conf"
    site.write_text(nginxconf.render_site(svc))
    (tmp_path / "tmp").mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(nginxconf.render_main(site, tmp_path))
    result = subprocess.run([nginxconf.nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(main),
                             "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@pytest.mark.parametrize("svc", NGINX_SERVICES, ids=lambda s: s.name)
def test_templates_only_use_placeholders_the_topology_fills(svc):
    text = nginxconf.template_path(nginxconf.template_name(svc)).read_text()
    used = set(nginxconf.PLACEHOLDER.findall(text))
    if nginxconf.template_name(svc) == nginxconf.TLS_PROXY:  # one template for several twins
        upstreams = {"UPSTREAM"}
    else:
        upstreams = {nginxconf.upstream_variable(u) for u in svc.upstreams}
    tls = {"TLS_CERT", "TLS_KEY"} if svc.twin_of else set()  # HTTPS twins: the lab's certificate
    assert used == {"LISTEN"} | upstreams | tls


def test_native_rendering_listens_on_loopback_and_proxies_to_loopback():
    svc = topology.SERVICES["cors-proxy"]
    text = nginxconf.render_site(svc)
    assert f"listen {topology.BIND_HOST}:{svc.port};" in text
    assert f"proxy_pass http://127.0.0.1:{topology.SERVICES['api'].port};" in text


def test_fill_refuses_to_leave_a_placeholder_unfilled():
    with pytest.raises(CorsLabError, match=r"no value for \$\{API_UPSTREAM\}"):
        nginxconf.fill("listen ${LISTEN}; proxy_pass http://${API_UPSTREAM};", {"LISTEN": "1"})


def test_nginx_variables_are_not_mistaken_for_placeholders():
    assert nginxconf.fill("add_header X $http_origin;", {}) == "add_header X $http_origin;"


@pytest.mark.parametrize("as_root,expected", [(True, True), (False, False)])
def test_workers_run_as_nobody_only_when_started_as_root(tmp_path, as_root, expected):
    """As root nginx drops workers to `user`; its default group "nobody" does not exist on Debian."""
    text = nginxconf.render_main(tmp_path / "site.conf", tmp_path, run_as_root=as_root)
    assert ("user nobody " in text) is expected


def test_missing_nginx_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CORSLAB_NGINX", "/nonexistent/nginx")
    with pytest.raises(CorsLabError, match="apt-get install -y nginx"):
        nginxconf.nginx_binary()


def _map(text: str, variable: str) -> dict[str, str]:
    body = re.search(r"map \S+ \$" + variable + r" \{(.*?)\n\}", text, re.S).group(1)
    return dict(re.findall(r'^\s*"([^"]*)"\s+"([^"]*)";', body, re.M) +
                re.findall(r'^\s*(default)\s+"([^"]*)";', body, re.M))


def test_method2_config_states_the_lab_policy():
    """Each method states the lab policy in its own format; this is nginx's (as the runner
    renders it: under a port offset the origins are shifted like the policy's)."""
    text = nginxconf.render_site(topology.SERVICES["cors-proxy"])
    origins = _map(text, "cors_origin")
    allowed = {v for k, v in origins.items() if k != "default"}
    assert allowed == set(policy.ALLOWED_ORIGINS) and origins["default"] == ""
    for key, value in origins.items():  # each regex is anchored and matches only its origin
        if key != "default":
            assert key == "~^" + re.escape(value) + "$"
    assert _map(text, "cors_methods")["default"] == policy.header_list(policy.ALLOWED_METHODS)
    assert _map(text, "cors_headers")["default"] == policy.header_list(policy.ALLOWED_HEADERS)
    assert _map(text, "cors_expose")["default"] == policy.header_list(policy.EXPOSED_HEADERS)
    assert _map(text, "cors_max_age")["default"] == str(policy.MAX_AGE)
    assert _map(text, "cors_credentials")["default"] == ("true" if policy.ALLOW_CREDENTIALS else "")
