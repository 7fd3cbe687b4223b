"""Every allowlist grader of lessons 07-13 decides by behaviour: the learner's answer runs as the
product runs it (nginx's map, the ingress-nginx controller's rendered regex, the ALB's static
headers, Kong's cors plugin, Python) against the attack origins ``corslab.fetch.attacks`` derives
from the allowed ones. Per grader: a table of insecure answers, one per attack class, that must be
refused with that class named; and a table of defensible secure answers that must pass.

The attack classes and why each is one: PortSwigger Web Security Academy's CORS labs and the
scanners' classes (CORScanner, USENIX Security 2018). Case variants are not attacks: browsers
serialise scheme and host in lower case (URL standard, host parsing; HTML, serialization of an
origin), so case-insensitive answers (`~*`, ``o.lower() in ALLOWED``) are secure."""

import re

import pytest

from corslab.course import lesson07, lesson08, lesson09, lesson10, lesson11, lesson13
from corslab.fetch.attacks import KINDS

# -- 07: the key of an nginx map entry ---------------------------------------------------------

NGINX_SECURE = [
    r"~^https://app\.example\.com$",
    r"~*^https://app\.example\.com$",          # case folding: harmless, browsers send lower case
    "https://app.example.com",                 # a plain string key: the whole Origin, exact
    r'"~^https://app[.]example[.]com$"',       # [.] for a dot, quoted as in the config file
    r"~^https://(app)\.example\.com$",
]
NGINX_INSECURE = {
    "suffix-match": r"~app\.example\.com$",
    "prefix-match": r"~^https://app\.example\.com",
    "unescaped-dot": r"~^https://app.example.com$",
    "insecure-scheme-allowed": r"~^https?://app\.example\.com$",
    "subdomain-allowed": r"~^https://([a-z]+\.)?app\.example\.com$",
    "other-domain-allowed": r"~^https://app\.example\.(com|net)$",
    "other-port-allowed": r"~^https://app\.example\.com(:\d+)?$",
    "substring-match": r"~^https://app\.example\.co",
    "null-origin-allowed": r"~^(https://app\.example\.com|null)$",
    "localhost-allowed": r"~^(https://app\.example\.com|http://localhost:3000)$",
    "third-party-origin-allowed": r"~^https://(app\.example\.com|[a-z]+\.github\.io)$",
    "origin-reflected": r"~.",
}


def named(fb, kind):
    """The feedback names an origin of this attack class and says why it is one."""
    return any(KINDS[kind] in m for m in fb.wrong)


@pytest.mark.parametrize("key", NGINX_SECURE)
def test_nginx_map_key_secure_answers_pass(key):
    assert lesson07.check_allowlist_entry(key).ok, str(lesson07.check_allowlist_entry(key))


@pytest.mark.parametrize("kind", sorted(NGINX_INSECURE))
def test_nginx_map_key_insecure_answers_are_refused_naming_the_attack(kind):
    fb = lesson07.check_allowlist_entry(NGINX_INSECURE[kind])
    assert not fb.ok and named(fb, kind), str(fb)


def test_case_insensitive_key_is_accepted_and_explained():
    fb = lesson07.check_allowlist_entry(r"~*^https://app\.example\.com$")
    assert fb.ok and any("lower case" in m for p, m in fb.points if p)


def test_plain_key_that_is_no_origin_says_how_nginx_compares_it():
    fb = lesson07.check_allowlist_entry("app.example.com")
    assert not fb.ok and "plain string compared with the whole Origin" in fb.wrong[0]


@pytest.mark.usefixtures("stack")
def test_map_semantics_agree_with_real_nginx():
    """The grader's map_key_matches (Python re) decides as real nginx does for every key of the
    tables and every attack origin: each key runs in its own `map` in the system's nginx."""
    from corslab.course import live
    from corslab.emulate.nginx import load_text, running
    from corslab.fetch.attacks import attack_origins

    keys = NGINX_SECURE + list(NGINX_INSECURE.values())
    maps, locations = [], []
    for i, key in enumerate(keys):
        bare = key.strip('"')
        maps.append(f'map $http_origin $k{i} {{ default "no"; "{bare}" "yes"; }}')
        locations.append(f"location = /k{i} {{ return 200 $k{i}; }}")
    conf = "\n".join(maps) + "\nserver {\n listen 80;\n" + "\n".join(locations) + "\n}\n"
    origins = [lesson07.PRODUCTION_ORIGIN] + [a.origin for a in attack_origins([lesson07.PRODUCTION_ORIGIN])]
    with running(load_text(conf, "map-keys.conf"), upstream="http://127.0.0.1:9", quiet=True) as base:
        for i, key in enumerate(keys):
            bare = key.strip('"')
            for origin in origins:
                said = live.raw(f"{base}/k{i}", headers=[("Origin", origin)]).body.strip() == "yes"
                assert said == lesson07.map_key_matches(bare, origin), (key, origin)


