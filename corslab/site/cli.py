"""``python -m corslab site ACTION``: the course website and the Korean edition.

    build [--out DIR] [--jobs N] [--keep-going]
                                   execute the notebooks against the stack, render both languages
    sync [NN ...]                  bring notebooks/ko/NN-name.yml in step with the English notebook
                                   (no NN: every existing file; a new NN starts its translation file)
    ko                             write notebooks/ko/NN-name.ipynb from the translation files
    check                          list every English markdown cell without a current Korean text,
                                   and every Korean page (README.ko.md, docs/*.ko.md) that is stale
    stamp FILE.ko.md ...           mark Korean pages as translating their English twin as it is now
    links                          the README's Binder and site lines, from corslab/site/links.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from corslab.errors import CorsLabError

ACTIONS = ("build", "sync", "ko", "check", "stamp", "links")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=ACTIONS, help="build | sync | ko | check | stamp | links")
    p.add_argument("notebooks", nargs="*", metavar="NN",
                   help="sync, check: these notebooks (e.g. 00 03-preflight); none: those already "
                        "translated (sync) or all (check); stamp: the Korean pages")
    p.add_argument("--out", default="_site", help="build: the folder to write (default _site)")
    p.add_argument("--jobs", type=int, default=1,
                   help="build: notebooks executed at once, each in its own kernel (default 1)")
    p.add_argument("--keep-going", action="store_true",
                   help="build: a notebook that fails shows its error on its page (exit 1 at the end)")


def _selected(names: list[str]):
    from corslab.course.execute import notebooks

    chosen = [p for p in notebooks()
              if not names or any(p.stem == n or p.stem.startswith(f"{n}-") for n in names)]
    unknown = [n for n in names if not any(p.stem == n or p.stem.startswith(f"{n}-")
                                           for p in notebooks())]
    if unknown:
        raise CorsLabError(f"no notebook named {', '.join(unknown)}; give its number, e.g. 03")
    return chosen


def run(args: argparse.Namespace) -> int:
    from corslab.site import links, translation

    if args.action == "links":
        print("\n".join(links.readme_lines()))
        return 0
    if args.action == "sync":
        translation.KO.mkdir(exist_ok=True)
        # No names: the translations under way. A name starts a new one (its tests turn strict).
        chosen = _selected(args.notebooks) if args.notebooks else translation.translated()
        for english in chosen:
            synced = translation.sync(english)
            text = synced.dump()
            if not synced.path.exists() or synced.path.read_text(encoding="utf-8") != text:
                synced.path.write_text(text, encoding="utf-8")
                print(f"wrote {synced.path.relative_to(translation.ROOT)}")
        return 0
    if args.action == "ko":
        for path in translation.write_all():
            print(f"wrote {path.relative_to(translation.ROOT)}")
        return 0
    if args.action == "stamp":
        if not args.notebooks:
            raise CorsLabError("stamp: name the Korean pages, e.g. labs/01-duplicate-acao/README.ko.md")
        for name in args.notebooks:
            translation.stamp(Path(name).resolve())
            print(f"stamped {name}")
        return 0
    if args.action == "check":
        lines = [line for english in _selected(args.notebooks)
                 for line in translation.problems(english)]
        if not args.notebooks:
            lines += [p for e, k in translation.markdown_twins()
                      if (p := translation.markdown_problem(e, k))]
        print("\n".join(lines) if lines else "every markdown cell has a current Korean text")
        return 1 if lines else 0
    return _build(Path(args.out), args.jobs, args.keep_going)


def _build(out: Path, jobs: int, keep_going: bool) -> int:
    from corslab.site import build
    from corslab.stack import runner

    if jobs < 1:
        raise CorsLabError(f"--jobs {jobs}: give 1 or more")
    was_running = all(r.serving for r in runner.status())
    rows = runner.up()
    if not all(r.serving for r in rows):
        raise CorsLabError("the lab stack did not come up; see python -m corslab status\n"
                           + runner.format_table(rows))
    try:
        report = build.build(out, jobs=jobs, keep_going=keep_going)
    finally:
        if not was_running:
            runner.down()
    print(report.summary())
    for line in report.warnings[:20]:
        print("  " + line)
    for line in report.failures:
        print(f"FAILED {line}")
    return 1 if report.failures else 0
