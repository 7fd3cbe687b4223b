#!/usr/bin/env bash
# Set everything up, start the lab stack natively, and open JupyterLab on the course.
# JupyterLab's root is the repository (nginx/, infra/ and labs/ are one click away) and it opens
# on notebooks/ (see corslab/course/jupyter.py). Ctrl-C stops JupyterLab and the stack.
# Extra arguments go to JupyterLab, e.g. scripts/lab.sh --port 8899.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m corslab up
trap '.venv/bin/python -m corslab down' EXIT
.venv/bin/python -m corslab.course.jupyter "$@"
