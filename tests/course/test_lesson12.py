"""Notebook 12: every console case reproduces, live, the Chromium CorsError it is meant to show
(names from services/network/public/mojom/cors.mojom, read back by `explain`); the checkers grade
the learner's fixes and true/false marks."""

import pytest

from corslab.course import lesson12
from corslab.tools.explain import explain


@pytest.mark.usefixtures("stack")
@pytest.mark.parametrize("case", lesson12.CONSOLE_CASES + lesson12.MORE_CASES, ids=lambda c: c.error)
def test_case_produces_its_console_error(case):
    result = case.probe()
    assert not result.allowed
    assert explain(result.console).error == case.error


def test_console_fixes_right_wrong_unanswered():
    right = {c.number: c.fix for c in lesson12.CONSOLE_CASES}
    assert lesson12.check_console_causes(right).ok
    assert not lesson12.check_console_causes(dict(right, **{"1": "a"})).ok
    assert lesson12.check_console_causes(dict(right, **{"2": ...})).pending


def test_myths_right_wrong_unanswered():
    right = {k: truth for k, (truth, _, _) in lesson12.MYTHS.items()}
    assert lesson12.check_myths(right).ok
    fb = lesson12.check_myths(dict(right, A=False))
    assert not fb.ok and fb.wrong[0].startswith("A")
    assert lesson12.check_myths(dict(right, L=...)).pending


def test_a_wrong_mark_gets_a_hint_not_the_answer():
    right = {k: truth for k, (truth, _, _) in lesson12.MYTHS.items()}
    fb = lesson12.check_myths(dict(right, B=True))
    assert lesson12.MYTHS["B"][1] not in fb.wrong[0]
