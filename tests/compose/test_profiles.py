"""Each method on its own under docker compose, and `down` that does not wait for SIGKILL.

Expected behaviour: the Compose Specification, "Using profiles with Compose" - a service without
`profiles` is always enabled, one with profiles only when one of them is active (`--profile`, or
COMPOSE_PROFILES, which the project's `.env` sets to `all`). Docker's `docker stop` sends the
image's stop signal, then SIGKILL after the grace period (10 s): exit status 137 means the
service ignored the signal. With `init: true`, tini is PID 1 and passes the signal on.
"""

from __future__ import annotations

import pytest

from corslab.stack import compose as compose_file
from corslab.stack import topology
from tests.compose.conftest import cannot_run, down, up, wait_healthy
from tests.rawhttp import send

KILLED = 137  # 128 + SIGKILL: the grace period ran out


def _answers_on_its_published_port(name: str) -> int:
    svc = topology.SERVICES[name]
    return send("GET", svc.origin + svc.health).status


@pytest.mark.parametrize("profile", list(compose_file.profiles()))
def test_each_profile_starts_just_its_services_healthy_and_stops_them_on_their_signal(compose, profile):
    services = compose_file.profiles()[profile]
    if not compose.runnable(services):
        cannot_run(compose.why_not(services))
    run = up(compose, profile)
    try:
        assert sorted(run.states) == sorted(services)
        assert {name: _answers_on_its_published_port(name) for name in services} == {
            name: 200 for name in services}
    finally:
        _, stopped = down(compose, run)
    assert {name: state["ExitCode"] == KILLED for name, state in stopped.items()} == {
        name: False for name in stopped}
    assert compose.containers() == {}


def test_a_plain_up_starts_every_service_through_the_dotenv_default(compose):
    """No --profile: the `.env` file's COMPOSE_PROFILES=all enables every service."""
    if not compose.runnable(list(topology.SERVICES)):
        cannot_run(compose.why_not(list(topology.SERVICES)))
    from tests.compose import conftest

    conftest._clean_slate(compose)
    compose("up", "-d")
    try:
        states = wait_healthy(compose, list(topology.SERVICES))
        assert sorted(states) == sorted(topology.SERVICES)
    finally:
        compose("down")
