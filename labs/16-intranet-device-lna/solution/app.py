"""The office's network storage box: its admin API, http://api.example.test on the office LAN.

Its CORS names the two pages that administer it, exactly. A page on the internet that Ada opens
may still *send* requests to the box (her browser is inside the network; Chrome 142+ first asks
her - Local Network Access - and she may click Allow), but it cannot read the answers.
Access-Control-Allow-Private-Network is gone: browsers ignore it since Local Network Access.
"""

from flask import request

from corslab.labs.backend import create_api

ALLOWED_ORIGINS = {
    "http://app.example.test",
    "http://admin.example.test",
}

app = create_api()


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
