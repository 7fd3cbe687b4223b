"""``python -m corslab up | down | status | logs``: the native stack from the command line.

Standard-library imports only at the top: the CLI builds every verb's parser at start-up.
"""

from __future__ import annotations

import argparse

VERBS = {
    "up": "start the lab stack natively and wait until it is healthy",
    "down": "stop the lab stack; no process or port is left behind",
    "status": "healthy / unhealthy / down / port taken, per service",
    "logs": "print the end of a service's log",
}


def add_arguments(verb: str, p: argparse.ArgumentParser) -> None:
    if verb == "logs":
        p.add_argument("service", metavar="SERVICE")
        p.add_argument("-n", "--lines", type=int, default=50, help="how many lines (default 50)")
        return
    p.add_argument("services", nargs="*", metavar="SERVICE",
                   help="only these (default: all)" if verb != "status" else None)
    if verb == "up":
        p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait (default 20)")
    if verb == "down":
        p.add_argument("--remove-ca", action="store_true",
                       help="also delete the lab's CA and certificates (its private key included)")


def run(args: argparse.Namespace) -> int:
    from corslab.stack import runner

    if args.verb == "up":
        rows = runner.up(args.services or None, timeout=args.timeout)
        print(runner.format_table(rows))
        return 0 if all(r.serving for r in rows) else 1
    if args.verb == "down":
        stopped = runner.down(args.services or None)
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        if args.remove_ca:
            from corslab.stack import tls

            print("removed the lab's CA and certificates" if tls.remove() else "no lab CA to remove")
        return 0
    if args.verb == "status":
        rows = runner.status(args.services or None)
        print(runner.format_table(rows))
        return 0 if all(r.serving for r in rows) else 3
    from corslab.stack import topology

    topology.service(args.service)  # a clear error for an unknown name
    print(runner.tail(args.service, args.lines))
    return 0