# -- 08: ingress-nginx cors-allow-origin ---------------------------------------------------------

P = "nginx.ingress.kubernetes.io/"
INGRESS_REST = {P + "enable-cors": "true", P + "cors-allow-methods": "GET, POST, PUT",
                P + "cors-allow-headers": "Content-Type, Authorization",
                P + "cors-allow-credentials": "false", P + "cors-max-age": "600"}
INGRESS_SECURE = ["https://app.example.com, https://admin.example.com",
                  "https://admin.example.com,https://app.example.com"]
INGRESS_INSECURE = {
    "subdomain-allowed": "https://*.example.com",
    "insecure-scheme-allowed": "https://app.example.com, https://admin.example.com, http://app.example.com",
    "localhost-allowed": "https://app.example.com, https://admin.example.com, http://localhost:3000",
    "other-domain-allowed": "https://app.example.com, https://admin.example.com, https://app.example.net",
}


@pytest.mark.parametrize("origins", INGRESS_SECURE)
def test_ingress_origins_secure_answers_pass(origins):
    assert lesson08.check_annotations(dict(INGRESS_REST, **{P + "cors-allow-origin": origins})).ok


@pytest.mark.parametrize("kind", sorted(INGRESS_INSECURE))
def test_ingress_origins_insecure_answers_are_refused_naming_the_attack(kind):
    fb = lesson08.check_annotations(dict(INGRESS_REST, **{P + "cors-allow-origin": INGRESS_INSECURE[kind]}))
    assert not fb.ok and named(fb, kind), str(fb)


def test_ingress_wildcard_without_credentials_is_accepted_with_why():
    """The exercise says no credentials: `*` then lets no page send the user's cookies (Fetch
    standard: `*` is refused for credentialed requests), so it is a defensible answer."""
    fb = lesson08.check_annotations(dict(INGRESS_REST, **{P + "cors-allow-origin": "*"}))
    assert fb.ok and any("defensible" in m for p, m in fb.points if p)


@pytest.mark.parametrize("written, said", [("", "missing, blank or invalid"),
                                           ("   ", "missing, blank or invalid")])
def test_ingress_wildcard_by_fallback_is_not_accepted(written, said):
    fb = lesson08.check_annotations(dict(INGRESS_REST, **{P + "cors-allow-origin": written}))
    assert not fb.ok and any(said in m for m in fb.wrong), str(fb)


def test_ingress_wildcard_with_credentials_is_refused():
    answer = dict(INGRESS_REST, **{P + "cors-allow-origin": "*", P + "cors-allow-credentials": "true"})
    assert not lesson08.check_annotations(answer).ok


# -- 09: the ALB's static allow-origin -----------------------------------------------------------

@pytest.mark.parametrize("value", ["https://shop.example.com", " https://shop.example.com "])
def test_alb_secure_answers_pass(value):
    assert lesson09.check_alb_attributes({"allow_origin": value, "allow_credentials": "true"}).ok


@pytest.mark.parametrize("value, said", [
    ("http://shop.example.com", KINDS["insecure-scheme-allowed"]),
    ("https://shop.example.com:8443", KINDS["other-port-allowed"]),
    ("https://shop.example.com/", "no path"),
    ("*", "refused by the browser"),
    ("https://shop.example.com, https://admin.example.com", "one value only"),
])
def test_alb_insecure_or_broken_answers_are_refused_with_the_reason(value, said):
    fb = lesson09.check_alb_attributes({"allow_origin": value, "allow_credentials": "true"})
    assert not fb.ok and any(said in m for m in fb.wrong), str(fb)


# -- 10: Kong's origins list ---------------------------------------------------------------------

KONG_SECURE = [["https://app.example.com", "https://admin.example.com"],
               [r"^https://(app|admin)\.example\.com$"],
               ["https://admin.example.com", r"https://app\.example\.com"]]
KONG_INSECURE = {
    "origin-reflected": ["*"],                                   # echoes any Origin with credentials
    "subdomain-allowed": [r".*\.example\.com"],
    "other-port-allowed": [r"(app|admin)\.example\.com"],        # a host regex: any port, any scheme
    "localhost-allowed": ["https://app.example.com", "https://admin.example.com", "http://localhost:3000"],
    "null-origin-allowed": ["https://app.example.com", "https://admin.example.com", "null"],
}


