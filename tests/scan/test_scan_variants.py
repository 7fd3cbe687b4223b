"""Other ways of planting each class: the scanner judges the answers, not one known target.

Each server is written the way real code gets an allowlist wrong (Python's str methods, regexes
without anchors or escapes, lists with `null`, a proxy that reflects, error handlers that skip
CORS, two layers adding the header). What a browser allows is Fetch's CORS check.
"""

from __future__ import annotations

import re

import pytest

from corslab.tools.scan import scan
from tests.scan.targets import ADMIN, TRUSTED, api, exact, reflecting_proxy, regex

VARIANTS = [
    # (what the code does, server, trusted, a finding id it must report, its severity)
    ("re.match without $ and unescaped dots", api(lambda o: o if re.match(r"http://app.example.test", o) else None),
     "unescaped-dot", "high"),
    ("re.match without $", api(lambda o: o if re.match(r"http://app\.example\.test", o) else None),
     "prefix-match", "high"),
    ("str.endswith on the host", api(lambda o: o if o.endswith("app.example.test") else None),
     "suffix-match", "high"),
    ("str.endswith on the registrable domain", api(lambda o: o if o.endswith(".example.test") else None),
     "subdomain-allowed", "high"),
    ("str.startswith", api(lambda o: o if o.startswith(TRUSTED) else None), "prefix-match", "high"),
    ("`origin in 'a b'` on a string", api(lambda o: o if o in f"{TRUSTED},{ADMIN}" else None),
     "substring-match", "high"),
    ("`trusted in origin`", api(lambda o: o if "app.example.test" in o else None), "prefix-match", "high"),
    ("an allowlist containing null", api(exact(TRUSTED, ADMIN, "null")), "null-origin-allowed", "high"),
    ("a reflecting proxy before a correct app", reflecting_proxy(api(exact(TRUSTED))), "origin-reflected", "high"),
    ("reflection without credentials", api(lambda o: o, credentials=False), "origin-reflected", "medium"),
    ("case-insensitive regex with a free subdomain",
     api(regex(r"^https?://(.+\.)?app\.example\.test$", re.I)), "subdomain-allowed", "high"),
    ("a port-agnostic regex", api(regex(r"^http://app\.example\.test(:[0-9]+)?$")), "other-port-allowed", "low"),
    ("any TLD", api(regex(r"^http://app\.example\.\w+$")), "other-domain-allowed", "high"),
    ("dev origins left in", api(exact(TRUSTED, "http://localhost:3000", "http://127.0.0.1:3000")),
     "localhost-allowed", "high"),
    ("codepen for demos", api(exact(TRUSTED, "https://codepen.io")), "third-party-origin-allowed", "high"),
    ("vercel previews", api(regex(r"^(http://app\.example\.test|https://.*\.vercel\.app)$")),
     "third-party-origin-allowed", "high"),
    ("a host regex that lets separators through", api(regex(r"^http://app\.example\.test[^.:/]*\.evil\.test$|^http://app\.example\.test$")),
     "special-characters", "high"),
    ("`*` with credentials", api(lambda o: "*" if o else None), "wildcard-with-credentials", "medium"),
    ("`*` for a public API", api(lambda o: "*", credentials=False), "wildcard-origin", "low"),
    ("an exact allowlist without Vary", api(exact(TRUSTED, ADMIN), vary=False), "missing-vary", "medium"),
    ("preflight grants `*` methods and headers", api(lambda o: "*", credentials=False, allow_headers="*"),
     "preflight-reflects-request", "low"),
    ("app and proxy both add the exact origin", api(lambda o: [o, o] if o in (TRUSTED, ADMIN) else None),
     "duplicate-acao", "low"),
    ("a comma list of origins", api(lambda o: f"{TRUSTED}, {ADMIN}" if o else None, credentials=False),
     "duplicate-acao", "low"),
    ("a space list of origins", api(lambda o: f"{TRUSTED} {ADMIN}" if o else None, credentials=False),
     "invalid-acao", "low"),
    ("ACAO with a trailing slash", api(lambda o: TRUSTED + "/" if o else None), "invalid-acao", "low"),
    ("`null` for every refusal", api(lambda o: o if o == TRUSTED else "null"), "null-acao-on-refusal", "low"),
    ("a 401 without CORS headers", api(exact(TRUSTED), errors_with_cors=False, login_required=True),
     "error-without-cors", "low"),
    ("a 404 without CORS headers", api(exact(TRUSTED), errors_with_cors=False), "error-without-cors", "low"),
    ("a 401 for a bad token without CORS headers",
     api(exact(TRUSTED), bare=(401,), token_checked=True), "error-without-cors", "low"),
    ("a port of a dev server left in", api(exact(TRUSTED, "http://localhost:5173")), "localhost-allowed", "high"),
    ("Private Network Access granted to everyone", api(exact(TRUSTED), private_network=True),
     "private-network-allowed", "low"),
    ("Private Network Access and reflection", api(lambda o: o, private_network=True),
     "private-network-allowed", "medium"),
]


@pytest.mark.parametrize("what, app, fid, severity", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_variant_is_named(what, app, fid, severity, serve):
    found = {f.id: f.severity for f in scan(serve(app) + "/v1/me", [TRUSTED])}
    assert found.get(fid) == severity, found


@pytest.mark.parametrize("app", [
    api(exact(TRUSTED, ADMIN)),
    api(regex(r"^http://(app|admin)\.example\.test$")),
    api(lambda o: o if o in {TRUSTED, ADMIN} else None, allow_methods="GET, PUT, DELETE"),
], ids=["exact list", "anchored escaped regex", "set membership"])
def test_correct_allowlists_written_three_ways_raise_nothing(app, serve):
    assert scan(serve(app) + "/v1/me", [TRUSTED, ADMIN]) == []
