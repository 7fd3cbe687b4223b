"""Lesson 03 - the preflight (사전 요청): the exercise checkers.

Expected answers come from :mod:`corslab.model`: the preflight a browser sends
(``preflight_request``), whether an answer lets the request go (``check_preflight``) and how long
Chromium keeps it (``parse_max_age``, from ``services/network/cors/preflight_result.cc``).
"""

from __future__ import annotations

from corslab import model
from corslab.course.grading import Feedback, unanswered

#: Exercise 1: the page's fetch() - what preflight does the browser send for it?
TRIGGER_FETCH = {
    "method": "DELETE",
    "headers": [("Authorization", "Bearer t0ken"), ("X-Trace-Id", "7"),
                ("Content-Type", "application/json"), ("Accept", "application/json"),
                ("Cookie", "session=1")],
}


def _trigger_request(url: str, origin: str) -> model.FetchRequest:
    return model.FetchRequest(url, origin, TRIGGER_FETCH["method"], list(TRIGGER_FETCH["headers"]))


def expected_preflight(url: str, origin: str) -> dict[str, str]:
    """The Access-Control-Request-* lines of the browser's preflight for exercise 1."""
    _, headers = model.preflight_request(_trigger_request(url, origin))
    return {n: v for n, v in headers if n.lower().startswith("access-control-request-")}


def _items(value: str) -> list[str]:
    return [v.strip().lower() for v in value.split(",") if v.strip()]


def check_preflight_request(answer, url: str, origin: str) -> Feedback:
    """Exercise 1: ``answer = {"Access-Control-Request-Method": ..., "Access-Control-Request-Headers": ...}``."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"Access-Control-Request-Method\": \"...\", "
                             "\"Access-Control-Request-Headers\": \"...\"}.")
    truth = expected_preflight(url, origin)
    given = {str(k).lower(): str(v) for k, v in answer.items()}
    fb = Feedback("The preflight the browser sends")
    acrm = given.get("access-control-request-method", "")
    fb.check(acrm == truth["Access-Control-Request-Method"],
             "Access-Control-Request-Method: right" if acrm == truth["Access-Control-Request-Method"]
             else "Access-Control-Request-Method: not right - it names the method of the request "
                  "that will follow, exactly as it will be sent")
    want = _items(truth["Access-Control-Request-Headers"])
    got = _items(given.get("access-control-request-headers", ""))
    extra = sorted(set(got) - set(want))
    missing = sorted(set(want) - set(got))
    if "cookie" in extra:
        fb.check(False, "cookie: a page cannot set Cookie (a forbidden request header, dropped "
                        "silently), so it is never listed; the preflight carries no cookies at all")
        extra.remove("cookie")
    if "accept" in extra:
        fb.check(False, "accept: Accept with a plain value is CORS-safelisted, so it is not listed")
        extra.remove("accept")
    for name in extra:
        fb.check(False, f"{name}: the page did not set this header, or it is safelisted")
    if missing:
        fb.check(False, f"{len(missing)} header name(s) the server must approve are missing: "
                        "which headers of the page are not CORS-safelisted?")
    if not extra and not missing:
        fb.check(True, "Access-Control-Request-Headers lists exactly the non-safelisted headers")
        fb.check(got == want, "written as the browser writes it: lower-case, sorted, joined by "
                              "',' without spaces" if got == want else
                 "the right names; the browser writes them lower-case and sorted (order does not "
                 "matter to a server, but compare with the wire)")
    return fb


# -- exercise 2: answer the preflight ------------------------------------------------------------

#: The request the learner's preflight answer must allow (credentials omitted).
ANSWER_FETCH = {"method": "PUT", "headers": [("Content-Type", "application/json"),
                                             ("X-Trace-Id", "7")]}


def check_preflight_answer(answer, url: str, origin: str) -> Feedback:
    """Exercise 2: ``answer`` = the headers of a 204 preflight answer that lets ``origin`` send
    ``PUT`` with JSON and ``X-Trace-Id`` and caches the permission for 10 minutes."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to a dict of the preflight answer's headers, e.g. "
                             "{\"Access-Control-Allow-Origin\": \"...\", ...}.")
    headers = [(str(k), str(v)) for k, v in answer.items()]
    req = model.FetchRequest(url, origin, ANSWER_FETCH["method"], list(ANSWER_FETCH["headers"]),
                             body="{}")
    resp = model.HttpResponse(204, headers)
    verdict = model.check_preflight(req, resp)
    fb = Feedback("Your preflight answer")
    fb.check(verdict.ok, "the browser accepts it and sends the PUT" if verdict.ok else
             f"the browser refuses it: {verdict.reason}")
    max_age = model.parse_max_age(resp.get("access-control-max-age"))
    fb.check(max_age == 600, "cached for 600 s (10 minutes)" if max_age == 600 else
             f"the browser would cache this answer for {max_age} s, not 600: which header sets it?")
    acao = resp.get("access-control-allow-origin")
    fb.check(acao != "*", "a precise origin, not '*'" if acao != "*" else
             "'*' works without credentials, but the lab API also serves logged-in users: name "
             "the origin")
    return fb


# -- exercise 3: how long does Chromium cache it? -----------------------------------------------

MAX_AGE_VALUES = ("600", "86400", None, "-1", "ten")


def check_cache_seconds(answer) -> Feedback:
    """Exercise 3: ``answer = {"600": s, "86400": s, None: s, "-1": s, "ten": s}``: seconds Chromium
    reuses a preflight answer with that Access-Control-Max-Age (None: header absent)."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"600\": ..., \"86400\": ..., None: ..., \"-1\": ..., "
                             "\"ten\": ...} with a number of seconds for each.")
    fb = Feedback("Seconds in Chromium's preflight cache")
    for value in MAX_AGE_VALUES:
        label = "absent" if value is None else repr(value)
        if value not in answer:
            fb.check(False, f"Max-Age {label}: no answer yet")
            continue
        given = answer[value]
        if not isinstance(given, int) or isinstance(given, bool):
            fb.check(False, f"Max-Age {label}: answer a whole number of seconds")
        elif given == model.parse_max_age(value):
            fb.check(True, f"Max-Age {label}: right")
        else:
            fb.check(False, f"Max-Age {label}: not right - Chromium has a default, a floor and a "
                            "cap (see the cache section)")
    return fb
