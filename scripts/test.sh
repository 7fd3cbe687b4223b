#!/usr/bin/env bash
# Set everything up and run the whole test suite: unit, integration (the real native stack),
# emulators, browser (system Chromium via Playwright) and notebooks. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
