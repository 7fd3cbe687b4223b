"""Lesson 01 - origins (출처) and the Same-Origin Policy (동일 출처 정책): the exercise checkers.

Every expected answer is computed, never typed in: origins by :mod:`corslab.fetch.origins` (the URL
standard's origin rules), browser outcomes by :mod:`corslab.fetch.model` (Fetch as Chromium applies it).
A checker returns a :class:`~corslab.course.grading.Feedback` and never shows the answer itself.
"""

from __future__ import annotations

from corslab.fetch import model
from corslab.course.grading import Feedback, unanswered
from corslab.fetch.origins import origin_of

#: Exercise 1: the pairs of URLs whose origins the learner compares (made-up hosts, not the lab).
ORIGIN_PAIRS: dict[str, tuple[str, str]] = {
    "a": ("https://bank.example/account", "https://bank.example:443/api/me"),
    "b": ("https://bank.example/", "http://bank.example/"),
    "c": ("https://bank.example/", "https://api.bank.example/"),
    "d": ("http://shop.example:8080/cart", "http://shop.example:8081/cart"),
    "e": ("https://bank.example/a/b?x=1", "https://bank.example/c/d#top"),
    "f": ("https://BANK.example/", "https://bank.example/"),
}

_WHY = {  # what differs (or why nothing does), to point the learner at the part to look at
    "scheme": "the schemes differ (http and https are different origins)",
    "host": "the hosts differ (a subdomain is another host, so another origin)",
    "port": "the ports differ (every port is its own origin)",
    "same": "scheme, host and port are equal (default port 443 for https; the path, query, "
            "fragment and the host's letter case do not count)",
}


def _difference(a: str, b: str) -> str:
    oa, ob = origin_of(a), origin_of(b)
    for part in ("scheme", "host", "port"):
        if getattr(oa, part) != getattr(ob, part):
            return part
    return "same"


def same_origin_pairs() -> dict[str, bool]:
    """The truth for exercise 1, from the origin rules."""
    return {k: _difference(a, b) == "same" for k, (a, b) in ORIGIN_PAIRS.items()}


def check_same_origin(answer) -> Feedback:
    """Exercise 1: ``answer = {"a": True/False, ...}`` - is each pair the same origin?"""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to a dict such as {\"a\": True, \"b\": False, ...}: "
                             "one True/False per pair (a-f).")
    fb = Feedback("Same origin or not?")
    truth = same_origin_pairs()
    missing = sorted(set(truth) - set(answer))
    if missing:
        fb.check(False, f"pairs {', '.join(missing)} have no answer yet")
    for key, (a, b) in ORIGIN_PAIRS.items():
        if key not in answer:
            continue
        given = answer[key]
        if not isinstance(given, bool):
            fb.check(False, f"{key}: answer True or False, not {given!r}")
            continue
        why = _WHY[_difference(a, b)]
        if given == truth[key]:
            fb.check(True, f"{key}: right - {why}")
        else:
            fb.check(False, f"{key}: not right - compare scheme, host and port one by one "
                            f"({a} vs {b})")
    return fb


# -- exercise 2: the evil page and the bank ------------------------------------------------------

def evil_read_facts(api_url: str, untrusted_origin: str) -> dict[str, bool]:
    """What happens when the untrusted page fetches the API's ``/v1/me`` with credentials, and the
    API answers 200 without any CORS header: computed by the model."""
    req = model.FetchRequest(api_url, untrusted_origin, "GET", credentials="include")
    answer = model.HttpResponse(200, [("content-type", "application/json")])
    decision = model.decide(req, None, answer)
    return {
        # no preflight: the request goes straight to the server, which runs it
        "server_ran_it": not model.preflight_needed(req),
        "page_reads_it": decision.allowed,
        # curl, Python, Postman: no browser, no Same-Origin Policy, the answer is simply there
        "curl_reads_it": True,
    }


def check_evil_page(answer, api_url: str, untrusted_origin: str) -> Feedback:
    """Exercise 2: ``answer = {"server_ran_it": ..., "page_reads_it": ..., "curl_reads_it": ...}``."""
    keys = ("server_ran_it", "page_reads_it", "curl_reads_it")
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"server_ran_it\": True/False, "
                             "\"page_reads_it\": True/False, \"curl_reads_it\": True/False}.")
    truth = evil_read_facts(api_url, untrusted_origin)
    hints = {
        "server_ran_it": "Did a preflight stop the GET before it left the browser? Look at the "
                         "server's /_lab/seen log after the demo.",
        "page_reads_it": "The answer carried no Access-Control-Allow-Origin. Who decides what the "
                         "page's JavaScript gets?",
        "curl_reads_it": "The Same-Origin Policy is a rule of the browser. Is curl a browser?",
    }
    fb = Feedback("The evil page and the bank")
    for key in keys:
        given = answer.get(key)
        if not isinstance(given, bool):
            fb.check(False, f"{key}: answer True or False")
        elif given == truth[key]:
            fb.check(True, f"{key}: right")
        else:
            fb.check(False, f"{key}: not right. {hints[key]}")
    return fb


# -- exercise 3: <img> and no-cors ---------------------------------------------------------------

def no_cors_facts(url: str, page_origin: str) -> dict:
    """What a page gets from ``fetch(url, {mode: "no-cors"})`` (like an <img> load), per the model."""
    req = model.FetchRequest(url, page_origin, "GET", mode="no-cors")
    decision = model.decide(req, None, model.HttpResponse(200, [("content-type", "image/png")]))
    return {
        # fetch() does not throw (a GET is allowed in no-cors) and no-cors never preflights
        "request_sent": model.validate(req) is None and not model.preflight_needed(req),
        "status_seen": 0 if decision.opaque else 200,
        "body_readable": decision.allowed,
        "console_error": decision.reason is not None,
    }


def check_no_cors(answer, url: str, page_origin: str) -> Feedback:
    """Exercise 3: ``answer = {"request_sent", "status_seen", "body_readable", "console_error"}``."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"request_sent\": True/False, \"status_seen\": "
                             "<a number>, \"body_readable\": True/False, \"console_error\": True/False}.")
    truth = no_cors_facts(url, page_origin)
    hints = {
        "request_sent": "An <img> from another origin always loads: is the request sent?",
        "status_seen": "An opaque response hides everything, its status included: which number "
                       "does response.status show?",
        "body_readable": "Opaque means the page's JavaScript cannot look inside.",
        "console_error": "no-cors asked for an opaque answer and got one: is that an error?",
    }
    fb = Feedback("An opaque (no-cors) response")
    for key, want in truth.items():
        given = answer.get(key)
        kind = int if key == "status_seen" else bool
        if not isinstance(given, kind) or (kind is int and isinstance(given, bool)):
            fb.check(False, f"{key}: answer with {'a number' if kind is int else 'True or False'}")
        elif given == want:
            fb.check(True, f"{key}: right")
        else:
            fb.check(False, f"{key}: not right. {hints[key]}")
    return fb
