"""Chromium for corslab: where it is, how it is launched, and how Playwright drives it from anywhere.

One source for the widgets (``corslab.probing.browser``), the lab checks (``corslab.labs.browser``) and the
tests:

* :func:`path` - ``CORSLAB_CHROMIUM`` when set (the only place looked at then), else
  ``/usr/bin/chromium``, else ``chromium`` / ``chromium-browser`` / ``google-chrome`` on PATH;
* :func:`unavailable` - ``None``, or one line saying what to install;
* :data:`BASE_ARGS` - the flags of every launch (:func:`launch`); callers add theirs on top;
* :class:`Driver` - Playwright's sync API in a thread of its own. That API refuses to start where
  an asyncio loop runs (a Jupyter kernel runs its cells inside one; a running ``sync_playwright()``
  keeps one in its thread too) and allows one instance per thread, so corslab never starts it in
  the caller's thread: ``with Driver() as d: d.call(fn, d.playwright, ...)`` works from a script,
  a notebook cell or a test alike.
"""

from __future__ import annotations

import os
import shutil

from corslab.errors import CorsLabError

BASE_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run")
INSTALL_HINT = "Debian: apt-get install chromium; elsewhere set CORSLAB_CHROMIUM to its path"


def path() -> str | None:
    """The Chromium binary, or None; CORSLAB_CHROMIUM, when set, is the only place looked at."""
    chosen = os.environ.get("CORSLAB_CHROMIUM")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def unavailable() -> str | None:
    """None when Chromium can run here; otherwise one line saying what is missing and what to do."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is missing (pip install playwright)"
    if path() is None:
        chosen = os.environ.get("CORSLAB_CHROMIUM")
        if chosen:
            return f"CORSLAB_CHROMIUM={chosen} does not exist; point it at a Chromium binary"
        return f"no Chromium found ({INSTALL_HINT})"
    return None


def launch(playwright, extra_args=()):
    """Launch headless Chromium with :data:`BASE_ARGS` + ``extra_args`` from a sync ``playwright``."""
    reason = unavailable()
    if reason:
        raise CorsLabError(f"cannot run Chromium: {reason}")
    return playwright.chromium.launch(executable_path=path(), args=[*BASE_ARGS, *extra_args])


class Driver:
    """Playwright's sync API running in a thread of its own (see the module doc).

    ``call(fn, *args)`` runs ``fn`` in that thread and returns (or raises) what it did; every object
    Playwright hands out (browser, page...) must be used through ``call`` too.
    """

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        reason = unavailable()
        if reason:
            raise CorsLabError(f"cannot run Chromium: {reason}")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corslab-chromium")
        self.playwright = None
        try:
            self.playwright = self.call(_start)
        except BaseException:
            self._pool.shutdown()
            raise

    def call(self, fn, *args, **kwargs):
        return self._pool.submit(fn, *args, **kwargs).result()

    def launch(self, extra_args=()):
        """A Chromium (:func:`launch`) owned by this driver's thread."""
        return self.call(launch, self.playwright, extra_args)

    def close(self) -> None:
        if self.playwright is not None:
            self.call(self.playwright.stop)  # closes the browsers it launched
            self.playwright = None
        self._pool.shutdown()

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _start():
    from playwright.sync_api import sync_playwright

    return sync_playwright().start()
