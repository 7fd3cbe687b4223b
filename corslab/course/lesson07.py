"""Checkers for notebook 07 - method 2: nginx injects the CORS headers.

``check_allowlist_entry``: the learner writes one nginx ``map`` entry that allows exactly one
production origin; it is tried against the origins an attacker would register.
``check_blog_config``: true/false statements about a widely copied method-2 config (nginx/examples/blog-method2.conf)
(no ``always``, a fixed origin, ``add_header`` inside ``if``), which the notebook runs live.
"""

from __future__ import annotations

import re

from corslab.course.grading import Feedback, unanswered
from corslab.course.quiz import true_false

PRODUCTION_ORIGIN = "https://app.example.com"
#: Origins a browser could send that must NOT pass: what each one tests.
LOOKALIKES = {
    "https://app.example.com.evil.test": "a longer host that starts with yours (anchor the end with $)",
    "https://evil-app.example.com": "a host that ends with yours (anchor the start with ^)",
    "https://appxexample.com": "an unescaped dot matches any character (write \\.)",
    "http://app.example.com": "the same host over plain http (a scheme downgrade)",
    "https://app.example.com:8443": "another port is another origin",
    "null": "the opaque origin of sandboxed iframes and file: pages",
}


def _nginx_map_key_matches(key: str, origin: str) -> bool:
    """How nginx's map compares one source value: ~ regex (case-sensitive), ~* regex
    (case-insensitive), otherwise the whole string, case-insensitively."""
    if key.startswith("~*"):
        return re.search(key[2:], origin, re.IGNORECASE) is not None
    if key.startswith("~"):
        return re.search(key[1:], origin) is not None
    return key.lower() == origin.lower()


def check_allowlist_entry(answer) -> Feedback:
    """``answer``: the left side of one ``map $http_origin $cors_origin`` line, as a string."""
    if unanswered(answer):
        return Feedback.todo("Set `answer` to the map entry's key as a string, e.g. answer = r\"~^...$\".")
    if not isinstance(answer, str) or not answer.strip():
        return Feedback("Allowlist entry", [(False, "The answer is a string: the text you would "
                                                    "write on the left of the map line.")])
    key = answer.strip().strip('"').strip("'")
    fb = Feedback("Allowlist entry for " + PRODUCTION_ORIGIN)
    try:
        allows_own = _nginx_map_key_matches(key, PRODUCTION_ORIGIN)
    except re.error as exc:
        fb.check(False, f"nginx would refuse this regex: {exc}.")
        return fb
    fb.check(allows_own, f"It must match {PRODUCTION_ORIGIN} itself - try your regex on that exact string.")
    for origin, why in LOOKALIKES.items():
        fb.check(not _nginx_map_key_matches(key, origin), f"{origin}: " + (
            "refused." if not _nginx_map_key_matches(key, origin) else f"let through - {why}."))
    if key.startswith("~*"):
        fb.check(False, "~* compares case-insensitively; the browser compares the allowed origin "
                        "byte for byte, so use the case-sensitive ~ form.")
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
