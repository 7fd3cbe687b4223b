"""Notebook 13 - CORS security: how allowlists fail, and what holds.

``FLAWED_RULES``: origin checks as they are found in the wild (a Python rendering of each).
``check_bypass``: the learner plays the attacker and gives, for each flawed rule, an origin they
could serve a page from that the rule lets through. ``check_allowlist_function``: the learner
writes ``allowed(origin) -> bool``; it is graded by what it lets through of the attack origins
``corslab.fetch.attacks`` derives from the legitimate ones.
"""

from __future__ import annotations

import re

from corslab.errors import CorsLabError
from corslab.fetch.attacks import KINDS, attack_origins, serialised
from corslab.course.grading import Feedback, judge_allowlist, unanswered

LEGIT = ("https://app.example.com", "https://admin.example.com")

#: name -> (what the code says, the rule itself)
FLAWED_RULES = {
    "suffix": ('origin.endswith("example.com")', lambda o: o.endswith("example.com")),
    "prefix": ('origin.startswith("https://app.example.com")',
               lambda o: o.startswith("https://app.example.com")),
    "dot": (r're.fullmatch(r"https://(app|admin).example.com", origin)',
            lambda o: re.fullmatch(r"https://(app|admin).example.com", o) is not None),
    "scheme": (r're.fullmatch(r"https?://app\.example\.com", origin)',
               lambda o: re.fullmatch(r"https?://app\.example\.com", o) is not None),
    "null": ('origin in ("https://app.example.com", "null")',
             lambda o: o in ("https://app.example.com", "null")),
}


def _not_serialised(origin: str) -> str | None:
    """None for what a browser can send as Origin, else the one-line reason (attacks.serialised)."""
    try:
        serialised(origin)
    except CorsLabError as exc:
        return str(exc)
    return None


#: origin -> attack class, for the origins corslab.fetch.attacks derives from LEGIT.
ATTACK_KINDS = {a.origin: a.kind for a in attack_origins(LEGIT)}


def _attacker_controls(origin: str) -> bool:
    """Not one of the legitimate origins, and not a real subdomain of example.com over https."""
    if origin in LEGIT:
        return False
    return not re.fullmatch(r"https://[a-z0-9-]+\.example\.com", origin)


def check_bypass(answer) -> Feedback:
    """``answer``: {"suffix": ORIGIN, "prefix": ..., "dot": ..., "scheme": ..., "null": ...}."""
    if unanswered(answer):
        return Feedback.todo('Set `answer = {"suffix": "https://...", "prefix": ..., "dot": ..., '
                             '"scheme": ..., "null": ...}`: one attacker origin per rule.')
    if not isinstance(answer, dict):
        return Feedback("Bypass the allowlists", [(False, "The answer is a dict: rule -> origin.")])
    fb = Feedback("Bypass the allowlists")
    for name, (code, rule) in FLAWED_RULES.items():
        origin = answer.get(name)
        if not isinstance(origin, str):
            fb.check(False, f"{name}: give an origin as a string.")
        elif (problem := _not_serialised(origin)):
            fb.check(False, f"{name}: {problem}")
        elif not _attacker_controls(origin):
            fb.check(False, f"{name}: {origin} is one of the site's own origins (or a real subdomain of "
                            "example.com), which the attacker does not control - pick one they do.")
        else:
            kind = ATTACK_KINDS.get(origin)
            fb.check(rule(origin), f"{name}: {origin} passes `{code}`"
                     + (f" - {kind}: {KINDS[kind]}." if kind else ".") if rule(origin) else
                     f"{name}: `{code}` refuses {origin} - read the rule character by character.")
    return fb


def check_allowlist_function(answer) -> Feedback:
    """``answer``: a function ``allowed(origin: str) -> bool``.

    Graded by behaviour: it must let both production origins through and refuse every attack
    origin ``corslab.fetch.attacks`` derives from them - what a browser can really send. Case
    variants and trailing slashes are not among them: a browser never sends one, so
    ``origin.lower() in ALLOWED`` is as safe as ``origin in ALLOWED``."""
    if unanswered(answer):
        return Feedback.todo("Define `def allowed(origin): ...` and set `answer = allowed`.")
    if not callable(answer):
        return Feedback("Your allowlist", [(False, "The answer is the function itself: answer = allowed.")])
    fb = Feedback("Your allowlist against the attacks")
    judge_allowlist(fb, answer, list(LEGIT))
    return fb
