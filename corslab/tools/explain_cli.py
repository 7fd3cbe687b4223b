"""``python -m corslab explain MESSAGE [--json]``: a console's CORS error in plain words.

Top-level imports are the standard library only (every verb starts in 0.3 s).
"""

from __future__ import annotations

import argparse
import sys

EPILOG = """examples:
  python -m corslab explain "Access to fetch at 'http://localhost:8095/v1/users' from origin \\
      'http://localhost:3000' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' \\
      header is present on the requested resource."
  python -m corslab explain "Request header field x-trace-id is not allowed by \\
      Access-Control-Allow-Headers in preflight response." --json
  pbpaste | python -m corslab explain -        # read the message from stdin
exit status: 0 explained, 2 not a CORS error this tool can read"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Read a CORS error as the browser console prints it (Chromium's 'has been "
                          "blocked by CORS policy: ...', only the text after 'CORS policy: ', or "
                          "Firefox's 'Cross-Origin Request Blocked: ...') and say what the browser "
                          "checked, what the server sent, how to fix it in each setup, and the probe "
                          "command that repeats the check.")
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("message", metavar="MESSAGE", nargs="+",
                        help="the console message (quote it), or - to read it from stdin")
    parser.add_argument("--json", action="store_true",
                        help="print {error, preflight, header, value, url, origin, explanation, fixes, probe}")


def run(args: argparse.Namespace) -> int:
    import json

    from corslab.tools.explain import MAX_CHARS, explain

    message = " ".join(args.message)
    if message == "-":
        message = sys.stdin.read(MAX_CHARS + 1)  # more is refused in one line
    result = explain(message)
    print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if args.json else result.report())
    return 0
