# The shell of JupyterLab's terminals, as scripts/lab.sh starts JupyterLab (corslab.course.jupyter):
# your usual interactive bash, then the course's Python first on PATH and the repository as the
# working folder, so `python -m corslab lab list` works as the README and the labs write it.
[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc
[ -f ~/.bashrc ] && . ~/.bashrc
if [ -n "${CORSLAB_TERMINAL_BIN:-}" ]; then
  PATH="$CORSLAB_TERMINAL_BIN:$PATH"
  export PATH
fi
[ -n "${CORSLAB_TERMINAL_DIR:-}" ] && cd "$CORSLAB_TERMINAL_DIR"
