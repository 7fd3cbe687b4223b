"""Lesson 02 - simple requests (단순 요청): the exercise checkers.

The expected answers come from :mod:`corslab.fetch.model` (Fetch "CORS-safelisted method / request-header",
as Chromium applies them), never from a typed-in key.
"""

from __future__ import annotations

from corslab.fetch import model
from corslab.course.grading import Feedback, unanswered

#: Exercise 1: requests a page at the app origin makes to the API (the page's own fetch() options).
REQUESTS: dict[str, dict] = {
    "a": {"method": "GET", "headers": []},
    "b": {"method": "POST", "headers": [("Content-Type", "application/json")], "body": "{}"},
    "c": {"method": "POST", "headers": [("Content-Type", "application/x-www-form-urlencoded")],
          "body": "name=ada"},
    "d": {"method": "GET", "headers": [("Accept-Language", "ko-KR")]},
    "e": {"method": "GET", "headers": [("X-Trace-Id", "42")]},
    "f": {"method": "POST", "body": "hello"},
    "g": {"method": "HEAD", "headers": []},
    "h": {"method": "POST", "headers": [("Content-Type", "text/plain;charset=UTF-8")], "body": "{}"},
}


def _request(key: str, url: str, origin: str) -> model.FetchRequest:
    spec = REQUESTS[key]
    return model.FetchRequest(url, origin, spec["method"], list(spec.get("headers", [])),
                              body=spec.get("body"))


def simple_or_preflight(url: str, origin: str) -> dict[str, str]:
    """The truth for exercise 1: "simple" or "preflight" for each request."""
    return {k: "preflight" if model.preflight_needed(_request(k, url, origin)) else "simple"
            for k in REQUESTS}


def check_simple_or_preflight(answer, url: str, origin: str) -> Feedback:
    """Exercise 1: ``answer = {"a": "simple" | "preflight", ...}``."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to a dict {\"a\": \"simple\" or \"preflight\", ...} "
                             "with one entry per request a-h.")
    truth = simple_or_preflight(url, origin)
    fb = Feedback("Simple request or preflight?")
    for key in REQUESTS:
        given = answer.get(key)
        if given not in ("simple", "preflight"):
            fb.check(False, f"{key}: answer \"simple\" or \"preflight\", not {given!r}")
        elif given == truth[key]:
            fb.check(True, f"{key}: right")
        else:
            fb.check(False, f"{key}: not right - check the three conditions: the method, each "
                            "header the page sets, and the Content-Type value")
    return fb


# -- exercise 2: let the page read X-Request-Id --------------------------------------------------

def _as_headers(answer) -> list[tuple[str, str]] | None:
    if isinstance(answer, dict):
        return [(str(k), str(v)) for k, v in answer.items()]
    if isinstance(answer, (list, tuple)) and all(isinstance(h, (list, tuple)) and len(h) == 2
                                                  for h in answer):
        return [(str(k), str(v)) for k, v in answer]
    return None


def check_expose(answer, url: str, origin: str, header: str = "X-Request-Id") -> Feedback:
    """Exercise 2: ``answer`` = the CORS headers (a dict) the API must add to its answer to a simple
    GET from ``origin`` so the page can read the body *and* ``header``. Graded by the model on a
    response made of the learner's headers plus what the API already sends."""
    if unanswered(answer):
        return Feedback.todo("Set `answer` to a dict of response headers, e.g. "
                             "{\"Access-Control-Allow-Origin\": \"...\", ...}.")
    headers = _as_headers(answer)
    if headers is None:
        return Feedback.todo("Write the headers as a dict {\"Header-Name\": \"value\"}.")
    req = model.FetchRequest(url, origin, "GET")
    resp = model.HttpResponse(200, [("Content-Type", "application/json"), (header, "3f2a"),
                                    *headers])
    decision = model.decide(req, None, resp)
    fb = Feedback(f"Let the page read the body and {header}")
    if not fb.check(decision.allowed, "the page may read the body" if decision.allowed else
                    f"the browser blocks the answer: {decision.reason}"):
        return fb
    fb.check(header.lower() in decision.exposed_headers,
             f"the page can read {header}" if header.lower() in decision.exposed_headers else
             f"the page still cannot read {header}: which response header lists the extra "
             "headers a page may read?")
    names = {n.lower() for n, _ in headers}
    # A defensible extra is explained, not marked wrong: ACAC on an answer to a request without
    # credentials changes nothing (Fetch "CORS check" reads it only for credentials "include").
    fb.check(True, "no Access-Control-Allow-Credentials: this request carries no credentials"
             if "access-control-allow-credentials" not in names else
             "Access-Control-Allow-Credentials changes nothing here (the request carries no "
             "credentials); it is harmless, and you may leave it out")
    return fb
