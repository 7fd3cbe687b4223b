"""Notebook 13: the bypass checker accepts only attacker-controlled origins that pass each broken
rule; the allowlist checker runs the learner's function against every attack of the lesson
(PortSwigger's CORS classes: reflection, null, prefix/suffix, unescaped dot, insecure scheme)."""

from corslab.course import lesson13

BYPASS = {"suffix": "https://evilexample.com", "prefix": "https://app.example.com.evil.test",
          "dot": "https://appxexample.com", "scheme": "http://app.example.com", "null": "null"}


def test_working_bypasses_pass():
    assert lesson13.check_bypass(BYPASS).ok


def test_legitimate_origin_is_not_a_bypass():
    fb = lesson13.check_bypass(dict(BYPASS, suffix="https://app.example.com"))
    assert not fb.ok and "the attacker does not control" in fb.wrong[0]


def test_origin_the_rule_refuses_fails():
    assert not lesson13.check_bypass(dict(BYPASS, prefix="https://evil.test")).ok


def test_not_an_origin_fails():
    assert not lesson13.check_bypass(dict(BYPASS, dot="appxexample.com/path")).ok


def test_unanswered_bypass():
    assert lesson13.check_bypass(dict(BYPASS, null=...)).pending


def test_exact_set_allowlist_passes():
    allowed = {"https://app.example.com", "https://admin.example.com"}
    assert lesson13.check_allowlist_function(lambda o: o in allowed).ok


def test_suffix_allowlist_fails_and_errors_are_reported():
    assert not lesson13.check_allowlist_function(lambda o: o.endswith("example.com")).ok
    fb = lesson13.check_allowlist_function(lambda o: o.split("://")[1].startswith("app") or 1 / 0)
    assert not fb.ok and any("ZeroDivisionError" in m for m in fb.wrong)


def test_unanswered_function():
    assert lesson13.check_allowlist_function(...).pending
