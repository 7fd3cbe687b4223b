"""Lesson 00 (start here): read an origin, compare two, read a verdict and its sequence picture.

Each checker looks at the learner's answer, says what is right and what is not, and never shows
the answer itself. The expected values are computed by the kit (``corslab.fetch.origins``,
``corslab.fetch.model``), so they cannot drift from what the lessons demonstrate.
"""

from __future__ import annotations

from corslab.stack import topology
from corslab.course.grading import Feedback, unanswered

#: The URLs of the first exercise: what is the origin (출처) of each?
ORIGIN_URLS = (
    topology.origin("cors-proxy") + "/v1/users?page=2",
    "https://Shop.Example.com:443/cart",
    topology.UNTRUSTED_ORIGIN + "/steal.html#now",
)

#: The pairs of the second exercise: same origin? (answer True or False for each label)
PAIRS = {
    "page and proxy": (topology.APP_ORIGIN + "/", topology.origin("cors-proxy") + "/v1/users"),
    "page and itself": (topology.APP_ORIGIN + "/", topology.APP_ORIGIN + "/playground.html"),
    "default port": ("http://example.com/", "http://example.com:80/x"),
    "http and https": ("http://example.com/", "https://example.com/"),
}


def check_origins(answer) -> Feedback:
    """``answer``: {url: origin} for each URL of ORIGIN_URLS.

    An answer counts only when it is exactly what a browser sends as ``Origin``
    (:func:`corslab.fetch.attacks.serialised`: lower case, no default port, no path or slash):
    a server compares that string, so ``https://Shop.Example.com`` or a trailing ``/`` would never
    match an allowlist entry written that way.
    """
    from corslab.errors import CorsLabError
    from corslab.fetch.attacks import serialised
    from corslab.fetch.origins import origin_of

    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set answer = {url: 'scheme://host[:port]', ...} for the three URLs.")
    fb = Feedback("The origin of a URL")
    for url in ORIGIN_URLS:
        given = answer.get(url)
        if given is None or given is ...:
            fb.check(False, f"{url}: no answer yet.")
            continue
        if not isinstance(given, str):
            fb.check(False, f"{url}: write the origin as a string, such as 'https://host'.")
            continue
        try:
            serialised(given)
        except CorsLabError:
            fb.check(False, f"{url}: {given!r} is not written the way a browser sends Origin - "
                            "scheme and host in lower case, no path or trailing '/', no white "
                            "space, and no port when it is the scheme's default.")
            continue
        ok = given == origin_of(url).serialize()
        fb.check(ok, f"{url}: right." if ok else
                 f"{url}: not this origin - take the scheme, the host and the port of this URL.")
    return fb


def check_same_origin(answer) -> Feedback:
    """``answer``: {label: True/False} for each pair of PAIRS (same origin or not).

    A wrong answer's hint says where to look and never the verdict itself (it would hand the
    answer over); a right one says why.
    """
    from corslab.fetch.origins import origin_of, same_origin

    if unanswered(answer) or not isinstance(answer, dict):
        return Feedback.todo("Set answer = {'page and proxy': True or False, ...} for the four pairs.")
    fb = Feedback("Same origin or not")
    for label, (a, b) in PAIRS.items():
        if not isinstance(answer.get(label), bool):
            fb.check(False, f"{label}: answer True or False.")
            continue
        truth = same_origin(origin_of(a), origin_of(b))
        if answer[label] == truth:
            why = ("scheme, host and port all match" if truth
                   else "one of scheme, host and port differs")
            fb.check(True, f"{label}: right - {why}.")
        else:
            fb.check(False, f"{label}: look again - write each URL's scheme, host and port side "
                            "by side (a URL without a port uses its scheme's default).")
    return fb


def check_read_verdict(answer) -> Feedback:
    """The GET from the app page to ``api`` (no CORS code at all), read from its sequence picture.

    ``answer``: {"preflight": bool, "reached_backend": bool, "readable": bool}.
    """
    from corslab.fetch import model

    keys = ("preflight", "reached_backend", "readable")
    if unanswered(answer) or not isinstance(answer, dict) or any(k not in answer for k in keys):
        return Feedback.todo("Set answer = {'preflight': ..., 'reached_backend': ..., 'readable': ...} "
                             "with True or False.")
    url = topology.origin("api") + "/v1/users"
    req = model.FetchRequest(url, topology.APP_ORIGIN, "GET")
    preflight = model.preflight_needed(req)
    # The lab's `api` adds no Access-Control-* header to any answer (servers/api.py, cors=False).
    readable = model.decide(req, None, model.HttpResponse(200, [("content-type", "application/json")])).allowed
    fb = Feedback("Reading a verdict")
    fb.check(answer["preflight"] == preflight,
             "preflight: right - a GET without custom headers is a simple request." if answer["preflight"] == preflight
             else "preflight: look at the first row of the picture - is it an OPTIONS?")
    fb.check(answer["reached_backend"] is (not preflight),
             "reached_backend: right - a simple request is sent at once; the server ran it."
             if answer["reached_backend"] is (not preflight)
             else "reached_backend: look at the backend lane - 'received' means the app ran the request.")
    fb.check(answer["readable"] == readable,
             "readable: right - without Access-Control-Allow-Origin the browser hides the answer."
             if answer["readable"] == readable
             else "readable: read the verdict box under the picture, and the console line.")
    return fb
