"""The tools widgets, built headless (no kernel, no JavaScript) as nbclient builds them.

explain_box's words come from corslab.tools.explain (tested against the model and Chromium in
test_explain*.py); generate_box's verdicts from the kit's probe against the generated config
running in its emulator (nginx: real nginx) - the expectation is the policy itself: a listed
origin allowed, any other blocked.
"""

import pytest

from corslab.tools import generate
from corslab.fetch import reasons
from corslab.stack import topology
from corslab.widgets.tools import explain_box, generate_box


def test_explain_box_renders_the_name_fixes_and_probe_on_construction():
    line = reasons.console_message("http://localhost:8081/v1/users", topology.APP_ORIGIN,
                                   reasons.header_disallowed("x-trace-id"))
    box = explain_box(line)
    html = box._repr_mimebundle_()["text/html"]
    assert "HeaderDisallowedByPreflightResponse" in html
    for setup in ("flask-cors", "nginx", "ingress-nginx", "kong", "istio", "alb", "apigw-http"):
        assert f"<b>{setup}</b>" in html
    assert "python -m corslab probe http://localhost:8081/v1/users" in html


def test_explain_box_without_a_message_shows_how_to_use_it_and_bad_input_is_one_line():
    box = explain_box()
    assert "Paste the red line" in box.result.value
    box.message.value = "not a console line"
    box.click()
    assert "corslab-error" in box.result.value and "cannot read" in box.result.value


@pytest.mark.parametrize("product", ["nginx", "istio"])
def test_generate_box_runs_the_config_and_shows_the_browser_verdicts(product, upstream):
    box = generate_box(product, upstream=upstream.url)
    html = box.result.value
    assert "corslab-generate" in html, html
    policy = generate.lab_policy()
    for origin in policy.origins:
        assert f"<td style='text-align:left;padding:3px 8px;vertical-align:top'>{origin}</td>" in html
    assert html.count("<b>allowed</b>") == len(policy.origins)
    assert html.count("<b>blocked</b>") == 1  # the lab's untrusted origin
    assert "#ffebee" not in html  # no verdict differs from the policy


def test_generate_box_shows_a_products_refusal_as_one_line(upstream):
    box = generate_box("alb", upstream=upstream.url)  # the lab policy has two origins
    assert "corslab-error" in box.result.value and "ONE static" in box.result.value
    box.origins.value = topology.APP_ORIGIN
    box.click()
    assert box.result.value.count("<b>allowed</b>") == 1
