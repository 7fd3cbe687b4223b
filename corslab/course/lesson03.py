"""Lesson 03 - the preflight (사전 요청): the exercise checkers.

Expected answers come from :mod:`corslab.fetch.model`: the preflight a browser sends
(``preflight_request``), whether an answer lets the request go (``check_preflight``) and how long
Chromium keeps it (``parse_max_age``, from ``services/network/cors/preflight_result.cc``).
"""

from __future__ import annotations

from corslab.fetch import model
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
        # One point, never a ✔ and a ✘ on the same list: the order does not change what a server
        # approves (Fetch: ACRH is a set of names); the note shows how the wire writes it.
        fb.check(True, "Access-Control-Request-Headers lists exactly the non-safelisted headers"
                 + ("" if got == want else
                    " (the browser writes them lower-case, sorted and joined by ',' without "
                    "spaces; the order does not matter to a server)"))
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
    raw_age = resp.get("access-control-max-age")
    max_age = model.parse_max_age(raw_age)
    if max_age == 600:
        fb.check(True, "cached for 600 s (10 minutes)")
    elif raw_age is None:
        fb.check(False, "no Access-Control-Max-Age: Chromium reuses this answer for 5 s only; "
                        "add the header that asks for 10 minutes")
    else:
        fb.check(False, f"Access-Control-Max-Age {raw_age!r} keeps the answer {max_age} s, not "
                        "10 minutes: its value is a number of seconds")
    acao = resp.get("access-control-allow-origin")
    if acao == "*" and verdict.ok:
        # Defensible: this PUT is sent without credentials (Fetch: '*' is honoured then).
        fb.check(True, "'*' is right for this request, which carries no credentials; a "
                       "credentialed one would need the exact origin (lesson 04)")
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
            fb.check(False, f"Max-Age {label}: not right - {_MAX_AGE_HINTS[value]}")
    return fb


#: Where to look for each value (Chromium, services/network/cors/preflight_result.cc).
_MAX_AGE_HINTS = {
    "600": "a value under Chromium's cap is kept as it is",
    "86400": "does Chromium keep a preflight answer as long as a server asks? Look for its cap",
    None: "without the header Chromium still caches the answer: for how long by default?",
    "-1": "a negative value means: do not cache at all",
    "ten": "a value that is not a number counts as if the header were absent",
}


# -- exercise 4: status codes and redirects -----------------------------------------------------

def _hops(url: str, origin: str) -> dict[str, tuple[str, list[model.HttpResponse]]]:
    """Each case: ("preflight" | "actual", the raw answers the browser gets, in order)."""
    allow = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Methods", "PUT"),
             ("Access-Control-Allow-Headers", "Content-Type")]
    acao = [("Access-Control-Allow-Origin", origin)]
    final = url + "?final=1"
    return {
        "a": ("preflight", [model.HttpResponse(405, allow)]),
        "b": ("preflight", [model.HttpResponse(200, allow)]),
        "c": ("actual", [model.HttpResponse(302, [("Location", final)]), model.HttpResponse(200, acao)]),
        "d": ("actual", [model.HttpResponse(302, [("Location", final), *acao]), model.HttpResponse(200, acao)]),
        "e": ("preflight", [model.HttpResponse(301, [("Location", final), *allow])]),
        "f": ("actual", [model.HttpResponse(403, acao)]),
    }


CASES_TEXT = {
    "a": "preflight for a JSON PUT answered 405 Method Not Allowed, with every CORS header right",
    "b": "the same preflight answered 200 instead of 204",
    "c": "a simple GET answered 302 (no CORS headers) to a final 200 that has ACAO",
    "d": "the same GET, with ACAO on the 302 as well",
    "e": "a preflight answered 301 to the same path with a slash, CORS headers on the 301",
    "f": "a simple GET answered 403 Forbidden with the right ACAO",
}


def status_outcomes(url: str, origin: str) -> dict[str, str]:
    """The truth for exercise 4, from the model: "passes" or "fails" for each case."""
    out = {}
    for key, (kind, answers) in _hops(url, origin).items():
        if kind == "preflight":
            req = model.FetchRequest(url, origin, "PUT", [("Content-Type", "application/json")], body="{}")
            ok = model.check_preflight(req, answers[0]).ok
        else:
            req = model.FetchRequest(url, origin)
            nxt, verdict = model.follow_redirect(req, answers[0]) if answers[0].is_redirect else (req, model.check_response(req, answers[0]))
            ok = verdict.ok and (len(answers) == 1 or model.check_response(nxt, answers[1]).ok)
        out[key] = "passes" if ok else "fails"
    return out


def check_status_and_redirects(answer, url: str, origin: str) -> Feedback:
    """Exercise 4: ``answer = {"a": "passes" | "fails", ...}`` - does the page get the answer?"""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"a\": \"passes\" or \"fails\", ...} for a-f.")
    truth = status_outcomes(url, origin)
    hints = {
        "a": "a preflight answer must have an ok status (200-299)",
        "b": "which statuses count as ok for a preflight?",
        "c": "the browser runs the CORS check on the redirect answer too",
        "d": "every hop carries ACAO here",
        "e": "can a preflight follow a redirect at all?",
        "f": "an actual response passes the CORS check whatever its status",
    }
    fb = Feedback("Status codes and redirects")
    for key in truth:
        given = answer.get(key)
        if given not in ("passes", "fails"):
            fb.check(False, f"{key}: answer \"passes\" or \"fails\"")
        else:
            fb.check(given == truth[key], f"{key}: right" if given == truth[key] else
                     f"{key}: not right - {hints[key]}")
    return fb
