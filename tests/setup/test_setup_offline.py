"""``scripts/setup.sh`` without internet and without a wheelhouse fails fast with the wheelhouse
hint, instead of pip's minutes of retries (pip retries each request 5 times by default - pip's
``--retries`` - and a machine's PIP_DEFAULT_TIMEOUT may be minutes). The index here is a closed
port; the kit's own .venv is made without pip (pip comes from PYTHONPATH) to keep the test fast."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pip

ROOT = Path(__file__).resolve().parents[2]


def test_setup_without_index_or_wheelhouse_fails_fast_with_the_hint(tmp_path):
    kit = tmp_path / "kit"
    for name in ("scripts/setup.sh", "scripts/git-filters.sh", "requirements.txt", "requirements-test.txt",
                 "servers/requirements.txt", "pyproject.toml"):
        (kit / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, kit / name)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(kit / ".venv")], check=True)
    shutil.copytree(Path(pip.__file__).parent, tmp_path / "pip-only" / "pip")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="http://127.0.0.1:9/simple/",
               PIP_DEFAULT_TIMEOUT="180", PYTHONPATH=str(tmp_path / "pip-only"))
    started = time.monotonic()
    done = subprocess.run(["scripts/setup.sh"], cwd=kit, env=env, capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stdout + done.stderr
    assert "No internet here? Build a wheelhouse where there is (scripts/wheels.sh)" in done.stderr
    assert done.stderr.count("Retrying (Retry(") <= 1, done.stderr  # pip's default: 5 per request
    assert elapsed < 60, f"{elapsed:.0f} s"
    print(f"setup.sh failed in {elapsed:.1f} s")
