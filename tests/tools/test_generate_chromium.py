"""A sample of generated configs in real Chromium: what the model says, the browser does.

Each product's config for the lab's policy (corslab/stack/policy.py) runs in its emulator (nginx: real
nginx) in front of the stack's API. A page at the app origin and a page at the untrusted origin
(the stack's playground pages) send a credentialed PUT with JSON and X-Trace-Id - a preflight,
then the request, answered 404 by the API (an error response must carry the CORS headers too).
Chromium's outcome must equal the probe's (corslab.fetch.model): allowed for the listed origin, blocked
for the other. ALB is sampled with one origin (its one static value).
"""

import uuid

import pytest

from corslab.tools import generate
from corslab.probing import probe
from corslab.stack import topology
from tests.browser.conftest import Pages, launch
from tests.tools.conftest import count

SAMPLE = ["nginx", "ingress-nginx", "gateway-api", "kong", "istio", "alb", "apigw-http"]
HEADERS = (("Content-Type", "application/json"), ("X-Trace-Id", "t"))


@pytest.fixture(scope="module")
def pages(stack, playwright):
    browser = launch(playwright)
    context = browser.new_context()
    yield Pages(context)
    context.close()
    browser.close()


@pytest.mark.parametrize("product", SAMPLE)
def test_generated_config_in_chromium_allows_the_listed_origin_and_blocks_the_other(product, pages):
    lab = generate.lab_policy()
    origins = lab.origins[:1] if product == "alb" else lab.origins
    policy = generate.make_policy(origins, lab.methods, lab.headers, lab.expose, lab.credentials, lab.max_age)
    api = topology.SERVICES["api"]
    with generate.running(product, generate.generate(product, policy), f"http://127.0.0.1:{api.port}") as url:
        for origin, listed in ((topology.APP_ORIGIN, True), (topology.UNTRUSTED_ORIGIN, False)):
            trace = uuid.uuid4().hex[:10]
            target = f"{url}/v1/users/999?trace={trace}"
            seen = pages.at(origin).fetch(target, key=f"trace={trace}", method="PUT", headers=HEADERS,
                                          credentials="include", body='{"name": "x"}')
            model = probe.probe(target, origin, "PUT", list(HEADERS), "include", body='{"name": "x"}')
            right = seen.readable == model.allowed == listed
            count("generate: Chromium sample agreeing with the model and the policy", right)
            assert right, (product, origin, seen.console, seen.result, model.reason)
            if listed:
                assert seen.result["status"] == 404  # the API's error, readable: headers on errors
