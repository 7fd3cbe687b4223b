"""Serve Flask services of the topology under waitress.

    python -m servers.run NAME                      serve one service in the foreground
    python -m servers.run --detach LOGDIR NAME...   start each in its own background process

The native runner starts all Flask services with one ``--detach`` call: the apps' modules (Flask,
waitress, ...) are imported once, then one process per service is forked from that warm state and
detached into its own session, its output in ``LOGDIR/NAME.log``; the call prints ``NAME PID``
per service and returns. Importing Flask once instead of once per service roughly halves a cold
``python -m corslab up`` on two cores. Compose containers serve one service each in the
foreground. Either way the app, its arguments and its port come from ``corslab.stack.topology`` alone.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path

from corslab.stack import topology
from servers import limits

# waitress, sized for a browser's bursts and for clients that open connections and say nothing.
# Its defaults close the door at 100 open connections (connection_limit) - 100 idle sockets made a
# service unreachable - and wait on select(), which cannot watch a descriptor above 1023. Idle
# connections cost a socket each, not a thread: only requests in progress take a thread.
WAITRESS = dict(
    threads=8,  # requests handled at once; the rest wait in waitress' queue
    connection_limit=2000,  # open connections, idle ones included
    backlog=2048,  # connections the kernel queues before waitress accepts them
    asyncore_use_poll=True,  # poll(): no 1024-descriptor ceiling
    channel_timeout=60,  # seconds a silent connection is kept
    max_request_body_size=limits.MAX_BODY + 1,  # waitress stops reading past 1 MiB; the app says 413
    ident="corslab",  # hides the server banner
)


def build_app(name: str):
    svc = topology.SERVICES[name]
    module, _, factory = svc.app.partition(":")
    return getattr(importlib.import_module(module), factory)(**svc.app_args)


def serve(name: str, host: str) -> None:
    from waitress import create_server

    from servers.channel import LabChannel

    svc = topology.SERVICES[name]
    app = build_app(name)
    # "Task queue depth is N" on every request of a burst would flood the log: errors only.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    print(f"{svc.name}: serving {svc.role} on http://{host}:{svc.port}", flush=True)
    server = create_server(app, host=host, port=svc.port, **WAITRESS)
    server.channel_class = LabChannel  # strict framing, the app's 413, lingering close
    server.run()


def detach(names: list[str], host: str, logdir: Path) -> None:
    """Fork one detached process per service after importing everything they need once."""
    import waitress  # noqa: F401 - warm the import before forking

    for name in names:
        importlib.import_module(topology.SERVICES[name].app.partition(":")[0])
    sys.stdout.flush()
    for name in names:
        pid = os.fork()
        if pid == 0:  # the service's own process
            code = 1
            try:
                os.setsid()  # its own session and process group: `down` signals it alone
                log = os.open(logdir / f"{name}.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                os.dup2(log, 1)
                os.dup2(log, 2)
                sys.stdout = os.fdopen(1, "w", buffering=1)
                sys.stderr = os.fdopen(2, "w", buffering=1)
                serve(name, host)
                code = 0
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        print(name, pid, flush=True)


def main(argv: list[str] | None = None) -> int:
    flask_names = [n for n, s in topology.SERVICES.items() if s.kind == "flask"]
    parser = argparse.ArgumentParser(prog="python -m servers.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+", metavar="NAME", choices=flask_names,
                        help=f"one of: {', '.join(flask_names)}")
    parser.add_argument("--host", default=topology.BIND_HOST,
                        help="address to bind (default %(default)s; 0.0.0.0 inside a container)")
    parser.add_argument("--detach", metavar="LOGDIR", type=Path,
                        help="start every NAME in the background, output in LOGDIR/NAME.log")
    args = parser.parse_args(argv)
    if args.detach:
        detach(args.names, args.host, args.detach)
    elif len(args.names) > 1:
        parser.error("several services need --detach LOGDIR (one foreground service at a time)")
    else:
        serve(args.names[0], args.host)
    return 0


if __name__ == "__main__":
    sys.exit(main())
