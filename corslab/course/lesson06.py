"""Lesson 06 - method 1: one origin by path routing (경로 기반 라우팅): the exercise checkers.

Where a path goes is read from ``nginx/same-origin.conf`` itself (its prefix ``location`` blocks,
longest prefix wins, as nginx chooses); browser outcomes come from :mod:`corslab.fetch.model`.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

from corslab.fetch import model
from corslab.stack import nginxconf
from corslab.course.grading import Feedback, unanswered
from corslab.course.lesson04 import cookie_travels
from corslab.fetch.origins import origin_of

_LOCATION = re.compile(r"^\s*location\s+(\S+)\s*\{")
_PROXY = re.compile(r"proxy_pass\s+https?://\$\{([A-Z_]+)_UPSTREAM\}")


def routes(conf: Path | None = None) -> dict[str, str]:
    """{location prefix: upstream service} of the method-1 config, read from the file."""
    conf = conf or nginxconf.template_path("same-origin")
    found, current = {}, None
    for line in conf.read_text().splitlines():
        code = line.split("#", 1)[0]
        m = _LOCATION.match(code)
        if m:
            current = m.group(1)
            continue
        m = _PROXY.search(code)
        if m and current is not None:
            found[current] = m.group(1).lower().replace("_", "-")
            current = None
    return found


def route_of(path: str, conf: Path | None = None) -> str:
    """The upstream nginx picks for ``path``: the longest matching prefix location."""
    table = routes(conf)
    best = max((p for p in table if path.startswith(p)), key=len)
    return table[best]


#: Exercise 1: request paths on the one origin.
PATHS = ("/v1/users", "/playground.html", "/V1/users", "/v2/users", "/", "/v1/me?trace=1")


def check_routes(answer) -> Feedback:
    """Exercise 1: ``answer = {path: "api" | "frontend"}`` for each path in :data:`PATHS`."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"/v1/users\": \"api\" or \"frontend\", ...} for "
                             "every path listed.")
    fb = Feedback("Where does nginx send it?")
    for path in PATHS:
        given = answer.get(path)
        if given not in ("api", "frontend"):
            fb.check(False, f"{path}: answer \"api\" or \"frontend\"")
            continue
        want = route_of(path.split("?")[0])
        fb.check(given == want, f"{path}: right" if given == want else
                 f"{path}: not right - nginx compares the path with each `location` prefix, "
                 "character by character, and the longest match wins")
    return fb


# -- exercise 2: the page on the one origin ------------------------------------------------------

def one_origin_facts(page_url: str, path: str) -> dict:
    """A page at ``page_url`` sends ``fetch(path, {method: "PUT", JSON body})`` (default
    credentials "same-origin")."""
    url = urljoin(page_url, path)
    req = model.FetchRequest(url, origin_of(page_url).serialize(), "PUT", [("Content-Type", "application/json")],
                             body="{}")
    decision = model.decide(req, None, model.HttpResponse(200, [("Content-Type", "application/json")]))
    return {"preflight": model.preflight_needed(req),
            "cookie_sent": cookie_travels(page_url, url, "same-origin"),
            "cors_headers_needed": not decision.allowed}


def check_one_origin(answer, page_url: str, path: str = "/v1/users/1") -> Feedback:
    """Exercise 2: ``answer = {"preflight": bool, "cookie_sent": bool, "cors_headers_needed": bool}``."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"preflight\": True/False, \"cookie_sent\": "
                             "True/False, \"cors_headers_needed\": True/False}.")
    truth = one_origin_facts(page_url, path)
    hints = {
        "preflight": "A preflight is for cross-origin requests only. Is this one?",
        "cookie_sent": "fetch()'s default credentials mode is \"same-origin\".",
        "cors_headers_needed": "Does the CORS check run on a same-origin answer?",
    }
    fb = Feedback("A PUT with JSON on one origin")
    for key, want in truth.items():
        given = answer.get(key)
        if not isinstance(given, bool):
            fb.check(False, f"{key}: answer True or False")
        else:
            fb.check(given == want, f"{key}: right" if given == want else
                     f"{key}: not right. {hints[key]}")
    return fb


# -- exercise 3: the limits ---------------------------------------------------------------------

#: Can method 1 alone make this work without any CORS header? (judgement, explained in the lesson)
SITUATIONS: dict[str, tuple[str, bool]] = {
    "a": ("your SPA and your API, deployed together behind one domain", True),
    "b": ("a partner's website on its own domain calls your API from its pages", False),
    "c": ("a public API that any website may call with fetch()", False),
    "d": ("a session cookie with SameSite=Strict, sent with every API call from your SPA", True),
}


def check_limits(answer) -> Feedback:
    """Exercise 3: ``answer = {"a": True/False, ...}``: is method 1 alone enough?"""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"a\": True/False, ...} for a-d.")
    fb = Feedback("Where one origin is enough")
    for key, (_, enough) in SITUATIONS.items():
        given = answer.get(key)
        if not isinstance(given, bool):
            fb.check(False, f"{key}: answer True or False")
        else:
            fb.check(given == enough, f"{key}: right" if given == enough else
                     f"{key}: not right - one origin works only when *you* serve the page that "
                     "calls the API; whose page is it here?")
    return fb
