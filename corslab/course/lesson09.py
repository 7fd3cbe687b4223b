"""Checkers for notebook 09 - method 4: AWS ALB.

``check_alb_attributes``: the learner writes two listener attribute values for one frontend with
cookies. ``check_alb_predictions``: the team "fixes" the second frontend by setting the allow-origin
attribute to ``*`` - who can read a GET now, with and without cookies? The truth is computed with
the Fetch standard's CORS check (``corslab.fetch.model``) from ``*`` and ``infra/aws/alb.json``'s
credentials attribute, never typed here.
"""

from __future__ import annotations

import json

from corslab.stack import topology
from corslab.course.grading import Feedback, judge_allowlist, unanswered
from corslab.course.live import repo_path

ALB_CONFIG = "infra/aws/alb.json"
ACAO_KEY = "routing.http.response.access_control_allow_origin.header_value"
SHOP = "https://shop.example.com"


def browser_reads(acao: str, acac: str, page: str) -> bool:
    """Whether a page at ``page`` reads a credentialed answer carrying these two static headers:
    the browser's CORS check (Fetch standard; the kit's ``model.classify_access``)."""
    from corslab.fetch.model import classify_access

    return classify_access(acao, acac, page, True) is None


def check_alb_attributes(answer) -> Feedback:
    """``answer``: {"allow_origin": VALUE, "allow_credentials": VALUE} for a page at SHOP with cookies.

    Graded by behaviour: the ALB sends the two values on every answer, so the browser's own check
    decides which pages read - SHOP must, no attack origin ``corslab.fetch.attacks`` derives from it
    may."""
    if unanswered(answer):
        return Feedback.todo('Set `answer = {"allow_origin": "...", "allow_credentials": "..."}`.')
    if not isinstance(answer, dict):
        return Feedback("ALB listener attributes", [(False, "The answer is a dict with two keys.")])
    origin = str(answer.get("allow_origin", "")).strip()   # HTTP trims white space around a value
    creds = str(answer.get("allow_credentials", ""))
    fb = Feedback("ALB listener attributes for " + SHOP)
    fb.check(creds == "true", "allow_credentials: exactly true." if creds == "true" else
             "allow_credentials: the browser accepts only the exact lower-case string true.")
    if creds != "true":
        return fb
    if origin == "*":
        fb.check(False, "allow_origin: * is refused by the browser when the request carries "
                        "cookies (and without cookies it would let every site read).")
    elif "," in origin or " " in origin:
        fb.check(False, "allow_origin: one value only - a list in one header is a "
                        "'multiple values' error in the browser, for every page.")
    else:
        judge_allowlist(fb, lambda page: browser_reads(origin, creds, page), [SHOP])
        if not browser_reads(origin, creds, SHOP) and origin.rstrip("/") == SHOP:
            fb.check(False, "allow_origin: an origin has no path, not even a trailing / - the "
                            "browser compares it with the page's origin byte for byte.")
    return fb


ACAC_KEY = "routing.http.response.access_control_allow_credentials.header_value"
WILDCARD = "*"


def static_attribute(key: str, path: str = ALB_CONFIG) -> str | None:
    """One listener attribute's static value in the ALB config, as the stack runs it (shifted under
    CORSLAB_PORT_OFFSET like every config)."""
    with open(repo_path(path), encoding="utf-8") as fh:
        config = json.loads(topology.shift_text(fh.read()))
    return next((a.get("Value") for a in config.get("ListenerAttributes", []) if a.get("Key") == key), None)


def check_alb_predictions(answer) -> Feedback:
    """``answer``: {"with_cookies": {"app": bool, "admin": bool, "untrusted": bool},
    "without_cookies": {...}} - who can read a GET once the allow-origin attribute is ``*``.

    The truth is the Fetch standard's CORS check (the kit's ``model.classify_access``) applied to
    ``*`` and the credentials attribute of ``infra/aws/alb.json``.
    """
    how = ('Set `answer = {"with_cookies": {"app": ..., "admin": ..., "untrusted": ...}, '
           '"without_cookies": {...}}` with True or False.')
    if unanswered(answer):
        return Feedback.todo(how)
    if not isinstance(answer, dict) or not all(isinstance(answer.get(k), dict)
                                               for k in ("with_cookies", "without_cookies")):
        return Feedback("ALB with *", [(False, how)])
    from corslab.fetch.model import classify_access

    acac = static_attribute(ACAC_KEY)
    origins = {"app": topology.APP_ORIGIN, "admin": topology.ADMIN_ORIGIN,
               "untrusted": topology.UNTRUSTED_ORIGIN}
    fb = Feedback("The ALB with Access-Control-Allow-Origin: *")
    for part, include in (("with_cookies", True), ("without_cookies", False)):
        for name, origin in origins.items():
            truth = classify_access(WILDCARD, acac, origin, include) is None
            given = answer[part].get(name)
            if not isinstance(given, bool):
                fb.check(False, f"{part} / {name}: answer True or False.")
                continue
            fb.check(given == truth, f"{part} / {name}: right." if given == truth else
                     f"{part} / {name}: not right yet - what does a browser do with * when the "
                     "request carries cookies, and when it does not?")
    return fb
