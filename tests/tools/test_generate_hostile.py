"""``generate`` under hostile input: it writes exactly the policy, or refuses in one line.

The corpus (``data/generate_hostile.json``) holds arguments an attacker or a careless paste would
give: origins that are not serialised origins (URL standard, "serialization of an origin"; Fetch's
``Origin`` header), CR/LF, NUL, U+2028/U+0085, quotes, ``;``, ``}``, ``$``, ``#``, YAML anchors,
aliases and tags, regex metacharacters, very long and very many values, upstreams that carry nginx
directives. Every case runs against all seven products:

- ``expect: refused``: every product refuses with one line, before writing anything;
- ``expect: valid``: a product may refuse (its documented limits), or prints a config that is then
  run in the product's emulator *by this test* and asked from outside with every origin of
  ``corslab.fetch.attacks.attack_origins``: only the policy's origins may get their origin back.

The figures (refused / accepted / let an extra origin through) are printed at the end of the run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corslab.errors import CorsLabError
from corslab.fetch.attacks import attack_origins
from corslab.tools import generate, generate_cli
from tests.emulate.conftest import Emulator
from tests.tools.conftest import count, send

CORPUS = json.loads((Path(__file__).parent / "data" / "generate_hostile.json").read_text())["cases"]
REPO = Path(__file__).resolve().parents[2]


def parse(product: str, args: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="corslab generate")
    generate_cli.add_arguments(parser)
    return parser.parse_args([product, *args])


def run_generate(product: str, args: list[str]) -> tuple[str | None, str | None, float]:
    """(config, refusal line, seconds) as ``python -m corslab generate`` would produce them."""
    start = time.perf_counter()
    try:
        text = generate_cli.config_text(parse(product, args))
        return text, None, time.perf_counter() - start
    except CorsLabError as exc:
        return None, str(exc), time.perf_counter() - start


def reflected(url: str, origin: str) -> bool:
    """Whether a preflight or a GET from ``origin`` gets ``origin`` (or ``*``) back: Fetch's CORS check."""
    for method, headers in (("OPTIONS", {"Origin": origin, "Access-Control-Request-Method": "GET"}),
                            ("GET", {"Origin": origin})):
        _, got = send(url, method, headers)
        if any(k == "access-control-allow-origin" and v in (origin, "*") for k, v in got):
            return True
    return False


def origins_of(args: list[str]) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--origin"]


@pytest.mark.parametrize("case", [c for c in CORPUS if c["expect"] == "refused"], ids=lambda c: c["name"])
def test_hostile_arguments_are_refused_in_one_line_by_every_product(case):
    for product in generate.PRODUCTS:
        text, refusal, _ = run_generate(product, case["args"])
        assert text is None, f"{product} printed a config for {case['name']}"
        assert refusal and "\n" not in refusal and "\r" not in refusal, refusal
        assert refusal.isprintable() and refusal.isascii(), refusal  # control characters never raw
        count("generate hostile corpus: refused", True)


@pytest.mark.parametrize("case", [c for c in CORPUS if c["expect"] == "valid"], ids=lambda c: c["name"])
def test_unusual_valid_arguments_give_a_config_that_lets_only_the_policy_through(case, upstream, tmp_path):
    allowed = origins_of(case["args"])
    # generate itself asks with every attack on every origin; asked again here from outside, with
    # the first two attacks of each kind on each origin (the whole list would take a minute here)
    by_kind: dict[tuple[str, str], list[str]] = {}
    for a in attack_origins(allowed):
        by_kind.setdefault((a.kind, a.target), []).append(a.origin)
    attacks = [o for origins in by_kind.values() for o in origins[:2]]
    for product in generate.PRODUCTS:
        text, refusal, _ = run_generate(product, case["args"])
        if text is None:
            assert "\n" not in refusal
            count("generate hostile corpus: refused", True)
            continue
        config = tmp_path / f"{product}.{generate.SUFFIX[product]}"
        config.write_text(text)
        emu = Emulator(product, config, upstream.url)
        try:
            leaked = [o for o in attacks if reflected(emu.url, o)]
            assert leaked == [], f"{product} let {leaked[:3]} through"
            if product != "alb":  # ALB's one static origin: every caller gets it (no reflection)
                assert all(reflected(emu.url, o) for o in allowed), product
        finally:
            emu.stop()
        count("generate hostile corpus: accepted", True)
        count("generate hostile corpus: let an extra origin through (must be 0)", not leaked)


