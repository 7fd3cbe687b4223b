"""Checkers never raise and never print the answer: whatever a learner types, the grading
module's contract (corslab.course.grading) is one Feedback."""

import pytest

from corslab.stack import topology
from corslab.course import grading, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06

APP, EVIL = topology.APP_ORIGIN, topology.UNTRUSTED_ORIGIN
URL = topology.origin("cors-proxy") + "/v1/users/1"

CHECKERS = {
    "01 same origin": lesson01.check_same_origin,
    "01 evil page": lambda a: lesson01.check_evil_page(a, URL, EVIL),
    "01 no-cors": lambda a: lesson01.check_no_cors(a, URL, EVIL),
    "02 simple": lambda a: lesson02.check_simple_or_preflight(a, URL, APP),
    "02 expose": lambda a: lesson02.check_expose(a, URL, APP),
    "03 preflight request": lambda a: lesson03.check_preflight_request(a, URL, APP),
    "03 preflight answer": lambda a: lesson03.check_preflight_answer(a, URL, APP),
    "03 cache": lesson03.check_cache_seconds,
    "03 status": lambda a: lesson03.check_status_and_redirects(a, URL, APP),
    "04 credentialed": lambda a: lesson04.check_credentialed_answer(a, URL, APP),
    "04 cookie": lambda a: lesson04.check_cookie_travels(a, {"a": (APP, URL, "include")}),
    "04 correction": lambda a: lesson04.check_correction(a, URL, EVIL),
    "04 prod": lesson04.check_prod_allowlist,
    "05 flask-cors": lambda a: lesson05.check_flask_cors(a, URL),
    "05 duplicate": lambda a: lesson05.check_duplicate(a, URL, APP),
    "05 proxy": lesson05.check_proxy_kind,
    "06 routes": lesson06.check_routes,
    "06 one origin": lambda a: lesson06.check_one_origin(a, topology.origin("same-origin") + "/"),
    "06 limits": lesson06.check_limits,
}
ODD = [..., None, 0, "", "yes", [], {}, [("a",)], {"a": None}, {"a": 1, "b": [1, 2]},
       {"Access-Control-Allow-Origin": "\n"}, {"origins": object()}, {"x": "y" * 10_000}]


@pytest.mark.parametrize("name", CHECKERS)
def test_checker_answers_odd_input_with_feedback(name):
    for answer in ODD:
        fb = CHECKERS[name](answer)
        assert isinstance(fb, grading.Feedback), (name, answer)
        assert not fb.ok, (name, answer)  # nothing odd is ever graded "all correct"
        str(fb), fb._repr_html_()  # both renderings work
