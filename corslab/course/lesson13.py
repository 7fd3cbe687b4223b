"""Notebook 13 - CORS security: how allowlists fail, and what holds.

``FLAWED_RULES``: origin checks as they are found in the wild (a Python rendering of each).
``check_bypass``: the learner plays the attacker and gives, for each flawed rule, an origin they
could serve a page from that the rule lets through. ``check_allowlist_function``: the learner
writes ``allowed(origin) -> bool``; it is run against legitimate origins and every attack origin
of this lesson.
"""

from __future__ import annotations

import re

from corslab.course.grading import Feedback, unanswered

LEGIT = ("https://app.example.com", "https://admin.example.com")
ORIGIN_SYNTAX = re.compile(r"^(null|[a-z][a-z0-9+.-]*://[a-z0-9.-]+(:\d{1,5})?)$")

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
        elif not ORIGIN_SYNTAX.match(origin):
            fb.check(False, f"{name}: {origin!r} is not what a browser sends as Origin "
                            "(scheme://host[:port], lower case, no path - or null).")
        elif not _attacker_controls(origin):
            fb.check(False, f"{name}: {origin} is a legitimate origin - pick one the attacker controls.")
        else:
            fb.check(rule(origin), f"{name}: {origin} passes `{code}`." if rule(origin) else
                     f"{name}: `{code}` refuses {origin} - read the rule character by character.")
    return fb


#: Origins that must be refused, and what each one tries.
ATTACKS = {
    "https://app.example.com.evil.test": "prefix match",
    "https://evilexample.com": "suffix match",
    "https://evil.app.example.com": "subdomain of an allowed host",
    "https://appxexample.com": "unescaped dot",
    "http://app.example.com": "scheme downgrade",
    "https://app.example.com:8443": "another port",
    "null": "sandboxed iframe or file: page",
    "https://app.example.com/": "trailing slash (never a browser Origin, still must not pass)",
    "HTTPS://APP.EXAMPLE.COM": "upper case",
    "": "empty Origin",
}


def check_allowlist_function(answer) -> Feedback:
    """``answer``: a function ``allowed(origin: str) -> bool``."""
    if unanswered(answer):
        return Feedback.todo("Define `def allowed(origin): ...` and set `answer = allowed`.")
    if not callable(answer):
        return Feedback("Your allowlist", [(False, "The answer is the function itself: answer = allowed.")])
    fb = Feedback("Your allowlist against the attacks")

    def run(origin):
        try:
            return answer(origin), None
        except Exception as exc:  # the learner's code: report, never raise
            return None, f"{type(exc).__name__}: {exc}"

    for origin in LEGIT:
        got, err = run(origin)
        fb.check(got is True, f"{origin}: allowed." if got is True else
                 f"{origin}: must be allowed (got {err or repr(got)}).")
    for origin, what in ATTACKS.items():
        got, err = run(origin)
        fb.check(got is False, f"{origin or '(empty)'} ({what}): refused." if got is False else
                 f"{origin or '(empty)'} ({what}): must be refused (got {err or repr(got)}).")
    return fb
