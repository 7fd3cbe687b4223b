"""Notebook 07's checkers grade the learner's answer: a right one passes, a wrong one fails
with the reason, an unanswered one reveals nothing. Graded by behaviour against corslab.fetch.attacks, with nginx's map semantics (ngx_http_map_module:
``~`` case-sensitive regex, ``~*`` case-insensitive, plain strings compared case-insensitively)."""

from corslab.course import lesson07


def test_anchored_escaped_case_sensitive_entry_passes():
    assert lesson07.check_allowlist_entry(r"~^https://app\.example\.com$").ok


def test_entry_without_start_anchor_lets_a_longer_host_in():
    fb = lesson07.check_allowlist_entry(r"~app\.example\.com$")
    assert not fb.ok and any("https://evilapp.example.com" in m for m in fb.wrong)


def test_entry_with_unescaped_dots_is_caught():
    fb = lesson07.check_allowlist_entry(r"~^https://app.example.com$")
    assert not fb.ok and any("appxexample" in m for m in fb.wrong)


def test_case_insensitive_regex_is_accepted():
    """Browsers serialise scheme and host in lower case (URL standard), so `~*` lets through
    nothing that `~` refuses."""
    assert lesson07.check_allowlist_entry(r"~*^https://app\.example\.com$").ok


def test_broken_regex_is_feedback_not_an_exception():
    assert not lesson07.check_allowlist_entry(r"~^https://(app").ok


def test_unanswered_entry_reveals_nothing():
    fb = lesson07.check_allowlist_entry(...)
    assert fb.pending and "example\\.com" not in str(fb)


def test_blog_config_statements_right_and_wrong():
    right = {"A": False, "B": False, "C": False, "D": True, "E": True}
    assert lesson07.check_blog_config(right).ok
    wrong = dict(right, B=True)
    fb = lesson07.check_blog_config(wrong)
    assert not fb.ok and len(fb.wrong) == 1 and fb.wrong[0].startswith("B")
    assert lesson07.check_blog_config({"A": ..., "B": ..., "C": ..., "D": ..., "E": ...}).pending
