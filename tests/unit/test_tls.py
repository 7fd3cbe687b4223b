"""The lab's own CA and the certificate of its HTTPS origins (corslab.stack.tls): every name listed
one by one (Chromium refuses a ``*.localhost`` wildcard), private keys 0600 in the runtime folder,
made once and kept, removed on request; nothing outside the runtime folder is written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from cryptography import x509

from corslab.errors import CorsLabError
from corslab.stack import runner, tls, topology


def load(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_certificate_lists_every_https_host_and_loopback_and_no_wildcard(tmp_path):
    where = tls.ensure(tmp_path)
    alt = load(where.cert).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = alt.get_values_for_type(x509.DNSName)
    assert {svc.host for svc in topology.tls_services()} | {"localhost"} <= set(dns)
    assert not any("*" in name for name in dns)
    assert {str(a) for a in alt.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}


def test_the_server_certificate_is_signed_by_the_lab_ca_and_carries_the_chain(tmp_path):
    where = tls.ensure(tmp_path)
    leaf, ca = load(where.cert), load(where.ca)
    leaf.verify_directly_issued_by(ca)
    assert where.cert.read_bytes().count(b"BEGIN CERTIFICATE") == 2  # leaf, then the CA
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_private_keys_are_readable_by_the_owner_only(tmp_path):
    where = tls.ensure(tmp_path)
    for key in (where.ca_key, where.key):
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600, key
    assert stat.S_IMODE(os.stat(where.folder).st_mode) == 0o700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tls"]  # nothing else written


def test_a_fitting_certificate_is_not_parsed_again(tmp_path, monkeypatch):
    """``up`` calls ensure() for every HTTPS twin: the quick check reads lab.json, not the PEM."""
    tls.ensure(tmp_path)
    monkeypatch.setattr(tls, "_crypto", lambda: pytest.fail("cryptography used for a fitting certificate"))
    tls.ensure(tmp_path)


def test_ensure_keeps_what_fits_and_remakes_a_certificate_that_misses_a_name(tmp_path, monkeypatch):
    where = tls.ensure(tmp_path)
    ca, cert = where.ca.read_bytes(), where.cert.read_bytes()
    tls.ensure(tmp_path)
    assert (where.ca.read_bytes(), where.cert.read_bytes()) == (ca, cert)
    monkeypatch.setattr(tls, "names", lambda: ["localhost", "new.localhost"])
    tls.ensure(tmp_path)
    assert where.ca.read_bytes() == ca and where.cert.read_bytes() != cert


def test_remove_deletes_the_key_and_the_certificates(tmp_path):
    tls.ensure(tmp_path)
    assert tls.remove(tmp_path) and not (tmp_path / "tls").exists()
    assert tls.remove(tmp_path) is False


def test_a_damaged_ca_is_one_clear_line(tmp_path):
    where = tls.ensure(tmp_path)
    where.ca_key.write_text("garbage")
    where.cert.unlink()  # a server certificate must be made: the CA's key is needed
    with pytest.raises(CorsLabError, match="--remove-ca"):
        tls.ensure(tmp_path)


def test_down_offers_to_remove_the_ca():
    """`python -m corslab down --remove-ca` calls tls.remove() after stopping the stack (not run
    here: down would stop the test session's own stack)."""
    out = subprocess.run([sys.executable, "-m", "corslab", "down", "--help"], cwd=runner.ROOT,
                         capture_output=True, text=True, timeout=60)
    assert "--remove-ca" in out.stdout and "CA" in out.stdout


def test_the_trust_instructions_say_how_to_undo_each_step(tmp_path):
    tls.ensure(tmp_path)
    text = tls.trust_instructions(tmp_path)
    assert text.count("remove:") == 4 and str(tls.files(tmp_path).ca) in text
    assert tls.fingerprint(tls.files(tmp_path).ca.read_bytes()) in text


def test_https_twins_use_one_site_per_name_and_method_2s_config_allows_the_https_app():
    """Each *.localhost name is a site of its own (measured in Chromium 156: Sec-Fetch-Site
    cross-site between app.localhost and api.localhost). The generated nginx/api-tls.conf is
    nginx/cors-proxy.conf with the HTTPS app origin, escaped in its anchored regex."""
    from corslab.fetch.origins import same_site
    from corslab.stack import nginxconf

    assert not same_site(topology.APP_TLS_ORIGIN, topology.API_TLS_ORIGIN)
    twin = topology.SERVICES["api-tls"]
    text = nginxconf.template_path("api-tls").read_text()
    assert text == nginxconf.https_template(twin), "run: python -m corslab.stack.nginxconf api-tls > nginx/api-tls.conf"
    app = topology.DEFAULT_SERVICES["app-tls"]
    assert f'"~^https://{app.host.replace(".", chr(92) + ".")}:{app.default_port}$"' in text


def test_under_a_port_offset_method_2s_https_twin_allows_the_shifted_https_app(tmp_path):
    """CORSLAB_PORT_OFFSET moves every port; the generated allowlist must follow the app's twin."""
    code = ("from pathlib import Path; from corslab.stack import nginxconf, tls, topology; "
            "print(topology.APP_TLS_ORIGIN); "
            "print(nginxconf.render_site(topology.SERVICES['api-tls'], tls.Files(Path('/x'))))")
    env = dict(os.environ, CORSLAB_PORT_OFFSET="10000", CORSLAB_RUNTIME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], cwd=runner.ROOT, capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    app, site = out.stdout.split("\n", 1)
    host, port = app.removeprefix("https://").split(":")
    assert port == str(topology.DEFAULT_SERVICES["app-tls"].default_port + 10000)
    assert f'"~^https://{host.replace(".", chr(92) + ".")}:{port}$"   "{app}";' in site
