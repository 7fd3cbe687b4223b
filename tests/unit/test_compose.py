"""docker-compose.yml validates with Debian's docker-compose 1.29 and the Compose Specification's
JSON schema, uses nothing Compose v2 would reject, and says what the containers need to behave as
the native stack does. That they do is tests/compose/'s job (it runs them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from corslab.stack import compose, nginxconf, topology

ROOT = Path(compose.nginxconf.ROOT)
# The Compose Specification schema as Debian's docker-compose package ships it.
SPEC_SCHEMA = Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")


def test_docker_compose_config_accepts_the_file():
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is not installed: apt-get install -y docker-compose"
    result = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_compose_file_matches_the_compose_specification_schema():
    assert SPEC_SCHEMA.exists(), "apt-get install -y docker-compose (it ships the spec's schema)"
    schema = json.loads(SPEC_SCHEMA.read_text())
    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # The schema says draft 2019-09 (with a trailing '#' jsonschema does not recognise).
    jsonschema.Draft201909Validator(schema).validate(doc)


def test_compose_file_avoids_what_compose_v2_rejects_or_warns_about():
    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "version" not in doc  # obsolete in v2
    for name, svc in doc["services"].items():
        assert "container_name" not in svc  # would clash between projects
        assert "links" not in svc and "external_links" not in svc
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source == compose.TLS_SOURCE:  # the lab's CA: made by `python -m corslab.stack.tls`
                continue
            assert (ROOT / source).exists(), f"{name} mounts {source}, which does not exist"


def test_the_dockerfile_copies_what_the_services_import():
    dockerfile = (ROOT / "servers" / "Dockerfile").read_text()
    for folder in ("corslab", "servers", "nginx"):
        assert f"COPY {folder} {folder}" in dockerfile
    assert "FROM python:3.11-slim" in dockerfile


def _doc() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_each_method_profile_is_its_proxy_the_api_and_the_pages():
    """Compose Specification, profiles: a service without `profiles` always starts, so the API and
    the pages (the lessons' origins) have none and each method's proxy is in `methodN`."""
    pages = ["frontend", "admin", "untrusted"]
    by_method = {f"method{s.method}": s.name for s in topology.SERVICES.values() if s.method}
    assert sorted(by_method) == [f"method{n}" for n in range(1, 6)]
    doc = _doc()
    unprofiled = sorted(name for name, svc in doc["services"].items() if "profiles" not in svc)
    assert unprofiled == sorted(["api", *pages])
    for profile, proxy in by_method.items():
        started = sorted(name for name, svc in doc["services"].items()
                         if "profiles" not in svc or profile in svc["profiles"])
        assert started == sorted(["api", *pages, proxy])
        assert compose.profiles()[profile] == [n for n in topology.SERVICES if n in started]


def test_a_plain_up_enables_every_profile_through_the_committed_dotenv():
    """docker-compose 1.28+ and docker compose read COMPOSE_PROFILES from the project's .env when
    no --profile is given (compose/cli/command.py get_profiles_from_options; compose-go
    WithDefaultProfiles)."""
    assert (ROOT / ".env").read_text() == compose.DOTENV, "run: python -m corslab.stack.compose --dotenv > .env"
    every = {p for svc in _doc()["services"].values() for p in svc.get("profiles", [])}
    assert "COMPOSE_PROFILES=all\n" in compose.DOTENV
    assert all(compose.ALL in svc["profiles"] for svc in _doc()["services"].values() if "profiles" in svc)
    assert every == set(compose.profiles())


def test_every_container_runs_an_init_that_passes_on_the_stop_signal():
    """A server that is PID 1 gets no default signal action (Linux pid_namespaces(7)): without an
    init, `docker stop` waits out its 10 s grace period and kills it."""
    assert {name: svc.get("init") for name, svc in _doc()["services"].items()} == {
        name: True for name in topology.SERVICES}


def test_nginx_containers_get_the_native_http_settings():
    """server_tokens off and the body limits: the same text natively and in the container."""
    native = nginxconf.render_main(Path("/x/site.conf"), Path("/p"), run_as_root=False)
    assert "server_tokens off;" in nginxconf.HTTP_SETTINGS
    assert all(f"    {line}\n" in native for line in nginxconf.HTTP_SETTINGS.splitlines())
    for name, svc in _doc()["services"].items():
        if topology.SERVICES[name].kind == "nginx":
            assert svc["environment"]["NGINX_HTTP_SETTINGS"].split() == nginxconf.HTTP_SETTINGS.split()
            script = svc["entrypoint"][2]
            assert "/etc/nginx/conf.d/" in script and "exec /docker-entrypoint.sh" in script


def test_the_image_keeps_its_runtime_folder_where_the_unprivileged_user_may_write():
    dockerfile = (ROOT / "servers" / "Dockerfile").read_text()
    assert "USER lab" in dockerfile and "CORSLAB_RUNTIME=/tmp/" in dockerfile


def test_under_a_port_offset_the_rendering_publishes_and_mounts_shifted_ports_and_origins():
    env = {**os.environ, "CORSLAB_PORT_OFFSET": "20000"}
    out = subprocess.run([sys.executable, "-m", "corslab.stack.compose"], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    doc = yaml.safe_load(out.stdout)
    for name, svc in doc["services"].items():
        port = topology.DEFAULT_SERVICES[name].port + 20000
        assert svc["ports"] == [f"127.0.0.1:{port}:{port}"]
        if "build" in svc:
            assert svc["environment"]["CORSLAB_PORT_OFFSET"] == "20000"
    proxy = doc["services"]["cors-proxy"]
    assert proxy["environment"]["API_UPSTREAM"] == "api:28095"
    mounted = ROOT / proxy["volumes"][0].split(":")[0]
    assert '"~^http://localhost:23000$"' in mounted.read_text()
    kong = ROOT / doc["services"]["gateway"]["volumes"][0].split(":")[0]
    assert "url: http://api:28095" in kong.read_text() and "http://localhost:23001" in kong.read_text()
    assert doc["services"]["ingress"]["volumes"] == [
        "./.run/compose-20000/infra/k8s/ingress.yaml:/lab/infra/k8s/ingress.yaml:ro"]
