"""The Korean edition of the notebooks: one source of truth for code, every text translated.

A Korean notebook (notebooks/ko/NN-name.ipynb) is generated from the English one and its
translation file (notebooks/ko/NN-name.yml) by ``python -m corslab site ko``; see
corslab/site/translation.py for the format and the workflow. Notebooks without a translation file
yet are expected failures (xfail, not strict), named in the reason; once a file exists, every check
is strict. No stack needed: these read files.
"""

from __future__ import annotations

import json
import pytest

from corslab.course.execute import ROOT, notebooks
from corslab.errors import CorsLabError
from corslab.site import glossary, translation


def _param(path):
    if translation.translation_path(path).exists():
        return pytest.param(path, id=path.stem)
    return pytest.param(path, id=path.stem, marks=pytest.mark.xfail(
        strict=False, reason=f"{path.name} has no Korean translation yet "
        f"({translation.translation_path(path).relative_to(ROOT)}: python -m corslab site sync "
        f"{path.stem[:2]} starts it)"))


NOTEBOOKS = [_param(p) for p in notebooks()]


def _book(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.parametrize("english", NOTEBOOKS)
def test_every_english_notebook_has_a_korean_twin_as_the_generator_makes_it(english):
    """Committed so JupyterLab opens either edition; never edited by hand."""
    twin = translation.twin_path(english)
    assert twin.exists(), f"{twin.relative_to(ROOT)} is missing: python -m corslab site ko"
    assert twin.read_text(encoding="utf-8") == translation.generated_text(english), (
        f"{twin.relative_to(ROOT)} differs from what its English notebook and translation file make:"
        " run python -m corslab site ko (and never edit the Korean notebook itself)")


@pytest.mark.parametrize("english", NOTEBOOKS)
def test_korean_twin_has_the_english_code_cells_and_a_markdown_cell_for_each(english):
    twin = translation.twin_path(english)
    assert twin.exists(), f"{twin.relative_to(ROOT)} is missing"
    en, ko = _book(english)["cells"], _book(twin)["cells"]
    assert [c["cell_type"] for c in ko] == [c["cell_type"] for c in en]
    assert [_text(c) for c in ko if c["cell_type"] == "code"] == \
        [_text(c) for c in en if c["cell_type"] == "code"]


@pytest.mark.parametrize("english", NOTEBOOKS)
def test_every_english_markdown_cell_has_a_current_korean_text(english):
    """Missing, or stale: the English cell changed since it was translated (the translation file
    keeps the English it follows, like gettext's msgid)."""
    problems = translation.problems(english)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("english", NOTEBOOKS)
def test_korean_cells_use_the_glossarys_korean_terms(english):
    """docs/glossary.md is the one list of the course's terms; the Korean edition keeps them."""
    found = translation.load(english)
    assert found is not None, f"{english.name} has no translation file"
    lacking = []
    for cell in translation.markdown_cells(_book(english)):
        entry = found.entry_for(cell)
        korean = (entry or {}).get("ko") or ""
        for term in glossary.missing_terms(_text(cell), korean):
            lacking.append(f"cell {cell.get('id')}: {' / '.join(term.english)} -> "
                           f"{' or '.join(term.korean)}")
    assert not lacking, "\n".join(lacking)


def test_a_changed_english_cell_is_stale_until_its_korean_is_fixed(tmp_path, monkeypatch):
    """sync moves the old English to `was:`; the cell counts as stale until `was:` is deleted."""
    nb = {"cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": "## The origin"},
                    {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": "print(1)"}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    english = tmp_path / "99-test.ipynb"
    english.write_text(json.dumps(nb))
    monkeypatch.setattr(translation, "KO", tmp_path / "ko")
    (tmp_path / "ko").mkdir()
    synced = translation.sync(english)
    assert synced.cells == [{"id": "a", "en": "## The origin", "ko": ""}]
    synced.cells[0]["ko"] = "## 출처"
    synced.path.write_text(synced.dump(), encoding="utf-8")
    assert translation.problems(english) == []
    korean = translation.generate(nb, english.name, translation.load(english))
    assert [_text(c) for c in korean["cells"]] == ["## 출처", "print(1)"]

    nb["cells"][0]["source"] = "## The origin (출처)"
    english.write_text(json.dumps(nb))
    assert "stale" in translation.problems(english)[0]
    resynced = translation.sync(english)
    assert resynced.cells[0] == {"id": "a", "en": "## The origin (출처)", "ko": "## 출처",
                                 "was": "## The origin"}
    del resynced.cells[0]["was"]
    resynced.path.write_text(resynced.dump(), encoding="utf-8")
    assert translation.problems(english) == []


def test_a_broken_translation_file_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setattr(translation, "ROOT", tmp_path)
    broken = tmp_path / "00-x.yml"
    broken.write_text("cells:\n- id: '1'\n  ko: |\nnot indented: [\n", encoding="utf-8")
    with pytest.raises(CorsLabError) as error:
        translation.Translation.load(broken)
    assert str(error.value).startswith("00-x.yml line ") and "\n" not in str(error.value)


def test_renumbered_cells_keep_their_korean_and_a_deleted_cells_korean_is_kept_aside(
        tmp_path, monkeypatch):
    """An author who rewrites a notebook may renumber or move cells and delete some: sync follows
    each text to its new id, and never drops Korean that someone wrote."""
    def book(*cells):
        return {"cells": [{"cell_type": "markdown", "id": i, "metadata": {}, "source": t}
                          for i, t in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}

    monkeypatch.setattr(translation, "KO", tmp_path / "ko")
    (tmp_path / "ko").mkdir()
    english = tmp_path / "99-test.ipynb"
    english.write_text(json.dumps(book(("1", "## Origins"), ("2", "## Sites"))))
    first = translation.sync(english)
    first.cells[0]["ko"], first.cells[1]["ko"] = "## 출처", "## 사이트"
    first.path.write_text(first.dump(), encoding="utf-8")

    english.write_text(json.dumps(book(("a", "## Sites"), ("b", "## New"))))
    again = translation.sync(english)
    assert again.cells == [{"id": "a", "en": "## Sites", "ko": "## 사이트"},
                           {"id": "b", "en": "## New", "ko": ""}]
    assert again.unused == [{"id": "1", "en": "## Origins", "ko": "## 출처"}]
    again.path.write_text(again.dump(), encoding="utf-8")
    assert translation.load(english).unused == again.unused
    assert [line.split(" (")[0] for line in translation.problems(english)] == ["99-test.ipynb cell b"]


def test_every_lab_has_a_korean_readme():
    missing = [p.parent.name for p in sorted(ROOT.glob("labs/[0-9][0-9]-*/README.md"))
               if not p.with_name("README.ko.md").exists()]
    assert not missing, f"no README.ko.md in labs {', '.join(missing)}"


@pytest.mark.parametrize("english, korean", translation.markdown_twins(),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_korean_pages_translate_the_current_english(english, korean):
    """A README.ko.md (or docs/*.ko.md) starts with the sha256 of the English it translates."""
    assert translation.markdown_problem(english, korean) is None, \
        translation.markdown_problem(english, korean)


def test_a_changed_english_page_makes_its_korean_twin_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(translation, "ROOT", tmp_path)
    english, korean = tmp_path / "README.md", tmp_path / "README.ko.md"
    english.write_text("# Origins\n")
    korean.write_text("# 출처\n", encoding="utf-8")
    assert "no first line" in translation.markdown_problem(english, korean)
    translation.stamp(korean)
    assert translation.markdown_problem(english, korean) is None
    assert korean.read_text(encoding="utf-8").endswith("# 출처\n")
    english.write_text("# Origins and sites\n")
    assert "is stale" in translation.markdown_problem(english, korean)
