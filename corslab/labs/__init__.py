"""The labs: broken setups to repair (and two to attack), graded in real servers and Chromium.

    python -m corslab lab list [--json]
    python -m corslab lab start NAME          run the lab with your files (restarts on each save)
    python -m corslab lab check NAME [--solution]
    python -m corslab lab reset NAME          restore the files as committed in git (attempt kept)

Modules: ``catalog`` (the lab.toml files), ``hosts`` (origins and lab ports), ``backend`` (the
API the labs protect), ``components`` (nginx, emulators, Flask on a lab port), ``app_process``
(a learner's app.py in a process of its own), ``browser`` (the checks in Chromium),
``model_check`` (the same checks decided by corslab's model), ``checker`` (grading and the
report), ``files`` (the handed-out files from git, reset, start), ``cli``.
"""
