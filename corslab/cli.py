"""``python -m corslab VERB``: the lab from the command line.

Verbs: up, down, status, logs (the native stack), probe (what would a browser do?), emulate (run
a product's CORS behaviour from its own config), lab (the labs), scan (an attacker's probe of an
API), explain (a console error in plain words), generate (a secure config for a product), site (the
course website and its Korean edition). Every verb answers --help; bad input gives one
clear line and a non-zero exit. Imports stay lazy so a verb starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from corslab.errors import CorsLabError

# Verbs whose options and behaviour live in their own module: (module, help).
DELEGATED = {
    "probe": ("corslab.probing.cli", "send what a browser would send and say what it would allow"),
    "emulate": ("corslab.emulate.cli", "serve a product's CORS behaviour from its own config file"),
    "lab": ("corslab.labs.cli", "the labs: list, start, check, reset a broken setup to repair"),
    "scan": ("corslab.tools.scan_cli", "probe a live API the way an attacker would and report findings"),
    "explain": ("corslab.tools.explain_cli", "explain a browser console's CORS error and how to fix it"),
    "generate": ("corslab.tools.generate_cli", "print a verified, secure CORS config for a product"),
    "site": ("corslab.site.cli", "the course website (English and Korean) and the Korean notebooks"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m corslab",
        description="CORS Lab: run the stack, probe it like a browser, emulate infrastructure.",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    from corslab.stack import cli as stack_cli

    for verb, help_text in stack_cli.VERBS.items():
        p = verbs.add_parser(verb, help=help_text)
        stack_cli.add_arguments(verb, p)

    for verb, (module, help_text) in DELEGATED.items():
        p = verbs.add_parser(verb, help=help_text)
        p.set_defaults(module=module)
        try:
            importlib.import_module(module).add_arguments(p)
        except ImportError:
            p.set_defaults(missing=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except CorsLabError as exc:
        print(f"corslab {args.verb}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `python -m corslab status | head`: the reader left, nothing to say
        sys.stderr.close()
        return 0


def _run(args: argparse.Namespace) -> int:
    if args.verb in DELEGATED:
        if getattr(args, "missing", False):
            raise CorsLabError(f"`{args.verb}` is not available in this checkout")
        return importlib.import_module(args.module).run(args)

    from corslab.stack import cli as stack_cli

    if args.verb in stack_cli.VERBS:
        return stack_cli.run(args)
    raise CorsLabError(f"unknown verb {args.verb}")
