"""Grade a lab: run the learner's files in the real component, replay each check in Chromium.

    report = check_lab(lab, files_dir)       # files_dir: the lab folder, or its solution/
    print(report.text()); report.passed
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from corslab.labs import backend
from corslab.labs.browser import FETCH_TIMEOUT, LabBrowser, Outcome, describe
from corslab.labs.catalog import Check, Lab
from corslab.labs.components import running


@dataclass
class Result:
    check: Check
    outcome: Outcome
    passed: bool
    problem: str = ""  # what is still wrong, in the browser's words
    look: str = ""  # file:line and the line itself
    judge: str = "Chromium"  # who decided: Chromium, or corslab's model

    @property
    def leaked(self) -> str | None:
        """The secret an attacker's page read, if any."""
        for secret, what in ((backend.VICTIM_API_KEY, "the victim's API key"),
                             (backend.INTERNAL_SECRET, "the intranet's database password")):
            if self.outcome.readable and secret in self.outcome.body:
                return what
        return None


@dataclass
class Report:
    lab: Lab
    files: str
    where: str
    results: list[Result] = field(default_factory=list)
    stopped: str | None = None  # the learner's app exited during the checks
    edit: str = ""  # the file(s) to edit, as the learner finds them (labs/NAME/cors.conf)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results) and not self.stopped

    def text(self) -> str:
        lines = [f"lab {self.lab.name}: {self.lab.title}",
                 f"checking {self.files} in {self.where}"]
        for r in self.results:
            c = r.check
            name = c.name
            if name.startswith("ATTACK: "):  # the attack's story, said as what happened to it
                name = ("ATTACK BLOCKED: " if r.passed else "ATTACK WORKS: ") + name[len("ATTACK: "):]
            lines.append(f"  {'PASS' if r.passed else 'FAIL'}  {name}")
            lines.append(f"        {c.method} {c.path} from {c.origin}"
                         f"{' (sandboxed iframe)' if c.sandbox else ''}, credentials {c.credentials}"
                         f"{', logged in' if c.login else ''}: {_got(r)}")
            if not r.passed:
                lines.append(f"        still wrong: {r.problem}")
                if r.look:
                    lines.append(f"        look at {r.look}")
        if self.stopped:
            lines.append(f"  FAIL  {self.stopped}")
        done = sum(r.passed for r in self.results)
        lines.append(f"{done} of {len(self.results)} checks pass - "
                     + ("solved." if self.passed else "not solved yet (hints: the lab's README.md)."))
        if not self.passed and self.edit:
            lines.append(f"edit {self.edit}, then run `python -m corslab lab check {self.lab.name}` again")
        return "\n".join(lines)


def _got(r: Result) -> str:
    o = r.outcome
    if o.readable:
        return f"JavaScript read {o.status} {describe(o.body, 90)}"
    if r.passed and r.check.expect == "blocked":  # the browser refused: what the check wants
        return ("refused - the attack is now blocked"
                + (f" (Chromium: {o.reason})" if o.reason and "Chromium" in r.judge else
                   f" ({r.judge}: {o.reason})" if o.reason else ""))
    return f"fetch() failed ({o.error})"


def check_lab(lab: Lab, files_dir: Path | None = None, browser=None, block: str = "check",
              model: bool = False) -> Report:
    """Grade the files in ``files_dir``; ``model=True``: corslab's model decides, not Chromium."""
    files_dir = Path(files_dir or lab.folder)
    edition = "the reference solution" if files_dir == lab.solution else "your files"
    if model:
        from corslab.labs.model_check import ModelBrowser

        judge, judge_name = ModelBrowser(), "corslab's model"
    else:
        judge, judge_name = LabBrowser(browser), "Chromium"
    with running(lab, files_dir, block) as run, judge as chromium:
        report = Report(lab, f"{edition} ({', '.join(lab.files)})",
                        f"{run.component} on 127.0.0.1:{run.port}, seen as {run.url}; judged by {judge_name}",
                        edit=", ".join(where(lab, files_dir / name) for name in lab.files))
        for check in lab.checks:
            outcome = chromium.fetch(check, run.url)
            report.results.append(_judge(check, outcome, files_dir / lab.config, judge_name))
        report.stopped = run.exited()  # judged only what the browser saw - and the app must be alive
    return report


