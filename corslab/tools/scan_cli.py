"""``python -m corslab scan URL --origin TRUSTED [--json]``: an attacker's probe of an API.

Standard-library imports only at the top: the CLI builds every verb's parser at start-up.
"""

from __future__ import annotations

import argparse

EPILOG = """examples:
  python -m corslab scan http://localhost:8081/v1/users --origin http://localhost:3000
  python -m corslab scan http://127.0.0.1:13000/v1/me --origin http://app.example.test --json
exit status: 0 nothing high or medium, 1 a high or medium finding, 2 bad input or unreachable"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Send crafted Origin values derived from TRUSTED (an unrelated site, null, "
                          "look-alikes, the other scheme, a subdomain), as GETs and preflights, and "
                          "report which ones the API would let a page read - with its fix.")
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("url", metavar="URL", help="an API URL, e.g. http://localhost:8081/v1/users")
    parser.add_argument("--origin", required=True, metavar="TRUSTED",
                        help="the origin the API is meant to serve, e.g. http://localhost:3000")
    parser.add_argument("--cookie", action="append", default=[], metavar="NAME=VALUE",
                        help="a session cookie sent with the GETs (repeatable): scan as a logged-in user")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per request (default 5)")
    parser.add_argument("--json", action="store_true", help="print the JSON object")


def run(args: argparse.Namespace) -> int:
    from corslab.probing.probe import checked_timeout, cookie_args
    from corslab.tools.scan import scan

    checked_timeout(args.timeout)  # nan, inf, 0 or less: one line, before anything is sent
    findings = scan(args.url, args.origin, timeout=args.timeout, cookies=cookie_args(args.cookie))
    if args.json:
        import json

        print(json.dumps({"url": args.url, "findings": [f.to_dict() for f in findings]}, indent=2))
    else:
        print(f"scan {args.url} (trusted origin {args.origin}): "
              f"{len(findings)} finding{'s' if len(findings) != 1 else ''}")
        for f in findings:
            print(f.line())
    return 1 if any(f.severity in ("high", "medium") for f in findings) else 0
