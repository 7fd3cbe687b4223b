#!/usr/bin/env bash
# Make git strip notebook outputs on commit: .gitattributes sends *.ipynb through the "nbstripout"
# filter, defined here for this clone. The command is relative to the work tree (git runs filters
# there), so every checkout uses its own .venv. Idempotent; a no-op outside a git work tree.
set -euo pipefail
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || exit 0
git config filter.nbstripout.clean ".venv/bin/python -m nbstripout"
git config filter.nbstripout.smudge cat
git config diff.ipynb.textconv ".venv/bin/python -m nbstripout -t"
