#!/usr/bin/env bash
# Set up everything CORS Lab needs on this machine; idempotent, quiet when there is nothing to do.
#   scripts/setup.sh          what the lab needs: nginx, Chromium (`lab check` grades in it, and
#                             the notebooks' "Run in Chromium"), Python packages in .venv
#   scripts/setup.sh --test   plus what the tests need (docker-compose for validation, Node.js, a
#                             CJK font so the tests' screenshots of the course render its Korean
#                             terms - a learner reads the notebooks in their own browser, with
#                             their own fonts, so the lab does not need it)
# It also installs the kit itself into .venv (editable: notebooks `import corslab` from anywhere)
# and sets up git to strip notebook outputs on commit (scripts/git-filters.sh).
# System packages are installed with apt-get when running as root on Debian/Ubuntu; elsewhere the
# script prints the exact command to run and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=no
[ "${1:-}" = "--test" ] && want_tests=yes

# ---- system packages ------------------------------------------------------------------------
packages=(nginx libnginx-mod-http-headers-more-filter chromium)
[ "$want_tests" = yes ] && packages+=(docker-compose fonts-noto-cjk)
# Node.js runs lesson 05's Express example (and the tests' Gateway API schema check); keep a node
# already here.
! command -v npm >/dev/null 2>&1 && packages+=(nodejs npm)
python3 -m venv --help >/dev/null 2>&1 || packages+=(python3-venv)
python3 -c 'import ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
      echo "CORS Lab needs nginx (with the headers-more module) and Chromium." >&2
      echo "Install them with your package manager, e.g. on macOS: brew install nginx chromium" >&2
      exit 1
    fi
    command -v chromium >/dev/null 2>&1 || [ -n "${CORSLAB_CHROMIUM:-}" ] ||
      echo "Note: no chromium on PATH; set CORSLAB_CHROMIUM to your Chromium for \`lab check\`" >&2
  elif [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  else
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# ---- Python packages in .venv ---------------------------------------------------------------
requirements=requirements.txt
[ "$want_tests" = yes ] && requirements=requirements-test.txt
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv"
  python3 -m venv .venv
fi
# A stamp per requirements content: nothing to do when it is there. The test set includes the lab's.
hash=$(cat requirements.txt servers/requirements.txt requirements-test.txt pyproject.toml | sha256sum | cut -c1-16)
if [ ! -e ".venv/.installed-$hash-tests" ] && { [ "$want_tests" = yes ] || [ ! -e ".venv/.installed-$hash-lab" ]; }; then
  echo "Installing Python packages from $requirements, and the kit (editable)"
  offline=()  # a wheelhouse from scripts/wheels.sh: install from it, never from the network
  if [ -d wheelhouse ]; then
    offline=(--no-index --find-links wheelhouse)
    echo "Using wheelhouse/ (offline)"
    # `pip install -e .` builds the kit with setuptools (pyproject.toml) in an isolated build
    # environment, which pip fills from the wheelhouse too.
    if ! ls wheelhouse/setuptools-*.whl >/dev/null 2>&1; then
      echo "wheelhouse/ has no setuptools wheel (the build backend of the editable install);" \
        "rebuild it with scripts/wheels.sh" >&2
      exit 1
    fi
  fi
  # Without a wheelhouse, fail fast when the index cannot be reached (pip's defaults retry each
  # request 5 times; a machine's PIP_DEFAULT_TIMEOUT may wait minutes): one retry, 10 s, then the hint.
  network=()
  [ "${#offline[@]}" -eq 0 ] &&
    network=(--retries "${CORSLAB_PIP_RETRIES:-1}" --timeout "${CORSLAB_PIP_TIMEOUT:-10}")
  if ! .venv/bin/python -m pip install -q --disable-pip-version-check ${offline[@]+"${offline[@]}"} \
         ${network[@]+"${network[@]}"} -r "$requirements" ||
     ! .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps \
         ${offline[@]+"${offline[@]}"} ${network[@]+"${network[@]}"} -e .; then
    echo "Could not install the Python packages (pip's message above)." >&2
    if [ "${#offline[@]}" -eq 0 ]; then
      echo "No internet here? Build a wheelhouse where there is (scripts/wheels.sh), copy wheelhouse/" \
        "into this checkout and run scripts/setup.sh again: it then installs from it, offline." >&2
    else
      echo "wheelhouse/ lacks a package: rebuild it with scripts/wheels.sh (same OS, CPU and Python)." >&2
    fi
    exit 1
  fi
  touch ".venv/.installed-$hash-$([ "$want_tests" = yes ] && echo tests || echo lab)"
fi

# ---- lesson 05's Express example: express and cors, pinned by its package-lock.json -------------
express=examples/app-level/express
if command -v npm >/dev/null 2>&1 && [ ! -e "$express/node_modules/.package-lock.json" -o "$express/package-lock.json" -nt "$express/node_modules/.package-lock.json" ]; then
  echo "Installing the Express example's packages (npm ci in $express)"
  npm ci --prefix "$express" --no-audit --no-fund --loglevel=error >/dev/null
fi

# ---- git: notebooks are committed without outputs --------------------------------------------
scripts/git-filters.sh

# ---- Node packages for the tests ------------------------------------------------------------
if [ "$want_tests" = yes ] && [ ! -d tests/infra/gateway-api/node_modules ]; then
  echo "Installing the Gateway API schema validator (npm)"
  (cd tests/infra/gateway-api && npm ci --no-audit --no-fund --silent)
fi
