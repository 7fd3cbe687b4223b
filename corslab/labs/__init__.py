"""The labs: broken setups to repair (and two to attack), graded in real servers and Chromium.

    python -m corslab lab list [--json]
    python -m corslab lab start NAME          run the lab with your files until Ctrl-C
    python -m corslab lab check NAME [--solution]
    python -m corslab lab reset NAME          restore the handed-out files (your attempt is kept)

Modules: ``catalog`` (the lab.toml files), ``hosts`` (origins and lab ports), ``backend`` (the
API the labs protect), ``components`` (nginx, emulators, Flask on a lab port), ``browser`` (the
checks in Chromium), ``checker`` (grading and the report), ``cli``.
"""
