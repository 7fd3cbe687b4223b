"""The Korean edition of the notebooks: generated from the English notebook plus a translation file.

One source of truth for code: a Korean notebook is never edited by hand. It is the English notebook
with each markdown cell replaced by its Korean text from ``notebooks/ko/NN-name.yml``; code cells
are copied as they are, so a fix to the code lands in both editions.

The translation file, one entry per English markdown cell (the model is gettext's .po file: the
English text the translation follows, and a flag when that English changed)::

    notebook: 00-start-here.ipynb
    cells:
    - id: '2'            # the English cell's id
      en: |              # the English text (``sync`` keeps it current)
        ## Why this kit exists
      ko: |              # your translation; empty = not translated yet
        ## 이 키트가 있는 이유
      was: |             # only when stale: the English the Korean was written for
        ...

Workflow: ``python -m corslab site sync`` adds an entry for every new English markdown cell and,
when an English cell changed, moves the old text to ``was:`` and puts the new one in ``en:``; a cell
that moved or was renumbered keeps its Korean (entries match by text first, then by id), and the
Korean of a deleted cell goes to ``unused:``, to copy from.
Translate or fix ``ko:``, delete ``was:``, then ``python -m corslab site ko`` writes
``notebooks/ko/NN-name.ipynb``. A cell is translated when ``ko`` is filled, ``en`` is the current
English and there is no ``was``; ``python -m corslab site check`` lists every cell that is not.
The English text itself, not a hash, is kept, so a stale entry shows what changed.

Relative links are written in ``ko:`` exactly as in the English cell (relative to notebooks/);
the generator adjusts them for ``notebooks/ko/`` and points lab READMEs at their Korean twins.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from corslab.course.execute import NOTEBOOKS, ROOT, notebooks
from corslab.errors import CorsLabError

KO = NOTEBOOKS / "ko"
LINK = re.compile(r"(\]\()([^)\s]+)(\))")


def translation_path(english: Path) -> Path:
    return KO / f"{english.stem}.yml"


def twin_path(english: Path) -> Path:
    return KO / english.name


def _text(cell) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def _read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ---- the translation file ------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value: str):
    # Block style (|) for every multi-line text, so a translator edits plain Markdown.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)

HEADER = """\
# Korean edition of notebooks/{name}: one entry per English markdown cell.
# Translate `ko:`; when `was:` is there, the English changed since: fix `ko:`, delete `was:`.
# Then: python -m corslab site ko   (writes notebooks/ko/{name}; never edit that file by hand)
# Code cells are not here: the Korean notebook copies them from the English one.
# `unused:` (if any) keeps Korean whose English cell is gone: copy from it, then delete it.
"""


@dataclass
class Translation:
    path: Path
    notebook: str
    cells: list[dict]
    unused: list[dict] = field(default_factory=list)  # Korean of English cells that are gone

    @classmethod
    def load(cls, path: Path) -> "Translation":
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise CorsLabError(f"{path.relative_to(ROOT)}{where}: not valid YAML "
                               f"({getattr(exc, 'problem', exc)}); indent the text under ko: |")
        cells = data.get("cells") or []
        if not isinstance(cells, list) or not all(isinstance(c, dict) and "id" in c for c in cells):
            raise CorsLabError(f"{path.relative_to(ROOT)}: `cells` must be a list of entries "
                               "with id, en and ko")
        for c in cells:
            c["id"] = str(c["id"])
            for key in ("en", "ko", "was"):
                if key in c and c[key] is not None and not isinstance(c[key], str):
                    raise CorsLabError(f"{path.relative_to(ROOT)}: cell {c['id']}: `{key}` "
                                       "must be text")
        return cls(path, data.get("notebook", path.stem + ".ipynb"), cells, data.get("unused") or [])

    def dump(self) -> str:
        data = {"notebook": self.notebook, "cells": self.cells}
        if self.unused:
            data["unused"] = self.unused
        body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
        return HEADER.format(name=self.notebook) + body

    def entry_for(self, cell) -> dict | None:
        """The entry of an English cell: the one written for exactly its text (cells moved or
        renumbered keep their Korean), else the one with its id (the text changed: stale)."""
        text = _text(cell)
        for entry in self.cells:
            if (entry.get("en") or "") == text and entry.get("was") is None:
                return entry
        by_id = [c for c in self.cells if c["id"] == str(cell.get("id"))]
        return by_id[0] if by_id else None


def load(english: Path) -> Translation | None:
    path = translation_path(english)
    return Translation.load(path) if path.exists() else None


def state(entry: dict | None, english_text: str) -> str:
    """'translated', 'missing' (no Korean yet) or 'stale' (the English changed since)."""
    if entry is None or not (entry.get("ko") or "").strip():
        return "missing"
    if entry.get("was") is not None or (entry.get("en") or "") != english_text:
        return "stale"
    return "translated"


def markdown_cells(book: dict) -> list[dict]:
    return [c for c in book["cells"] if c["cell_type"] == "markdown"]


def problems(english: Path) -> list[str]:
    """One line per English markdown cell of ``english`` that has no current Korean text."""
    book = _read_notebook(english)
    found = load(english)
    if found is None:
        return [f"{english.name}: no translation file {translation_path(english).relative_to(ROOT)}"
                f" (python -m corslab site sync {english.stem[:2]} starts one)"]
    out = []
    for cell in markdown_cells(book):
        entry = found.entry_for(cell)
        s = state(entry, _text(cell))
        if s == "translated":
            continue
        head = _text(cell).strip().splitlines()[0][:60] if _text(cell).strip() else ""
        out.append(f"{english.name} cell {cell.get('id')} ({head!r}): {s}")
        if s == "stale" and entry is not None:
            before = (entry.get("was") if entry.get("was") is not None else entry.get("en")) or ""
            diff = difflib.unified_diff(before.splitlines(), _text(cell).splitlines(),
                                        "translated English", "current English", lineterm="", n=0)
            out.extend("    " + line for line in list(diff)[2:12])
    return out


# ---- sync: keep the translation file in step with the English -----------------------------

def sync(english: Path) -> Translation:
    """The translation file of ``english`` brought up to date (not written): one entry per English
    markdown cell, in order; a changed English cell keeps its Korean and gets ``was:``. Korean text
    whose English cell is gone is kept under ``unused:`` to copy from, never lost."""
    book = _read_notebook(english)
    old = load(english) or Translation(translation_path(english), english.name, [])
    cells, used = [], set()
    for cell in markdown_cells(book):
        text = _text(cell)
        entry = old.entry_for(cell)
        if entry is not None and id(entry) in used:  # two cells, one entry: the second starts anew
            entry = None
        if entry is not None:
            used.add(id(entry))
        entry = dict(entry) if entry else {"id": str(cell.get("id")), "en": text, "ko": ""}
        entry["id"] = str(cell.get("id"))
        if (entry.get("en") or "") != text:
            if (entry.get("ko") or "").strip() and entry.get("was") is None:
                entry["was"] = entry.get("en") or ""
            entry["en"] = text
        if entry.get("was") == text:  # changed back: nothing is stale any more
            del entry["was"]
        cells.append({k: entry[k] for k in ("id", "en", "ko", "was") if k in entry})
    unused = old.unused + [{k: c[k] for k in ("id", "en", "ko") if k in c} for c in old.cells
                           if id(c) not in used and (c.get("ko") or "").strip()]
    return Translation(old.path, english.name, cells, unused)


# ---- generate: the Korean notebook ---------------------------------------------------------

def committed_link(target: str) -> str:
    """A relative link of an English cell (relative to notebooks/) as seen from notebooks/ko/:
    one more ``../`` for a path outside notebooks/, a lab README's Korean twin when there is one,
    the English notebook while a linked notebook has no Korean edition."""
    if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target):
        return target
    path, _, anchor = target.partition("#")
    if "/" not in path and path.endswith(".ipynb") and not (KO / path).with_suffix(".yml").exists():
        path = "../" + path  # a notebook not translated yet: its English edition
    elif path.startswith("../"):
        if path.endswith("README.md") and (NOTEBOOKS / path).with_name("README.ko.md").exists():
            path = path[: -len("README.md")] + "README.ko.md"
        path = "../" + path
    return path + (f"#{anchor}" if anchor else "")


def relink(text: str, link) -> str:
    return LINK.sub(lambda m: m.group(1) + link(m.group(2)) + m.group(3), text)


def generate(english_book: dict, name: str, translation: Translation | None,
             link=committed_link) -> dict:
    """The Korean notebook: ``english_book`` (with or without outputs) whose markdown cells carry
    their Korean text (the English one where there is none yet), links passed through ``link``."""
    book = copy.deepcopy(english_book)
    for cell in markdown_cells(book):
        entry = translation.entry_for(cell) if translation else None
        korean = (entry or {}).get("ko") or ""
        text = korean if korean.strip() else _text(cell)
        cell["source"] = relink(text, link)
    book["metadata"]["corslab"] = {"edition": "ko", "generated_from": f"notebooks/{name}"}
    return book


def generated_text(english: Path) -> str:
    """The committed Korean notebook's exact text: generated from the English file on disk."""
    import nbformat

    korean = generate(_read_notebook(english), english.name, load(english))
    return nbformat.writes(nbformat.from_dict(korean)) + "\n"  # as nbstripout writes it


