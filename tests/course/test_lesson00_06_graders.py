"""The allowlist graders of lessons 00-06 judge an answer by what it lets through.

Each grader runs the learner's answer against the attack origins derived from the allowed ones
(``corslab.fetch.attacks.attack_origins``) - flask-cors in a real Flask app, whose ``origins``
are compared exactly (case-insensitively) or, for a regex, with Python's ``re.match`` (flask-cors
``try_match``: from the start only). For every grader: a table of insecure answers, one per attack
class, that must be refused and name the class; and a table of secure answers, including the
defensible variants a learner may write, that must pass.
"""

from __future__ import annotations

import pytest

from corslab.course import lesson00, lesson03, lesson04, lesson05
from corslab.fetch.attacks import KINDS
from corslab.stack import policy, topology

APP = topology.APP_ORIGIN
ADMIN = topology.ADMIN_ORIGIN
URL = topology.origin("api-appcors") + "/v1/users/1"
BASE = {"supports_credentials": True, "methods": list(policy.ALLOWED_METHODS),
        "allow_headers": list(policy.ALLOWED_HEADERS)}
PORTS = "|".join(o.rsplit(":", 1)[1] for o in policy.ALLOWED_ORIGINS)  # from the topology

# -- lesson 05, exercise 1: flask-cors -----------------------------------------------------------

FLASK_CORS_INSECURE = {  # attack class it lets through -> flask-cors `origins`
    "origin-reflected": None,                                   # flask-cors' default: '*', reflected
    "null-origin-allowed": [*policy.ALLOWED_ORIGINS, "null"],
    "prefix-match": [rf"http://localhost:({PORTS})"],           # re.match: no end anchor
    "subdomain-allowed": [*policy.ALLOWED_ORIGINS, r"^http://.*\.localhost:3000$"],
    "other-port-allowed": [r"^http://localhost:\d+$"],
    "localhost-allowed": [*policy.ALLOWED_ORIGINS, "http://127.0.0.1:3000"],
    "suffix-match": [r".*localhost:300[01]$"],
    "special-characters": [r"^http://localhost[^:]*:300[01]$"],
    "other-domain-allowed": [r"^http://localhost(\.[a-z]+)?:300[01]$"],
}

FLASK_CORS_SECURE = {
    "the exact list": list(policy.ALLOWED_ORIGINS),
    "an anchored regex": [rf"^http://localhost:({PORTS})$"],
    "upper-case strings (flask-cors compares case-insensitively)": [o.upper() for o in policy.ALLOWED_ORIGINS],
    "one anchored regex per origin, dots escaped": [rf"^http://localhost:{p}$" for p in PORTS.split("|")],
}


def _kw(origins):
    return dict(BASE) if origins is None else dict(BASE, origins=origins)


@pytest.mark.parametrize("kind", sorted(FLASK_CORS_INSECURE))
def test_flask_cors_refuses_an_allowlist_that_lets_an_attack_class_through(kind):
    fb = lesson05.check_flask_cors(_kw(FLASK_CORS_INSECURE[kind]), URL)
    assert not fb.ok
    text = "\n".join(fb.wrong)
    assert "lets through" in text
    if kind != "origin-reflected":  # the default lets everything through: one summary line
        assert KINDS[kind] in text, text


def test_flask_cors_names_re_match_when_an_unanchored_regex_lets_a_longer_origin_in():
    """flask-cors: ``re.match(pattern, origin, flags=re.IGNORECASE)`` anchors the start only."""
    fb = lesson05.check_flask_cors(_kw(FLASK_CORS_INSECURE["prefix-match"]), URL)
    assert any("re.match" in m and APP + "0" in m for m in fb.wrong)


def test_flask_cors_unescaped_dot_names_the_dot():
    fb = lesson05.check_flask_cors(_kw([*policy.ALLOWED_ORIGINS, r"^https://app.example.com$"]), URL,
                                   allowed=(*policy.ALLOWED_ORIGINS, "https://app.example.com"))
    assert any("unescaped" in m and "https://appxexample.com" in m for m in fb.wrong)


@pytest.mark.parametrize("label", sorted(FLASK_CORS_SECURE))
def test_flask_cors_accepts_every_secure_allowlist(label):
    fb = lesson05.check_flask_cors(_kw(FLASK_CORS_SECURE[label]), URL)
    assert fb.ok, str(fb)


# -- lesson 04, exercise 4: the production list --------------------------------------------------

PROD = list(lesson04.PROD_ORIGINS)
PROD_INSECURE = {
    "origin-reflected": [*PROD, "*"],
    "null-origin-allowed": [*PROD, "null"],
    "insecure-scheme-allowed": [*PROD, "http://app.example.com"],
    "localhost-allowed": [*PROD, "http://localhost:3000"],
    "subdomain-allowed": [*PROD, "https://evil.app.example.com"],
    "other-domain-allowed": [*PROD, "https://app.example.net"],
    "other-port-allowed": [*PROD, "https://app.example.com:8443"],
    "third-party-origin-allowed": [*PROD, "https://evil.github.io"],
}
PROD_SECURE = {"the two apps": PROD, "in another order, as a tuple": tuple(reversed(PROD)),
               "as a set": set(PROD)}


