"""Shared checker shapes for the lessons: true/false statements and "match each item to a choice".

A statement's explanation is written so that it teaches whichever way the learner answered; the
answer key itself is never printed, only whether each of the learner's own marks is right.
"""

from __future__ import annotations

from corslab.course.grading import Feedback, unanswered


def true_false(answer, key: dict[str, tuple[bool, str, str]], title: str, how: str) -> Feedback:
    """``answer`` maps each statement letter to True/False.

    ``key`` maps letter -> (truth, why, hint): ``why`` is shown when the learner's mark is right,
    ``hint`` (where to look, not the verdict) when it is wrong.
    """
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo(how)
    fb = Feedback(title)
    for letter, (truth, why, hint) in key.items():
        given = answer.get(letter, answer.get(letter.lower()))
        if not isinstance(given, bool):
            fb.check(False, f"{letter}: mark it True or False (got {given!r}).")
            continue
        if given == truth:
            fb.check(True, f"{letter}: right - {why}")
        else:
            fb.check(False, f"{letter}: not right yet. {hint}")
    extra = sorted(set(map(str, answer)) - set(key) - {k.lower() for k in key})
    if extra:
        fb.check(False, f"there is no statement {', '.join(extra)}; the letters are {', '.join(key)}.")
    return fb


def matching(answer, key: dict[str, set[str]], title: str, how: str,
             hints: dict[str, str] | None = None) -> Feedback:
    """``answer`` maps each item to one choice; ``key`` maps item -> the acceptable choices."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo(how)
    hints = hints or {}
    fb = Feedback(title)
    for item, accepted in key.items():
        given = answer.get(item)
        if given is None:
            fb.check(False, f"{item}: no answer yet.")
            continue
        norm = str(given).strip().lower()
        ok = norm in {a.lower() for a in accepted}
        fb.check(ok, f"{item}: " + ("right." if ok else f"not this one. {hints.get(item, '')}".rstrip()))
    return fb
