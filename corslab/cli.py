"""``python -m corslab VERB``: the lab from the command line.

Verbs: up, down, status, logs (the native stack), probe (what would a browser do?), emulate (run
a product's CORS behaviour from its own config), lab (the labs), scan (an attacker's probe of an
API), explain (a console error in plain words), generate (a secure config for a product). Every verb answers --help; bad input gives one
clear line and a non-zero exit. Imports stay lazy so a verb starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from corslab.errors import CorsLabError

# Verbs whose options and behaviour live in their own module: (module, help).
DELEGATED = {
    "probe": ("corslab.probe_cli", "send what a browser would send and say what it would allow"),
    "emulate": ("corslab.emulate.cli", "serve a product's CORS behaviour from its own config file"),
    "lab": ("corslab.labs.cli", "the labs: list, start, check, reset a broken setup to repair"),
    "scan": ("corslab.scan_cli", "probe a live API the way an attacker would and report findings"),
    "explain": ("corslab.explain_cli", "explain a browser console's CORS error and how to fix it"),
    "generate": ("corslab.generate_cli", "print a verified, secure CORS config for a product"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m corslab",
        description="CORS Lab: run the stack, probe it like a browser, emulate infrastructure.",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("up", help="start the lab stack natively and wait until it is healthy")
    p.add_argument("services", nargs="*", metavar="SERVICE", help="only these (default: all)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait (default 20)")

    p = verbs.add_parser("down", help="stop the lab stack; no process or port is left behind")
    p.add_argument("services", nargs="*", metavar="SERVICE", help="only these (default: all)")

    p = verbs.add_parser("status", help="healthy / unhealthy / down / port taken, per service")
    p.add_argument("services", nargs="*", metavar="SERVICE")

    p = verbs.add_parser("logs", help="print the end of a service's log")
    p.add_argument("service", metavar="SERVICE")
    p.add_argument("-n", "--lines", type=int, default=50, help="how many lines (default 50)")

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

    from corslab import runner

    if args.verb == "up":
        rows = runner.up(args.services or None, timeout=args.timeout)
        print(runner.format_table(rows))
        return 0 if all(r.serving for r in rows) else 1
    if args.verb == "down":
        stopped = runner.down(args.services or None)
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return 0
    if args.verb == "status":
        rows = runner.status(args.services or None)
        print(runner.format_table(rows))
        return 0 if all(r.serving for r in rows) else 3
    if args.verb == "logs":
        from corslab import topology

        topology.service(args.service)  # a clear error for an unknown name
        print(runner.tail(args.service, args.lines))
        return 0
    raise CorsLabError(f"unknown verb {args.verb}")
