"""Checkers for notebook 09 - method 4: AWS ALB.

``check_alb_attributes``: the learner writes two listener attribute values for one frontend with
cookies. ``check_alb_predictions``: which of the lab's origins the lab's ALB config lets read a
plain GET - the truth is computed from ``infra/aws/alb.json`` (one static value, compared the way
the Fetch standard's CORS check compares it), never typed here.
"""

from __future__ import annotations

import json

from corslab import topology
from corslab.course.grading import Feedback, unanswered
from corslab.course.live import repo_path

ALB_CONFIG = "infra/aws/alb.json"
ACAO_KEY = "routing.http.response.access_control_allow_origin.header_value"
SHOP = "https://shop.example.com"


def check_alb_attributes(answer) -> Feedback:
    """``answer``: {"allow_origin": VALUE, "allow_credentials": VALUE} for a page at SHOP with cookies."""
    if unanswered(answer):
        return Feedback.todo('Set `answer = {"allow_origin": "...", "allow_credentials": "..."}`.')
    if not isinstance(answer, dict):
        return Feedback("ALB listener attributes", [(False, "The answer is a dict with two keys.")])
    origin = str(answer.get("allow_origin", "")).strip()
    creds = str(answer.get("allow_credentials", ""))
    fb = Feedback("ALB listener attributes for " + SHOP)
    if origin == "*":
        fb.check(False, "allow_origin: * is refused by the browser when the request carries cookies.")
    elif "," in origin or " " in origin:
        fb.check(False, "allow_origin: one value only - a list in one header is a "
                        "'multiple values' error in the browser.")
    elif origin.endswith("/"):
        fb.check(False, "allow_origin: an origin has no path, not even a trailing /.")
    else:
        fb.check(origin == SHOP, "allow_origin: the page's exact origin." if origin == SHOP else
                 "allow_origin: it must equal the page's origin byte for byte (scheme, host, port).")
    fb.check(creds == "true", "allow_credentials: exactly true." if creds == "true" else
             "allow_credentials: the browser accepts only the exact lower-case string true.")
    return fb


def static_allow_origin(path: str = ALB_CONFIG) -> str | None:
    """The one Access-Control-Allow-Origin value the ALB config sends to everybody (as the stack
    runs it: shifted under CORSLAB_PORT_OFFSET like every config)."""
    with open(repo_path(path), encoding="utf-8") as fh:
        config = json.loads(topology.shift_text(fh.read()))
    for attr in config.get("ListenerAttributes", []):
        if attr.get("Key") == ACAO_KEY:
            return attr.get("Value")
    return None


def check_alb_predictions(answer) -> Feedback:
    """``answer``: {"app": bool, "admin": bool, "untrusted": bool} - can a page there read a GET?"""
    if unanswered(answer):
        return Feedback.todo('Set `answer = {"app": ..., "admin": ..., "untrusted": ...}` with True or False.')
    if not isinstance(answer, dict):
        return Feedback("ALB predictions", [(False, "The answer is a dict: origin name -> True/False.")])
    value = static_allow_origin()
    origins = {"app": topology.APP_ORIGIN, "admin": topology.ADMIN_ORIGIN,
               "untrusted": topology.UNTRUSTED_ORIGIN}
    fb = Feedback("Who can read the ALB's answer")
    for name, origin in origins.items():
        truth = value == "*" or value == origin
        given = answer.get(name)
        if not isinstance(given, bool):
            fb.check(False, f"{name}: answer True or False.")
            continue
        fb.check(given == truth, f"{name}: right." if given == truth else
                 f"{name}: not right yet - compare {origin} with the one static "
                 "Access-Control-Allow-Origin value in alb.json, byte for byte.")
    return fb
