"""Lesson 00's checkers, each with a right and a wrong answer (URL Standard origins; Fetch §3.2.3
CORS-safelisted requests need no preflight; §4.9 CORS check needs Access-Control-Allow-Origin)."""

from __future__ import annotations

from corslab.stack import topology
from corslab.course import lesson00


def test_check_origins_accepts_each_urls_origin_and_rejects_a_path():
    right = {lesson00.ORIGIN_URLS[0]: topology.origin("cors-proxy"),
             lesson00.ORIGIN_URLS[1]: "https://shop.example.com",
             lesson00.ORIGIN_URLS[2]: topology.UNTRUSTED_ORIGIN}
    assert lesson00.check_origins(right).ok
    wrong = dict(right, **{lesson00.ORIGIN_URLS[1]: "http://shop.example.com"})
    fb = lesson00.check_origins(wrong)
    assert not fb.ok and len(fb.wrong) == 1
    assert "https://shop.example.com" not in str(fb)  # the feedback never gives the answer away
    assert not lesson00.check_origins(dict(right, **{lesson00.ORIGIN_URLS[1]: "https://shop.example.com/cart"})).ok
    assert lesson00.check_origins(...).pending


def test_check_same_origin_right_and_wrong():
    right = {"page and proxy": False, "page and itself": True, "default port": True,
             "http and https": False}
    assert lesson00.check_same_origin(right).ok
    fb = lesson00.check_same_origin(dict(right, **{"default port": False}))
    assert not fb.ok and fb.wrong == [m for m in fb.wrong if m.startswith("default port")]
    assert lesson00.check_same_origin({"page and proxy": ...}).pending


def test_check_read_verdict_right_and_wrong():
    right = {"preflight": False, "reached_backend": True, "readable": False}
    assert lesson00.check_read_verdict(right).ok
    assert not lesson00.check_read_verdict(dict(right, readable=True)).ok
    assert lesson00.check_read_verdict({"preflight": ...}).pending


def test_checkers_never_raise_on_odd_answers():
    for checker in (lesson00.check_origins, lesson00.check_same_origin, lesson00.check_read_verdict):
        for odd in (None, 42, "x", [], {"a": 1}):
            checker(odd)  # a Feedback, never an exception
    assert not lesson00.check_origins({u: "not an origin" for u in lesson00.ORIGIN_URLS}).ok


def test_a_wrong_same_origin_answer_gets_a_hint_that_does_not_give_the_verdict_away():
    """A hint says where to look; 'they all match' or 'one differs' would be the answer itself."""
    right = {"page and proxy": False, "page and itself": True, "default port": True,
             "http and https": False}
    flipped = lesson00.check_same_origin({k: not v for k, v in right.items()})
    assert len(flipped.wrong) == 4
    for message in flipped.wrong:
        assert "match" not in message and "differs" not in message, message
