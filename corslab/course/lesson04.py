"""Lesson 04 - credentials (자격 증명): the exercise checkers.

Browser outcomes come from :mod:`corslab.fetch.model` (Fetch "CORS check", credentials mode) and the
site rules from :mod:`corslab.fetch.origins` (schemeful same-site, which decides ``SameSite`` cookies).
"""

from __future__ import annotations

from corslab.fetch import headers as fh
from corslab.fetch import model
from corslab.course.grading import Feedback, unanswered
from corslab.errors import CorsLabError
from corslab.fetch.origins import origin_of, parse_origin, same_origin, same_site


def _origin(value: str):
    """An origin given as an origin or as any URL on it."""
    try:
        return parse_origin(value)
    except CorsLabError:
        return origin_of(value)


def check_credentialed_answer(answer, url: str, origin: str) -> Feedback:
    """Exercise 1: ``answer`` = the CORS headers the API adds to its 200 answer to
    ``fetch(url, {credentials: "include"})`` from ``origin`` so the page can read who is logged in."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to a dict of response headers, e.g. "
                             "{\"Access-Control-Allow-Origin\": \"...\", ...}.")
    headers = [(str(k), str(v)) for k, v in answer.items()]
    req = model.FetchRequest(url, origin, "GET", credentials="include")
    resp = model.HttpResponse(200, [("Content-Type", "application/json"), *headers])
    decision = model.decide(req, None, resp)
    fb = Feedback("A credentialed answer")
    fb.check(decision.allowed, "the page reads who is logged in" if decision.allowed else
             f"the browser blocks it: {decision.reason}")
    vary = [v.strip().lower() for v in (resp.get("vary") or "").split(",")]
    fb.check("origin" in vary, "Vary: Origin - caches keep one answer per origin" if "origin" in vary
             else "the answer names one origin out of several allowed: tell caches it depends on "
                  "the Origin request header")
    return fb


# -- exercise 2: does the cookie travel? ---------------------------------------------------------

def cookie_travels(page: str, api: str, credentials: str) -> bool:
    """Does a ``SameSite=Lax`` session cookie of ``api``'s site go with fetch() from ``page``?

    Fetch: "include" always attaches credentials, "same-origin" only to the page's own origin,
    "omit" never; then the cookie's SameSite=Lax keeps it off cross-site requests (RFC 6265bis).
    """
    page, api = _origin(page), _origin(api)
    if credentials == "omit":
        return False
    if credentials == "same-origin" and not same_origin(page, api):
        return False
    return same_site(page, api)


def check_cookie_travels(answer, cases: dict[str, tuple[str, str, str]]) -> Feedback:
    """Exercise 2: ``answer = {"a": True/False, ...}`` for ``cases = {key: (page, api, credentials)}``."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"a\": True/False, ...}: does the cookie travel?")
    fb = Feedback("Does the session cookie travel?")
    for key, (page, api, creds) in cases.items():
        given = answer.get(key)
        if not isinstance(given, bool):
            fb.check(False, f"{key}: answer True or False")
        elif given == cookie_travels(page, api, creds):
            fb.check(True, f"{key}: right")
        else:
            hint = ("check the credentials mode first" if creds != "include" else
                    "credentials are included - but is the page on the same *site* as the API?")
            fb.check(False, f"{key}: not right - {hint}")
    return fb


# -- exercise 3: the source post's claim, corrected -----------------------------------------------

def evil_credentialed_get(url: str, untrusted_origin: str) -> dict:
    """What the browser really sends for ``fetch(url, {credentials: "include"})`` from the
    untrusted page, even if the page tries to set Cookie itself."""
    req = model.FetchRequest(url, untrusted_origin, "GET", [("Cookie", "session=stolen")],
                             credentials="include")
    needed = model.preflight_needed(req)
    listed = []
    if needed:
        _, pre = model.preflight_request(req)
        listed = [v for n, v in pre if n == "Access-Control-Request-Headers"]
    sent, _ = model.effective_headers(req)
    return {
        "preflight_sent": needed,
        "cookie_in_acrh": any("cookie" in v for v in listed),
        "page_set_cookie_sent": any(n.lower() == "cookie" for n, _ in sent),
    }


