#!/usr/bin/env bash
# Set everything up, start the lab stack natively, and open JupyterLab on the course.
# JupyterLab's root is the repository (nginx/, infra/ and labs/ are one click away), it opens on
# notebooks/, and its terminals run the course's Python (.venv) at the repository root, so
# `python -m corslab ...` works there as the course writes it (corslab/course/jupyter.py).
# It ends with a banner: the URL to open, the first notebook, how to stop. JupyterLab's own log
# goes to .run/jupyterlab.log (or $CORSLAB_RUNTIME/jupyterlab.log).
# Ctrl-C stops JupyterLab, and the stack if this script started it.
#   scripts/lab.sh --port 8899     extra arguments go to JupyterLab
#   CORSLAB_BROWSER=none           do not open a browser (by default one opens where there is a
#                                  display: DISPLAY or WAYLAND_DISPLAY set, or macOS)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python=.venv/bin/python

stack_was_up=yes
"$python" -m corslab status >/dev/null 2>&1 || stack_was_up=no
"$python" -m corslab up

runtime="${CORSLAB_RUNTIME:-.run}"
mkdir -p "$runtime"
log="$runtime/jupyterlab.log"
"$python" -m corslab.course.jupyter "$@" >"$log" 2>&1 &
jupyter=$!

stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping JupyterLab"
  kill -TERM "$jupyter" 2>/dev/null || true
  for _ in $(seq 100); do  # 10 s to shut down its kernels and terminals, then it is killed
    kill -0 "$jupyter" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$jupyter" 2>/dev/null || true
  wait "$jupyter" 2>/dev/null || true
  if [ "$stack_was_up" = no ]; then
    "$python" -m corslab down
  fi
  exit 0
}
trap stop INT TERM EXIT

# JupyterLab prints its URL (with the token) once it serves: wait for it, at most a minute.
url=
for _ in $(seq 600); do
  url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/lab[^[:space:]]*' "$log" | head -n 1 || true)
  [ -n "$url" ] && break
  if ! kill -0 "$jupyter" 2>/dev/null; then
    echo "JupyterLab exited while starting; the end of $log:" >&2
    tail -n 15 "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "JupyterLab did not print its URL within 60 s; see $log" >&2
  exit 1
fi
first="${url%%/lab*}/lab/tree/notebooks/00-start-here.ipynb"
case "$url" in *\?token=*) first="$first?token=${url#*\?token=}" ;; esac

opened=no
if [ "${CORSLAB_BROWSER:-}" != none ] &&
   { [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = Darwin ]; }; then
  "$python" -m webbrowser -t "$first" >/dev/null 2>&1 && opened=yes
fi

cat <<EOF

================================================================================
 CORS Lab is running.

   Open            $first
                   $([ "$opened" = yes ] && echo "(opened in your browser)" || echo "(paste it into your browser)")
   First notebook  notebooks/00-start-here.ipynb
   Terminal        File > New > Terminal: \`python -m corslab lab list\` works there
   Stop            Ctrl-C here (stops JupyterLab$([ "$stack_was_up" = no ] && echo " and the stack"))
   JupyterLab log  $log
================================================================================
EOF

wait "$jupyter" || true
echo "JupyterLab stopped; the end of $log:" >&2
tail -n 5 "$log" >&2
