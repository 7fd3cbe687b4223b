"""The office's network storage box: its admin API, http://api.example.test on the office LAN.

No login: "it is only reachable from inside". Its web UI is opened under several names (its IP,
nas.local, the admin app), so the vendor's CORS echoes any Origin. And when Chrome started asking
about private networks, someone added Access-Control-Allow-Private-Network: true "to be safe".
"""

from flask import request

from corslab.labs.backend import create_api

app = create_api()


@app.after_request
def cors_headers(response):
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin  # whoever asks
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Private-Network"] = "true"  # Private Network Access, retired
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-Trace-Id"
            response.headers["Access-Control-Max-Age"] = "600"
    response.vary.add("Origin")
    return response
