"""Checkers for notebook 08 - method 3: ingress-nginx annotations (and Gateway API).

``check_annotations``: the learner writes the annotations for a production policy; they are
parsed by the kit's port of the controller's own parser (``internal/ingress/annotations/cors``),
fallbacks included, so a value the controller would silently replace is caught here too; the
origins are judged by what the rendered regex lets through of ``corslab.fetch.attacks``.
``check_ingress_quirks``: true/false statements about what the controller generates.
"""

from __future__ import annotations

from corslab.course.grading import Feedback, judge_allowlist, unanswered
from corslab.course.quiz import true_false

PREFIX = "nginx.ingress.kubernetes.io/"
WANTED_ORIGINS = ("https://app.example.com", "https://admin.example.com")
WANTED_METHODS = {"GET", "POST", "PUT"}
WANTED_HEADERS = {"content-type", "authorization"}


def controller_allows(allow_origin, origin: str) -> bool:
    """Whether the controller's rendered ``if ($http_origin ~* ((o1)|(o2))$ )`` lets ``origin`` in:
    its own regex (``build_cors_origin_regex``: Go's QuoteMeta, ``*`` as one DNS label), searched
    case-insensitively and anchored only at the end, as nginx runs ``~*``."""
    import re

    from corslab.emulate.ingress_nginx import build_origin_regex

    if tuple(allow_origin) == ("*",):
        return True
    alternatives = "|".join(build_origin_regex(o.strip()) for o in allow_origin if o.strip())
    return bool(alternatives) and re.search(f"({alternatives})$", origin, re.IGNORECASE) is not None


def check_annotations(answer) -> Feedback:
    """``answer``: a dict of annotation name -> value (names with or without the prefix)."""
    if unanswered(answer):
        return Feedback.todo("Set `answer` to a dict of annotations, e.g. "
                             '{"nginx.ingress.kubernetes.io/enable-cors": "true", ...}.')
    if not isinstance(answer, dict):
        return Feedback("Ingress annotations", [(False, "The answer is a dict: annotation name -> value.")])
    from corslab.emulate.ingress_nginx import parse_cors_annotations

    annotations = {(k if str(k).startswith(PREFIX) else PREFIX + str(k)): v for k, v in answer.items()}
    cors, warnings = parse_cors_annotations(annotations)
    fb = Feedback("Ingress annotations, as the controller parses them")
    fb.check(cors.enabled, "enable-cors must be the string \"true\" (anything else - yes, True "
                           "unquoted in YAML - turns CORS off)." if not cors.enabled else "CORS is on.")
    written = str(annotations.get(PREFIX + "cors-allow-origin", "")).strip()
    if cors.allow_origin == ("*",) and written == "*" and not cors.allow_credentials:
        fb.check(True, "allow-origin * without credentials: defensible. Every site may read, but "
                       "no page can make the browser attach the user's cookies, and a bearer token "
                       "(Authorization) is never attached by the browser - a page reads only what "
                       "it could fetch itself. Listing the two origins is the narrower choice.")
    elif cors.allow_origin == ("*",):
        fb.check(False, "allow-origin parses to *" + (
            " because it is missing, blank or invalid (the controller's fallback): write the two "
            "origins, comma-separated." if written != "*" else
            " together with credentials: browsers refuse * for credentialed requests - list the "
            "two origins."))
    else:
        judge_allowlist(fb, lambda origin: controller_allows(cors.allow_origin, origin), list(WANTED_ORIGINS))
    methods = {m.strip().upper() for m in cors.allow_methods.split(",") if m.strip()}
    fb.check(methods == WANTED_METHODS,
             "allow-methods: GET, POST, PUT." if methods == WANTED_METHODS else
             f"allow-methods parses to {cors.allow_methods!r}: it should list GET, POST and PUT "
             "(an invalid value falls back to the default list).")
    headers = {h.strip().lower() for h in cors.allow_headers.split(",") if h.strip()}
    fb.check(WANTED_HEADERS <= headers and len(headers) <= 3,
             "allow-headers covers Content-Type and Authorization." if WANTED_HEADERS <= headers and len(headers) <= 3
             else f"allow-headers parses to {cors.allow_headers!r}: list Content-Type and Authorization.")
    fb.check(not cors.allow_credentials,
             "credentials off." if not cors.allow_credentials else
             "Access-Control-Allow-Credentials would be sent: the annotation defaults to true, and "
             "an invalid value (\"no\") also becomes true - write \"false\".")
    fb.check(cors.max_age == 600, "max-age 600." if cors.max_age == 600 else
             f"max-age parses to {cors.max_age} s: write \"600\" (an invalid value becomes 20 days).")
    fb.check(not warnings, "no value the controller would log and replace." if not warnings else
             "the controller would log: " + "; ".join(warnings))
    return fb


QUIRKS = {
    "A": (False, "the controller's template has no Vary line at all, though it reflects the Origin.",
          "Search the rendered server block for Vary."),
    "B": (True, "the regex is anchored only at the end and matched with ~*, so a prefix before the "
                "scheme still matches.",
          "Look at the `if ($http_origin ~* (...)$ )` line: where are the anchors?"),
    "C": (True, "cors-allow-credentials defaults to true (and so does an invalid value).",
          "Compare the defaults table with what an Ingress without that annotation renders."),
    "D": (False, "an invalid value is logged and replaced by the default - it never rejects the Ingress.",
          "Try parse_cors_annotations with cors-max-age: \"ten\"."),
    "E": (True, "$cors is only 'trueoptions' for an allowed origin; other OPTIONS requests are proxied.",
          "Trace an OPTIONS from the untrusted origin through the rendered `if` blocks and /_lab/seen."),
    "F": (False, "allow-snippet-annotations is false by default since controller v1.9, so "
                 "configuration-snippet (the usual way to add Vary yourself) is refused.",
          "What does the controller do with a configuration-snippet annotation by default?"),
}


def check_ingress_quirks(answer) -> Feedback:
    """``answer``: {"A": True/False, ... "F": ...}."""
    return true_false(answer, QUIRKS, "ingress-nginx quirks",
                      'Set `answer = {"A": ..., "B": ..., ..., "F": ...}` with True or False.')


def rendered_server(path: str, shown: str = "/v1/") -> str:
    """The server block ingress-nginx renders from the Ingress at ``path`` (repo-relative), as the
    stack runs it: its head, the ``shown`` location in full, and the other locations named."""
    from corslab.stack import topology
    from corslab.course import live
    from corslab.emulate import ingress_nginx

    rendered = ingress_nginx.render(ingress_nginx.load(live.repo_path(path)),
                                    port=topology.service("ingress").port, upstream=live.upstream_of("api"))
    server = rendered[rendered.index("    ## start server"):]
    if "## end server" in server:
        server = server[:server.index("## end server") + len("## end server")]
    start = server.index(f"        location {shown} {{")
    end = server.index("\n        }\n", start) + 10
    others = [line.strip().rstrip(" {") for line in server.splitlines()
              if line.strip().startswith("location ") and f"{shown} {{" not in line and "return" not in line]
    return "\n".join([server[:server.index("        # Ingress")].rstrip(), "        ...",
                      server[start:end].rstrip(),
                      f"        ... and {', '.join(others)} with the same CORS block;",
                      "        the controller's default backend (404) for every other path", "    }"])
