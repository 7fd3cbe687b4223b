"""Load on the running stack: a burst, idle connections, and preflights at the edge vs the app.

    python -m corslab up                  # the native stack must be running,
    python benchmarks/bench_load.py       # [--burst 200] [--idle 500] [--seconds 3] [--only NAME...] [--tiny]
    python benchmarks/bench_load.py --start   # or: start what is down, stop it again at the end

Per service of the stack (its health path):
  * burst  - BURST clients connect at once and each sends one GET (``Connection: close``); prints
             ok/total (a 2xx answer within TIMEOUT s) and the p50/p99 latency of the answers;
  * idle   - IDLE TCP connections are opened and left silent (a slow or stuck client), then the
             health path is asked 20 times: ok/total and the p50/p99 latency while they stay open.
Then what the course claims for method 2: preflights answered by nginx at the edge (cors-proxy)
against preflights answered by the app itself (api-appcors, flask-cors), in requests/s with
CLIENTS keep-alive clients for SECONDS s each.

Goal on a 2-core machine: burst 200/200 and p99 < 1 s everywhere; idle 20/20. A benchmark prints
figures and asserts nothing; the exit status is 0 unless the stack is not running.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corslab.stack import policy, runner, topology  # noqa: E402
from corslab.errors import CorsLabError  # noqa: E402

TIMEOUT = 10.0  # seconds an answer may take before it counts as failed
GOAL_P99 = 1.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def _read_answer(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 answer (head + Content-Length body); return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


def _request(svc: topology.Service, method: str = "GET", extra: str = "", close: bool = True) -> bytes:
    host = f"{svc.host}:{svc.port}"
    conn = "Connection: close\r\n" if close else ""
    return f"{method} {svc.health} HTTP/1.1\r\nHost: {host}\r\n{extra}{conn}\r\n".encode()


async def one_get(svc: topology.Service, start: asyncio.Event | None = None) -> float | None:
    """One GET on a fresh connection; its latency in seconds, or None if it failed."""
    if start is not None:
        await start.wait()
    t0 = time.perf_counter()
    writer = None
    try:
        async with asyncio.timeout(TIMEOUT):
            reader, writer = await asyncio.open_connection("127.0.0.1", svc.port)
            writer.write(_request(svc))
            await writer.drain()
            status = await _read_answer(reader)
        return time.perf_counter() - t0 if 200 <= status < 300 else None
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
        return None
    finally:
        if writer is not None:
            writer.close()


async def burst(svc: topology.Service, count: int) -> list[float | None]:
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_get(svc, start)) for _ in range(count)]
    await asyncio.sleep(0)
    start.set()
    return await asyncio.gather(*tasks)


async def with_idle(svc: topology.Service, idle: int, probes: int = 20) -> tuple[int, list[float | None]]:
    """Open ``idle`` silent connections, then time ``probes`` health GETs one after another."""
    writers = []
    try:
        for _ in range(idle):
            try:
                async with asyncio.timeout(2):
                    _, writer = await asyncio.open_connection("127.0.0.1", svc.port)
                writers.append(writer)
            except (OSError, asyncio.TimeoutError):
                break
        await asyncio.sleep(0.2)  # let the server accept (and possibly choke on) them
        results = [await one_get(svc) for _ in range(probes)]
        return len(writers), results
    finally:
        for writer in writers:
            writer.close()


async def preflight_rate(svc: topology.Service, clients: int, seconds: float) -> tuple[float, int]:
    """Preflights per second over keep-alive connections; and how many were not 2xx/refused."""
    origin = topology.APP_ORIGIN
    method = policy.ALLOWED_METHODS[-1]
    raw = (f"OPTIONS /v1/users/1 HTTP/1.1\r\nHost: {svc.host}:{svc.port}\r\nOrigin: {origin}\r\n"
           f"Access-Control-Request-Method: {method}\r\n"
           "Access-Control-Request-Headers: content-type\r\n\r\n").encode()
    done, bad = 0, 0
    deadline = time.perf_counter() + seconds

    async def client():
        nonlocal done, bad
        while time.perf_counter() < deadline:  # a new connection when the server closes one
            reader, writer = await asyncio.open_connection("127.0.0.1", svc.port)
            try:
                while time.perf_counter() < deadline:
                    writer.write(raw)
                    await writer.drain()
                    status = await _read_answer(reader)
                    done += 1
                    bad += not 200 <= status < 300
            except (asyncio.IncompleteReadError, ConnectionError):
                pass  # nginx closes a keep-alive connection after keepalive_requests (1000)
            finally:
                writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return done / (time.perf_counter() - t0), bad


def figures(results: list[float | None]) -> str:
    ok = [r for r in results if r is not None]
    return (f"{len(ok):>4}/{len(results):<4} p50 {percentile(ok, .5) * 1000:7.1f} ms  "
            f"p99 {percentile(ok, .99) * 1000:7.1f} ms")


async def measure(args) -> None:
    names = args.only or list(topology.SERVICES)
    print(f"{'service':12} {'burst of ' + str(args.burst):40} {'health with ' + str(args.idle) + ' idle connections'}")
    missed = []
    for name in names:
        svc = topology.SERVICES[name]
        results = await burst(svc, args.burst)
        opened, idle_results = await with_idle(svc, args.idle)
        ok = [r for r in results if r is not None]
        if len(ok) < len(results) or percentile(ok, .99) >= GOAL_P99 or None in idle_results:
            missed.append(name)
        print(f"{name:12} {figures(results):40} {figures(idle_results)} ({opened} open)")
    print("goal burst all ok, p99 < 1 s, health ok with idle connections: "
          + ("met" if not missed else "missed: " + ", ".join(missed)))
    edge, app = topology.SERVICES["cors-proxy"], topology.SERVICES["api-appcors"]
    print(f"\npreflights, {args.clients} keep-alive clients, {args.seconds:g} s each:")
    for label, svc in (("at the nginx edge (cors-proxy)", edge), ("by the app (api-appcors)", app)):
        rate, bad = await preflight_rate(svc, args.clients, args.seconds)
        print(f"  {label:34} {rate:9,.0f} requests/s" + (f"  ({bad} not 2xx)" if bad else ""))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=200, help="concurrent GETs (default 200)")
    parser.add_argument("--idle", type=int, default=500, help="idle connections (default 500)")
    parser.add_argument("--clients", type=int, default=8, help="preflight clients (default 8)")
    parser.add_argument("--seconds", type=float, default=3.0, help="per preflight run (default 3)")
    parser.add_argument("--only", nargs="*", metavar="NAME", choices=list(topology.SERVICES),
                        help="only these services (default: all)")
    parser.add_argument("--start", action="store_true",
                        help="start the services that are down, and stop them again at the end")
    parser.add_argument("--tiny", action="store_true",
                        help="a few requests on two services: checks the benchmark runs (the test suite)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.burst, args.idle, args.clients, args.seconds = 5, 5, 1, 0.2
        args.only = args.only or ["api", "cors-proxy"]
    down = [r.name for r in runner.status() if r.state != "healthy"]
    if down and not args.start:
        print(f"the stack is not running ({', '.join(down)} down); start it with "
              "`python -m corslab up`, or pass --start", file=sys.stderr)
        return 2
    try:
        if down:
            runner.up(down)
        asyncio.run(measure(args))
    except CorsLabError as exc:
        print(f"bench_load: {exc}", file=sys.stderr)
        return 2
    finally:
        if down:
            runner.down(down)  # only what this run started
    return 0


if __name__ == "__main__":
    sys.exit(main())
