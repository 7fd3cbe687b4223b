"""The request-body limit every Flask service of the lab shares: 1 MiB, answered 413.

The nginx configs (``client_max_body_size 1m``) and the product emulators
(``corslab.emulate.proxy.MAX_BODY``) use the same number, so a body is refused the same way
whichever method a page goes through. The 413 is an ordinary Flask error: it passes through the
app's error handler and its ``after_request`` hooks, so a service that adds CORS headers (flask-cors
on api-appcors, the echo's requested headers) adds them to the 413 too, and page JavaScript can read
"too large" instead of seeing a CORS failure.

waitress refuses a body over its own ``max_request_body_size`` before the app runs, with a plain
413 of its own (no CORS headers); servers/channel.py hands such a request to the app instead, with
its declared length but without reading the body, and the app refuses it as above.
"""

from __future__ import annotations

from flask import Flask, abort, request

MAX_BODY = 1024 * 1024  # bytes: the same as nginx's client_max_body_size 1m


def install(app: Flask) -> None:
    """Refuse request bodies over MAX_BODY with 413, before any view or hook reads them."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY  # a body streamed past the limit: 413 on read

    def refuse_large_body():
        if request.content_length is not None and request.content_length > MAX_BODY:
            abort(413, description=f"the request body is over {MAX_BODY} bytes (1 MiB); send less")
        if request.content_length is None and request.headers.get("Transfer-Encoding"):
            request.get_data(cache=True)  # chunked: read at most MAX_BODY (413 beyond)

    # Before every other hook (flask-cors answers preflights in one): no hook sees a huge body.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_large_body)
