"""Notebook 11: the matrix is live probes; its reading checker compares with that matrix."""

import pytest

from corslab.course import lesson11


def test_choices_right_wrong_unanswered():
    right = {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "5"}
    assert lesson11.check_choose_method(right).ok
    fb = lesson11.check_choose_method(dict(right, f="4"))
    assert not fb.ok and any("static origin" in m for m in fb.wrong)
    assert lesson11.check_choose_method(dict(right, a=...)).pending


@pytest.fixture(scope="module")
def matrix(stack):
    return lesson11.run_matrix()


def test_matrix_covers_every_scenario_and_service(matrix):
    assert len(matrix.results) == len(lesson11.SCENARIOS) * len(lesson11.SERVICES)
    assert not matrix.allowed("untrusted-get")          # the policy refuses the untrusted site everywhere
    assert "alb" not in matrix.allowed("admin-put")      # one static origin (ALB listener attributes, header-modification.html)
    assert {"cors-proxy", "gateway", "ingress", "api-appcors"} <= matrix.allowed("admin-put")


def test_matrix_reading_right_and_wrong(matrix):
    right = {"admin_put": matrix.allowed("admin-put"), "read_401": matrix.allowed("app-401")}
    assert lesson11.check_matrix_reading(right, matrix).ok
    wrong = {"admin_put": matrix.allowed("admin-put") | {"alb"}, "read_401": set()}
    assert len(lesson11.check_matrix_reading(wrong, matrix).wrong) == 2
    assert not lesson11.check_matrix_reading({"admin_put": {"nginx"}, "read_401": set()}, matrix).ok
    assert lesson11.check_matrix_reading({"admin_put": ..., "read_401": ...}, matrix).pending


def test_properties_table_renders(matrix):
    html = matrix.properties()._repr_html_()
    assert "<table" in html and "preflight status" in html