def where(lab: Lab, path: Path) -> str:
    """A lab file as the learner finds it: ``labs/NAME/FILE`` in the kit, else the path given."""
    try:
        return str(path.resolve().relative_to(lab.folder.resolve().parents[1]))
    except ValueError:
        return str(path)


def _judge(check: Check, o: Outcome, config: Path, judge: str = "Chromium") -> Result:
    result = Result(check, o, passed=False, judge=judge)
    if o.timed_out:
        result.problem = (f"the API did not answer within {FETCH_TIMEOUT:g} s, so nothing could be "
                          "judged (a loop or a sleep in a handler?)")
    elif check.expect == "read":
        if not o.readable:
            result.problem = (f"{judge} says: {o.reason}") if o.reason else f"fetch() failed: {o.error}"
        elif check.status is not None and o.status != check.status:
            result.problem = f"JavaScript read status {o.status}, the app expects {check.status}"
        else:
            result.passed = True
    else:
        if o.readable:
            leaked = result.leaked
            who = (f"a sandboxed iframe (Origin: null) on {check.page_origin}" if check.sandbox
                   else f"the page at {check.origin}")
            result.problem = (f"{who} read the answer"
                              + (f" - {leaked} leaked" if leaked else "")
                              + ": an attacker's page can do the same")
        else:
            result.passed = True
    if not result.passed:
        admitted = check.expect == "blocked" and o.readable
        result.look = (admitting_map_entry(config, check.origin) if admitted else None) \
            or find_line(config, check.look)
    return result


def admitting_map_entry(path: Path, origin: str) -> str | None:
    """The nginx ``map $http_origin ...`` entry that lets ``origin`` in, as ``file:line  text`` and
    why - the line to fix when an attacker's origin got through (not the ``add_header`` that only
    sends the map's value). nginx's rules (ngx_http_map_module): string keys are compared exactly
    (case-insensitively), then regular expressions (``~``, ``~*`` without case) in file order,
    else ``default``; an empty value means no header."""
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    entries, inside = [], False
    for number, line in enumerate(lines, 1):
        code = line.split("#", 1)[0].strip()
        if not inside:
            inside = code.startswith("map ") and code.split()[1:2] == ["$http_origin"] and code.endswith("{")
            continue
        if code.startswith("}"):
            break
        parts = code.rstrip(";").split(None, 1)
        if len(parts) == 2:
            entries.append((parts[0].strip("\"'"), parts[1].strip().strip("\"'"), number, line.strip()))
    import re

    def admits(value):
        return value not in ("", "0")

    exact = [e for e in entries if not e[0].startswith("~") and e[0] != "default"
             and e[0].lower() == origin.lower()]
    regexes = []
    for e in entries:
        if e[0].startswith("~"):
            flags, pattern = (re.IGNORECASE, e[0][2:]) if e[0].startswith("~*") else (0, e[0][1:])
            try:
                if re.search(pattern, origin, flags):
                    regexes.append(e)
            except re.error:
                continue
    default = [e for e in entries if e[0] == "default"]
    for key, value, number, text in (exact + regexes + default)[:1]:
        if admits(value):
            return f"{path.name}:{number}  {text}   <- this entry lets {origin} in"
    return None


def find_line(path: Path, needle: str | None) -> str:
    """``file:line  text`` of the first line containing ``needle`` (case-insensitive)."""
    if not needle:
        return path.name
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return path.name
    for number, line in enumerate(lines, 1):
        if needle.lower() in line.lower() and not line.lstrip().startswith("#"):
            return f"{path.name}:{number}  {line.strip()}"
    return f"{path.name} (no line mentions {needle!r} yet: add it)"
