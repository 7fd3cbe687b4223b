"""Notebook 14's checkers: each grades with the kit's own models (corslab.fetch.cookies, explain),
which tests/browser/test_https_*.py hold to Chromium case by case; right answers pass, a wrong
one fails with a hint that does not give the answer away, an unanswered cell is pending."""

from corslab.course import lesson14

PREDICTIONS = {"a": True, "b": False, "c": False, "d": False, "e": True, "f": True}
BEFORE_CORS = {"a": False, "b": False, "c": True, "d": False}
PARTNER = "session=abc; SameSite=None; Secure; Partitioned; HttpOnly; Path=/"


def test_right_cookie_predictions_pass_and_a_wrong_one_fails_without_the_answer():
    assert lesson14.check_cookie_predictions(PREDICTIONS).ok
    fb = lesson14.check_cookie_predictions(dict(PREDICTIONS, b=True))
    assert not fb.ok and fb.wrong == ["b: look again at 'sid=1; SameSite=None' (the table of section 2 has its twin)."]


def test_a_partitioned_secure_httponly_cookie_keeps_the_cross_site_session():
    assert lesson14.check_partner_cookie(PARTNER).ok


def test_without_partitioned_blocked_third_party_cookies_refuse_it():
    fb = lesson14.check_partner_cookie("session=abc; SameSite=None; Secure; HttpOnly")
    assert not fb.ok and "third-party cookies are blocked" in fb.wrong[0]


def test_without_secure_samesite_none_is_refused_and_without_httponly_it_is_flagged():
    assert "needs Secure" in lesson14.check_partner_cookie("session=abc; SameSite=None; Partitioned").wrong[0]
    fb = lesson14.check_partner_cookie("session=abc; SameSite=None; Secure; Partitioned")
    assert fb.wrong == ["add HttpOnly: a session cookie has no business in document.cookie"]


def test_a_set_cookie_without_a_name_is_one_line_of_feedback_not_an_error():
    fb = lesson14.check_partner_cookie("Secure; HttpOnly")
    assert not fb.ok and "name=value" in fb.wrong[0]


def test_before_cors_lines_are_told_from_cors_ones_by_explain():
    assert lesson14.check_before_cors(BEFORE_CORS).ok
    assert not lesson14.check_before_cors(dict(BEFORE_CORS, a=True)).ok


def test_unanswered_cells_are_pending():
    assert lesson14.check_cookie_predictions(...).pending
    assert lesson14.check_partner_cookie(...).pending
    assert lesson14.check_before_cors(dict(BEFORE_CORS, d=...)).pending
