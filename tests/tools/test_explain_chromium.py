"""``explain`` on the console lines Chromium prints for the browser tests' scenarios.

The scenarios are the browser suite's own (tests/browser/test_cors_matrix.py, the hand-written
matrix, and test_fuzz_parity.py, the seeded random cases), run here in the system Chromium against
the running stack. For each failed fetch() the console line ("Access to fetch at ... has been
blocked by CORS policy: ...") is recorded (``console-lines.json`` in the test's temporary folder)
and read by ``explain``. The right answer is Chromium's own: DevTools reports each CORS failure's
``corsErrorStatus.corsError`` (services/network/public/mojom/cors.mojom names, without the k),
so nothing here is hard-coded or taken from the model.
"""

import json

import pytest

from corslab.tools import explain
from corslab.stack import topology
from tests.browser.conftest import BLOCKED_MARK, Pages, launch
from tests.browser.test_cors_matrix import CASES as MATRIX, new_trace
from tests.browser.test_fuzz_parity import CASES as FUZZ
from tests.tools.conftest import count


@pytest.fixture(scope="module")
def console_lines(stack, playwright, tmp_path_factory):
    """Run every browser-suite scenario in Chromium; [(case, console line, DevTools corsError)]."""
    records = []
    browser = launch(playwright)
    try:
        pages = Pages(browser.new_context())
        for case in MATRIX + FUZZ:
            trace = new_trace("explain-" + case.name)
            seen = pages.at(topology.SERVICES[case.page].origin).fetch(
                case.url(trace), key=f"trace={trace}", method=case.method, headers=case.headers,
                credentials=case.credentials, mode=case.mode, body=case.body, cache=case.cache)
            for line in seen.console:
                if BLOCKED_MARK in line:
                    name = (seen.cors_error or {}).get("corsError")
                    records.append({"case": case.name, "line": line, "devtools": name})
    finally:
        browser.close()
    path = tmp_path_factory.mktemp("explain") / "console-lines.json"
    path.write_text(json.dumps(records, indent=1))
    return records


def test_explain_names_every_chromium_console_line_as_devtools_does(console_lines):
    """Chromium's console line -> explain -> the CorsError name DevTools reported for that request."""
    assert len(console_lines) >= 40, "the browser scenarios should produce many CORS failures"
    wrong = []
    for record in console_lines:
        try:
            got = explain.explain(record["line"]).error
        except Exception as exc:  # an unreadable line is a failure to report, not to raise
            got = f"unreadable: {exc}"
        right = got == record["devtools"]
        count("explain: Chromium console lines named right", right)
        if not right:
            wrong.append(f"{record['case']}: explain {got!r}, DevTools {record['devtools']!r}: {record['line']}")
    assert not wrong, "\n".join(wrong)
