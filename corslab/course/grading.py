"""Exercise feedback: a checker looks at the learner's own answer and says what is right and
what is wrong in it, point by point. It never raises and never shows the reference answer, so
"Run All" on an unanswered notebook prints "not answered yet" and reveals nothing.

A lesson's checker::

    def check_simple_or_not(answer) -> Feedback:
        if unanswered(answer):
            return Feedback.todo("Set `answer` to ...")
        fb = Feedback("Simple or preflighted?")
        fb.check(answer["PUT"] is True, "PUT is not a CORS-safelisted method, so it needs a preflight.")
        return fb
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field


def unanswered(answer) -> bool:
    """The learner has not filled in the cell yet (``...`` or ``None``, also inside a dict/list)."""
    if answer is ... or answer is None:
        return True
    if isinstance(answer, dict):
        return any(unanswered(v) for v in answer.values())
    if isinstance(answer, (list, tuple)):
        return any(v is ... for v in answer)
    return False


@dataclass
class Feedback:
    """The result of checking one answer: a list of (passed, message) points."""

    title: str
    points: list[tuple[bool, str]] = field(default_factory=list)
    pending: str | None = None  # set when the learner has not answered yet

    @classmethod
    def todo(cls, what: str, title: str = "Not answered yet") -> "Feedback":
        return cls(title, pending=what)

    def check(self, passed: bool, message: str) -> bool:
        """Record one point; ``message`` says why it is right, or what is wrong and where to look."""
        self.points.append((bool(passed), message))
        return bool(passed)

    @property
    def ok(self) -> bool:
        return self.pending is None and bool(self.points) and all(p for p, _ in self.points)

    @property
    def wrong(self) -> list[str]:
        return [m for p, m in self.points if not p]

    def __str__(self) -> str:
        if self.pending is not None:
            return f"… {self.title}: {self.pending}"
        head = f"{'✔' if self.ok else '✘'} {self.title}: " + (
            "all correct" if self.ok else f"{len(self.wrong)} of {len(self.points)} not right yet")
        return "\n".join([head] + [f"  {'✔' if p else '✘'} {m}" for p, m in self.points])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        if self.pending is not None:
            return (f"<div style='border-left:4px solid #999;padding:4px 8px'><b>… {html.escape(self.title)}</b>"
                    f"<br>{html.escape(self.pending)}</div>")
        colour = "#2e7d32" if self.ok else "#c62828"
        rows = "".join(
            f"<li style='color:{'#2e7d32' if p else '#c62828'}'>{'✔' if p else '✘'} {html.escape(m)}</li>"
            for p, m in self.points)
        verdict = "all correct" if self.ok else f"{len(self.wrong)} of {len(self.points)} not right yet"
        return (f"<div style='border-left:4px solid {colour};padding:4px 8px'>"
                f"<b>{'✔' if self.ok else '✘'} {html.escape(self.title)}</b>: {verdict}"
                f"<ul style='margin:4px 0'>{rows}</ul></div>")


def judge_allowlist(fb: Feedback, allows, allowed, kinds=None) -> dict:
    """Grade an allowlist by what it lets through: every origin of ``allowed`` must pass, and no
    attack origin that ``corslab.fetch.attacks.attack_origins(allowed)`` derives from them may.

    ``allows(origin)`` is the learner's answer run as the product runs it (truthy = let through).
    One point per allowed origin; one point per attack class that got through, naming its first
    origin and why that is an attack (``Attack.why``); one point when all were refused. Returns
    {kind: [Attack, ...]} of what got through. Never raises: an exception from ``allows`` is a
    point of feedback.
    """
    from corslab.fetch.attacks import attack_origins

    def run(origin):
        try:
            return bool(allows(origin)), None
        except Exception as exc:  # the learner's answer: report, never raise
            return None, f"{type(exc).__name__}: {exc}"

    for origin in allowed:
        got, err = run(origin)
        fb.check(got is True, f"{origin} is let through." if got is True else
                 f"{origin} must be let through (got {err or 'a refusal'}).")
    attacks = attack_origins(allowed, kinds)
    through: dict = {}
    failed = None
    for attack in attacks:
        got, err = run(attack.origin)
        if err and failed is None:
            failed = (attack, err)
        elif got:
            through.setdefault(attack.kind, []).append(attack)
    for kind, hits in through.items():
        more = f" (and {len(hits) - 1} more like it)" if len(hits) > 1 else ""
        fb.check(False, f"lets through {hits[0].origin}{more} - {hits[0].why}.")
    if failed:
        fb.check(False, f"{failed[0].origin}: your answer raised {failed[1]}; an allowlist answers "
                        "'no' for an origin it does not know.")
    if not through and not failed:
        fb.check(True, f"refuses all {len(attacks)} attack origins derived from "
                       f"{', '.join(allowed)} ({len({a.kind for a in attacks})} classes: look-alikes, "
                       "other ports and schemes, subdomains, null, localhost, public hosting).")
    return through
