"""``generate``: every product x a matrix of policies, run in the product's emulator, checked from outside.

For each (product, policy) the generated text is written to a file and run as is with
``python -m corslab emulate PRODUCT FILE`` (nginx: real nginx) in front of a real upstream. Then:

- the kit's probe (Fetch's CORS-preflight fetch and CORS check, decided by corslab.fetch.model) sends what a
  page at each allowed origin would send - the policy's method, request headers and credentials -
  and must be allowed; a page at another origin must be refused;
- raw requests check the exact headers: an allowed origin gets exactly its origin back, once (also
  on a 500); another origin gets no Access-Control-Allow-Origin (ALB: its one static origin, which
  the browser refuses - the product's documented limit); the preflight lists the methods and
  headers and is answered at the edge (the upstream never sees it); ``Vary`` contains Origin where
  the answer depends on Origin (ingress-nginx cannot add it: the config says so);
- the upstream's own CORS headers never leak to a refused origin nor duplicate ours, where the
  product can remove them (nginx proxy_hide_header, Istio/HTTPRoute response header removal, HTTP
  API's documented "ignores CORS headers returned from your backend integration", Kong's clearing
  of ACAO);
- the scanner (corslab.tools.scan: look-alike, null, other-scheme and subdomain Origins) finds nothing
  high or medium, except ingress-nginx's missing Vary (medium), the limit its config states;
- a policy the product cannot state is refused with one line (ALB: one static origin; Kong,
  Istio, HTTPRoute: their method enums; Istio, HTTPRoute: max-age 0).

Product behaviour comes from each emulator's sources (see their module docstrings).
"""

import pytest

from corslab.tools import generate
from corslab.probing import probe
from corslab.errors import CorsLabError
from tests.emulate.conftest import Emulator
from tests.tools.conftest import count, send

EVIL = "http://evil.example"
POLICIES = {
    "one-origin": dict(origins=["http://localhost:3000"]),
    "two-origins-credentials": dict(origins=["http://localhost:3000", "http://localhost:3001"],
                                    methods=["GET", "POST", "PUT", "DELETE"],
                                    headers=["Content-Type", "X-Trace-Id"], expose=["X-Request-Id"],
                                    credentials=True, max_age=600),
    "https-port-patch": dict(origins=["https://app.example.com:8443"], methods=["PATCH"],
                             headers=["Authorization"], credentials=True, max_age=0),
    "three-origins-expose": dict(origins=["https://a.example.com", "https://b.example.com", "http://127.0.0.1:5173"],
                                 methods=["PUT"], headers=["X-Api-Key", "Content-Type"],
                                 expose=["X-Request-Id", "ETag"], max_age=7200),
    "custom-method": dict(origins=["https://app.example.com"], methods=["PURGE"], headers=["X-Trace-Id"]),
}
ENUM_METHODS = {"kong": generate.KONG_METHODS, "istio": generate.ISTIO_METHODS, "gateway-api": generate.ISTIO_METHODS}
CASES = [(product, name) for product in generate.PRODUCTS for name in POLICIES]


def refusal_expected(product: str, spec: dict) -> bool:
    """The products' documented limits (generate's module docstring)."""
    if product == "alb" and len(spec["origins"]) > 1:
        return True
    if product in ("istio", "gateway-api") and spec.get("max_age") == 0:
        return True
    return product in ENUM_METHODS and any(m not in ENUM_METHODS[product] for m in spec.get("methods", []))


def values(headers, name):
    return [v for k, v in headers if k == name]