@pytest.mark.parametrize("args", [
    ["--origin", "https://app.example.com?"],
    ["--origin", "https://app.example.com", "--upstream", "http://127.0.0.1:8095\n}\nserver { listen 9; }"],
    ["--origin", "https://app.example.com", "--max-age", "1e3"],
])
def test_the_cli_refuses_on_one_stderr_line_and_prints_nothing(args):
    done = subprocess.run([sys.executable, "-m", "corslab", "generate", "kong", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- the three holes found by hand, and the check that stands behind every config ---------------

APP = "https://app.example.com"


@pytest.mark.parametrize("product", generate.PRODUCTS)
def test_an_origin_with_a_stray_question_mark_is_refused_by_every_product(product):
    """'https://app.example.com?' once became Kong's regex ^https://app\\.example\\.com?$, which
    admits https://app.example.co with credentials, and an ingress-nginx annotation its validator
    refuses (controller fallback: *). An origin has no query (URL standard, origin serialisation)."""
    with pytest.raises(CorsLabError) as exc:
        generate.generate(product, generate.make_policy([APP + "?"], credentials=True))
    assert "\n" not in str(exc.value)


def test_a_newline_in_upstream_cannot_write_nginx_directives():
    """A newline in --upstream once went into the "# Generated by:" comment (a URL parser drops
    the newline, so the URL looked valid) and started a live nginx line: a server that reflects
    every Origin."""
    hostile = ("http://127.0.0.1:8095/\nserver { listen 9999; location / { add_header "
               "Access-Control-Allow-Origin $http_origin always; return 204; } }\n#")
    with pytest.raises(CorsLabError) as exc:
        generate.generate("nginx", generate.make_policy([APP], upstream=hostile))
    assert "\n" not in str(exc.value) and "--upstream" in str(exc.value)


# Configs as a broken generator would write them: each one lets other origins through.
LEAKY = {
    "kong": lambda text: text.replace("\\\\.", "."),  # Kong's regex with its dots unescaped
    "nginx": lambda text: text.replace("add_header Access-Control-Allow-Origin      $cors_origin",
                                       "add_header Access-Control-Allow-Origin      $http_origin"),
    "ingress-nginx": lambda text: text.replace(f'cors-allow-origin: "{APP}"', f'cors-allow-origin: "{APP}?"'),
    "istio": lambda text: text.replace(f'- exact: "{APP}"', '- prefix: "https://app"'),
    "gateway-api": lambda text: text.replace(f'allowOrigins: ["{APP}"]', 'allowOrigins: ["https://*"]'),
    "apigw-http": lambda text: text.replace(f'AllowOrigins: ["{APP}"]', 'AllowOrigins: ["*"]'),
    "alb": lambda text: text.replace(f'Value: "{APP}"', 'Value: "*"'),
}


@pytest.mark.parametrize("product", LEAKY)
def test_a_config_that_lets_another_origin_through_is_caught_in_the_emulator(product):
    """The last line of defence: whatever the text, it is run in the product's emulator and asked
    with attack_origins before anything is printed (ingress-nginx's annotation fallback to * is the
    controller's, main.go)."""
    policy = generate.make_policy([APP])
    good = generate.GENERATORS[product](policy)
    leaky = LEAKY[product](good)
    assert leaky != good
    assert generate.differences(policy, generate.observe(product, good, policy)) is None
    problem = generate.differences(policy, generate.observe(product, leaky, policy))
    assert problem and problem.startswith("lets "), problem


def test_generate_refuses_a_leaky_generator_in_one_line(monkeypatch):
    monkeypatch.setitem(generate.GENERATORS, "kong", lambda p: LEAKY["kong"](generate.kong(p)))
    with pytest.raises(CorsLabError) as exc:
        generate.generate("kong", generate.make_policy([APP], credentials=True))
    assert str(exc.value).startswith("refused: in the kong emulator this config lets ")
    assert "\n" not in str(exc.value)


def test_the_policy_line_is_what_the_emulator_answered():
    """ingress-nginx sends its default Access-Control-Allow-Headers when cors-allow-headers is not
    set (main.go defaultCorsHeaders): the Policy line says so, though no --header was given."""
    text = generate.generate("ingress-nginx", generate.make_policy([APP]))
    line = text.splitlines()[1]
    assert line.startswith(f"# Policy: origins {APP} - methods GET, POST - headers DNT, Keep-Alive")
    assert line.endswith("(what the emulator answered)")


def test_ingress_nginx_refuses_a_name_its_annotation_validator_would_replace_by_the_default():
    """main.go: a cors-allow-headers value its validator refuses silently becomes the default list
    (DNT, Keep-Alive, ...): generate refuses by name instead of writing a config that says another thing."""
    with pytest.raises(CorsLabError) as exc:
        generate.generate("ingress-nginx", generate.make_policy([APP], headers=["X-A'b"]))
    assert "annotation validator refuses --header 'X-A'b'" in str(exc.value)
