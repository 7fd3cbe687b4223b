"""``python -m corslab emulate PRODUCT CONFIG``: run one product emulator in the foreground.

    python -m corslab emulate kong kong.yml                  # on Kong's port in the stack
    python -m corslab emulate nginx my-site.conf --upstream http://127.0.0.1:8095   # a free port

The lead's ``corslab/cli.py`` calls :func:`add_arguments` and :func:`run`; ``python -m
corslab.emulate.cli`` runs it on its own. Only the standard library is imported here; the product
module (and YAML) is imported once the arguments are known, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from corslab.emulate import PRODUCTS
from corslab.errors import CorsLabError

HELP = "run a product's CORS behaviour (nginx, Kong, Istio, ALB, ...) as a local reverse proxy"
EXAMPLES = """examples:
  python -m corslab emulate nginx CONF --port P --upstream URL
      your own nginx server {} blocks in real nginx; proxy_pass http://backend; goes to URL
  python -m corslab emulate kong kong.yml
      Kong's CORS plugin from a declarative kong.yml, on Kong's port in the stack
  python -m corslab emulate istio virtualservice.yaml --target api=http://127.0.0.1:8095
Without --port: the product's port in the stack, or a free port (printed in 'ready on URL')."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Serve PRODUCT's CORS behaviour, configured by CONFIG in the product's own format, as a "
        "reverse proxy in front of the lab's API (nginx: your server {} blocks run in real nginx). "
        "Prints 'ready on URL' once listening; Ctrl-C stops it."
    )
    parser.epilog = EXAMPLES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("product", metavar="PRODUCT", choices=sorted(PRODUCTS),
                        help="one of: " + ", ".join(sorted(PRODUCTS)))
    parser.add_argument("config", metavar="CONFIG",
                        help="the product's config: nginx server {} blocks, HTTPRoute/VirtualService "
                             "YAML, kong.yml, ALB or API Gateway JSON")
    parser.add_argument("--host", default=None, help="address to bind (default: 127.0.0.1, or CORSLAB_BIND)")
    parser.add_argument("--port", type=int, default=None,
                        help="port to listen on; 0 = a free one (default: the product's port in the "
                             "stack, else a free port, e.g. for nginx)")
    parser.add_argument("--upstream", default=None,
                        help="where backends named in CONFIG are proxied (default: the stack's api)")
    parser.add_argument("--target", action="append", default=[], metavar="NAME=URL",
                        help="send the backend NAME of CONFIG (service, target group, host) to URL; repeatable")


def _defaults(product: str) -> tuple[str, int | None, str]:
    from corslab.stack import topology

    svc = topology.by_product(product)
    upstream = topology.native_url(topology.upstream_of(svc).name if svc else "api")
    return topology.BIND_HOST, svc.port if svc else None, upstream


def _targets(values: list[str]) -> dict[str, str]:
    from corslab.emulate.proxy import upstream_url

    targets = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not name:
            raise CorsLabError(f"--target {value!r} must look like NAME=URL, e.g. --target api=http://127.0.0.1:8095")
        targets[name] = upstream_url(url, f"--target {name}=")
    return targets


def run(args: argparse.Namespace) -> int:
    """Run the emulator until stopped; a problem the user can fix is one line on stderr, exit 2."""
    try:
        host, port, upstream = _defaults(args.product)
        host = args.host or host
        port = args.port if args.port is not None else port
        if port is not None and not 0 <= port <= 65535:
            raise CorsLabError(f"--port {port} is not a TCP port; pick one between 1 and 65535 "
                               "(or 0 for a free one)")
        if not port:  # 0, or no service in the stack (nginx, istio...): a free port, in "ready on URL"
            from corslab.stack.ports import free_port

            port = free_port(host)
        from corslab.emulate.proxy import upstream_url

        upstream = upstream_url(args.upstream or upstream)
        targets = _targets(args.target)
        try:
            module = importlib.import_module(PRODUCTS[args.product])
        except ModuleNotFoundError as exc:
            if exc.name == PRODUCTS[args.product]:
                raise CorsLabError(f"the {args.product} emulator is not installed in this checkout yet") from None
            raise
        config = module.load(args.config)
        module.serve(config, host=host, port=port, upstream=upstream, targets=targets)
        return 0
    except CorsLabError as exc:
        print(f"corslab emulate: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corslab emulate")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
