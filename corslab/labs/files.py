"""The learner's side of a lab: the handed-out files, reset, start the lab and leave it running.

One copy of each handout: the learner's file in ``labs/NAME/`` as committed in git. ``reset``
takes that committed version (``git show HEAD:labs/NAME/FILE``); without git - a kit downloaded
as an archive, or no git installed - it changes nothing and says so in one line. Every earlier
attempt is kept, moved whole into ``labs/NAME/.attempts/TIME/`` (a new folder each time); a lab
file that is a symbolic link is moved as a link, never written through.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from corslab.errors import CorsLabError
from corslab.labs.catalog import Lab


def handed_out(lab: Lab, name: str) -> bytes:
    """The handed-out edition of one lab file: its version committed in git (HEAD)."""
    shown = f"labs/{lab.name}/{name}"
    git = shutil.which("git")
    if git is None:
        raise CorsLabError(f"the handed-out {shown} is the version committed in git, and git is not "
                           f"installed: nothing was changed; install git, or download {shown} again")
    try:
        done = subprocess.run([git, "-C", str(lab.folder), "show", f"HEAD:./{name}"],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CorsLabError(f"git could not read the committed {shown} ({exc}); nothing was changed") from None
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if any("not a git repository" in line for line in error):
            raise CorsLabError(f"the handed-out {shown} is the version committed in git, and this copy "
                               f"of the kit is not a git checkout: nothing was changed; download {shown} "
                               "again (or clone the kit with git)")
        raise CorsLabError(f"{shown} is not committed in git, so there is no handed-out version to "
                           f"restore; nothing was changed ({error[-1] if error else 'git show failed'})")
    return done.stdout


_HANDOUTS: dict[Path, Path] = {}


def handout_folder(lab: Lab) -> Path:
    """A folder (temporary, one per lab and process) holding the handed-out files: what the tests
    and the benchmarks check, whatever the learner did to the files in labs/NAME/."""
    if lab.folder not in _HANDOUTS:
        folder = Path(tempfile.mkdtemp(prefix=f"corslab-handout-{lab.name}-"))
        atexit.register(shutil.rmtree, folder, True)
        for name in lab.files:
            (folder / name).write_bytes(handed_out(lab, name))
        _HANDOUTS[lab.folder] = folder
    return _HANDOUTS[lab.folder]


def reset(lab: Lab) -> Path | None:
    """Put the handed-out files back; anything else there first moves to a new ``.attempts/TIME/``.

    Returns that folder, or None when every file was already as handed out.
    """
    originals = {name: handed_out(lab, name) for name in lab.files}  # all, before changing anything
    attempts = lab.folder / ".attempts"
    if attempts.is_symlink() or (attempts.exists() and not attempts.is_dir()):
        raise CorsLabError(f"labs/{lab.name}/.attempts is not a folder (a link or a file): move it away; "
                           "nothing was changed")
    backup = None
    for name, original in originals.items():
        mine = lab.folder / name
        if not (mine.exists() or mine.is_symlink()):
            _create(mine, original)
            continue
        if not mine.is_symlink() and mine.is_file() and mine.read_bytes() == original:
            continue
        backup = backup or _new_attempt_folder(attempts)
        os.rename(mine, backup / name)  # the file, folder or link itself - never what a link points to
        _create(mine, original)
    return backup


def _new_attempt_folder(attempts: Path) -> Path:
    """``.attempts/YYYYmmdd-HHMMSS`` (``-2``, ``-3``... within the same second): never reused."""
    attempts.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        folder = attempts / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise CorsLabError(f"{attempts} holds too many attempts from this second; try again")


def _create(path: Path, data: bytes) -> None:
    """Write a new regular file; never follow a link that appeared at ``path``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def start(lab: Lab, poll: float = 0.3) -> int:
    """Run the component with the learner's files on the "start" ports until Ctrl-C; every save
    of a lab file restarts it with the file as saved (a file it refuses: one line, then it waits
    for the next save)."""
    import signal

    from corslab.labs import hosts
    from corslab.labs.checker import where
    from corslab.labs.components import running

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # `kill PID` stops nginx / the emulator too
    edit = ", ".join(where(lab, lab.folder / name) for name in lab.files)
    print(f"lab {lab.name}: edit {edit} - every save restarts the lab with it (Ctrl-C stops)", flush=True)
    first = True
    try:
        while True:
            saved = _saved(lab)
            try:
                with running(lab, lab.folder, block="start") as run:
                    print(f"{time.strftime('%H:%M:%S')} {run.component} runs your {lab.config} as saved, "
                          f"on {run.address}", flush=True)
                    if first:
                        _how_to_try(lab, run, hosts)
                        first = False
                    _wait_for_a_save(lab, saved, poll)
            except CorsLabError as exc:
                print(f"{time.strftime('%H:%M:%S')} {exc}", flush=True)
                print("  fix it and save: the lab restarts with the saved file", flush=True)
                _wait_for_a_save(lab, saved, poll)
            print(f"{time.strftime('%H:%M:%S')} {edit} changed: restarting", flush=True)
    except KeyboardInterrupt:
        pass
    return 0


def _how_to_try(lab: Lab, run, hosts) -> None:
    trusted = hosts.APP_ORIGIN
    print(f"  in the story it is {run.url}; the pages are {', '.join(hosts.PAGES.values())}")
    print("  try it like a browser would (the Origin is only a header to the server):")
    print(f"    python -m corslab probe {run.address}/v1/users --origin {trusted}")
    print(f"    python -m corslab probe {run.address}/v1/users/1 --origin {trusted} --method PUT "
          "--header 'Content-Type: application/json'")
    print(f"    curl -si {run.address}/v1/users -H 'Origin: {hosts.EVIL_ORIGIN}'")
    print(f"  grade it: python -m corslab lab check {lab.name}", flush=True)


def _saved(lab: Lab) -> tuple:
    """What the lab's files hold now (content, so an editor's same-second save counts)."""
    state = []
    for name in lab.files:
        path = lab.folder / name
        try:
            state.append(path.read_bytes() if path.is_file() else None)
        except OSError:
            state.append(None)
    return tuple(state)


def _wait_for_a_save(lab: Lab, saved: tuple, poll: float) -> None:
    while _saved(lab) == saved:
        time.sleep(poll)
