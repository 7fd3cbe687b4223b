"""A learner's ``app.py`` cannot make ``lab check`` pass by anything but a correct policy.

The check runs the app in a process of its own (corslab.labs.app_process) and judges only what
Chromium observed over the wire (the Fetch standard's CORS check, as Chromium implements it), so
exiting early, looping, patching the checker, printing the secret, forking or flooding the output
all end in a failed check with one clear line - never "solved", a hang or a traceback. The
handed-out app of lab 14 (flask-cors's defaults: every origin) is the starting point of each
escape: none of them fixes the policy."""

from __future__ import annotations

import time

import pytest

from corslab.errors import CorsLabError
from corslab.labs import catalog, hosts
from corslab.labs.checker import check_lab
from corslab.stack.ports import is_free

LAB = "14-flask-cors-defaults"

# Escapes that stop the app from being served at all: a one-line error, quickly.
NOT_SERVED = {
    "SystemExit(0) at import": ("import sys\nsys.exit(0)\n", "exited (status 0) before it served"),
    "os._exit(0) at import": ("import os\nos._exit(0)\n", "exited (status 0) before it served"),
    "fork, then the parent exits 0": ("import os\nif os.fork():\n    os._exit(0)\n",
                                      "exited (status 0) before it served"),
    "an exception at import": ("1 / 0\n", "app.py:12: ZeroDivisionError: division by zero"),
    "app is not an app": ("app = 42\n", "`app` is a int, not a Flask app"),
    "a huge output, then an error": ("import sys\nprint('x' * 5_000_000)\n"
                                     "sys.stderr.write('\\x1b[31m' + 'y' * 5_000_000)\nraise SystemExit(1)\n",
                                     "exited with status 1 before it served"),
}

# Escapes that serve, and try to look blocked to the attacker's page (or to the checker).
SERVED = {
    "patch the checker's verdicts": (
        "import corslab.labs.checker as checker\n"
        "checker.Report.passed = property(lambda self: True)\n"
        "checker._judge = lambda check, o, *a, **k: checker.Result(check, o, passed=True)\n"),
    "print the secrets the checker looks for": (
        "from corslab.labs import backend\nprint(backend.VICTIM_API_KEY, backend.INTERNAL_SECRET, flush=True)\n"
        "print('4 of 4 checks pass - solved.', flush=True)\n"),
    "exit when the attacker's page calls": (
        "import os\nfrom flask import request\n\n@app.before_request\ndef vanish():\n"
        f"    if request.headers.get('Origin') in ({hosts.EVIL_ORIGIN!r}, {hosts.FORUM_ORIGIN!r}):\n"
        "        os._exit(0)\n"),
}


def attempt(edition, lab, code: str):
    return edition(lab, [("CORS(app, supports_credentials=True)\n",
                          "CORS(app, supports_credentials=True)\n" + code)])


@pytest.mark.parametrize("escape", sorted(NOT_SERVED))
def test_an_app_that_is_not_served_fails_in_one_line(escape, edition):
    lab = catalog.find(LAB)
    code, message = NOT_SERVED[escape]
    started = time.monotonic()
    with pytest.raises(CorsLabError) as err:
        check_lab(lab, attempt(edition, lab, code), model=True)
    assert message in str(err.value) and "\n" not in str(err.value) and "\x1b" not in str(err.value)
    assert len(str(err.value)) < 400 and time.monotonic() - started < 8
    assert is_free(hosts.ports("check")[1]), "something the app started still holds the lab port"


@pytest.mark.parametrize("escape", sorted(SERVED))
def test_an_app_that_cheats_while_served_is_not_solved(escape, edition, chromium):
    lab = catalog.find(LAB)
    report = check_lab(lab, attempt(edition, lab, SERVED[escape]), browser=chromium)
    assert not report.passed, report.text()
    assert "solved." not in report.text().splitlines()[-1]


def test_an_app_that_exits_during_the_checks_is_reported(edition, chromium):
    lab = catalog.find(LAB)
    report = check_lab(lab, attempt(edition, lab, SERVED["exit when the attacker's page calls"]),
                       browser=chromium)
    assert "your flask app exited (status 0) during the checks" in report.text(), report.text()


@pytest.mark.parametrize("code", ["while True:\n    pass\n",
                                  "app.run(port=5000)  # serves elsewhere, never returns\n"])
def test_a_loop_at_import_is_stopped_and_said(code, edition):
    lab = catalog.find(LAB)
    started = time.monotonic()
    with pytest.raises(CorsLabError) as err:
        check_lab(lab, attempt(edition, lab, code), model=True)
    assert "app.py (your app) did not answer" in str(err.value) and "a loop" in str(err.value)
    assert time.monotonic() - started < 20
    assert is_free(hosts.ports("check")[1])


def test_a_handler_that_hangs_on_the_attack_is_not_a_block(edition, chromium):
    """The attacker's fetch() never completing is not the policy refusing it: Chromium aborts the
    fetch after FETCH_TIMEOUT and the check fails, saying why."""
    lab = catalog.find(LAB)
    code = ("import time\nfrom flask import request\n\n@app.before_request\ndef stall():\n"
            f"    if request.headers.get('Origin') == {hosts.FORUM_ORIGIN!r}:\n        time.sleep(3600)\n")
    started = time.monotonic()
    report = check_lab(lab, attempt(edition, lab, code), browser=chromium)
    assert not report.passed
    assert "the API did not answer within 10 s" in report.text(), report.text()
    assert time.monotonic() - started < 40


def test_a_folder_where_the_lab_file_should_be_is_one_line(tmp_path):
    lab = catalog.find("02-wildcard-credentials")
    (tmp_path / "cors.conf").mkdir()
    with pytest.raises(CorsLabError, match=r"cors.conf is a folder, where the lab's cors.conf should be"):
        check_lab(lab, tmp_path, model=True)


def test_a_huge_answer_is_read_only_up_to_the_limit(edition, chromium):
    """An app that answers 50 MB: the page keeps BODY_LIMIT characters (its reader cancels the
    rest), so neither the browser nor the checker holds the whole answer - for a plain page and
    for a sandboxed iframe (Origin: null) alike."""
    from corslab.labs.browser import BODY_LIMIT

    lab = catalog.find(LAB)
    code = ("from flask import Response\n\n@app.before_request\ndef flood():\n"
            "    return Response((b'x' * 65536 for _ in range(800)), mimetype='text/plain')\n")
    report = check_lab(lab, attempt(edition, lab, code), browser=chromium)
    outcomes = [r.outcome for r in report.results if r.outcome.readable]
    assert outcomes, report.text()
    assert all(len(o.body) == BODY_LIMIT for o in outcomes), [len(o.body) for o in outcomes]
    assert not report.passed
