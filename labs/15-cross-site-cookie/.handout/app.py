"""The users API of example.test, and the partner widget's endpoint.

partner.test (another company, another site) shows a "Signed in as ..." widget for example.test's
users. It calls /v1/partner/me with `credentials: 'include'`: Ada's session cookie should say who
she is. CORS is done by hand below - exact allowlist, credentials, Vary - and it is right.
"""

import hmac

from flask import jsonify, request

from corslab.labs.backend import SESSION_COOKIE, VICTIM_SESSION, create_api

ALLOWED_ORIGINS = {
    "http://app.example.test",
    "http://admin.example.test",
    "http://partner.test",  # the partner's widget
}
#: The token example.test issued to Ada for the partner (its OAuth flow is not this lab's subject).
PARTNER_TOKENS = {"ada-partner-7f3a": "ada"}

app = create_api()


@app.get("/v1/partner/me")
def partner_me():
    """Who is signed in, for the partner's widget: from the session cookie."""
    if request.cookies.get(SESSION_COOKIE) != VICTIM_SESSION:
        return jsonify(error="Unauthorized", detail="no session cookie"), 401
    return jsonify(username="ada")


@app.after_request
def cors_headers(response):
    origin = request.headers.get("Origin")
    if origin in ALLOWED_ORIGINS:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-Trace-Id"
            response.headers["Access-Control-Max-Age"] = "600"
    response.vary.add("Origin")
    return response
