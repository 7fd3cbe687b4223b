"""Sphinx configuration of the course website (one per language: ``-D language=en|ko``).

Sphinx + MyST-NB (Executable Books, the project behind Jupyter Book) render the notebooks that
``corslab.site.build`` has already executed against the lab stack (``nb_execution_mode = "off"``:
no second run), the labs' READMEs and docs/. Why not Jupyter Book 2 / mystmd: its HTML build
downloads the site theme from a web service at build time, and the course must build offline from
PyPI packages alone (CI reaches only package registries). The theme is Furo (PyPI).

Every page gets, at its top, the switch to its twin page in the other language and the links that
open the same notebook in JupyterLab (Binder, or the learner's own scripts/lab.sh): see
``page_links``. The build writes ``pages.json`` beside the sources: for each page, its source in
the repository, the notebook to open, and whether it is translated.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from corslab.site import links

project = "CORS Lab"
author = "CORS Lab contributors"
extensions = ["myst_nb", "sphinx.ext.githubpages"]
language = "en"
root_doc = "index"
exclude_patterns = ["_build", "pages.json", "**/.ipynb_checkpoints"]
nb_execution_mode = "off"  # corslab.site.build executed them, once, against the real stack
nb_output_stderr = "show"
nb_merge_streams = True
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
html_theme = "furo"
html_title = "CORS Lab"
html_static_path = [str(Path(__file__).with_name("static"))]
html_css_files = ["corslab.css"]
html_favicon = str(Path(__file__).with_name("static") / "favicon.svg")
html_copy_source = False
html_show_sourcelink = False
suppress_warnings = ["toc.not_included", "mystnb.unknown_mime_type"]

LABELS = {
    "en": {"twin": "한국어", "twin_lang": "ko", "binder": "Open in JupyterLab on Binder",
           "local": "in your own JupyterLab (scripts/lab.sh)", "source": "Source on GitHub",
           "nav": "Language and links", "untranslated": ""},
    "ko": {"twin": "English", "twin_lang": "en", "binder": "Binder의 JupyterLab에서 열기",
           "local": "내 컴퓨터의 JupyterLab에서 열기 (scripts/lab.sh)", "source": "GitHub에서 원본 보기",
           "nav": "언어와 링크",
           "untranslated": "이 페이지는 아직 한국어로 번역되지 않아 영어 원문을 보여 줍니다."},
}


def twin_href(pagename: str, language: str) -> str:
    """The same page in the other language: English pages at the site's root, Korean under ko/."""
    depth = pagename.count("/")
    if language == "en":
        return "../" * depth + f"ko/{pagename}.html"
    return "../" * (depth + 1) + f"{pagename}.html"


def page_links(pagename: str, language: str, page: dict) -> str:
    label = LABELS[language]
    parts = [f'<a class="corslab-twin" href="{twin_href(pagename, language)}" '
             f'hreflang="{label["twin_lang"]}" lang="{label["twin_lang"]}">{label["twin"]}</a>']
    notebook = page.get("notebook")
    if notebook:
        parts.append(f'<a class="corslab-binder" href="{html.escape(links.binder_url(notebook))}">'
                     f'{label["binder"]}</a>')
        parts.append(f'<a class="corslab-local" href="{html.escape(links.local_lab_url(notebook))}">'
                     f'{label["local"]}</a>')
    if page.get("source"):
        parts.append(f'<a class="corslab-source" href="{html.escape(links.source_url(page["source"]))}">'
                     f'{label["source"]}</a>')
    bar = f'<nav class="corslab-page-links" aria-label="{label["nav"]}">' + " · ".join(parts) + "</nav>"
    if language != "en" and not page.get("translated", True):
        bar += f'<p class="corslab-untranslated" role="note">{label["untranslated"]}</p>'
    return bar


def _add_page_links(app, pagename, templatename, context, doctree):
    if doctree is None or "body" not in context:
        return
    pages = json.loads((Path(app.srcdir) / "pages.json").read_text(encoding="utf-8"))
    page = pages.get(pagename, {})
    body = context["body"]
    if app.config.language != "en" and not page.get("translated", True):
        body = f'<div lang="en">{body}</div>'  # English text: read and voiced as English
    context["body"] = page_links(pagename, app.config.language, page) + body


def _translator():
    from sphinx import addnodes
    from sphinx.writers.html5 import HTML5Translator

    class Translator(HTML5Translator):
        """A toctree caption is role="heading" and, as ARIA requires of a heading, has a level."""

        def visit_title(self, node):
            if isinstance(node.parent, addnodes.compact_paragraph) and node.parent.get("toctree"):
                self.body.append(self.starttag(node, "p", "", CLASS="caption", ROLE="heading",
                                               **{"aria-level": "2"}))
                self.body.append('<span class="caption-text">')
                self.context.append("</span></p>\n")
            else:
                super().visit_title(node)

    return Translator


def setup(app):
    app.connect("html-page-context", _add_page_links)
    app.set_translator("html", _translator(), override=True)
