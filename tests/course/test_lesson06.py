"""Lesson 06 checkers. Where a path goes is read from nginx/same-origin.conf (nginx: the longest
matching prefix location wins); browser facts from Fetch (no CORS, no preflight on same-origin
requests; credentials "same-origin" sends cookies to the page's own origin)."""

import pytest

from corslab.stack import topology
from corslab.course import lesson06
from corslab.probing.probe import probe

SAME = topology.origin("same-origin")


def test_routes_are_read_from_the_method_1_config():
    assert lesson06.routes() == {"/v1/": "api", "/": "frontend"}
    assert lesson06.route_of("/V1/users") == "frontend" and lesson06.route_of("/v1/users") == "api"


def test_routes_right_wrong_unanswered():
    right = {"/v1/users": "api", "/playground.html": "frontend", "/V1/users": "frontend",
             "/v2/users": "frontend", "/": "frontend", "/v1/me?trace=1": "api"}
    assert lesson06.check_routes(right).ok
    wrong = lesson06.check_routes({**right, "/V1/users": "api"})
    assert len(wrong.wrong) == 1 and wrong.wrong[0].startswith("/V1/users:")
    assert lesson06.check_routes({**right, "/": ...}).pending


def test_one_origin_right_wrong_unanswered():
    right = {"preflight": False, "cookie_sent": True, "cors_headers_needed": False}
    assert lesson06.check_one_origin(right, SAME + "/").ok
    assert len(lesson06.check_one_origin({**right, "preflight": True}, SAME + "/").wrong) == 1
    assert lesson06.check_one_origin(..., SAME + "/").pending


def test_limits_right_wrong_unanswered():
    right = {"a": True, "b": False, "c": False, "d": True}
    assert lesson06.check_limits(right).ok
    assert len(lesson06.check_limits({**right, "c": True}).wrong) == 1
    assert lesson06.check_limits({"a": ...}).pending


@pytest.mark.stack
@pytest.mark.usefixtures("stack")
@pytest.mark.parametrize("path", ["/v1/health", "/playground.html", "/V1/users"])
def test_the_running_proxy_routes_as_the_checker_says(path):
    """The checker's reading of the config agrees with the real nginx running it."""
    result = probe(SAME + path, origin=SAME)
    api_answered = result.response.get("x-request-id") is not None  # every API answer carries it
    assert api_answered == (lesson06.route_of(path) == "api")
