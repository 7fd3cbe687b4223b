#!/usr/bin/env bash
# Set everything up, start the lab stack natively, and open JupyterLab on the course.
# Ctrl-C stops JupyterLab and the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m corslab up
trap '.venv/bin/python -m corslab down' EXIT
root_flag=()
[ "$(id -u)" -eq 0 ] && root_flag=(--allow-root)
.venv/bin/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 --no-browser "${root_flag[@]}" "$@"
