"""Checkers for notebook 10 - method 5: Kong, Istio/Envoy and AWS API Gateway (HTTP API).

``check_gateway_behaviour``: the learner reads the live side-by-side table and says, per product,
the status of an allowed preflight and whether the actual answer carries ``Vary: Origin``. The key
is each product's documented behaviour (sources below); tests/course check it against the running
emulators, so the key and the emulators cannot drift apart.
``check_kong_origins``: the learner writes a Kong ``origins`` list; it is run through the kit's
port of Kong's ``configure_origin``/``configure_credentials`` (kong/plugins/cors/handler.lua) and
the browser's check, against the attack origins ``corslab.fetch.attacks`` derives from the two
frontends.
"""

from __future__ import annotations

from corslab.course.grading import Feedback, judge_allowlist, unanswered

#: product -> (preflight status for an allowed origin, Vary: Origin on the actual answer)
#: Kong: handler.lua `kong.response.exit(200)`, Vary added unless allow-all (PR #8401).
#: Envoy/Istio: cors_filter.cc answers 200 and never adds Vary.
#: API Gateway HTTP API: no documented status; the kit (like floci) answers 204; no Vary documented.
DOCUMENTED = {"kong": (200, True), "istio": (200, False), "apigw-http": (204, False)}


def check_gateway_behaviour(answer) -> Feedback:
    """``answer``: {"kong": (status, vary), "istio": (status, vary), "apigw-http": (status, vary)}."""
    if unanswered(answer):
        return Feedback.todo('Set `answer = {"kong": (STATUS, VARY), "istio": (...), "apigw-http": (...)}` '
                             "with an int status and True/False for Vary: Origin.")
    if not isinstance(answer, dict):
        return Feedback("Three gateways", [(False, "The answer is a dict: product -> (status, vary).")])
    fb = Feedback("Three gateways side by side")
    for product, (status, vary) in DOCUMENTED.items():
        given = answer.get(product)
        if not (isinstance(given, (tuple, list)) and len(given) == 2):
            fb.check(False, f"{product}: give a pair (status, vary).")
            continue
        fb.check(given[0] == status, f"{product}: preflight status right." if given[0] == status else
                 f"{product}: the preflight status is not {given[0]!r} - read the OPTIONS row again.")
        fb.check(given[1] is vary, f"{product}: Vary right." if given[1] is vary else
                 f"{product}: look again for a `vary` header on its actual answer.")
    return fb


WANTED = ("https://app.example.com", "https://admin.example.com")


def kong_answer(origins: list[str], request_origin: str, credentials: bool = True) -> tuple:
    """(Access-Control-Allow-Origin, Access-Control-Allow-Credentials) that Kong's cors plugin
    puts on an answer to ``request_origin``: the kit's port of handler.lua's ``configure_origin``
    and ``configure_credentials`` - so ``origins: ["*"]`` with credentials echoes any Origin."""
    from corslab.emulate.kong import CorsConf, configure_credentials, configure_origin
    from corslab.emulate.proxy import Headers

    headers = Headers()
    conf = CorsConf(origins=list(origins), credentials=credentials)
    allow_all = configure_origin(conf, headers, True, request_origin)
    configure_credentials(conf, headers, allow_all, True, request_origin)
    return headers.get("Access-Control-Allow-Origin"), headers.get("Access-Control-Allow-Credentials")


def kong_lets_read(origins: list[str], page: str, credentials: bool = True) -> bool:
    """Whether a page at ``page`` reads a credentialed answer through Kong: Kong's headers, then
    the browser's CORS check (``model.classify_access``)."""
    from corslab.fetch.model import classify_access

    acao, acac = kong_answer(origins, page, credentials)
    return classify_access(acao, acac, page, True) is None


def check_kong_origins(answer) -> Feedback:
    """``answer``: the list you would write under the cors plugin's ``config.origins`` (with
    ``credentials: true``, as in the lab's kong.yml).

    Graded by behaviour: Kong's answer to each Origin, read by the browser's check - both frontends
    must read, no attack origin ``corslab.fetch.attacks`` derives from them may."""
    if unanswered(answer):
        return Feedback.todo('Set `answer = ["...", "..."]`: the entries of config.origins.')
    if not isinstance(answer, (list, tuple)) or not all(isinstance(o, str) for o in answer) or not answer:
        return Feedback("Kong origins", [(False, "The answer is a non-empty list of strings.")])
    from corslab.emulate.kong import FLAT

    entries = list(answer)
    fb = Feedback("Kong's cors plugin with your origins")
    for origin in WANTED:
        acao, _ = kong_answer(entries, origin)
        if acao != origin and acao != "*" and len(entries) == 1:
            fb.check(False, f"{origin} gets {acao!r}: a single plain entry is sent as it is to "
                            "every Origin - Kong does not compare it, the browser does.")
        elif acao is None and any("://" not in e and FLAT.match(e) for e in entries):
            fb.check(False, f"{origin} gets no Access-Control-Allow-Origin: a plain entry is "
                            "compared with the whole origin, scheme included (https://...).")
            break
    judge_allowlist(fb, lambda page: kong_lets_read(entries, page), list(WANTED))
    if "*" in entries and not fb.ok:
        fb.check(False, "`*` with credentials: Kong never sends `*` then - it echoes the request's "
                        "Origin with Access-Control-Allow-Credentials: true, so every site reads.")
    return fb

