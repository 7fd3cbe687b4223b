"""Lab tests: one Chromium for the labs, launched as the checker launches it."""

from __future__ import annotations

import pytest

from corslab.probing import chromium as chromium_binary
from corslab.labs import browser as lab_browser


@pytest.fixture(scope="package")
def chromium(playwright):
    if chromium_binary.unavailable():
        pytest.fail(f"the lab checks drive Chromium: {chromium_binary.unavailable()}")
    browser = lab_browser.launch(playwright)
    yield browser
    browser.close()


@pytest.fixture
def edition(tmp_path):
    """``edition(lab, replacements)``: the handed-out files with (old, new) edits applied, in a
    folder of their own - a learner's attempt."""

    def make(lab, replacements=()):
        for name in lab.files:
            text = (lab.handout / name).read_text()
            for old, new in replacements:
                assert old in text, f"{lab.name}: the wrong fix expects {old!r} in {name}"
                text = text.replace(old, new)
            (tmp_path / name).write_text(text)
        return tmp_path

    return make
