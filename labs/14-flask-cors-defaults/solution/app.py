"""The users API of example.test, with CORS the app-level way: flask-cors.

flask-cors's defaults allow every origin (`origins="*"`, answered by echoing the request's Origin)
and every request header, on every route. State the policy instead: exact origins (plain strings
without regex characters are compared whole), the methods and headers the frontend uses, the API
routes only, credentials on purpose. flask-cors adds `Vary: Origin` itself.
"""

from flask_cors import CORS

from corslab.labs.backend import create_api

app = create_api()
CORS(
    app,
    resources={r"/v1/*": {}},
    origins=["http://app.example.test", "http://admin.example.test"],
    methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["Content-Type", "Authorization", "X-Trace-Id"],
    supports_credentials=True,
    max_age=600,
)
