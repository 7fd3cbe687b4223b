"""Checkers for notebook 07 - method 2: nginx injects the CORS headers.

``check_allowlist_entry``: the learner writes one nginx ``map`` entry that allows exactly one
production origin; it is graded by what it lets through of the attack origins
``corslab.fetch.attacks`` derives from that origin, with nginx's map semantics.
``check_blog_config``: true/false statements about a widely copied method-2 config (nginx/examples/blog-method2.conf)
(no ``always``, a fixed origin, ``add_header`` inside ``if``), which the notebook runs live.
"""

from __future__ import annotations

import re

from corslab.course.grading import Feedback, judge_allowlist, unanswered
from corslab.course.quiz import true_false

PRODUCTION_ORIGIN = "https://app.example.com"

CASE_FOLDING = ("~* compares without case. That is harmless here: a browser serialises scheme and "
                "host in lower case (URL standard, host parsing), so no Origin it sends differs from "
                "yours only in case. What is dangerous is a pattern that matches *other* origins - "
                "the anchors and the escaped dots decide that.")


def map_key_matches(key: str, origin: str) -> bool:
    """How nginx's ``map`` compares one source value with ``$http_origin`` (ngx_http_map_module):
    ``~`` a case-sensitive regex, ``~*`` a case-insensitive one (both PCRE, searched - a match
    anywhere counts unless anchored), anything else the whole string, compared without case.
    Python's ``re`` agrees with PCRE on what a map key needs; tests/course check it against real
    nginx for every answer of the grader's tables."""
    if key.startswith("~*"):
        return re.search(key[2:], origin, re.IGNORECASE) is not None
    if key.startswith("~"):
        return re.search(key[1:], origin) is not None
    return key.lower() == origin.lower()


def check_allowlist_entry(answer) -> Feedback:
    """``answer``: the left side of one ``map $http_origin $cors_origin`` line, as a string.

    Graded by behaviour: the key must match the production origin and none of the attack origins
    ``corslab.fetch.attacks`` derives from it (look-alikes, other ports and schemes, subdomains,
    ``null``, localhost, public hosting)."""
    if unanswered(answer):
        return Feedback.todo("Set `answer` to the map entry's key as a string, e.g. answer = r\"~^...$\".")
    if not isinstance(answer, str) or not answer.strip():
        return Feedback("Allowlist entry", [(False, "The answer is a string: the text you would "
                                                    "write on the left of the map line.")])
    key = answer.strip().strip('"').strip("'")
    fb = Feedback("Allowlist entry for " + PRODUCTION_ORIGIN)
    if key.startswith("~"):
        try:
            re.compile(key[2:] if key.startswith("~*") else key[1:])
        except re.error as exc:
            fb.check(False, f"nginx would refuse this regex: {exc}.")
            return fb
    elif key.lower() != PRODUCTION_ORIGIN:
        fb.check(False, f"A key without ~ is a plain string compared with the whole Origin, so "
                        f"{key!r} matches only an Origin that is exactly that - write the origin as "
                        "a browser sends it (scheme://host), or a regex starting with ~.")
        return fb
    judge_allowlist(fb, lambda origin: map_key_matches(key, origin), [PRODUCTION_ORIGIN])
    if key.startswith("~*") and fb.ok:
        fb.check(True, CASE_FOLDING)
    return fb


BLOG_STATEMENTS = {
    "A": (False, "without `always`, add_header only applies to 200, 201, 204, 206, 301, 302, 303, 304, "
                 "307 and 308 - the 401 has no Access-Control-Allow-Origin, so the page sees a CORS "
                 "error instead of a 401.",
          "Look at the 401 probe above: which headers did the answer carry?"),
    "B": (False, "a block with its own add_header lines inherits none from outside, so the preflight "
                 "carries no Access-Control-Allow-Credentials and a credentialed PUT fails.",
          "Read the preflight's headers in the credentialed PUT above."),
    "C": (False, "the origin is written in the config: every other origin gets the app's origin "
                 "back, which never equals its own.",
          "What would a second frontend at another origin get in Access-Control-Allow-Origin?"),
    "D": (True, "`return 204` inside the `if` answers at nginx; /_lab/seen on the API shows no OPTIONS.",
          "Where is `return 204` - and what did /_lab/seen show?"),
    "E": (True, "the moment the value depends on the request's Origin (a map, a regex), caches must "
                "key on Origin: `Vary: Origin`.",
          "Think of a shared cache in front of nginx, as in the proxy_cache demo."),
}


def check_blog_config(answer) -> Feedback:
    """``answer``: {"A": True/False, ..., "E": ...} for the statements in the notebook."""
    return true_false(answer, BLOG_STATEMENTS, "The source post's method-2 config",
                      'Set `answer = {"A": ..., "B": ..., "C": ..., "D": ..., "E": ...}` with True or False.')
