"""course.start()'s answer: one line when the lab answers, the table of services when not.

The rows are the runner's own (``runner.status()``); a service that does not answer is shown by
name with its state, and the line says what to run.
"""

from __future__ import annotations

from dataclasses import replace

from corslab.course import LabStatus
from corslab.stack import runner


def _rows(state):
    return [replace(r, state=state, detail="") for r in runner.status()]


def test_a_running_lab_is_one_line_in_text_and_html():
    status = LabStatus(_rows("healthy"))
    assert status.healthy
    assert len(repr(status).splitlines()) == 1 and "all" in repr(status)
    assert "<table" not in status._repr_html_() and "The lab is running" in status._repr_html_()


def test_a_service_that_does_not_answer_shows_the_table_with_its_name():
    rows = _rows("healthy")
    rows[3] = replace(rows[3], state="down")
    status = LabStatus(rows)
    assert not status.healthy
    text = repr(status)
    assert "python -m corslab status" in text and rows[3].name in text and "down" in text
    assert len(text.splitlines()) > len(rows)
    assert "<table" in status._repr_html_() and rows[3].name in status._repr_html_()
