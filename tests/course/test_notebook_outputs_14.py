"""What notebook 14 shows, checked from outside on the executed committed notebook (no assert
cell in the learner's view, as in 07-13): each table's claim - the model's prediction beside
Chromium's outcome - holds row by row. Chromium 156's behaviour for every case is held to the
models by tests/browser/test_https_*.py."""

from __future__ import annotations

import pytest

from corslab.course.execute import executed, outputs_text
from corslab.stack import topology
from tests.course.test_notebook_outputs_07_13 import table_with

pytestmark = pytest.mark.usefixtures("stack")


def test_14_lists_the_https_twins_and_the_probe_reads_method_2_over_https():
    rows = table_with("14", "service", "origin", "TLS at nginx")
    assert [(r["service"], r["origin"]) for r in rows] == [(s.name, s.origin) for s in topology.tls_services()]
    assert any(f"200 from {topology.API_TLS_ORIGIN}; page may read it: True" in text
               for text in outputs_text(executed("14")))


def test_14_the_cookie_model_predicts_what_chromium_sent_in_every_row():
    rows = table_with("14", "case", "the model predicts", "Chromium")
    assert len(rows) >= 6
    assert all((r["the model predicts"] == "sent") == (r["Chromium"] == "sent") for r in rows), rows
    assert 2 <= sum(r["Chromium"] == "sent" for r in rows) < len(rows)


def test_14_mixed_content_and_lna_are_decided_before_cors_as_the_model_says():
    rows = table_with("14", "case", "the model", "Chromium", "console")
    assert all(("reaches" in r["the model"]) == ("nothing reached" not in r["Chromium"]) for r in rows), rows
    assert rows[0]["console"].startswith("Mixed Content:") and "blocked: mixed-content" == rows[0]["the model"]
    assert "blocked: lna" == rows[1]["the model"] and "nothing reached" in rows[1]["Chromium"]
