"""``python -m corslab probe URL --origin ORIGIN ...``: the probe from the command line.

Top-level imports are the standard library only: corslab.cli imports this module to build its
parser for every verb, and every verb must start in 0.3 s.
"""

from __future__ import annotations

import argparse

EPILOG = """examples:
  python -m corslab probe http://localhost:8095/v1/users --origin http://localhost:3000
  python -m corslab probe http://localhost:8081/v1/users/1 --origin http://localhost:3000 \\
      --method PUT --header 'Content-Type: application/json' --credentials include --json
exit status: 0 allowed, 1 blocked (or opaque), 2 bad input or unreachable host"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Send what a browser page at ORIGIN would send for fetch(URL, ...) - "
                          "the preflight when one is needed, then the request - and say what the "
                          "browser would allow, in Chromium's words.")
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("url", metavar="URL", help="the URL the page fetches")
    parser.add_argument("--origin", required=True,
                        help="the page's origin, e.g. http://localhost:3000 (or null)")
    parser.add_argument("--method", default="GET", help="HTTP method (default GET)")
    parser.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="a request header the page sets (repeatable)")
    parser.add_argument("--credentials", default="same-origin",
                        choices=("omit", "same-origin", "include"),
                        help="fetch()'s credentials mode (default same-origin)")
    parser.add_argument("--mode", default="cors", choices=("cors", "no-cors", "same-origin"),
                        help="fetch()'s request mode (default cors)")
    parser.add_argument("--body", default=None, help="a request body (a string)")
    parser.add_argument("--cache", default="default",
                        choices=("default", "no-store", "reload", "no-cache", "force-cache",
                                 "only-if-cached"),
                        help="fetch()'s cache mode (default default)")
    parser.add_argument("--cookie", action="append", default=[], metavar="NAME=VALUE",
                        help="a cookie the browser already holds for URL's site (repeatable)")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds to wait for each answer (default 5)")
    parser.add_argument("--json", action="store_true", help="print the JSON object instead")


def run(args: argparse.Namespace) -> int:
    from corslab.probing.probe import checked_timeout, cookie_args, parse_header_line, probe

    checked_timeout(args.timeout)  # nan, inf, 0 or less: one line, before anything is sent
    headers = [parse_header_line(line) for line in args.header]
    cookies = cookie_args(args.cookie)
    result = probe(args.url, args.origin, args.method, headers, args.credentials, args.mode,
                   args.body, timeout=args.timeout, cookies=cookies, cache=args.cache)
    print(result.to_json(indent=2) if args.json else result.report())
    return 0 if result.allowed else 1
