"""Every lab, graded as a learner meets it: the handed-out files fail, the reference solution
passes, and a plausible wrong fix still fails - each run in the real component (nginx, the
emulators, Flask) and judged by real Chromium (the Fetch standard's CORS check as Chromium
implements it: services/network/public/cpp/cors/cors.cc). corslab's model, judging the same
checks without a browser, must agree with Chromium check by check, reason included."""

from __future__ import annotations

import pytest

from corslab.labs import catalog
from corslab.labs.checker import check_lab

LABS = {lab.name: lab for lab in catalog.all_labs()}

# Plausible wrong fixes, as (old, new) edits of the handed-out file; each must still fail.
WRONG_FIXES = {
    "01-duplicate-acao": [  # drop the proxy's own origin header and rely on the app's
        ("        add_header Access-Control-Allow-Origin      $cors_origin always;  # which origin may read the answer\n"
         "        add_header Access-Control-Allow-Credentials true always;  # cookies may travel with the request\n"
         "        add_header Vary", "        add_header Vary")],
    "02-wildcard-credentials": [("Access-Control-Allow-Origin      * always",
                                 "Access-Control-Allow-Origin      $http_origin always")],
    "03-options-405": [('"GET, POST, PUT, DELETE"', '"GET, POST, PUT, DELETE, OPTIONS"')],
    "04-missing-allow-header": [('"Content-Type"', '"Content-Type, X-Trace-Id"')],
    "05-missing-always": [("add_header Access-Control-Allow-Origin      $cors_origin;",
                           "add_header Access-Control-Allow-Origin      $cors_origin always;")],
    "06-add-header-in-if": [("            add_header Access-Control-Allow-Methods",
                             "            add_header Access-Control-Allow-Origin $cors_origin always;\n"
                             "            add_header Access-Control-Allow-Methods")],
    "07-cache-without-vary": [("        proxy_pass http://backend;",
                               "        add_header Vary Origin always;\n        proxy_pass http://backend;")],
    "08-regex-allowlist": [('"~^http://app.example.test"  ', '"~^http://app.example.test$" '),
                           ('"~^http://admin.example.test"  ', '"~^http://admin.example.test$" ')],
    "09-reflect-origin-exploit": [
        ("server {", 'map $http_origin $cors_origin {\n    default "";\n'
                     '    "~^http://[a-z]+\\.example\\.test$" $http_origin;\n}\n\nserver {'),
        ("$http_origin always", "$cors_origin always")],
    "10-null-origin-exploit": [
        ('    "null",  # the dashboard opened as a local file\n', ""),
        ("    response.vary.add", '    if origin == "null":  # local files: public data only\n'
                                  '        response.headers["Access-Control-Allow-Origin"] = "*"\n'
                                  "    response.vary.add")],
    "11-ingress-annotation": [('    nginx.ingress.kubernetes.io/cors-max-age: "600"',
                               '    nginx.ingress.kubernetes.io/cors-allow-credentials: "no"\n'
                               '    nginx.ingress.kubernetes.io/cors-max-age: "600"')],
    "12-alb-two-frontends": [('"Value": "http://app.example.test"',
                              '"Value": "http://app.example.test, http://admin.example.test"')],
    "13-kong-wildcard": [("credentials: true", "credentials: false")],
    "14-flask-cors-defaults": [("CORS(app, supports_credentials=True)",
                                'CORS(app, origins=r"http://.*\\.example\\.test", supports_credentials=True)')],
    "15-cross-site-cookie": [  # trust the allowlisted Origin as if it were a login
        ("    if request.cookies.get(SESSION_COOKIE) != VICTIM_SESSION:",
         "    if request.headers.get(\"Origin\") not in ALLOWED_ORIGINS and "
         "request.cookies.get(SESSION_COOKIE) != VICTIM_SESSION:")],
    "16-intranet-device-lna": [  # drop the retired header, keep echoing every Origin
        ('        response.headers["Access-Control-Allow-Private-Network"] = "true"  # Private Network Access, retired\n', "")],
}


def test_every_lab_has_a_wrong_fix_here():
    assert set(WRONG_FIXES) == set(LABS)


@pytest.mark.parametrize("name", sorted(LABS))
def test_handed_out_fails_solution_passes_wrong_fix_fails(name, chromium, edition):
    """The lab as handed out fails; the reference solution passes; a plausible wrong fix fails."""
    lab = LABS[name]
    handed_out = check_lab(lab, lab.handout, browser=chromium)
    assert not handed_out.passed, handed_out.text()
    failing = [r for r in handed_out.results if not r.passed]
    assert all(r.problem and r.look.startswith(lab.config) for r in failing), handed_out.text()

    solved = check_lab(lab, lab.solution, browser=chromium)
    assert solved.passed, solved.text()

    wrong = check_lab(lab, edition(lab, WRONG_FIXES[name]), browser=chromium)
    assert not wrong.passed, f"the wrong fix passes:\n{wrong.text()}"

    # corslab's model (`lab check --model`) reaches the same outcome, in Chromium's own words.
    for chromium_report, files in ((handed_out, lab.handout), (solved, lab.solution)):
        model_report = check_lab(lab, files, model=True)
        assert verdicts(model_report) == verdicts(chromium_report), model_report.text()


def verdicts(report):
    """Per check: could JavaScript read it, the status it read, and the console reason if not."""
    return [(r.outcome.readable, r.outcome.status if r.outcome.readable else None, r.outcome.reason)
            for r in report.results]


def test_a_blocked_check_reports_chromiums_console_words(chromium):
    """The reason shown is Chromium's console text after "has been blocked by CORS policy:"."""
    lab = LABS["02-wildcard-credentials"]
    report = check_lab(lab, lab.handout, browser=chromium)
    first = report.results[0]
    assert first.outcome.reason == ("The value of the 'Access-Control-Allow-Origin' header in the response "
                                    "must not be the wildcard '*' when the request's credentials mode is "
                                    "'include'.")
    assert "Chromium says: The value of the 'Access-Control-Allow-Origin'" in report.text()
    assert "look at cors.conf:" in report.text()
