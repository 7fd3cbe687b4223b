"""One Korean term per idea across every notebook and docs/glossary.md.

리디렉션 is the National Institute of Korean Language's loanword spelling of *redirection*; 재전송
means retransmission (another thing). Same-site is 동일 사이트 (as 동일 출처 for same-origin), and
Access-Control-Max-Age is 최대 유지 시간. 출처 is the course's word for origin, with 오리진, the
form many Korean developers write, given beside it where the term is introduced.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")) + [ROOT / "docs" / "glossary.md"]
NOT_USED = {"재전송": "리디렉션", "리다이렉트": "리디렉션", "같은 사이트": "동일 사이트",
            "캐시 유지 시간": "최대 유지 시간"}


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_one_korean_term_per_idea(path):
    text = path.read_text(encoding="utf-8")
    for word, instead in NOT_USED.items():
        assert word not in text, f"{path.name}: write {instead}, not {word}"


def test_the_glossary_gives_origin_its_common_alias():
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    row = next(line for line in glossary.splitlines() if line.startswith("| origin |"))
    assert "출처" in row and "오리진" in row
