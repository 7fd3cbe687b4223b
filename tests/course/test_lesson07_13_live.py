"""The helpers notebooks 07-13 share (corslab.course.live): a product's config on a free port,
the raw exchange, generated configs, tables - and their errors as one clear line."""

import pytest

from corslab.stack import topology
from corslab.course import live
from corslab.errors import CorsLabError


def test_table_renders_as_text_and_html_without_dicts():
    t = live.table([["a", "allowed"], ["b", None]], ["origin", "verdict"], "caption")
    assert "origin" in str(t) and "allowed" in str(t)
    html = t._repr_html_()
    assert "<table" in html and "#2e7d32" in html and "{'" not in html and "None" not in html
    assert "tex2jax_ignore" in html  # a `$` in a cell (nginx variables) is never typeset as math


def test_an_empty_table_says_so_in_one_line():
    empty = live.table([], ["method"], "What reached api", empty="nothing reached api")
    assert str(empty) == "What reached api\nnothing reached api"
    assert "nothing reached api" in empty._repr_html_() and "<table" not in empty._repr_html_()


def test_generate_reports_a_policy_the_product_cannot_state():
    g = live.generate("alb", [topology.APP_ORIGIN, topology.ADMIN_ORIGIN])
    assert g.text is None and "ONE static" in g.error
    assert str(g).startswith("$ python -m corslab generate alb --origin")
    with pytest.raises(CorsLabError, match="nothing to run"):
        with live.emulate("alb", g):
            pass


def test_missing_config_is_one_clear_error():
    with pytest.raises(CorsLabError, match="does not exist"):
        with live.emulate("kong", "infra/kong/nope.yml"):
            pass


@pytest.mark.usefixtures("stack")
def test_emulator_on_a_free_port_answers_and_stops():
    with live.emulate("istio", "infra/istio/virtualservice.yaml") as base:
        answer = live.raw(base + "/v1/users", headers=[("Origin", topology.APP_ORIGIN)])
        port = int(base.rsplit(":", 1)[1])
    assert answer.status == 200 and answer.header("access-control-allow-origin") == topology.APP_ORIGIN
    assert "> Origin: " + topology.APP_ORIGIN in str(answer) and "< HTTP/1.1 200" in str(answer)
    from corslab.stack import ports
    assert ports.is_free(port)


@pytest.mark.usefixtures("stack")
def test_generated_config_runs_as_it_is():
    g = live.generate("kong", [topology.ADMIN_ORIGIN])
    with live.emulate("kong", g) as base:
        answer = live.raw(base + "/v1/users", headers=[("Origin", topology.ADMIN_ORIGIN)])
    assert answer.header("access-control-allow-origin") == topology.ADMIN_ORIGIN


@pytest.mark.usefixtures("stack")
def test_seen_follows_one_trace():
    trace = live.trace_id("t")
    live.raw(topology.origin("api") + f"/v1/users?trace={trace}")
    assert [e["method"] for e in live.seen("api", trace=trace)] == ["GET"]


@pytest.mark.usefixtures("stack")
def test_emulators_side_by_side():
    with live.emulate_many(("istio", "infra/istio/virtualservice.yaml"),
                           ("apigw-http", "infra/aws/apigw-http.json")) as (istio, apigw):
        answers = [live.raw(base + "/v1/users", headers=[("Origin", topology.ADMIN_ORIGIN)]) for base in (istio, apigw)]
    assert [a.header("access-control-allow-origin") for a in answers] == [topology.ADMIN_ORIGIN] * 2
