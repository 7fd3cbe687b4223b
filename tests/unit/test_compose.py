"""docker-compose.yml validates with Debian's docker-compose 1.29 and the Compose Specification's
JSON schema, and uses nothing Compose v2 would reject."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from corslab import compose

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
            assert (ROOT / source).exists(), f"{name} mounts {source}, which does not exist"


def test_the_dockerfile_copies_what_the_services_import():
    dockerfile = (ROOT / "servers" / "Dockerfile").read_text()
    for folder in ("corslab", "servers", "nginx"):
        assert f"COPY {folder} {folder}" in dockerfile
    assert "FROM python:3.11-slim" in dockerfile
