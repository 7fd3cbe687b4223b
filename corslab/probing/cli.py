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
  python -m corslab probe http://localhost:8097/x?acao=* --origin http://localhost:3000 \\
      --api xhr --method POST --body hi --upload-listener      # XMLHttpRequest, upload listener
  python -m corslab probe http://localhost:8097/x?acao=* --origin http://localhost:3000 \\
      --method POST --body hi --body-kind blob                  # a Blob without a type
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
    parser.add_argument("--body", default=None, help="a request body (its text)")
    parser.add_argument("--body-kind", default="string",
                        choices=("string", "blob", "formdata", "urlencoded"),
                        help="what the page passes as the body: a string (text/plain;charset="
                             "UTF-8), a Blob (its --blob-type, or no Content-Type at all), a "
                             "FormData or URLSearchParams with one field 'field' (default string)")
    parser.add_argument("--blob-type", default="", metavar="TYPE",
                        help="the Blob's type with --body-kind blob (default: none)")
    parser.add_argument("--api", default="fetch", choices=("fetch", "xhr"),
                        help="fetch() or XMLHttpRequest (xhr: --credentials include is "
                             "withCredentials = true; no --mode or --cache)")
    parser.add_argument("--upload-listener", action="store_true",
                        help="xhr: a listener on xhr.upload (forces a preflight when there is a body)")
    parser.add_argument("--referrer", default="client", metavar="URL",
                        help="fetch()'s referrer: a URL or path of the page's origin, '' for "
                             "none (default: the page's URL)")
    parser.add_argument("--referrer-policy", default="",
                        choices=("", "no-referrer", "no-referrer-when-downgrade", "origin",
                                 "origin-when-cross-origin", "same-origin", "strict-origin",
                                 "strict-origin-when-cross-origin", "unsafe-url"),
                        help="the referrer policy (default: Chromium's "
                             "strict-origin-when-cross-origin)")
    parser.add_argument("--page-url", default=None, metavar="URL",
                        help="the page's URL, the Referer's source (default ORIGIN/)")
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
                   args.body, timeout=args.timeout, cookies=cookies, cache=args.cache,
                   api=args.api, body_kind=args.body_kind, blob_type=args.blob_type,
                   upload_listener=args.upload_listener, referrer=args.referrer,
                   referrer_policy=args.referrer_policy, page_url=args.page_url)
    print(result.to_json(indent=2) if args.json else result.report())
    return 0 if result.allowed else 1
