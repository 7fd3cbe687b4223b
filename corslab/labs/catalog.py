"""The labs on disk: each folder ``labs/NN-name/`` with a ``lab.toml`` is one lab.

lab.toml (adding a lab is adding a folder; nothing in the code names a lab)::

    title = "Two Access-Control-Allow-Origin lines"
    method = "method 2: nginx"          # what the learner works on
    minutes = 15
    notebook = "07"                     # the notebook that prepares it
    component = "nginx"                 # nginx | flask | an emulate PRODUCT (kong, alb, ...)
    config = "cors.conf"                # the learner's file the component runs
    backend = "none"                    # the lab API's own CORS (corslab/labs/backend.py)
    automatic_options = true            # false: the API answers OPTIONS with 405
    exploit = false                     # true: a check is an attack that must stop working

    [[checks]]                          # run in order, in one browser, against one component
    name = "the app reads the user list"
    page = "app"                        # app | admin | forum | evil | any origin URL
    sandbox = false                     # true: from a sandboxed iframe of that page (Origin: null)
    path = "/v1/users"
    method = "GET"
    headers = [["Content-Type", "application/json"]]
    body = '{"name": "kim"}'
    credentials = "include"             # fetch()'s credentials mode
    login = true                        # the victim is logged in (session cookie in the browser)
    expect = "read"                     # read: page JS reads the answer | blocked: it must not
    status = 401                        # optional: the status JS must read
    look = "Access-Control-Allow-Origin"   # the file's line to point at when it fails

Files: the learner's copies live in the lab folder, and their committed version (git) is the
handed-out edition - the only copy (what ``reset`` restores, corslab.labs.files); the reference
solution is in ``solution/``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from corslab.errors import CorsLabError
from corslab.labs import hosts

ROOT = Path(__file__).resolve().parents[2] / "labs"
EXPECT = ("read", "blocked")
CREDENTIALS = ("omit", "same-origin", "include")


@dataclass(frozen=True)
class Check:
    name: str
    page: str
    path: str
    expect: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    credentials: str = "include"
    login: bool = True
    sandbox: bool = False
    status: int | None = None
    look: str | None = None

    @property
    def origin(self) -> str:
        return "null" if self.sandbox else hosts.PAGES.get(self.page, self.page)

    @property
    def page_origin(self) -> str:
        return hosts.PAGES.get(self.page, self.page)


@dataclass(frozen=True)
class Lab:
    name: str
    folder: Path
    title: str
    method: str
    minutes: int
    notebook: str
    component: str
    config: str
    backend: str = "none"
    automatic_options: bool = True
    exploit: bool = False
    files: tuple[str, ...] = ()
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def handout(self) -> Path:
        """A folder with the handed-out files (from git, corslab.labs.files.handout_folder)."""
        from corslab.labs.files import handout_folder

        return handout_folder(self)

    @property
    def solution(self) -> Path:
        return self.folder / "solution"

    def summary(self) -> dict:
        return {"name": self.name, "title": self.title, "method": self.method, "minutes": self.minutes}


def all_labs(root: Path = ROOT) -> list[Lab]:
    if not root.is_dir():
        raise CorsLabError(f"no labs folder at {root}; run from a full checkout of the kit")
    return [load(folder) for folder in sorted(root.iterdir()) if (folder / "lab.toml").is_file()]


def for_notebook(notebook: str, root: Path = ROOT) -> list[Lab]:
    """The labs a notebook prepares (``for_notebook("07")``): the course's hook into the labs."""
    return [lab for lab in all_labs(root) if lab.notebook == notebook]


def find(name: str, root: Path = ROOT) -> Lab:
    folder = root / name
    if not name or "/" in name or not (folder / "lab.toml").is_file():
        names = [lab.name for lab in all_labs(root)]
        close = [n for n in names if name and (name in n or n.split("-", 1)[0] == name)]
        hint = f"did you mean {close[0]}?" if close else "`python -m corslab lab list` shows them"
        raise CorsLabError(f"there is no lab {name!r}; {hint}")
    return load(folder)


def load(folder: Path) -> Lab:
    path = folder / "lab.toml"
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise CorsLabError(f"{path}: not valid TOML: {exc}") from None
    try:
        checks = tuple(_check(c) for c in data.pop("checks"))
        config = data["config"]
        lab = Lab(name=folder.name, folder=folder, checks=checks,
                  files=tuple(data.pop("files", [config])), **data)
    except (KeyError, TypeError, ValueError) as exc:
        raise CorsLabError(f"{path}: {exc}") from None
    return lab


def _check(data: dict) -> Check:
    data = dict(data)
    data["headers"] = tuple(tuple(h) for h in data.get("headers", ()))
    check = Check(**data)
    if check.expect not in EXPECT or check.credentials not in CREDENTIALS:
        raise ValueError(f"check {check.name!r}: expect is one of {EXPECT}, credentials of {CREDENTIALS}")
    return check
