"""Lesson 03 checkers. Expected facts: Fetch "CORS-preflight request" (ACRH lower-cased, sorted,
joined with ',' without spaces; forbidden headers such as Cookie never reach it), the preflight
checks (#cors-preflight-fetch-0), and Chromium's max-age rules
(services/network/cors/preflight_result.cc: default 5 s, cap 7200 s, negative = 0)."""

from corslab.stack import topology
from corslab.course import lesson03

URL = topology.origin("cors-proxy") + "/v1/users/1"
APP = topology.APP_ORIGIN


def test_expected_preflight_lists_only_unsafe_names_sorted():
    assert lesson03.expected_preflight(URL, APP) == {
        "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "authorization,content-type,x-trace-id"}


def test_preflight_request_right_wrong_unanswered():
    right = {"Access-Control-Request-Method": "DELETE",
             "Access-Control-Request-Headers": "authorization,content-type,x-trace-id"}
    assert lesson03.check_preflight_request(right, URL, APP).ok
    wrong = lesson03.check_preflight_request(
        {"Access-Control-Request-Method": "DELETE",
         "Access-Control-Request-Headers": "Authorization, Content-Type, X-Trace-Id, Cookie"}, URL, APP)
    assert not wrong.ok and any("cookie" in m and "forbidden" in m for m in wrong.wrong)
    assert lesson03.check_preflight_request(..., URL, APP).pending


def test_preflight_request_names_in_another_order_are_right_and_only_noted():
    fb = lesson03.check_preflight_request(
        {"Access-Control-Request-Method": "DELETE",
         "Access-Control-Request-Headers": "X-Trace-Id, Authorization, Content-Type"}, URL, APP)
    assert fb.ok and "sorted" in fb.points[-1][1]  # right, noted - never a ✔ and a ✘ on one list


def test_preflight_answer_right_wrong_unanswered():
    right = {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Methods": "GET, PUT",
             "Access-Control-Allow-Headers": "content-type, x-trace-id", "Access-Control-Max-Age": "600"}
    assert lesson03.check_preflight_answer(right, URL, APP).ok
    no_header = lesson03.check_preflight_answer({**right, "Access-Control-Allow-Headers": "Content-Type"},
                                                URL, APP)
    assert not no_header.ok and "x-trace-id is not allowed" in no_header.wrong[0]
    star = lesson03.check_preflight_answer({**right, "Access-Control-Allow-Origin": "*"}, URL, APP)
    assert star.ok and "no credentials" in str(star)  # the exercise's PUT carries none
    no_age = lesson03.check_preflight_answer({k: v for k, v in right.items() if "Max" not in k}, URL, APP)
    assert no_age.wrong == [m for m in no_age.wrong if "5 s" in m and "Max-Age" in m]
    assert lesson03.check_preflight_answer(..., URL, APP).pending


def test_cache_seconds_right_wrong_unanswered():
    right = {"600": 600, "86400": 7200, None: 5, "-1": 0, "ten": 5}
    assert lesson03.check_cache_seconds(right).ok
    wrong = lesson03.check_cache_seconds({**right, "86400": 86400, None: 0})
    assert len(wrong.wrong) == 2
    assert "cap" in wrong.wrong[0] and "default" in wrong.wrong[1]  # each hint points at its rule
    assert lesson03.check_cache_seconds({**right, "600": ...}).pending


def test_status_and_redirects_follow_fetch():
    """Fetch: a preflight needs an ok status (200-299) and no redirect; an actual response passes
    with any status; the CORS check runs on each redirect answer."""
    assert lesson03.status_outcomes(URL, APP) == {"a": "fails", "b": "passes", "c": "fails",
                                                  "d": "passes", "e": "fails", "f": "passes"}


def test_status_and_redirects_right_wrong_unanswered():
    right = {"a": "fails", "b": "passes", "c": "fails", "d": "passes", "e": "fails", "f": "passes"}
    assert lesson03.check_status_and_redirects(right, URL, APP).ok
    wrong = lesson03.check_status_and_redirects({**right, "a": "passes", "f": "fails"}, URL, APP)
    assert [m[:2] for m in wrong.wrong] == ["a:", "f:"]
    assert lesson03.check_status_and_redirects({**right, "e": ...}, URL, APP).pending
