"""The course website, built by ``python -m corslab site build``'s function against the real stack
and opened in Chromium: every page loads without a console error and without a broken internal
link, the notebook pages show what the notebooks printed, Korean pages are Korean (lang="ko",
Hangul drawn with a CJK font), and the language switch and the "open in JupyterLab" links go where
they should. The build runs once for the module (about two minutes on two cores).
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from corslab.course.execute import ROOT, notebooks
from corslab.site import build, links, translation

pytestmark = pytest.mark.usefixtures("stack")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory, stack):
    out = tmp_path_factory.mktemp("site") / "_site"
    report = build.build(out, keep_going=True)  # a failing notebook is reported below, not here
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield report, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def chromium(playwright):
    from corslab.probing import chromium as kit_chromium

    browser = kit_chromium.launch(playwright)
    yield browser
    browser.close()


def html_pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                  if not p.relative_to(out).parts[0].startswith("_"))


SCRAPE = """() => ({
  lang: document.documentElement.lang,
  links: [...document.querySelectorAll("a[href]")].map(a => a.href),
  twin: document.querySelector(".corslab-page-links a.corslab-twin")?.href ?? null,
  binder: document.querySelector("a.corslab-binder")?.href ?? null,
  local: document.querySelector("a.corslab-local")?.href ?? null,
  pictures: document.querySelectorAll(".cell_output table, .cell_output svg").length,
  outputs: document.querySelectorAll(".cell_output").length,
  text: document.querySelector("article")?.innerText ?? "",
})"""


@pytest.fixture(scope="module")
def crawl(site, chromium):
    """Every page of the site opened once in Chromium: what it logged and what it holds."""
    report, base = site
    page = chromium.new_page()
    errors, seen = [], {}
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    for name in html_pages(report.out):
        response = page.goto(base + name, wait_until="load")
        seen[name] = dict(page.evaluate(SCRAPE), status=response.status)
    page.close()
    return seen, errors


def test_the_build_executes_every_notebook_without_error(site):
    report, _ = site
    assert report.pages["en"] == report.pages["ko"] >= len(notebooks()) + 16
    assert not report.failures, "\n".join(report.failures)


def test_every_page_loads_without_console_error_or_broken_internal_link(site, crawl):
    report, base = site
    seen, errors = crawl
    broken = [f"{name}: HTTP {info['status']}" for name, info in seen.items() if info["status"] != 200]
    for name, info in seen.items():
        for href in info["links"]:
            if not href.startswith(base):
                continue
            target = urlparse(href)
            path = report.out / unquote(target.path[len(urlparse(base).path):])
            path = path / "index.html" if path.is_dir() else path
            if not path.is_file():
                broken.append(f"{name} -> {href}")
            elif target.fragment and path.suffix == ".html" and \
                    f'id="{unquote(target.fragment)}"' not in path.read_text(encoding="utf-8"):
                broken.append(f"{name} -> {href} (no such anchor)")
    assert len(seen) >= 2 * (len(notebooks()) + 16)
    assert not errors, "\n".join(errors[:20])
    assert not broken, "\n".join(sorted(set(broken))[:30])


def _pictures(book: dict) -> int:
    """Outputs holding a table or a picture (the sequence picture, the origin map, verdicts)."""
    return sum(1 for cell in book["cells"] for o in cell.get("outputs", [])
               if re.search(r"<(table|svg)\b", "".join(o.get("data", {}).get("text/html", ""))))


@pytest.mark.parametrize("language", ["en", "ko"])
def test_each_notebook_page_shows_its_outputs_and_no_widget_model(site, crawl, language):
    """Every table or picture a notebook printed (verdicts, sequence pictures, the origin map) is
    on its page - the Korean page too, from the same execution; no widget shows as its repr."""
    report, _ = site
    seen, _ = crawl
    prefix = "" if language == "en" else "ko/"
    for english in notebooks():
        staged = report.out.parent / (report.out.name + "-sources") / language / "notebooks" / english.name
        expected = _pictures(json.loads(staged.read_text(encoding="utf-8")))
        info = seen[f"{prefix}notebooks/{english.stem}.html"]
        assert info["outputs"] > 0 and info["pictures"] >= expected, (
            f"{prefix}{english.stem}: {info['pictures']} tables/pictures shown, notebook has {expected}")
        for raw in ("Output()", "model_id", "VBox(", "HBox(", "widget-view+json"):
            assert raw not in info["text"], f"{prefix}{english.stem} shows a widget's raw {raw!r}"


def test_korean_pages_render_hangul_with_a_cjk_font(site, chromium):
    """Chromium reports the platform fonts it drew a node's text with (DevTools protocol,
    CSS.getPlatformFontsForNode): Hangul must come from a CJK font, not from boxes."""
    _, base = site
    page = chromium.new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    for name in ("ko/index.html", "ko/notebooks/01-origins.html", "ko/labs/01-duplicate-acao/README.html"):
        page.goto(base + name)
        assert page.get_attribute("html", "lang") == "ko"
        assert re.search("[\uac00-\ud7a3]", page.inner_text("article h1")), f"{name}: no Hangul in the title"
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "article h1"})["nodeId"]
        fonts = [f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]
        assert any(re.search("CJK|KR|Gothic|Hangul|Nanum", f) for f in fonts), (name, fonts)
    page.close()


def test_the_language_switch_of_every_page_opens_its_twin(site, crawl, chromium):
    report, base = site
    seen, _ = crawl
    for name, info in seen.items():
        if name.rsplit("/", 1)[-1] in ("genindex.html", "search.html"):
            continue
        expected = name[len("ko/"):] if name.startswith("ko/") else "ko/" + name
        assert info["twin"] == base + expected, name
        assert info["lang"] == ("ko" if name.startswith("ko/") else "en"), name
    page = chromium.new_page()
    page.goto(base + "notebooks/03-preflight.html")
    page.click(".corslab-page-links a.corslab-twin")
    assert page.url == base + "ko/notebooks/03-preflight.html"
    assert page.get_attribute("html", "lang") == "ko"
    page.close()


def test_notebook_pages_open_the_same_notebook_in_jupyterlab(site, crawl):
    """Binder's and the local JupyterLab's URLs come from corslab/site/links.py (one setting); a
    Korean page opens the Korean notebook where there is one."""
    seen, _ = crawl
    for english in notebooks():
        twin = translation.twin_path(english)
        for prefix, notebook in (("", english), ("ko/", twin if twin.exists() else english)):
            info = seen[f"{prefix}notebooks/{english.stem}.html"]
            repo_path = notebook.relative_to(ROOT).as_posix()
            assert info["binder"] == links.binder_url(repo_path)
            assert info["local"] == links.local_lab_url(repo_path)
    assert seen["ko/notebooks/00-start-here.html"]["binder"].endswith("notebooks/ko/00-start-here.ipynb")
