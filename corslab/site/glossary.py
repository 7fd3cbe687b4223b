"""The glossary (docs/glossary.md) as data: which English terms a text uses, and whether a Korean
text uses their Korean terms. The Korean edition keeps the glossary's terms consistently.

A row's English column may list variants ("scheme / host / port", "cookie, SameSite, Secure") and
an abbreviation in parentheses; so may its Korean column ("출처 (오리진)" accepts 출처 or 오리진).
A Korean term that is a Latin name plus 속성/모드/헤더 ("SameSite 속성") is also met by the name.
Code (``inline`` and fenced) and link targets are left out on both sides: code is not translated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
CODE = re.compile(r"```.*?```|`[^`\n]*`|\]\([^)]*\)|<[^>\n]+>", re.S)


@dataclass(frozen=True)
class Term:
    english: tuple[str, ...]
    korean: tuple[str, ...]
    row: str

    def used_in(self, english_text: str) -> bool:
        """Whole words; a capitalised name (SameSite, CORS) in its own case only."""
        prose = CODE.sub(" ", english_text)
        return any(re.search(rf"(?<![\w-]){re.escape(e)}(?![\w-])", prose,
                             0 if e[0].isupper() else re.I) for e in self.english)

    def kept_in(self, korean_text: str) -> bool:
        """The Korean term (spaces aside), or the English one where it is an abbreviation or a
        header name, which Korean technical writing keeps as it is."""
        prose = CODE.sub(" ", korean_text)
        flat = re.sub(r"\s+", "", prose).lower()
        return any(re.sub(r"\s+", "", k).lower() in flat for k in self.korean) or \
            any(_identifier(e) and e in prose for e in self.english)


def _variants(cell: str) -> list[str]:
    """'A / B (X / Y)' -> A, B, X, Y; '-Headers' (a suffix of the previous name) is dropped."""
    inner = [v for group in re.findall(r"\(([^)]*)\)", cell) for v in re.split(r"\s*[/,]\s*", group)]
    outer = re.split(r"\s*/\s*|\s*,\s*", re.sub(r"\([^)]*\)", "", cell))
    return [v.strip() for v in outer + inner if v.strip() and not v.strip().startswith(("-", "of "))]


def _identifier(name: str) -> bool:
    """An abbreviation or a header name (CORS, ACAO, Access-Control-Max-Age): kept as it is."""
    return name.isupper() or bool(re.fullmatch(r"[A-Z][\w]*(-[A-Z][\w]*)+", name))


@lru_cache(maxsize=None)
def terms(path: Path = GLOSSARY) -> tuple[Term, ...]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("English", "") or set(cells[0]) <= set("-: "):
            continue
        english = _variants(cells[0])
        korean = _variants(cells[1])
        for k in list(korean):
            latin = re.match(r"^([A-Za-z][\w:\- ]*?)\s+(속성|모드|헤더)$", k)
            if latin:
                korean.append(latin.group(1))
        found.append(Term(tuple(english), tuple(korean), line))
    return tuple(found)


def missing_terms(english_text: str, korean_text: str) -> list[Term]:
    """The glossary terms the English text uses whose Korean term the Korean text lacks."""
    return [t for t in terms() if t.used_in(english_text) and not t.kept_in(korean_text)]
