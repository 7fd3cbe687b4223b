"""The lab API: JSON endpoints under /v1/ that know nothing of CORS.

``create_app(cors=False)`` is the API on port 8095: not one CORS header, so every cross-origin
call from a page fails until some layer in front of it (methods 1-5) steps in.
``create_app(cors=True)`` is the same API with flask-cors (port 8096): the app-level way,
configured explicitly with the lab policy (flask-cors' defaults reflect any origin).

Endpoints
  GET    /v1/health            liveness, for the runner and compose healthchecks
  GET    /v1/users             list users
  POST   /v1/users             {"name": "..."} -> 201 with the new user
  PUT    /v1/users/<id>        {"name": "..."} -> the updated user
  DELETE /v1/users/<id>        -> 204
  POST   /v1/login             {"username": "..."} -> sets the session cookie (SameSite=Lax, HttpOnly)
  GET    /v1/me                200 {"username"} with the cookie, 401 without
  GET    /v1/redirect          302 to ?to=PATH (default /v1/users); ?status=301|302|303|307|308
  GET    /_lab/seen            the requests that reached this backend (see servers/seen.py)
Every response carries ``X-Request-Id`` (the expose-headers lesson).

Bounded like a service that faces the Internet: request bodies up to 1 MiB (413 beyond, see
servers/limits.py), at most MAX_USERS users with names of at most MAX_NAME characters, JSON nested
at most as deep as Python's parser allows (400 beyond, never 500).
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import uuid
from urllib.parse import urlsplit

from flask import Flask, jsonify, redirect, request, session
from werkzeug.exceptions import HTTPException

from corslab.stack import policy
from servers import limits, seen

SESSION_COOKIE = "corslab_session"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_USERS = 1000  # the in-memory store never grows past this
MAX_NAME = 100  # characters of a user or login name


class BadRequest(Exception):
    """A client error answered as 400 with a JSON body."""


def create_app(cors: bool = False) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_hex(16),  # sessions last as long as the process: it is a lab
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_SAMESITE="Lax",  # sent on same-site requests: localhost:3000 -> :8081
        SESSION_COOKIE_HTTPONLY=True,
        JSON_SORT_KEYS=False,
    )
    app.extensions["seen"] = seen.install(app)
    limits.install(app)  # before flask-cors' hooks: a 413 still gets its CORS headers
    users = _UserStore()

    @app.after_request
    def request_id(response):
        response.headers["X-Request-Id"] = uuid.uuid4().hex
        return response

    @app.errorhandler(BadRequest)
    def bad_request(error):
        return jsonify(error=str(error)), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        # 404, 405 ... as JSON too, so a page can read them once CORS lets it.
        response = jsonify(error=error.name, detail=error.description)
        response.status_code = error.code
        if error.code == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.get("/v1/health")
    def health():
        return jsonify(status="ok", cors="flask-cors" if cors else "none")

    @app.get("/v1/users")
    def list_users():
        return jsonify(users=users.all())

    @app.post("/v1/users")
    def add_user():
        name = _name_from(_json_object(), "name")
        user = users.add(name)
        if user is None:
            return jsonify(error="Conflict", detail=f"the lab keeps at most {MAX_USERS} users; "
                                                    "DELETE /v1/users/<id> some first"), 409
        return jsonify(user), 201

    @app.put("/v1/users/<int:user_id>")
    def update_user(user_id: int):
        name = _name_from(_json_object(), "name")
        user = users.update(user_id, name)
        if user is None:
            return jsonify(error="Not Found", detail=f"no user with id {user_id}"), 404
        return jsonify(user)

    @app.delete("/v1/users/<int:user_id>")
    def delete_user(user_id: int):
        if not users.delete(user_id):
            return jsonify(error="Not Found", detail=f"no user with id {user_id}"), 404
        return "", 204

    @app.post("/v1/login")
    def login():
        username = _name_from(_json_object(), "username")
        session["username"] = username
        return jsonify(username=username)

    @app.get("/v1/me")
    def me():
        username = session.get("username")
        if not username:
            return jsonify(error="Unauthorized", detail="log in first: POST /v1/login"), 401
        return jsonify(username=username)

    @app.post("/v1/logout")
    def logout():
        session.clear()
        return "", 204

    @app.route("/v1/redirect", methods=["GET", "POST", "PUT", "DELETE"])
    def redirect_elsewhere():
        target = request.args.get("to", "/v1/users")
        status = request.args.get("status", "302")
        if not status.isdigit() or int(status) not in REDIRECT_STATUSES:
            raise BadRequest(f"status must be one of {sorted(REDIRECT_STATUSES)}, not {status!r}")
        _check_redirect_target(target)
        return redirect(target, code=int(status))

    if cors:
        _add_flask_cors(app)
    return app


def _add_flask_cors(app: Flask) -> None:
    """The app-level way, stated explicitly: plain ``CORS(app)`` would reflect any origin."""
    from flask_cors import CORS

    @app.after_request
    def vary_on_origin(response):
        # flask-cors adds Vary only when it allows the origin; a refused origin's answer depends
        # on Origin just as much, or a shared cache could replay it to an allowed one.
        # Registered before CORS(app), so it runs after flask-cors and merges into one Vary line.
        if request.path.startswith("/v1/"):
            response.vary.add("Origin")
        return response

    CORS(
        app,
        resources={r"/v1/*": {}},
        # flask-cors compares plain strings case-insensitively and sends the request's Origin back
        # as it came (flask_cors/core.py, try_match_pattern: casefold), so the plain strings would
        # allow and reflect "HTTP://LOCALHOST:3000". A compiled pattern is used as it is: each
        # matches one origin byte for byte, nothing before or after it.
        origins=[re.compile(re.escape(origin) + r"\Z") for origin in policy.ALLOWED_ORIGINS],
        methods=list(policy.ALLOWED_METHODS),
        allow_headers=list(policy.ALLOWED_HEADERS),
        expose_headers=list(policy.EXPOSED_HEADERS),
        supports_credentials=policy.ALLOW_CREDENTIALS,
        max_age=policy.MAX_AGE,
        vary_header=True,  # the answer depends on Origin: caches must key on it
        always_send=False,  # no CORS headers on requests without Origin
    )


def _json_object() -> dict:
    """The request body as a JSON object, or a 400 that says what is wrong.

    Parsed whatever the Content-Type: a "simple" POST with ``text/plain`` still reaches the
    server and is acted on - one of the lessons (CORS protects reading, not sending).
    """
    raw = request.get_data(cache=True, as_text=False)
    if not raw:
        raise BadRequest("the body is empty: send a JSON object, e.g. {\"name\": \"ada\"}")
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # e.g. 100 000 nested "[": Python's JSON parser gives up
        raise BadRequest("the JSON body is nested too deeply: send a flat JSON object") from None
    if data is None:
        raise BadRequest("the body is not valid JSON: send a JSON object, e.g. {\"name\": \"ada\"}")
    if not isinstance(data, dict):
        raise BadRequest(f"the body must be a JSON object, not {type(data).__name__}")
    return data


def _name_from(data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{key!r} must be a non-empty string")
    if len(value.strip()) > MAX_NAME:
        raise BadRequest(f"{key!r} must be at most {MAX_NAME} characters")
    return value.strip()


def _check_redirect_target(target: str) -> None:
    """Only paths, or URLs on loopback hosts: the lab is not an open redirect."""
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return
    if parts.scheme in ("http", "https") and parts.hostname in ("localhost", "127.0.0.1"):
        return
    raise BadRequest("'to' must be a path such as /v1/users or a URL on localhost / 127.0.0.1")


class _UserStore:
    """In-memory users, safe for the WSGI server's threads; at most MAX_USERS of them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._users: dict[int, dict] = {}
        for name in ("ada", "grace", "linus"):
            self.add(name)

    def all(self) -> list[dict]:
        with self._lock:
            return list(self._users.values())

    def add(self, name: str) -> dict | None:
        """The new user, or None when the store is full."""
        with self._lock:
            if len(self._users) >= MAX_USERS:
                return None
            user = {"id": next(self._ids), "name": name}
            self._users[user["id"]] = user
            return user

    def update(self, user_id: int, name: str) -> dict | None:
        with self._lock:
            if user_id not in self._users:
                return None
            self._users[user_id]["name"] = name
            return self._users[user_id]

    def delete(self, user_id: int) -> bool:
        with self._lock:
            return self._users.pop(user_id, None) is not None
