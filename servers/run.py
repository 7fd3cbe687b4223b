"""Serve one Flask service of the topology under waitress: ``python -m servers.run NAME``.

The native runner and the compose containers both start services this way, so the app, its
arguments and its port come from ``corslab.topology`` alone.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from corslab import topology


def build_app(name: str):
    svc = topology.SERVICES[name]
    module, _, factory = svc.app.partition(":")
    return getattr(importlib.import_module(module), factory)(**svc.app_args)


def main(argv: list[str] | None = None) -> int:
    flask_names = [n for n, s in topology.SERVICES.items() if s.kind == "flask"]
    parser = argparse.ArgumentParser(prog="python -m servers.run", description=__doc__)
    parser.add_argument("name", choices=flask_names)
    parser.add_argument("--host", default=topology.BIND_HOST,
                        help="address to bind (default %(default)s; 0.0.0.0 inside a container)")
    args = parser.parse_args(argv)
    svc = topology.SERVICES[args.name]
    app = build_app(args.name)

    from waitress import serve

    print(f"{svc.name}: serving {svc.role} on http://{args.host}:{svc.port}", flush=True)
    # threads=8: a browser opens several connections at once; ident hides the server banner.
    serve(app, host=args.host, port=svc.port, threads=8, ident="corslab", _quiet=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
