"""The one attack-origin generator (corslab.fetch.attacks): what graders, `generate` and `scan`
run an allowlist against."""

from __future__ import annotations

import re

import pytest

from corslab.errors import CorsLabError
from corslab.fetch.attacks import KINDS, attack_origins, let_through, serialised
from corslab.fetch.origins import parse_origin

PROD = ["https://app.example.com", "https://admin.example.com"]
LAB = ["http://localhost:3000", "http://localhost:3001"]


@pytest.mark.parametrize("allowed", [PROD, LAB, ["https://example.co.uk"], ["http://127.0.0.1:8080"],
                                     ["https://[::1]:8443"], ["https://a.b.example.com:444"]])
def test_every_attack_is_an_origin_a_browser_can_send_and_never_an_allowed_one(allowed):
    attacks = attack_origins(allowed)
    assert attacks[0].origin == "null"
    origins = [a.origin for a in attacks]
    assert len(origins) == len(set(origins))
    assert not set(origins) & set(allowed)
    for a in attacks:
        assert a.kind in KINDS and a.target in allowed
        assert a.origin == "null" or parse_origin(a.origin).serialize() == a.origin


def test_the_classes_a_production_allowlist_meets():
    by_kind = {}
    for a in attack_origins(["https://app.example.com"]):
        by_kind.setdefault(a.kind, []).append(a.origin)
    assert set(by_kind) == set(KINDS)
    assert "https://app.example.com.evil.test" in by_kind["prefix-match"]
    assert "https://evilexample.com" in by_kind["suffix-match"]
    assert "https://app.example.co" in by_kind["substring-match"]
    assert "https://appxexample.com" in by_kind["unescaped-dot"]
    assert "https://evil.app.example.com" in by_kind["subdomain-allowed"]
    assert "https://evil.example.com" in by_kind["subdomain-allowed"]
    assert "https://app.example.net" in by_kind["other-domain-allowed"]
    assert "https://app.example.com:8443" in by_kind["other-port-allowed"]
    assert by_kind["insecure-scheme-allowed"] == ["http://app.example.com"]
    assert "http://localhost:3000" in by_kind["localhost-allowed"]
    assert "https://evil.github.io" in by_kind["third-party-origin-allowed"]
    assert "https://app.example.com_.evil.test" in by_kind["special-characters"]


def test_a_port_origin_meets_longer_and_shorter_ports():
    """`startswith("http://localhost:3000")` lets http://localhost:30000 through; `in` lets :300."""
    origins = {a.origin: a.kind for a in attack_origins(["http://localhost:3000"])}
    assert origins["http://localhost:30000"] == "prefix-match"
    assert origins["http://localhost:300"] == "substring-match"
    assert "http://localhost:3001" in origins  # another port is another origin - when not allowed


def test_a_sibling_in_the_allowlist_is_not_an_attack():
    origins = {a.origin for a in attack_origins(PROD)}
    assert "https://admin.example.com" not in origins
    assert "https://evil.example.com" in origins


@pytest.mark.parametrize("rule, kind", [
    (lambda o: o.endswith("example.com"), "suffix-match"),
    (lambda o: o.startswith("https://app.example.com"), "prefix-match"),
    (lambda o: re.fullmatch(r"https://app.example.com", o), "unescaped-dot"),
    (lambda o: re.fullmatch(r"https?://app\.example\.com", o), "insecure-scheme-allowed"),
    (lambda o: o in ("https://app.example.com", "null"), "null-origin-allowed"),
    (lambda o: o in "https://app.example.com", "substring-match"),
    (lambda o: re.match(r"https://app\.example\.com", o), "prefix-match"),
    (lambda o: re.fullmatch(r"https://([a-z]+\.)?example\.com", o), "subdomain-allowed"),
    (lambda o: re.fullmatch(r"https://app\.example\.[a-z]+", o), "other-domain-allowed"),
    (lambda o: re.fullmatch(r"https://app\.example\.com(:\d+)?", o), "other-port-allowed"),
    (lambda o: re.fullmatch(r"https://app\.example\.com[^.]*\.evil\.test", o), "special-characters"),
    (lambda o: o == "https://app.example.com" or o.startswith("http://localhost"), "localhost-allowed"),
    (lambda o: o == "https://app.example.com" or o.endswith(".github.io"), "third-party-origin-allowed"),
    (lambda o: True, "origin-reflected"),
])
def test_each_flawed_rule_is_caught_by_its_class(rule, kind):
    through = let_through(rule, ["https://app.example.com"])
    assert kind in {a.kind for a in through}


@pytest.mark.parametrize("rule", [
    lambda o: o == "https://app.example.com",
    lambda o: o.lower() in ("https://app.example.com",),
    lambda o: re.fullmatch(r"https://app[.]example[.]com", o) is not None,
    lambda o: re.fullmatch(r"(?i)https://app\.example\.com", o) is not None,
])
def test_a_secure_rule_lets_nothing_through(rule):
    assert rule("https://app.example.com")
    assert let_through(rule, ["https://app.example.com"]) == []


@pytest.mark.parametrize("bad", ["https://app.example.com?", "https://app.example.com/", "HTTPS://app.example.com",
                                 "https://App.example.com", "https://app.example.com:443", "https://app.example.com:0443",
                                 "https://u@app.example.com", "https://app.example.com\r\nX: 1", " https://a.b",
                                 "https://app.example.com#", "ftp://x.y", "", "https://a.b/c",
                                 "http://010.0.0.1", "http://0x7f.0.0.1", "http://127.1", "http://2130706433"])
def test_serialised_refuses_what_a_browser_never_sends_in_one_line(bad):
    with pytest.raises(CorsLabError) as err:
        serialised(bad)
    assert "\n" not in str(err.value)


def test_serialised_accepts_serialised_origins():
    for good in ["null", "https://app.example.com", "http://localhost:3000", "http://[::1]:8080"]:
        assert serialised(good) == good
