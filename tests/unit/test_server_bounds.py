"""The lab's servers keep bounded state whatever clients send: the request log and the user store.

Source of the rule: OWASP Logging Cheat Sheet (no session ids or tokens in logs; bounded logs)
and CWE-770 (allocation of resources without limits). The request log is the one behind
``GET /_lab/seen``; the user store is the API's ``/v1/users``.
"""

from __future__ import annotations

import json

from servers import api, seen


def test_the_request_log_stays_within_its_count_and_byte_bounds():
    log = seen.SeenLog()
    for i in range(3 * seen.LIMIT):
        log.record("GET", f"/x?trace={i}&pad=" + "p" * 10_000,
                   [("X-Big", "v" * 100_000)] * 200)
    entries, size = log.size()
    assert entries <= seen.LIMIT
    assert size <= seen.MAX_BYTES
    newest = log.entries()[-1]
    assert len(newest["headers"]) == seen.MAX_HEADERS
    assert len(newest["path"]) <= seen.MAX_PATH + len(seen.SHORTENED)
    assert log.entries(trace="0") == []  # the oldest fell off first
    assert log.entries(trace=str(3 * seen.LIMIT - 1))  # the newest is kept


def test_the_request_log_masks_secrets_but_keeps_their_names():
    log = seen.SeenLog()
    log.record("GET", "/", [("Cookie", "sid=abc; theme=dark"), ("Authorization", "Basic YTpi"),
                            ("Authorization", "token-without-scheme"), ("X-Ok", "kept")])
    assert log.entries()[0]["headers"] == [("Cookie", "sid=***; theme=***"), ("Authorization", "Basic ***"),
                                           ("Authorization", "***"), ("X-Ok", "kept")]


def test_the_user_store_refuses_more_than_max_users_with_a_409():
    client = api.create_app().test_client()
    existing = len(client.get("/v1/users").get_json()["users"])
    for i in range(api.MAX_USERS - existing):
        assert client.post("/v1/users", data=json.dumps({"name": f"u{i}"})).status_code == 201
    full = client.post("/v1/users", data=json.dumps({"name": "one-too-many"}))
    assert full.status_code == 409
    assert str(api.MAX_USERS) in full.get_json()["detail"]
    assert client.delete("/v1/users/1").status_code == 204
    assert client.post("/v1/users", data=json.dumps({"name": "fits-again"})).status_code == 201


def test_a_name_longer_than_max_name_is_a_400():
    client = api.create_app().test_client()
    reply = client.post("/v1/users", data=json.dumps({"name": "n" * (api.MAX_NAME + 1)}))
    assert reply.status_code == 400
