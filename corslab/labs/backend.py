"""The API every lab protects: a small Flask app with one logged-in user and one secret.

The labs do not use the stack's API (servers/api.py) because they need variants that a correct
API never has - flask-cors left at its defaults, an app that answers CORS itself but forgets
``Vary``, an app that refuses OPTIONS with 405 - and a secret the checker can recognise when an
attacker's page manages to read it.

    create_api(cors="none")            no CORS code at all (the proxy in front does CORS)
    create_api(cors="flask-cors")      ``CORS(app)``: flask-cors' defaults (``*`` for everything)
    create_api(cors="allowlist")       exact allowlist of the two trusted origins, with Vary
    create_api(cors="allowlist-no-vary")  the same allowlist, but no ``Vary: Origin``
    create_api(..., automatic_options=False)   OPTIONS gets 405, as in many frameworks

Endpoints: GET /v1/health, GET/POST /v1/users, PUT/DELETE /v1/users/<id>, GET /v1/me (the
victim's profile with their API key; 401 without the session cookie), GET /v1/internal (an
intranet-only report: no login, the network is the protection).
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import threading

from flask import Flask, jsonify, request

from corslab.labs import hosts

#: The victim's session cookie (set in the browser by the checker, as if Ada had logged in).
SESSION_COOKIE = "session"
#: What an attacker wants: fresh for every check, so the checker recognises it when it leaks. A
#: learner's app runs in a process of its own (corslab.labs.app_process), which gets the checker's
#: values through SECRETS_ENV.
SECRETS_ENV = "CORSLAB_LAB_SECRETS"


def _secrets() -> tuple[str, str, str]:
    try:
        session, api_key, internal = json.loads(os.environ[SECRETS_ENV])
        return str(session), str(api_key), str(internal)
    except (KeyError, ValueError, TypeError):
        return secrets.token_hex(12), "ak_live_" + secrets.token_hex(8), "db-password-" + secrets.token_hex(6)


VICTIM_SESSION, VICTIM_API_KEY, INTERNAL_SECRET = _secrets()


def secrets_env() -> dict[str, str]:
    """This process's secrets, for the environment of the learner's app process."""
    return {SECRETS_ENV: json.dumps([VICTIM_SESSION, VICTIM_API_KEY, INTERNAL_SECRET])}

CORS_VARIANTS = ("none", "flask-cors", "allowlist", "allowlist-no-vary")


def create_api(cors: str = "none", automatic_options: bool = True) -> Flask:
    if cors not in CORS_VARIANTS:
        raise ValueError(f"unknown backend CORS variant {cors!r}; one of {CORS_VARIANTS}")
    app = Flask("corslab-lab-api")
    app.json.sort_keys = False
    users = {1: "ada", 2: "grace", 3: "linus"}
    ids = itertools.count(4)
    lock = threading.Lock()

    def route(rule, methods):
        def wrap(view):
            app.add_url_rule(rule, view.__name__, view, methods=methods,
                             provide_automatic_options=None if automatic_options else False)
            return view
        return wrap

    @route("/v1/health", ["GET"])
    def health():
        return jsonify(status="ok")

    @route("/v1/users", ["GET"])
    def list_users():
        return jsonify(users=[{"id": i, "name": n} for i, n in sorted(users.items())])

    @route("/v1/users", ["POST"])
    def add_user():
        name = (request.get_json(force=True, silent=True) or {}).get("name") or "anonymous"
        with lock:
            uid = next(ids)
            users[uid] = str(name)
        return jsonify(id=uid, name=users[uid]), 201

    @route("/v1/users/<int:uid>", ["PUT"])
    def update_user(uid):
        if uid not in users:
            return jsonify(error="Not Found"), 404
        users[uid] = str((request.get_json(force=True, silent=True) or {}).get("name") or users[uid])
        return jsonify(id=uid, name=users[uid])

    @route("/v1/users/<int:uid>", ["DELETE"])
    def delete_user(uid):
        users.pop(uid, None)
        return "", 204

    @route("/v1/me", ["GET"])
    def me():
        if request.cookies.get(SESSION_COOKIE) != VICTIM_SESSION:
            return jsonify(error="Unauthorized", detail="log in first"), 401
        return jsonify(username="ada", email="ada@example.test", api_key=VICTIM_API_KEY)

    @route("/v1/internal", ["GET"])
    def internal():
        return jsonify(report="quarterly numbers", database_password=INTERNAL_SECRET)

    @app.errorhandler(405)
    def not_allowed(error):
        return jsonify(error="Method Not Allowed"), 405

    if cors == "flask-cors":
        from flask_cors import CORS

        CORS(app)  # the defaults: every origin, every route
    elif cors.startswith("allowlist"):
        _allowlist(app, vary=cors == "allowlist")
    return app


def _allowlist(app: Flask, vary: bool) -> None:
    """CORS written by hand in the app, with an exact allowlist (and, unless told not to, Vary)."""

    @app.after_request
    def cors_headers(response):
        origin = request.headers.get("Origin")
        if origin in hosts.TRUSTED_ORIGINS:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE"
                response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-Trace-Id"
                response.headers["Access-Control-Max-Age"] = "600"
        if vary:
            response.vary.add("Origin")
        return response
