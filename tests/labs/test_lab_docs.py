"""Every ``python -m corslab lab ...`` command the README, docs/instructor.md and the labs' READMEs
show works as written: the CLI accepts it and the lab it names exists (NAME stands for any lab)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from corslab.cli import build_parser
from corslab.labs import catalog

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "instructor.md", ROOT / "labs" / "README.md",
        *sorted((ROOT / "labs").glob("*/README.md"))]
COMMAND = re.compile(r"python -m corslab lab [^`\n#;]*")


def shown_commands():
    for doc in DOCS:
        for match in COMMAND.finditer(doc.read_text()):
            text = match.group(0).strip()
            if "$" not in text:  # a shell loop's variable: not a command as typed
                yield doc.relative_to(ROOT), text


def test_every_lab_command_in_the_docs_works_as_written():
    parser, any_lab = build_parser(), catalog.all_labs()[0].name
    shown = list(shown_commands())
    assert len(shown) >= 15, shown
    for doc, text in shown:
        argv = [any_lab if word == "NAME" else word for word in shlex.split(text)[3:]]
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            raise AssertionError(f"{doc}: `{text}` is not a command the CLI accepts") from None
        if getattr(args, "name", None):
            catalog.find(args.name)  # one clear error naming the lab if it does not exist
