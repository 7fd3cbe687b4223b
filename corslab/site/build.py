"""``python -m corslab site build [--out DIR]``: the course as a website, English and Korean.

1. Executes every English notebook once against the real lab stack (``corslab.course.execute``;
   the stack is started as the tests start it, and stopped again if it was not running).
2. Lays out two source trees, ``en/`` and ``ko/``, with the same page names: the start page
   (docs/site/index*.md), the executed notebooks, the labs' READMEs and docs/. A Korean notebook is
   the English executed notebook with its Korean markdown (``corslab.site.translation``): identical
   code, so identical outputs, and no second execution. A page without a Korean text yet shows the
   English one, marked as such.
3. Runs Sphinx (``corslab/site/conf.py``) on both trees: English at the site's root, Korean under
   ``ko/``.

Widgets are shown by the HTML snapshot of their first state that the kit's widgets carry beside
the widget view; a widget without one gets an "interactive in JupyterLab" note, never its model id.
"""

from __future__ import annotations

import copy
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from corslab.course.execute import ROOT, execute, notebooks
from corslab.errors import CorsLabError
from corslab.site import links, translation

HERE = Path(__file__).resolve().parent
START = ROOT / "docs" / "site"
WIDGET = "application/vnd.jupyter.widget-view+json"
PLACEHOLDER = {
    "en": "<p><em>An interactive widget: run this notebook in JupyterLab to use it.</em></p>",
    "ko": "<p><em>대화형 위젯입니다. JupyterLab에서 이 노트북을 실행하면 쓸 수 있습니다.</em></p>",
}


@dataclass
class Page:
    """One page of the site: its name (the same in both languages) and where it comes from."""
    name: str  # e.g. "notebooks/03-preflight", "labs/07-cache-without-vary/README", "docs/glossary"
    english: Path  # the English source in the repository
    korean: Path | None = None  # its Korean source, when there is one (markdown pages)
    notebook: bool = False


@dataclass
class Report:
    out: Path
    seconds_execute: float = 0.0
    seconds_render: float = 0.0
    pages: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        pages = ", ".join(f"{n} {lang}" for lang, n in self.pages.items())
        return (f"site: {self.out} - pages {pages}; {self.bytes / 1e6:.1f} MB; notebooks executed in "
                f"{self.seconds_execute:.0f} s, rendered in {self.seconds_render:.0f} s"
                + (f"; {len(self.warnings)} Sphinx warnings" if self.warnings else ""))


def pages() -> list[Page]:
    """Every page of the site, start page first."""
    found = [Page("index", START / "index.md", START / "index.ko.md")]
    found += [Page(f"notebooks/{p.stem}", p, notebook=True) for p in notebooks()]
    for readme in [ROOT / "labs" / "README.md", *sorted(ROOT.glob("labs/[0-9][0-9]-*/README.md"))]:
        found.append(Page(readme.relative_to(ROOT).with_suffix("").as_posix(), readme,
                          readme.with_name("README.ko.md")))
    for doc in sorted(d for d in (ROOT / "docs").glob("*.md") if not d.name.endswith(".ko.md")):
        found.append(Page(f"docs/{doc.stem}", doc, doc.with_suffix(".ko.md")))
    return found


# ---- links -----------------------------------------------------------------------------------

LINK = re.compile(r"(\]\()([^)\s]+)(\))")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:|^#|^/")


def site_link(source: str, target: str, names: dict[str, str]) -> str:
    """A relative link of the repository file ``source`` (posix path from the root) for the site:
    to the page when the target is one (a README.ko.md is its README's page), else to GitHub."""
    if EXTERNAL.match(target):
        return target
    path, _, anchor = target.partition("#")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    resolved = resolved.replace("README.ko.md", "README.md")
    if resolved.startswith("notebooks/ko/"):
        resolved = "notebooks/" + resolved[len("notebooks/ko/"):]
    if resolved in names:
        here = names.get(source.replace("README.ko.md", "README.md"), source)
        rel = posixpath.relpath(names[resolved], posixpath.dirname(here) or ".")
        return rel + (f"#{anchor}" if anchor else "")
    return links.source_url(resolved) + (f"#{anchor}" if anchor else "")


def staged_names(site_pages: list[Page]) -> dict[str, str]:
    """Repository path -> staged file path (relative to a language tree)."""
    names = {}
    for page in site_pages:
        suffix = ".ipynb" if page.notebook else ".md"
        names[page.english.relative_to(ROOT).as_posix()] = page.name + suffix
    return names


# ---- notebooks -------------------------------------------------------------------------------

def _joined(text) -> str:
    return "".join(text) if isinstance(text, list) else text


HREF = re.compile(r"""(href=)(['"])([^'"]+)\2""")