@pytest.mark.parametrize("product,name", CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_generated_config_behaves_as_the_policy_says_in_the_products_emulator(product, name, upstream, tmp_path):
    spec = POLICIES[name]
    policy = generate.make_policy(spec["origins"], spec.get("methods", ()), spec.get("headers", ()),
                                  spec.get("expose", ()), spec.get("credentials", False), spec.get("max_age"))
    if refusal_expected(product, spec):
        with pytest.raises(CorsLabError) as exc:
            generate.generate(product, policy)
        assert "\n" not in str(exc.value)
        count("generate: policies refused as documented", True)
        return
    config = tmp_path / f"cors.{generate.SUFFIX[product]}"
    config.write_text(generate.generate(product, policy))
    emu = Emulator(product, config, upstream.url)
    try:
        problems = check(product, policy, emu.url, upstream)
    finally:
        assert emu.stop() == 0
    count("generate: product x policy behaving as the policy says", not problems)
    assert not problems, "\n".join(problems)


def check(product, policy, base, upstream) -> list[str]:
    problems = []
    upstream.seen.clear()
    credentials = "include" if policy.credentials else "omit"
    method = policy.methods[-1]
    headers = [(h, "1" if h != "Content-Type" else "application/json") for h in policy.headers]
    vary_needed = product not in ("alb",)  # ALB's one static answer does not depend on Origin
    for origin in policy.origins:
        # 1. A page at an allowed origin: the kit's probe decides like the browser.
        result = probe.probe(base + "/v1/users", origin, method, headers, credentials)
        if not result.allowed:
            problems.append(f"{origin} {method}: refused: {result.reason}")
            continue
        if result.preflight is not None:
            pf = result.preflight.headers
            acam = {m.strip() for v in values(pf, "access-control-allow-methods") for m in v.split(",")}
            acah = {h.strip().lower() for v in values(pf, "access-control-allow-headers") for h in v.split(",")}
            if not set(policy.methods) <= acam:
                problems.append(f"preflight lists methods {sorted(acam)}, not all of {policy.methods}")
            if not {h.lower() for h in policy.headers} <= acah:
                problems.append(f"preflight lists headers {sorted(acah)}, not all of {policy.headers}")
            if policy.max_age is not None and values(pf, "access-control-max-age") != [str(policy.max_age)]:
                problems.append(f"preflight max-age {values(pf, 'access-control-max-age')}, not {policy.max_age}")
            if any(r["method"] == "OPTIONS" for r in upstream.seen):
                problems.append("the preflight reached the upstream instead of being answered at the edge")
        aceh = {h.strip().lower() for v in values(result.response.headers, "access-control-expose-headers")
                for h in v.split(",")}
        if not {h.lower() for h in policy.expose} <= aceh:
            problems.append(f"Access-Control-Expose-Headers {sorted(aceh)}, not all of {policy.expose}")
        # 2. Exact headers on an actual response, an error, and with the upstream's own CORS headers.
        for path in ("/v1/users", "/v1/users?status=500", "/v1/users?upstream_cors=1"):
            status, got = send(base + path, "GET", {"Origin": origin})
            if values(got, "access-control-allow-origin") != [origin]:
                problems.append(f"{origin} GET {path} ({status}): ACAO {values(got, 'access-control-allow-origin')}")
            acac = values(got, "access-control-allow-credentials")
            if policy.credentials and acac != ["true"]:
                problems.append(f"{origin} GET {path}: ACAC {acac}, expected ['true']")
            if vary_needed and product != "ingress-nginx" and not any(
                    "origin" in v.lower() for v in values(got, "vary")):
                problems.append(f"{origin} GET {path}: no Vary: Origin ({values(got, 'vary')})")
        upstream.seen.clear()
    # 3. A page at another origin.
    result = probe.probe(base + "/v1/users", EVIL, method, headers, credentials)
    if result.allowed:
        problems.append(f"{EVIL} was allowed")
    paths = ["/v1/users", "/v1/users?status=404"]
    if product != "ingress-nginx" and product != "alb":  # they cannot remove the upstream's headers
        paths.append("/v1/users?upstream_cors=1")
    for path in paths:
        _, got = send(base + path, "GET", {"Origin": EVIL})
        acao = values(got, "access-control-allow-origin")
        if product == "alb":
            if acao != [policy.origins[0]]:
                problems.append(f"ALB: ACAO {acao}, expected its one static origin")
        elif acao:
            problems.append(f"{EVIL} GET {path}: ACAO {acao}")
    _, got = send(base + "/v1/users", "OPTIONS", {"Origin": EVIL, "Access-Control-Request-Method": method})
    if product != "alb" and values(got, "access-control-allow-origin"):
        problems.append(f"{EVIL} preflight: ACAO {values(got, 'access-control-allow-origin')}")
    # 4. The scanner (an attacker's Origin values) finds nothing high or medium - except the one
    #    limit ingress-nginx's config states: no Vary: Origin without snippet annotations.
    from corslab.tools.scan import scan

    serious = {(f.severity, f.id) for f in scan(base + "/v1/users", trusted=policy.origins)
               if f.severity in ("high", "medium")}
    stated = {("medium", "missing-vary")} if product == "ingress-nginx" else set()
    count("generate: scanned with nothing high/medium beyond the product's stated limit", serious <= stated)
    if not serious <= stated:
        problems.append(f"scanner: {sorted(serious - stated)}")
    return problems


def test_alb_refuses_several_origins_with_one_line_on_stderr():
    """generate's documented choice for ALB's one static origin: refuse, exit 2, one line."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "corslab", "generate", "alb", "--origin", "https://a.example",
                             "--origin", "https://b.example"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ONE static Access-Control-Allow-Origin" in lines[0]


@pytest.mark.parametrize("args,fragment", [
    (["--origin", "*"], "exact allowlists"),
    (["--origin", "https://app.example.com/"], "no path"),
    (["--origin", "HTTPS://APP.example.com"], "lower case"),
    (["--origin", "https://app.example.com:443"], "default port"),
    (["--origin", "app.example.com"], "must start with http:// or https://"),
    (["--origin", "https://a.example", "--method", "CONNECT"], "never let a page send"),
    (["--origin", "https://a.example", "--header", "X-A: 1"], "is not a name"),
    (["--origin", "https://a.example", "--max-age", "90000"], "0 to 86400"),
])
def test_a_policy_no_config_should_state_is_one_clear_line(args, fragment):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "corslab", "generate", "nginx", *args],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_policy_options_generate_the_labs_own_policy():
    """``generate PRODUCT`` alone states corslab/stack/policy.py: the same policy as the stack's methods."""
    import subprocess
    import sys

    from corslab.stack import policy

    out = subprocess.run([sys.executable, "-m", "corslab", "generate", "istio"], capture_output=True,
                         text=True, timeout=30).stdout
    for origin in policy.ALLOWED_ORIGINS:
        assert f'exact: "{origin}"' in out
    assert "allowCredentials: true" in out and f'maxAge: "{policy.MAX_AGE}s"' in out
