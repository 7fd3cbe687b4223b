"""Lesson 01 checkers: each graded with a right answer, a wrong one, and none at all.

The right answers are stated here by hand on purpose: they are the facts the lesson teaches
(URL standard "origin" for the pairs; Fetch "CORS check" and "opaque filtered response" for the
rest), so a regression in the model that the checkers compute from makes these tests fail.
"""

from corslab.stack import topology
from corslab.course import lesson01

API = topology.origin("api") + "/v1/me"
EVIL = topology.UNTRUSTED_ORIGIN


def test_same_origin_pairs_follow_the_url_standard():
    """URL standard: default port 443 implied, path/query/fragment ignored, host lower-cased."""
    assert lesson01.same_origin_pairs() == {"a": True, "b": False, "c": False, "d": False,
                                            "e": True, "f": True}


def test_same_origin_right_answer_passes():
    fb = lesson01.check_same_origin({"a": True, "b": False, "c": False, "d": False, "e": True, "f": True})
    assert fb.ok and len(fb.points) == 6


def test_same_origin_wrong_answer_names_the_pair_and_hides_the_truth():
    fb = lesson01.check_same_origin({"a": False, "b": False, "c": True, "d": False, "e": True, "f": True})
    assert not fb.ok
    assert [m[:2] for m in fb.wrong] == ["a:", "c:"]
    assert "True" not in str(fb) and "False" not in str(fb)  # the answer is never shown


def test_same_origin_missing_pairs_and_non_booleans_are_wrong():
    fb = lesson01.check_same_origin({"a": "yes"})
    assert not fb.ok and any("b, c, d, e, f" in m for m in fb.wrong)


def test_same_origin_unanswered_is_todo():
    fb = lesson01.check_same_origin(...)
    assert fb.pending and not fb.ok and not fb.points


def test_evil_page_right_and_wrong():
    """Fetch: a credentialed GET is not preflighted (sent, run); no ACAO -> the CORS check fails."""
    right = {"server_ran_it": True, "page_reads_it": False, "curl_reads_it": True}
    assert lesson01.check_evil_page(right, API, EVIL).ok
    wrong = lesson01.check_evil_page({**right, "server_ran_it": False}, API, EVIL)
    assert not wrong.ok and len(wrong.wrong) == 1 and "/_lab/seen" in wrong.wrong[0]
    assert lesson01.check_evil_page(..., API, EVIL).pending


def test_no_cors_right_and_wrong():
    """Fetch "opaque filtered response": status 0, no headers, no body, no error."""
    right = {"request_sent": True, "status_seen": 0, "body_readable": False, "console_error": False}
    assert lesson01.check_no_cors(right, API, EVIL).ok
    wrong = lesson01.check_no_cors({**right, "status_seen": 200, "console_error": True}, API, EVIL)
    assert len(wrong.wrong) == 2
    assert not lesson01.check_no_cors({**right, "status_seen": False}, API, EVIL).ok  # bool is not a number
    assert lesson01.check_no_cors({"request_sent": ...}, API, EVIL).pending