@pytest.mark.parametrize("origins", KONG_SECURE, ids=str)
def test_kong_origins_secure_answers_pass(origins):
    assert lesson10.check_kong_origins(origins).ok, str(lesson10.check_kong_origins(origins))


@pytest.mark.parametrize("kind", sorted(KONG_INSECURE))
def test_kong_origins_insecure_answers_are_refused_naming_the_attack(kind):
    fb = lesson10.check_kong_origins(KONG_INSECURE[kind])
    assert not fb.ok and named(fb, kind), str(fb)


def test_kong_star_with_credentials_echoes_any_origin():
    """handler.lua configure_credentials: with allow-all origins and credentials, Kong never sends
    `*` - it sets ACAO to the request's Origin and ACAC true."""
    assert lesson10.kong_answer(["*"], "https://evil.test") == ("https://evil.test", "true")
    assert lesson10.kong_answer(["https://app.example.com"], "https://evil.test")[0] == "https://app.example.com"


# -- 11: the Kubernetes case accepts the same-origin Ingress answer ------------------------------

@pytest.mark.parametrize("c", ["3", "1"])
def test_kubernetes_case_accepts_annotations_and_same_origin_ingress(c):
    answer = {"a": "1", "b": "2", "c": c, "d": "4", "e": "5", "f": "5"}
    assert lesson11.check_choose_method(answer).ok


# -- 13: the learner's allowed(origin) function and the bypass exercise --------------------------

ALLOWED = {"https://app.example.com", "https://admin.example.com"}
FUNCTION_SECURE = {
    "set membership": lambda o: o in ALLOWED,
    "case folded": lambda o: o.lower() in ALLOWED,
    "anchored regex, match object": lambda o: re.fullmatch(r"https://(app|admin)\.example\.com", o),
    "[.] for a dot": lambda o: re.fullmatch(r"https://(app|admin)[.]example[.]com", o) is not None,
}
FUNCTION_INSECURE = {
    "suffix-match": lambda o: o.endswith(".example.com"),
    "prefix-match": lambda o: o.startswith(("https://app.example.com", "https://admin.example.com")),
    "unescaped-dot": lambda o: re.fullmatch(r"https://(app|admin).example.com", o) is not None,
    "substring-match": lambda o: o in "https://app.example.com https://admin.example.com",
    "insecure-scheme-allowed": lambda o: o.split("://")[-1] in {"app.example.com", "admin.example.com"},
    "null-origin-allowed": lambda o: o in ALLOWED | {"null"},
    "other-port-allowed": lambda o: o.rsplit(":", 1)[0] in ALLOWED or o in ALLOWED,
    "subdomain-allowed": lambda o: re.fullmatch(r"https://([a-z]+\.)*(app|admin)\.example\.com", o) is not None,
    "other-domain-allowed": lambda o: re.fullmatch(r"https://(app|admin)\.example\.[a-z]+", o) is not None,
    "localhost-allowed": lambda o: o in ALLOWED or "localhost" in o,
    "third-party-origin-allowed": lambda o: o in ALLOWED or o.endswith(".github.io"),
    "special-characters": lambda o: o in ALLOWED or re.match(r"https://(app|admin)\.example\.com[_~+!$=}`-]", o),
    "origin-reflected": lambda o: True,
}


@pytest.mark.parametrize("name", sorted(FUNCTION_SECURE))
def test_allowlist_function_secure_answers_pass(name):
    assert lesson13.check_allowlist_function(FUNCTION_SECURE[name]).ok


@pytest.mark.parametrize("kind", sorted(FUNCTION_INSECURE))
def test_allowlist_function_insecure_answers_are_refused_naming_the_attack(kind):
    fb = lesson13.check_allowlist_function(FUNCTION_INSECURE[kind])
    assert not fb.ok and named(fb, kind), str(fb)


def test_every_attack_class_has_an_insecure_answer_in_a_table():
    """The tables cover every class of the one vocabulary, so a new class needs a row here."""
    assert set(FUNCTION_INSECURE) == set(KINDS)


def test_bypass_rejects_what_no_browser_sends_in_one_line():
    fb = lesson13.check_bypass({"suffix": "HTTPS://evilexample.com", "prefix": "https://app.example.com.evil.test",
                                "dot": "https://appxexample.com", "scheme": "http://app.example.com",
                                "null": "null"})
    assert not fb.ok and fb.wrong == ["suffix: the origin 'HTTPS://evilexample.com' is not a serialised origin; "
                                      "a browser sends 'https://evilexample.com' (lower case, no default port, "
                                      "no path) - write that"]
