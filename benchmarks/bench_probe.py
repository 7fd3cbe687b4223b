"""How much the probe costs over the raw HTTP it sends, and how fast the model decides.

    python -m corslab up                  # the native stack must be running,
    python benchmarks/bench_probe.py      # [--runs N] [--check] [--tiny]
    python benchmarks/bench_probe.py --start   # or: start what is down, stop it again at the end

For each scenario: the median wall time of ``probe()`` against the local stack, and the median
time of replaying exactly the requests that probe sent (same method, URL, headers and body, one
connection each, as the probe does) with bare http.client - no model, no cookie jar. The goal
is probe <= 3x raw. Then model decisions per second (``model.decide`` on a preflighted request).
``--check`` exits 1 when a scenario misses the goal.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corslab.fetch import model  # noqa: E402
from corslab.stack import policy, runner, topology
from corslab.errors import CorsLabError  # noqa: E402
from corslab.probing.probe import probe  # noqa: E402

GOAL = 3.0
APP = topology.APP_ORIGIN
JSON = [("Content-Type", "application/json")]


def scenarios() -> list[tuple[str, dict]]:
    api, appcors, proxy = (topology.service(n).origin for n in ("api", "api-appcors", "cors-proxy"))
    return [
        ("simple GET, flask-cors (allowed)", dict(url=appcors + "/v1/users", origin=APP)),
        ("simple GET, no CORS (blocked)", dict(url=api + "/v1/users", origin=APP)),
        ("PUT + preflight at nginx proxy (allowed)",
         dict(url=proxy + "/v1/users/1", origin=APP, method="PUT", headers=JSON,
              credentials="include", body='{"name": "ada"}')),
        ("PUT, preflight refused by the API (blocked)",
         dict(url=api + "/v1/users/1", origin=APP, method="PUT", headers=JSON, body="{}")),
        ("GET via a same-origin redirect (allowed)",
         dict(url=appcors + "/v1/redirect?to=/v1/users", origin=APP)),
    ]


def replay(exchanges) -> None:
    """Send the probe's requests again with bare http.client (the floor the probe builds on)."""
    for ex in exchanges:
        parts = urlsplit(ex.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.putrequest(ex.method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in ex.request_headers:
            conn.putheader(name, value)
        body = ex.body_sent.encode() if ex.body_sent is not None else None
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        answer = conn.getresponse()
        answer.read()
        answer.getheaders()
        conn.close()


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def decisions_per_second(seconds: float = 1.0) -> float:
    req = model.FetchRequest(topology.service("cors-proxy").origin + "/v1/users/1", APP, "PUT",
                             JSON, credentials="include", body="{}")
    preflight = model.HttpResponse(204, [
        ("access-control-allow-origin", APP), ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", policy.header_list(policy.ALLOWED_METHODS)),
        ("access-control-allow-headers", policy.header_list(policy.ALLOWED_HEADERS)),
        ("access-control-max-age", str(policy.MAX_AGE))])
    response = model.HttpResponse(200, [
        ("content-type", "application/json"), ("x-request-id", "1"),
        ("access-control-allow-origin", APP), ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "X-Request-Id")])
    count, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            model.decide(req, preflight, response)
        count += 100
    return count / seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="repetitions per scenario (default 30)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if probe > {GOAL:g}x raw")
    parser.add_argument("--start", action="store_true",
                        help="start the services that are down, and stop them again at the end")
    parser.add_argument("--tiny", action="store_true",
                        help="2 runs per scenario: checks the benchmark runs (the test suite)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.runs = 2
    needed = {"api", "api-appcors", "cors-proxy"}  # the services the scenarios use
    down = {r.name for r in runner.status() if r.state != "healthy"} & needed
    if not args.start and down:
        print(f"the stack is not running ({', '.join(sorted(down))} down); start it with "
              "`python -m corslab up`, or pass --start", file=sys.stderr)
        return 2
    if down:
        try:
            runner.up(sorted(down))
        except CorsLabError as exc:
            print(f"cannot start {', '.join(sorted(down))}: {exc}", file=sys.stderr)
            return 2
    try:
        return measure(args)
    finally:
        if down:
            runner.down(sorted(down))  # only what this run started


def measure(args) -> int:
    print(f"{'scenario':46} {'hops':>4} {'probe ms':>9} {'raw ms':>8} {'ratio':>6}")
    missed = []
    for name, kw in scenarios():
        first = probe(**kw)
        exchanges = first.exchanges
        for ex in exchanges:  # what went on the wire, for the replay
            ex.body_sent = kw.get("body") if ex.role == "request" else None
        median_ms(lambda: (probe(**kw), replay(exchanges)), 3)  # warm up both paths
        probe_ms = median_ms(lambda: probe(**kw), args.runs)
        raw_ms = median_ms(lambda: replay(exchanges), args.runs)
        ratio = probe_ms / raw_ms
        flag = "" if ratio <= GOAL else "  > goal"
        if ratio > GOAL:
            missed.append(name)
        print(f"{name:46} {len(exchanges):>4} {probe_ms:>9.2f} {raw_ms:>8.2f} {ratio:>5.2f}x{flag}")
    print(f"\nmodel.decide on a preflighted PUT: {decisions_per_second():,.0f} decisions/s")
    print(f"goal probe <= {GOAL:g}x raw: " + ("met" if not missed else "missed: " + ", ".join(missed)))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