@pytest.mark.parametrize("kind", sorted(PROD_INSECURE))
def test_prod_allowlist_refuses_each_attack_class(kind):
    fb = lesson04.check_prod_allowlist(PROD_INSECURE[kind])
    assert not fb.ok
    if kind == "origin-reflected":
        assert any("'*'" in m for m in fb.wrong)
    else:
        assert any(KINDS[kind] in m for m in fb.wrong), str(fb)


@pytest.mark.parametrize("label", sorted(PROD_SECURE))
def test_prod_allowlist_accepts_the_secure_answers(label):
    assert lesson04.check_prod_allowlist(PROD_SECURE[label]).ok


def test_prod_allowlist_a_trailing_slash_never_matches_and_is_said_so():
    fb = lesson04.check_prod_allowlist(["https://app.example.com/", "https://admin.example.com"])
    assert not fb.ok and any("never matches" in m for m in fb.wrong)
    assert any("not allowed" in m for m in fb.wrong)


def test_prod_allowlist_an_unlisted_site_is_refused_even_if_no_attack_names_it():
    fb = lesson04.check_prod_allowlist([*PROD, "https://partner.example.org"])
    assert any("not one of the production apps" in m for m in fb.wrong)


# -- lesson 03, exercise 2: the preflight answer (no credentials) --------------------------------

PREFLIGHT = {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Methods": "PUT",
             "Access-Control-Allow-Headers": "Content-Type, X-Trace-Id",
             "Access-Control-Max-Age": "600"}


@pytest.mark.parametrize("acao", [APP, "*"])
def test_preflight_answer_accepts_the_exact_origin_and_star_without_credentials(acao):
    """Fetch CORS check: '*' is honoured when the request's credentials mode is not "include"."""
    fb = lesson03.check_preflight_answer({**PREFLIGHT, "Access-Control-Allow-Origin": acao},
                                         topology.origin("cors-proxy") + "/v1/users/1", APP)
    assert fb.ok, str(fb)


@pytest.mark.parametrize("acao", [topology.UNTRUSTED_ORIGIN, "null", APP + "/", f"{APP}, {ADMIN}"])
def test_preflight_answer_refuses_an_origin_that_is_not_the_page(acao):
    fb = lesson03.check_preflight_answer({**PREFLIGHT, "Access-Control-Allow-Origin": acao},
                                         topology.origin("cors-proxy") + "/v1/users/1", APP)
    assert not fb.ok and "refuses" in fb.wrong[0]


# -- lesson 00, exercise 1: the origin must be serialised ----------------------------------------

@pytest.mark.parametrize("written", ["https://Shop.Example.com", "https://shop.example.com:443",
                                     "https://shop.example.com/", "https://shop.example.com/cart",
                                     " https://shop.example.com", "shop.example.com"])
def test_origin_exercise_refuses_what_a_browser_never_sends(written):
    right = {lesson00.ORIGIN_URLS[0]: topology.origin("cors-proxy"),
             lesson00.ORIGIN_URLS[1]: "https://shop.example.com",
             lesson00.ORIGIN_URLS[2]: topology.UNTRUSTED_ORIGIN}
    assert lesson00.check_origins(right).ok
    fb = lesson00.check_origins({**right, lesson00.ORIGIN_URLS[1]: written})
    assert len(fb.wrong) == 1
    assert "https://shop.example.com" not in fb.wrong[0].replace(repr(written), "")  # no give-away


# -- answers nobody wrote by hand: every generated attack origin, added to a right answer ---------

def test_flask_cors_refuses_a_right_answer_plus_one_attack_origin_of_each_kind():
    """Held out from the tables above: for the first attack origin of each kind the generator
    makes, the lab policy with that origin added must be refused, and the feedback must name it.
    (An origin with regex characters is added escaped: flask-cors reads such a string as a regex.)"""
    import re

    from corslab.fetch.attacks import attack_origins

    first = {}
    for attack in attack_origins(policy.ALLOWED_ORIGINS):
        first.setdefault(attack.kind, attack)
    for attack in first.values():
        entry = attack.origin
        if any(c in entry for c in "$^*+?()[]{}|\\"):
            entry = "^" + re.escape(entry) + "$"
        fb = lesson05.check_flask_cors(_kw([*policy.ALLOWED_ORIGINS, entry]), URL)
        assert not fb.ok and any(attack.origin in m for m in fb.wrong), (attack, str(fb))


def test_prod_allowlist_refuses_the_two_apps_plus_any_one_attack_origin():
    from corslab.fetch.attacks import attack_origins

    for attack in attack_origins(PROD):
        fb = lesson04.check_prod_allowlist([*PROD, attack.origin])
        assert not fb.ok and any(attack.origin in m for m in fb.wrong), (attack, str(fb))
