"""Checkers for notebook 10 - method 5: Kong, Istio/Envoy and AWS API Gateway (HTTP API).

``check_gateway_behaviour``: the learner reads the live side-by-side table and says, per product,
the status of an allowed preflight and whether the actual answer carries ``Vary: Origin``. The key
is each product's documented behaviour (sources below); tests/course check it against the running
emulators, so the key and the emulators cannot drift apart.
``check_kong_origins``: the learner writes a Kong ``origins`` list; it is run through the kit's
port of Kong's ``configure_origin`` (kong/plugins/cors/handler.lua) against wanted and unwanted
origins.
"""

from __future__ import annotations

from corslab.course.grading import Feedback, unanswered

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
UNWANTED = {
    "https://evil.example.com": "another subdomain",
    "http://app.example.com": "plain http",
    "https://app.example.com.evil.test": "a longer host",
    "https://evil.test": "an unrelated site",
}


def _kong_acao(origins: list[str], request_origin: str) -> str | None:
    from corslab.emulate.kong import CorsConf, configure_origin
    from corslab.emulate.proxy import Headers

    headers = Headers()
    configure_origin(CorsConf(origins=list(origins), credentials=True), headers, True, request_origin)
    return headers.get("Access-Control-Allow-Origin")


def check_kong_origins(answer) -> Feedback:
    """``answer``: the list you would write under the cors plugin's ``config.origins``."""
    if unanswered(answer):
        return Feedback.todo('Set `answer = ["...", "..."]`: the entries of config.origins.')
    if not isinstance(answer, (list, tuple)) or not all(isinstance(o, str) for o in answer) or not answer:
        return Feedback("Kong origins", [(False, "The answer is a non-empty list of strings.")])
    fb = Feedback("Kong's cors plugin with your origins")
    for origin in WANTED:
        acao = _kong_acao(list(answer), origin)
        fb.check(acao == origin, f"{origin}: gets its own origin back." if acao == origin else
                 f"{origin}: gets {acao!r} - Kong echoes a single plain entry to everyone, and "
                 "compares plain entries with the whole origin, scheme included.")
    for origin, what in UNWANTED.items():
        acao = _kong_acao(list(answer), origin)
        fb.check(acao != origin and acao != "*", f"{origin} ({what}): refused." if acao != origin and acao != "*"
                 else f"{origin} ({what}): allowed - an entry with regex characters is a regex "
                      "(matched on the host only when it has no ':').")
    return fb
