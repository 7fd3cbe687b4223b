"""The users API of example.test, with CORS the app-level way: flask-cors.

The frontend logs in with a cookie, so the tutorial's one line got `supports_credentials=True`.
"""

from flask_cors import CORS

from corslab.labs.backend import create_api

app = create_api()
CORS(app, supports_credentials=True)
