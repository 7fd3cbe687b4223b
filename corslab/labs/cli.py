"""``python -m corslab lab ...``: list, start, check and reset the labs in ``labs/``.

Standard-library imports only at the top: the CLI builds every verb's parser at start-up.
"""

from __future__ import annotations

import argparse

EPILOG = """examples:
  python -m corslab lab list
  python -m corslab lab check 01-duplicate-acao
  python -m corslab lab check 01-duplicate-acao --solution
  python -m corslab lab reset 01-duplicate-acao
exit status: 0 solved (or done), 1 not solved yet, 2 bad input"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Broken CORS setups to repair, checked in real nginx/emulators/Flask and Chromium."
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    p = actions.add_parser("list", help="the labs, with their method and minutes")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p = actions.add_parser("start", help="run the lab with your current files until Ctrl-C")
    p.add_argument("name", metavar="NAME")
    p = actions.add_parser("check", help="grade your files (exit 0 once solved)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--solution", action="store_true", help="grade the reference solution instead")
    p.add_argument("--model", action="store_true",
                   help="let corslab's model decide instead of Chromium (no browser needed)")
    p = actions.add_parser("reset", help="restore the handed-out files (as committed in git); your "
                           "attempt moves to labs/NAME/.attempts/")
    p.add_argument("name", metavar="NAME")


def run(args: argparse.Namespace) -> int:
    from corslab.labs import catalog

    if args.action == "list":
        labs = catalog.all_labs()
        if args.json:
            import json

            print(json.dumps([lab.summary() for lab in labs], indent=2))
        else:
            for lab in labs:
                print(f"{lab.name:32} {lab.minutes:3} min  {lab.method:27} {lab.title}")
        return 0
    lab = catalog.find(args.name)
    if args.action == "check":
        from corslab.labs.checker import check_lab

        report = check_lab(lab, lab.solution if args.solution else lab.folder, model=args.model)
        print(report.text())
        return 0 if report.passed else 1
    if args.action == "reset":
        from corslab.labs.files import reset

        backup = reset(lab)
        print(f"restored {', '.join(lab.files)} of {lab.name}"
              + (f"; your attempt is in {backup}" if backup else ""))
        return 0
    if args.action == "start":
        from corslab.labs.files import start

        return start(lab)
    return 2
