"""``python -m corslab generate PRODUCT [--origin O]... ...``: a secure CORS config for a product.

Top-level imports are the standard library only (every verb starts in 0.3 s).
"""

from __future__ import annotations

import argparse

from corslab.errors import CorsLabError

PRODUCTS = ("nginx", "ingress-nginx", "gateway-api", "kong", "istio", "alb", "apigw-http")

EPILOG = """examples:
  python -m corslab generate nginx --origin https://app.example.com --method PUT \\
      --header Content-Type --credentials --max-age 600 > cors.conf
  python -m corslab emulate nginx cors.conf --port 9000 --upstream http://127.0.0.1:8095
  python -m corslab generate istio                 # no policy options: the lab's own policy

With no option at all the lab's policy is used (corslab/stack/policy.py). Otherwise what you give is the
policy: methods default to GET, POST; no request headers, exposed headers, credentials or max-age
unless given. ALB sends one static origin: generate alb refuses several --origin (exit 2).
Every config is run in its product's emulator before it is printed, against look-alike origins
(corslab.fetch.attacks): if any gets through, nothing is printed. The "# Policy:" line says what
the emulator answered.
exit status: 0 printed, 2 a value or policy the product cannot state (one line on stderr)"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Print a complete CORS configuration for PRODUCT that implements the policy "
                          "the secure way: exact origins, Vary: Origin, preflights answered at the edge, "
                          "headers on errors, the upstream's own CORS headers removed - with comments "
                          "beside each line. The output runs as is in `python -m corslab emulate PRODUCT`.")
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("product", metavar="PRODUCT", choices=PRODUCTS, help="one of: " + ", ".join(PRODUCTS))
    parser.add_argument("--origin", action="append", default=[], help="an allowed origin, scheme://host[:port] (repeatable)")
    parser.add_argument("--method", action="append", default=[], help="a method the page uses (repeatable; default GET, POST)")
    parser.add_argument("--header", action="append", default=[], help="a request header the page sets (repeatable)")
    parser.add_argument("--expose", action="append", default=[], help="a response header page JavaScript may read (repeatable)")
    parser.add_argument("--credentials", action="store_true", help="allow cookies / HTTP auth (credentials: 'include')")
    parser.add_argument("--max-age", default=None, help="seconds a browser may cache the preflight (0-86400)")
    parser.add_argument("--upstream", default=None, help="the API's URL (default: the lab's api)")


def config_text(args: argparse.Namespace) -> str:
    """The checked config for parsed arguments (CorsLabError, one line, if it cannot be written)."""
    from corslab.tools import generate

    max_age = args.max_age
    if isinstance(max_age, str):
        if not (max_age.isascii() and max_age.isdigit() and len(max_age) <= 5):
            raise CorsLabError(f"--max-age {max_age[:20]!r} must be whole seconds from 0 to 86400, e.g. --max-age 600")
        args.max_age = int(max_age)
    given = (args.origin or args.method or args.header or args.expose or args.credentials
             or args.max_age is not None)
    if given:
        policy = generate.make_policy(args.origin, args.method, args.header, args.expose,
                                      args.credentials, args.max_age, args.upstream)
    else:
        lab = generate.lab_policy()
        policy = generate.make_policy(lab.origins, lab.methods, lab.headers, lab.expose, lab.credentials,
                                      lab.max_age, args.upstream)
    return generate.generate(args.product, policy)


def run(args: argparse.Namespace) -> int:
    print(config_text(args), end="")
    return 0
