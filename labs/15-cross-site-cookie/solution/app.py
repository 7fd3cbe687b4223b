"""The users API of example.test, and the partner widget's endpoint.

partner.test (another company, another site) shows a "Signed in as ..." widget for example.test's
users. It calls /v1/partner/me with the token example.test issued to Ada for it (Authorization:
Bearer ...), since her session cookie does not travel across sites. CORS is unchanged.
"""

import hmac

from flask import jsonify, request

from corslab.labs.backend import create_api

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
    """Who is signed in, for the partner's widget: from the token example.test issued for it.
    Ada's session cookie never reaches us from partner.test - a cross-site request leaves her
    SameSite=Lax cookie behind, and browsers that block third-party cookies (Safari, Firefox,
    incognito, Chrome for many users) would drop even a SameSite=None; Secure one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = next((name for known, name in PARTNER_TOKENS.items()
                 if scheme == "Bearer" and hmac.compare_digest(token, known)), None)
    if user is None:
        return jsonify(error="Unauthorized", detail="no valid partner token"), 401
    return jsonify(username=user)


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
