"""The learner's side of a lab: reset the files, start the lab and leave it running."""

from __future__ import annotations

import filecmp
import shutil
import time
from pathlib import Path

from corslab.errors import CorsLabError
from corslab.labs.catalog import Lab


def reset(lab: Lab) -> Path | None:
    """Copy the handed-out files back; a changed file is first saved in ``.attempts/TIME/``."""
    backup = None
    for name in lab.files:
        original, mine = lab.handout / name, lab.folder / name
        if not original.is_file():
            raise CorsLabError(f"{lab.name} has no handed-out copy of {name}; restore it with "
                               f"`git checkout -- labs/{lab.name}`")
        if mine.is_file() and not filecmp.cmp(original, mine, shallow=False):
            backup = backup or lab.folder / ".attempts" / time.strftime("%Y%m%d-%H%M%S")
            backup.mkdir(parents=True, exist_ok=True)
            shutil.copy2(mine, backup / name)
        shutil.copyfile(original, mine)
    return backup


def start(lab: Lab) -> int:
    """Run the component with the learner's files on the "start" ports until Ctrl-C."""
    import signal
    import threading

    from corslab.labs import hosts
    from corslab.labs.components import running

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # `kill PID` stops nginx / the emulator too
    with running(lab, lab.folder, block="start") as run:
        trusted = hosts.APP_ORIGIN
        print(f"lab {lab.name}: {run.component} runs your {lab.config} on {run.address}")
        print(f"  in the story it is {run.url}; the pages are {', '.join(hosts.PAGES.values())}")
        print("  try it like a browser would (the Origin is only a header to the server):")
        print(f"    python -m corslab probe {run.address}/v1/users --origin {trusted}")
        print(f"    python -m corslab probe {run.address}/v1/users/1 --origin {trusted} --method PUT "
              "--header 'Content-Type: application/json'")
        print(f"    curl -si {run.address}/v1/users -H 'Origin: {hosts.EVIL_ORIGIN}'")
        print(f"  grade it: python -m corslab lab check {lab.name}   (Ctrl-C stops this)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0