def translated() -> list[Path]:
    """English notebooks that have a translation file."""
    return [p for p in notebooks() if translation_path(p).exists()]


def write_all() -> list[Path]:
    """(Re)generate notebooks/ko/NN-name.ipynb for every notebook with a translation file."""
    written = []
    for english in translated():
        target = twin_path(english)
        text = generated_text(english)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


# ---- Markdown pages: labs' READMEs, docs/, the start page ---------------------------------

STAMP = re.compile(r"^<!-- translated from (\S+) sha256:([0-9a-f]{12}) -->\n")


def markdown_twins() -> list[tuple[Path, Path]]:
    """(English, Korean) pairs of the Markdown pages that have a Korean twin."""
    pairs = [(k.with_name(k.name.replace(".ko.md", ".md")), k)
             for k in sorted([*ROOT.glob("labs/**/README.ko.md"), *ROOT.glob("docs/**/*.ko.md")])]
    return [(e, k) for e, k in pairs if e.exists()]


def digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def markdown_problem(english: Path, korean: Path) -> str | None:
    """None when ``korean`` carries the stamp of the current ``english``; else what to do."""
    found = STAMP.match(korean.read_text(encoding="utf-8"))
    rel = korean.relative_to(ROOT)
    if not found:
        return (f"{rel}: no first line <!-- translated from {english.name} sha256:... -->; "
                f"python -m corslab site stamp {rel} once it translates {english.name}")
    if found.group(2) != digest(english):
        return (f"{rel} is stale: {english.name} changed since (git log -p {english.relative_to(ROOT)}); "
                f"update it, then python -m corslab site stamp {rel}")
    return None


def stamp(korean: Path) -> None:
    """Mark ``korean`` as the translation of its English twin as it is now."""
    english = korean.with_name(korean.name.replace(".ko.md", ".md"))
    if not korean.name.endswith(".ko.md") or not english.exists():
        raise CorsLabError(f"{korean}: give a NAME.ko.md beside its English NAME.md")
    text = STAMP.sub("", korean.read_text(encoding="utf-8"), count=1)
    korean.write_text(f"<!-- translated from {english.name} sha256:{digest(english)} -->\n{text}",
                      encoding="utf-8")
