#!/usr/bin/env bash
# Build a wheelhouse for rooms without internet: every Python package CORS Lab and its tests need,
# as wheels in ./wheelhouse/. Copy the checkout (with wheelhouse/) to the learners' machines;
# scripts/setup.sh then installs from it with --no-index, never touching the network.
#
#   scripts/wheels.sh                 wheels for this machine's Python, OS and CPU
#   scripts/wheels.sh --platform manylinux2014_x86_64 --python-version 3.11 --only-binary=:all:
#                                     for learners' machines that differ (extra args go to pip)
#
# Build it on the same OS, CPU and Python minor version as the learners' machines (Playwright and
# a few others ship platform wheels). System packages (nginx, Chromium) are not Python packages:
# see docs/instructor.md, "A room without internet".
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
[ -x .venv/bin/python ] && python=.venv/bin/python
mkdir -p wheelhouse
if [ "$#" -gt 0 ]; then
  # pip download can target another platform (pip wheel cannot); sdists are refused there.
  "$python" -m pip download -q --disable-pip-version-check -d wheelhouse -r requirements-test.txt "$@"
else
  "$python" -m pip wheel -q --disable-pip-version-check -w wheelhouse -r requirements-test.txt
fi
# pip itself and the build backends, so a fresh venv can install offline too.
"$python" -m pip download -q --disable-pip-version-check -d wheelhouse pip setuptools wheel "$@"
count=$(find wheelhouse -name '*.whl' | wc -l)
echo "wheelhouse/: $count wheels ($(du -sh wheelhouse | cut -f1)); scripts/setup.sh will use them"