def static_outputs(book: dict, language: str, source: str, names: dict[str, str]) -> dict:
    """Widget outputs as their HTML snapshot (or a note), no widget state: a page, not a kernel.
    Links in HTML outputs (``source``'s relative links to READMEs, notebooks) go to site pages."""
    book = copy.deepcopy(book)
    book["metadata"].pop("widgets", None)

    def page_href(m):
        target = site_link(source, m.group(3), names)
        if not EXTERNAL.match(target):
            target = re.sub(r"\.(md|ipynb)(#|$)", r".html\2", target)
        return f"{m.group(1)}{m.group(2)}{target}{m.group(2)}"

    for cell in book["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data:
                data.pop(WIDGET)
                data.pop("text/plain", None)  # a widget's repr: "VBox(children=...)", "Output()"
                if not _joined(data.get("text/html", "")).strip():
                    data["text/html"] = PLACEHOLDER[language]
            if "text/html" in data:
                data["text/html"] = HREF.sub(page_href, _joined(data["text/html"]))
    return book


def failed_cells(book: dict) -> list[str]:
    """The first line of each code cell that ended in an error."""
    return [_joined(c["source"]).strip()
            .splitlines()[0][:100] for c in book["cells"] if c["cell_type"] == "code"
            and any(o.get("output_type") == "error" for o in c.get("outputs", []))]


def execute_all(jobs: int = 1, keep_going: bool = False) -> tuple[dict[str, dict], list[str]]:
    """Every English notebook (as on disk), executed once against the running stack, by stem;
    and one line per notebook that failed. Without ``keep_going`` the first failure stops the
    build; with it, the error stays on the page (as in JupyterLab) and the build goes on."""
    def run(path: Path):
        try:
            book, _ = execute(path, allow_errors=keep_going)
        except Exception as exc:  # nbclient's CellExecutionError: the cell, then the traceback
            cell = str(exc).split("------------------")[1].strip().splitlines()[0][:100] \
                if "------------------" in str(exc) else ""
            raise CorsLabError(f"{path.relative_to(ROOT)} failed while building the site, in the "
                               f"cell `{cell}`: {str(exc).strip().splitlines()[-1][:200]} "
                               "(run it in JupyterLab to see why; --keep-going builds the site "
                               "with the error shown)") from None
        return path.stem, book

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        executed = dict(pool.map(run, notebooks()))
    failures = [f"notebooks/{stem}.ipynb: error in the cell `{cell}`"
                for stem, book in executed.items() for cell in failed_cells(book)]
    return executed, failures


# ---- the two source trees ----------------------------------------------------------------------

def _markdown(page: Page, language: str, names: dict[str, str]) -> tuple[str, bool]:
    source = page.english
    translated = language == "en"
    if language == "ko" and page.korean is not None and page.korean.exists():
        source, translated = page.korean, True
    repo_path = source.relative_to(ROOT).as_posix()
    text = LINK.sub(lambda m: m.group(1) + site_link(repo_path, m.group(2), names) + m.group(3),
                    source.read_text(encoding="utf-8"))
    return text, translated


def stage(tree: Path, language: str, executed: dict[str, dict]) -> int:
    """Write one language's sources into ``tree``; return the number of pages."""
    import nbformat

    if tree.exists():
        shutil.rmtree(tree)
    site_pages = pages()
    names = staged_names(site_pages)
    meta = {}
    for page in site_pages:
        target = tree / (page.name + (".ipynb" if page.notebook else ".md"))
        target.parent.mkdir(parents=True, exist_ok=True)
        repo_path = page.english.relative_to(ROOT).as_posix()
        info = {"source": repo_path, "translated": True}
        if page.notebook:
            book = static_outputs(executed[page.english.stem], language, repo_path, names)
            notebook = repo_path
            if language == "ko":
                found = translation.load(page.english)
                book = translation.generate(
                    book, page.english.name, found,
                    link=lambda t: site_link(repo_path, t, names))
                info["translated"] = found is not None
                if translation.twin_path(page.english).exists():
                    notebook = translation.twin_path(page.english).relative_to(ROOT).as_posix()
                    info["source"] = translation.translation_path(page.english).relative_to(ROOT).as_posix()
            else:
                for cell in translation.markdown_cells(book):
                    text = _joined(cell["source"])
                    cell["source"] = LINK.sub(
                        lambda m: m.group(1) + site_link(repo_path, m.group(2), names) + m.group(3), text)
            info["notebook"] = notebook
            target.write_text(nbformat.writes(nbformat.from_dict(book)), encoding="utf-8")
        else:
            text, info["translated"] = _markdown(page, language, names)
            if info["translated"] and language == "ko" and page.korean is not None:
                info["source"] = page.korean.relative_to(ROOT).as_posix()
            target.write_text(text, encoding="utf-8")
        meta[page.name] = info
    (tree / "pages.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(site_pages)


def render(tree: Path, out: Path, language: str, doctrees: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    return subprocess.Popen(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(HERE), "-D",
         f"language={language}", "-d", str(doctrees), str(tree), str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def build(out: Path, work: Path | None = None, jobs: int = 1, keep_going: bool = False) -> Report:
    """Execute, stage and render the whole site into ``out`` (the stack must be up)."""
    out = Path(out).resolve()
    work = Path(work or out.parent / (out.name + "-sources")).resolve()
    report = Report(out)
    start = time.perf_counter()
    executed, report.failures = execute_all(jobs, keep_going)
    report.seconds_execute = time.perf_counter() - start
    start = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    running = []
    for language, target in (("en", out), ("ko", out / "ko")):
        report.pages[language] = stage(work / language, language, executed)
        running.append((language, render(work / language, target, language,
                                         work / f"doctrees-{language}")))
    for language, process in running:
        output, _ = process.communicate()
        if process.returncode != 0:
            raise CorsLabError(f"Sphinx failed on the {language} site:\n{output.strip()[-2000:]}")
        report.warnings += [line for line in output.splitlines() if "WARNING" in line]
    report.seconds_render = time.perf_counter() - start
    report.bytes = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return report
