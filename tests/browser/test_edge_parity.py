"""Hand-picked edge cases the wide fuzz (seeds from 1000) found, each checked in Chromium.

The same five-way comparison as the matrix (test_cors_matrix.compare_with_chromium): allowed,
preflight, exposed, wire, reason. Each case is the smallest request that showed a difference
before the model was fixed; the unit tests beside the fixes name the Chromium file or Fetch step.
"""

from __future__ import annotations

import pytest

from corslab.stack import topology
from tests.browser.test_cors_matrix import Case, compare_with_chromium

APP = topology.APP_ORIGIN
INT64 = 2**63 - 1
# Safelisted values adding up to 1022 bytes: under 1024 as the page wrote them, over it once
# fetch() adds `Accept: */*` (Fetch "fetch"), so every name is preflighted.
NEAR_1024 = (("Accept-Language", "b" * 128), ("Content-Language", "c" * 128), ("DPR", "1" * 128),
             ("Width", "2" * 128), ("Viewport-Width", "3" * 128), ("RTT", "4" * 128),
             ("Device-Memory", "5" * 128), ("Intervention", "i" * 126))
UNDER_1024 = NEAR_1024[:-1] + (("Intervention", "i" * 123),)  # 1019 + 3 = 1022: no preflight

CASES = [
    Case("range-start-int64-max-minus-one", "frontend", "echo", "/e?acao=*",
         headers=(("Range", f"bytes={INT64 - 1}-"),)),
    Case("range-end-int64-max-minus-one", "frontend", "echo", "/e?acao=*",
         headers=(("Range", f"bytes=0-{INT64 - 1}"),)),
    Case("range-start-int64-max-preflights", "frontend", "echo", "/e?acao=*",
         headers=(("Range", f"bytes={INT64}-"),)),
    Case("range-end-int64-max-preflights", "frontend", "echo", "/e?acao=*",
         headers=(("Range", f"bytes=0-{INT64}"),)),
    # acah=*: allowed after a preflight whose Access-Control-Request-Headers lists accept too.
    Case("safelisted-1022-bytes-plus-default-accept-preflights", "frontend", "echo",
         "/e?acao=*&acah=*", headers=NEAR_1024),
    Case("safelisted-1019-bytes-plus-default-accept-no-preflight", "frontend", "echo",
         "/e?acao=*", headers=UNDER_1024),
    Case("safelisted-1022-bytes-with-own-accept", "frontend", "echo", "/e?acao=*",
         headers=NEAR_1024[:-1] + (("Intervention", "i" * 125), ("Accept", "*"))),
    Case("acao-http-one-slash-is-a-mismatch", "frontend", "echo",
         "/e?acao=" + APP.replace("http://", "http:/")),
    Case("acao-http-no-slash-is-a-mismatch", "frontend", "echo",
         "/e?acao=" + APP.replace("http://", "http:")),
    Case("acao-http-backslashes-is-a-mismatch", "frontend", "echo",
         "/e?acao=" + APP.replace("http://", "http:%5C%5C")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_edge_case_model_verdict_equals_chromium(case: Case, pages, logged_in, parity):
    """Fetch "fetch" (default Accept), #cors-unsafe-request-header-names (1024 bytes),
    #simple-range-header-value, #concept-cors-check - as Chromium 156 applies them."""
    compare_with_chromium(case, pages, logged_in, parity)
