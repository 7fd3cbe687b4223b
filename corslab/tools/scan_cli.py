"""``python -m corslab scan URL --origin TRUSTED [--json | --sarif]``: an attacker's probe of an API.

Standard-library imports only at the top: the CLI builds every verb's parser at start-up.
"""

from __future__ import annotations

import argparse

EPILOG = """examples:
  python -m corslab scan http://localhost:8081/v1/users --origin http://localhost:3000 \\
      --origin http://localhost:3001
  python -m corslab scan http://localhost:8081/v1/users/1 --origin http://localhost:3000 \\
      --method DELETE --header 'Authorization: Bearer x' --cookie session=... --json
  python -m corslab scan https://api.example.com/v1/me --origin https://app.example.com --sarif > cors.sarif
exit status: 0 nothing high or medium, 1 a high or medium finding,
             2 bad input, unreachable, or the scan was cut short with nothing high or medium"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Send crafted Origin values derived from every TRUSTED origin (an "
                          "unrelated site, null, look-alikes, substrings, subdomains, other "
                          "schemes and ports, local and public-hosting origins) as GETs and "
                          "preflights, and report what a page there could read, how the answers "
                          "break (duplicate or invalid ACAO, errors without CORS, no Vary) and "
                          "Private Network grants - each with its fix. Only the preflight of "
                          "--method is sent, never a state-changing request itself.")
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("url", metavar="URL", help="an API URL, e.g. http://localhost:8081/v1/users")
    parser.add_argument("--origin", required=True, action="append", metavar="TRUSTED",
                        help="an origin the API is meant to serve, e.g. http://localhost:3000 "
                             "(repeatable: every frontend)")
    parser.add_argument("--method", default=None,
                        help="the method your app sends (its preflight is scanned; default: a PUT "
                             "with Content-Type and Authorization)")
    parser.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="a request header your app sets (repeatable)")
    parser.add_argument("--cookie", action="append", default=[], metavar="NAME=VALUE",
                        help="a session cookie sent with the GETs (repeatable): scan as a logged-in user")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds for each request, whole (default 5)")
    parser.add_argument("--deadline", type=float, default=30.0,
                        help="seconds for the whole scan (default 30)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the JSON object")
    out.add_argument("--sarif", action="store_true", help="print a SARIF 2.1.0 log (code scanning)")


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from corslab.probing.probe import cookie_args
    from corslab.probing.wire import printable
    from corslab.tools.scan import sarif, scan_report

    result = scan_report(args.url, args.origin, timeout=args.timeout,
                         cookies=cookie_args(args.cookie), method=args.method,
                         headers=args.header, deadline=args.deadline)
    if args.json:  # ensure_ascii: always valid UTF-8 (ASCII) JSON, whatever a server sent
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=True))
    elif args.sarif:
        print(json.dumps(sarif(result), indent=2, ensure_ascii=True))
    else:
        n = len(result.findings)
        print(printable(f"scan {args.url} (trusted: {', '.join(result.trusted)}): {n} finding"
                        f"{'s' if n != 1 else ''} ({result.requests} requests, "
                        f"{result.elapsed:.2f} s)"))
        for f in result.findings:
            print(f.line())
    if not result.complete:
        print(f"corslab scan: {result.note}", file=sys.stderr)
    if result.serious:
        return 1
    return 0 if result.complete else 2
