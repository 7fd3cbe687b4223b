"""The stack keeps serving under a burst and with many idle connections (figures: bench_load.py).

Not timed tests: each request may take up to TIMEOUT seconds; what is asserted is that every one
is answered. Sources of the settings: waitress' ``connection_limit`` (default 100 - the cause of
"100 idle connections make a service unreachable"), Python's socketserver
``request_queue_size`` (default listen backlog 5), nginx's ``worker_connections``
(https://nginx.org/en/docs/ngx_core_module.html#worker_connections: a proxied request holds two).
"""

from __future__ import annotations

import asyncio

import pytest

from corslab.stack import topology

pytestmark = pytest.mark.usefixtures("stack")
TIMEOUT = 15.0


async def get(svc: topology.Service) -> int | None:
    writer = None
    try:
        async with asyncio.timeout(TIMEOUT):
            reader, writer = await asyncio.open_connection("127.0.0.1", svc.port)
            writer.write(f"GET {svc.health} HTTP/1.1\r\nHost: localhost:{svc.port}\r\n"
                         "Connection: close\r\n\r\n".encode())
            await writer.drain()
            return int((await reader.readline()).split()[1])
    except (OSError, asyncio.TimeoutError, IndexError, ValueError):
        return None
    finally:
        if writer is not None:
            writer.close()


def run_async(coroutine):
    """asyncio.run in a thread of its own: the session's Playwright (sync API) keeps an event loop
    running in the main thread once the browser tests have started it."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.mark.parametrize("service", ["api", "cors-proxy", "ingress", "alb", "gateway"])
def test_a_burst_of_200_concurrent_requests_is_answered_in_full(service):
    svc = topology.SERVICES[service]

    async def burst():
        return await asyncio.gather(*(get(svc) for _ in range(200)))

    statuses = run_async(burst())
    assert statuses.count(200) == 200, f"{statuses.count(None)} unanswered of 200"


@pytest.mark.parametrize("service", ["api-appcors", "alb", "cors-proxy"])
def test_a_service_keeps_answering_with_500_idle_connections_open(service):
    svc = topology.SERVICES[service]

    async def idle_then_get():
        writers = []
        try:
            for _ in range(500):
                writers.append((await asyncio.open_connection("127.0.0.1", svc.port))[1])
            await asyncio.sleep(0.2)
            return [await get(svc) for _ in range(5)]
        finally:
            for writer in writers:
                writer.close()

    assert run_async(idle_then_get()) == [200] * 5
