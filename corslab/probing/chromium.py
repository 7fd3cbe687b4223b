"""Chromium for corslab: where it is, how it is launched, and how Playwright drives it from anywhere.

One source for the widgets (``corslab.probing.browser``), the lab checks (``corslab.labs.browser``) and the
tests:

* :func:`path` - ``CORSLAB_CHROMIUM`` when set (the only place looked at then), else
  ``/usr/bin/chromium``, else ``chromium`` / ``chromium-browser`` / ``google-chrome`` on PATH;
* :func:`unavailable` - ``None``, or one line saying what to install;
* :data:`BASE_ARGS` - the flags of every launch (:func:`launch`); callers add theirs on top;
* :func:`trust_args` - the switch that makes this Chromium trust the lab's HTTPS origins (added to
  every launch once the lab's CA exists); :func:`launch_profile` - a Chromium with a profile of its
  own, where third-party cookies are allowed or blocked;
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


def trust_args(runtime=None) -> list[str]:
    """The switch that makes a Chromium the kit launches trust the lab's HTTPS origins, and
    nothing else: ``--ignore-certificate-errors-spki-list`` with the SPKI hashes of the lab's
    server certificate and CA (chrome/common/chrome_switches.cc, honoured by the network service's
    certificate verifier for a chain that presents one of those keys). No trust store is touched.
    Empty until the lab's CA exists (``python -m corslab up`` makes it)."""
    from corslab.stack import tls

    where = tls.files(runtime)
    try:
        pins = [tls.spki_hash(where.cert.read_bytes()), tls.spki_hash(where.ca.read_bytes())]
    except (OSError, ValueError, CorsLabError):
        return []
    return ["--ignore-certificate-errors-spki-list=" + ",".join(pins)]


def _args(extra_args) -> list[str]:
    reason = unavailable()
    if reason:
        raise CorsLabError(f"cannot run Chromium: {reason}")
    return [*BASE_ARGS, *trust_args(), *extra_args]


def launch(playwright, extra_args=()):
    """Launch headless Chromium with :data:`BASE_ARGS`, :func:`trust_args` and ``extra_args`` from a
    sync ``playwright``. Its profile is Playwright's fresh one: third-party cookies blocked."""
    return playwright.chromium.launch(executable_path=path(), args=_args(extra_args))


#: Chromium's preference for third-party cookies (components/content_settings/core/common/pref_names.cc,
#: CookieControlsMode): 0 allows them, 1 blocks them (incognito's and a fresh profile's default here).
COOKIE_CONTROLS_MODE = "cookie_controls_mode"


def launch_profile(playwright, user_data_dir, *, third_party_cookies: bool, extra_args=(), **context):
    """A headless Chromium with a profile of its own in ``user_data_dir`` (a Playwright persistent
    context: close it when done), its preference ``profile.cookie_controls_mode`` set to allow
    (0) or block (1) third-party cookies, and the lab's HTTPS origins trusted."""
    import json
    from pathlib import Path

    prefs = Path(user_data_dir) / "Default" / "Preferences"
    prefs.parent.mkdir(parents=True, exist_ok=True)
    prefs.write_text(json.dumps({"profile": {COOKIE_CONTROLS_MODE: 0 if third_party_cookies else 1}}))
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=path(), args=_args(extra_args), headless=True, **context)


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
