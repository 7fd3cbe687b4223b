"""A learner's ``app.py`` served in a process of its own: ``python -m corslab.labs.app_process FILE PORT``.

The checker (corslab.labs.components) starts it, waits until it answers on PORT and judges only
what Chromium observes over the wire, so nothing the learner's code does - ``sys.exit(0)``,
``os._exit(0)``, patching corslab's modules, printing a secret, looping - can change a verdict:
an exit or a loop at import is a failure to start, an exit during the checks is reported, a loop
in a handler is a request that times out. stdout is discarded; the last line on stderr is the
one-line reason when the app cannot be loaded (``app_process: ...``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

MARK = "app_process: "


def load(path: Path):
    """The WSGI app of ``path`` (its ``app``, or what ``create_app()`` returns); one line if not."""
    spec = importlib.util.spec_from_file_location("lab_app", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["lab_app"] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise LoadError(f"{path.name}:{exc.lineno}: SyntaxError: {exc.msg}") from None
    except Exception as exc:  # the learner's code: say where, in one line
        line, tb = None, exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == str(path):
                line = tb.tb_lineno
            tb = tb.tb_next
        where = f"{path.name}:{line}" if line else path.name
        raise LoadError(f"{where}: {type(exc).__name__}: {exc}") from None
    app = getattr(module, "app", None)
    if app is None and callable(getattr(module, "create_app", None)):
        try:
            app = module.create_app()
        except Exception as exc:
            raise LoadError(f"{path.name}: create_app() raised {type(exc).__name__}: {exc}") from None
    if app is None:
        raise LoadError(f"{path.name} defines neither `app` nor `create_app()`; keep the one it had")
    if not callable(app) or not hasattr(app, "wsgi_app"):
        raise LoadError(f"{path.name}: `app` is a {type(app).__name__}, not a Flask app; keep "
                        "`app = create_api()` (or a Flask app of your own)")
    return app


class LoadError(Exception):
    pass


def main(argv: list[str]) -> int:
    from werkzeug.serving import WSGIRequestHandler, make_server

    path, port = Path(argv[0]), int(argv[1])
    try:
        app = load(path)
    except LoadError as exc:
        print(MARK + " ".join(str(exc).split()), file=sys.stderr, flush=True)
        return 3

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # the report says what happened
            pass

    make_server("127.0.0.1", port, app, threaded=True, request_handler=Quiet).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