def check_correction(answer, url: str, untrusted_origin: str) -> Feedback:
    """Exercise 3: ``answer = {"preflight_sent", "cookie_in_acrh", "page_set_cookie_sent"}``."""
    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set `answer` to {\"preflight_sent\": True/False, \"cookie_in_acrh\": "
                             "True/False, \"page_set_cookie_sent\": True/False}.")
    truth = evil_credentialed_get(url, untrusted_origin)
    hints = {
        "preflight_sent": "Is GET safelisted? Do credentials change whether a request is simple?",
        "cookie_in_acrh": "Access-Control-Request-Headers lists headers the page set and the "
                          "browser will send. Can a page set Cookie?",
        "page_set_cookie_sent": "Cookie is a forbidden request header: what does fetch() do with it?",
    }
    fb = Feedback("The credentialed GET of the source post")
    for key, want in truth.items():
        given = answer.get(key)
        if not isinstance(given, bool):
            fb.check(False, f"{key}: answer True or False")
        elif given == want:
            fb.check(True, f"{key}: right")
        else:
            fb.check(False, f"{key}: not right. {hints[key]}")
    return fb


def is_forbidden(name: str) -> bool:
    """Re-exported for the notebook: is ``name`` a forbidden request header (Fetch)?"""
    return fh.is_forbidden_request_header(name)


# -- exercise 4: a production allowlist ----------------------------------------------------------

#: The production apps of the exercise: the API's pages run at these origins and nowhere else.
PROD_ORIGINS = ("https://app.example.com", "https://admin.example.com")

#: Candidates for the production allowlist (the learner may also write others).
PROD_CANDIDATES = ("https://app.example.com", "http://localhost:3000", "https://admin.example.com",
                   "*", "http://app.example.com", "https://app.example.com/", "null")


def prod_allows(chosen) -> "callable":
    """The predicate a server with allowlist ``chosen`` applies (exact string compare; ``*`` in the
    list means any origin, as flask-cors, Express ``cors`` and FastAPI read it)."""
    entries = {str(c) for c in chosen}
    return lambda origin: "*" in entries or origin in entries


def check_prod_allowlist(answer) -> Feedback:
    """Exercise 4: ``answer`` = the list of origins to allow in production.

    Judged by behaviour: the list runs against every attack origin derived from the production
    origins (:func:`corslab.fetch.attacks.attack_origins`); each one it lets through is named with
    why it is dangerous. Then: is each production app allowed, and is every entry something a
    browser can send at all?
    """
    from corslab.course.grading import judge_allowlist
    from corslab.fetch.attacks import serialised

    if unanswered(answer) or not isinstance(answer, (list, tuple, set)):
        return Feedback.todo("Set `answer` to a list of origins, e.g. [\"https://...\"].")
    fb = Feedback("The production allowlist")
    chosen = [str(a) for a in answer]
    allows = prod_allows(chosen)
    if "*" in chosen:
        leaks = set()
        fb.check(False, "'*' lets every page in - and with cookies a browser refuses '*' anyway; "
                        "list the production origins")
    else:
        through = judge_allowlist(fb, allows, PROD_ORIGINS, check_allowed=False)
        leaks = {a.origin for hits in through.values() for a in hits}
    for entry in chosen:
        if entry == "*" or entry in leaks:
            continue
        try:
            serialised(entry)
        except CorsLabError:
            fb.check(False, f"{entry!r} never matches: a browser sends Origin without a path or "
                            "trailing slash, in lower case - so this entry does nothing")
            continue
        if entry not in PROD_ORIGINS:
            fb.check(False, f"{entry} is not one of the production apps of this exercise: every "
                            "entry is a site whose pages may read your users' data")
    missing = [o for o in PROD_ORIGINS if not allows(o)]
    if missing:
        fb.check(False, f"{len(missing)} production app(s) that call the API are not allowed: "
                        "which apps run in production, and how does a browser write their origin?")
    else:
        fb.check(True, "both production apps are allowed")
    return fb
