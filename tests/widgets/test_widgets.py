"""Every widget of corslab.widgets, built and clicked from Python against the running stack.

What a widget shows is checked against what the kit computes for the same scenario (corslab.probing.probe
and corslab.fetch.origins), never against a hard-coded verdict. nbclient runs no widget JavaScript, so
each widget must render its first result server-side: that is checked on the freshly built widget.
"""

from __future__ import annotations

import re

import pytest

from corslab.stack import policy, topology
from corslab.errors import CorsLabError
from corslab.widgets import (Scenario, cache_timeline, chromium_button, config_editor,
                             method_switcher, origin_comparer, playground_link, request_builder,
                             show, show_config)

pytestmark = pytest.mark.usefixtures("stack")
JSON = {"Content-Type": "application/json"}


def verdict_word(result) -> str:
    return "Allowed" if result.allowed else "Opaque" if result.opaque else "Blocked"


def no_raw_markdown(markup: str) -> bool:
    return "`" not in markup and "**" not in markup


# ---- request builder and show ---------------------------------------------------------------------

def test_request_builder_draws_the_verdict_and_the_sequence_picture_when_built():
    widget = request_builder("cors-proxy", "/v1/users/1", method="PUT", headers=JSON,
                             credentials="include", body='{"name": "ada"}')
    expected = Scenario("cors-proxy", "/v1/users/1", None, "PUT", JSON, "include", body='{"name": "ada"}').probe()
    markup = widget.result.value
    assert f"<b>{verdict_word(expected)}</b>" in markup
    assert [m for m in ("OPTIONS", "PUT") if f"<b>{m} /v1/users/1</b>" in markup] == \
        [e.method for e in expected.exchanges]  # one lane row per exchange on the wire
    assert "proxy <b>cors-proxy</b>" in markup
    assert no_raw_markdown(markup)
    assert "text/html" in widget._repr_mimebundle_()  # the headless fallback carries the picture


def test_request_builder_reruns_with_the_learners_changes():
    widget = request_builder("cors-proxy", "/v1/users")
    before = widget.result.value
    widget.origin.value = topology.UNTRUSTED_ORIGIN
    widget.click()
    expected = Scenario("cors-proxy", "/v1/users", topology.UNTRUSTED_ORIGIN).probe()
    assert widget.result.value != before and widget.runs == 2
    assert f"<b>{verdict_word(expected)}</b>" in widget.result.value
    if expected.console:
        assert expected.console.replace("'", "&#x27;") in widget.result.value
    assert topology.UNTRUSTED_ORIGIN in widget.link.value  # the playground link follows the form


def test_request_builder_shows_bad_input_as_one_line():
    widget = request_builder()
    widget.method.value = "PU T"
    widget.click()
    errors = re.findall(r"class='corslab-error'", widget.result.value)
    assert len(errors) == 1 and "valid HTTP method" in widget.result.value
    assert "Traceback" not in widget.result.value


def test_show_draws_any_probe_result():
    result = Scenario("api", "/v1/users").probe()
    markup = show(result)._repr_html_()
    assert f"<b>{verdict_word(result)}</b>" in markup and "backend <b>api</b>" in markup
    assert no_raw_markdown(markup)


# ---- method switcher ------------------------------------------------------------------------------

def rows_of(markup: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", markup)[1:]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]


def test_method_switcher_sends_one_scenario_through_every_method():
    widget = method_switcher("/v1/users", method="PUT", headers=JSON, credentials="include")
    rows = rows_of(widget.result.value)
    methods = sorted((s for s in topology.SERVICES.values() if s.method), key=lambda s: s.method)
    assert [r[1] for r in rows] == [s.name for s in methods] + ["api-appcors"]
    for row in rows:
        expected = Scenario(row[1], "/v1/users", None, "PUT", JSON, "include").probe()
        label = "allowed" if expected.allowed else "blocked"
        assert row[5] == label, (row, expected.report())
        assert row[2] == Scenario(row[1]).page_origin  # method 1: the page is on the proxy itself


def test_method_switcher_click_uses_the_new_origin():
    widget = method_switcher("/v1/users", method="GET", headers=(), credentials="omit")
    widget.origin.value = topology.UNTRUSTED_ORIGIN
    widget.click()
    rows = rows_of(widget.result.value)
    assert all(r[2] == topology.UNTRUSTED_ORIGIN for r in rows)
    for row in rows:
        expected = Scenario(row[1], "/v1/users", topology.UNTRUSTED_ORIGIN).probe()
        assert row[5] == ("allowed" if expected.allowed else "blocked")


# ---- origin comparer ------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    (topology.APP_ORIGIN + "/", topology.origin("cors-proxy") + "/v1/users"),
    (topology.APP_ORIGIN + "/", topology.UNTRUSTED_ORIGIN + "/"),
    ("http://example.com/", "http://example.com:80/x"),
    ("http://app.example.com/", "https://app.example.com/"),
])
def test_origin_comparer_says_same_origin_and_same_site_as_corslab_origins(a, b):
    """HTML §7.5 origin, same origin / schemeful same site (corslab.fetch.origins implements them)."""
    from corslab.fetch.origins import origin_of, same_origin, same_site

    markup = origin_comparer(a, b).result.value
    oa, ob = origin_of(a), origin_of(b)
    assert f"<b>Same origin (동일 출처)?</b> {'yes' if same_origin(oa, ob) else 'no'}" in markup
    assert f"<b>Same site?</b> {'yes' if same_site(oa, ob) else 'no'}" in markup


def test_origin_comparer_click_compares_the_new_urls():
    widget = origin_comparer(topology.APP_ORIGIN + "/", topology.APP_ORIGIN + "/x")
    assert "Same origin (동일 출처)?</b> yes" in widget.result.value
    widget.b.value = "https://localhost:3000/x"
    widget.click()
    assert "Same origin (동일 출처)?</b> no - the scheme differs" in widget.result.value
    widget.b.value = "not a url"
    widget.click()
    assert "corslab-error" in widget.result.value


# ---- preflight-cache timeline ---------------------------------------------------------------------

def test_cache_timeline_counts_max_age_against_the_services_answer():
    """Fetch #concept-cache: a preflight answer is reused until Max-Age runs out (Chromium caps it)."""
    widget = cache_timeline("cors-proxy")
    tl = widget.timeline
    assert tl.max_age == policy.MAX_AGE
    sent = [(t, r.preflight is not None, r.preflight_from_cache) for t, r in tl.events]
    assert sent[0] == (0, True, False)
    for t, was_sent, cached in sent[1:]:
        assert was_sent == (t >= tl.max_age) and cached == (not was_sent), sent
    assert any(t >= tl.max_age for t, *_ in sent)  # the timeline shows the expiry
    assert "<svg class='corslab-timeline'" in widget.result.value


def test_cache_timeline_click_waits_and_sends_again():
    widget = cache_timeline("echo", max_age=30)
    assert widget.timeline.max_age == 30
    n, now = len(widget.timeline.events), widget.timeline.now
    widget.wait.value = 40
    widget.click()
    t, last = widget.timeline.events[-1]
    assert len(widget.timeline.events) == n + 1 and t == now + 40
    previous_preflight = max(t for t, r in widget.timeline.events[:-1] if r.preflight is not None)
    assert (last.preflight is not None) == (t - previous_preflight >= 30)
    assert f"t = {t:g} s" in widget.result.value


def test_cache_timeline_refuses_a_max_age_the_service_does_not_choose():
    with pytest.raises(CorsLabError, match="use service='echo'"):
        cache_timeline("cors-proxy", max_age=5)


# ---- config editor and show_config ----------------------------------------------------------------

def test_show_config_reads_the_file_and_places_notes_beside_lines():
    path = "nginx/cors-proxy.conf"
    text = (topology_root() / path).read_text().splitlines()
    key = next(line for line in text if "map " in line).strip()
    view = show_config(path, {key: "the allowlist", 1: "first line"}, lines=(1, len(text)))
    markup = view._repr_html_()
    assert markup.count("<tr") == len(text)
    assert "tex2jax_ignore" in markup  # nginx's $variables are never typeset as math
    number = next(i for i, line in enumerate(text, 1) if key in line)
    assert re.search(rf">{number}</td><td[^>]*><code[^>]*>[^<]*</code></td><td[^>]*>the allowlist</td>", markup)
    with pytest.raises(CorsLabError, match="no line of"):
        show_config(path, {"no such text anywhere": "x"})
    with pytest.raises(CorsLabError, match="outside the repository"):
        show_config("../../etc/passwd")


def topology_root():
    from pathlib import Path

    return Path(topology.__file__).resolve().parents[2]


def test_config_editor_runs_the_learners_config_and_probes_it():
    """kong.yml's cors plugin (infra/kong/kong.yml) run by `python -m corslab emulate kong`."""
    widget = config_editor("kong", "infra/kong/kong.yml")
    rows = rows_of(widget.result.value)
    assert len(rows) == len(widget.scenarios)
    allowed_before = [r[6] for r in rows]
    # The learner removes the admin origin from the allowlist: the admin row turns blocked.
    assert topology.ADMIN_ORIGIN in widget.editor.value
    widget.editor.value = "\n".join(line for line in widget.editor.value.splitlines()
                                    if topology.ADMIN_ORIGIN not in line)
    widget.click()
    after = rows_of(widget.result.value)
    admin = [i for i, s in enumerate(widget.scenarios) if s.origin == topology.ADMIN_ORIGIN]
    assert admin and all(allowed_before[i] == "allowed" and after[i][6] == "blocked" for i in admin)


def test_config_editor_says_in_one_line_what_the_product_refuses():
    widget = config_editor("kong", "infra/kong/kong.yml")
    widget.editor.value = "_format_version: [not valid"
    widget.click()
    assert widget.result.value.count("corslab-error") == 1
    assert "kong refused this config" in widget.result.value
    assert "Traceback" not in widget.result.value


# ---- the real browser beside the model ------------------------------------------------------------

def test_playground_link_carries_the_scenario():
    from urllib.parse import parse_qs, urlsplit

    scenario = Scenario("gateway", "/v1/users", method="PUT", headers=JSON, credentials="include")
    href = re.search(r"href='([^']+)'", playground_link(scenario).value).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    assert f"{parts.scheme}://{parts.netloc}" == scenario.page_origin
    q = parse_qs(parts.query)
    assert q["url"] == [scenario.target] and q["method"] == ["PUT"]
    assert q["header"] == ["Content-Type: application/json"] and q["credentials"] == ["include"]


@pytest.mark.parametrize("scenario", [
    Scenario("cors-proxy", "/v1/users/1", method="PUT", headers=JSON, body='{"name": "ada"}'),
    Scenario("api", "/v1/users"),
    Scenario("cors-proxy", "/v1/users", origin=topology.UNTRUSTED_ORIGIN),
], ids=["allowed", "no-cors-at-all", "untrusted"])
def test_chromium_button_shows_chromiums_console_line_beside_the_model(scenario):
    from corslab.probing import browser

    if browser.unavailable():
        pytest.fail(browser.unavailable())
    button = chromium_button(scenario)
    assert button.result.value == ""  # Chromium runs only when asked
    button.click()
    markup = button.result.value
    assert "data-agree='true'" in markup, markup
    model = scenario.probe()
    if model.console:
        assert model.console.replace("'", "&#x27;") in markup  # Chromium printed the model's line


def test_chromium_button_says_in_one_line_why_it_cannot_run(monkeypatch):
    monkeypatch.setenv("CORSLAB_CHROMIUM", "/nonexistent/chromium")
    button = chromium_button(Scenario())
    button.click()
    assert "Chromium is not available here: CORSLAB_CHROMIUM=/nonexistent/chromium does not exist" \
        in button.result.value


def test_a_readable_error_status_is_not_shown_as_a_success():
    """CORS decides readability, not success: a PUT without an id is the API's 405 (servers/api.py)."""
    scenario = Scenario("cors-proxy", "/v1/users", None, "PUT", JSON, body='{"name": "ada"}')
    expected = scenario.probe()
    markup = request_builder("cors-proxy", "/v1/users", method="PUT", headers=JSON,
                             body='{"name": "ada"}').result.value
    flagged = expected.allowed and expected.response.status >= 400
    assert ("Readable, but not a success" in markup) == flagged
    assert flagged, expected.report()  # the scenario is chosen to show it


def test_config_editor_runs_the_stacks_nginx_template_in_real_nginx_or_says_why_not():
    """nginx/cors-proxy.conf is a template (${LISTEN}, ${API_UPSTREAM}); the editor fills it for
    `python -m corslab emulate nginx` (real nginx, `nginx -t` first), where that product exists."""
    from corslab.emulate import PRODUCTS

    widget = config_editor("nginx", "nginx/cors-proxy.conf")
    if "nginx" not in PRODUCTS:
        assert "cannot run nginx in this checkout" in widget.result.value
        return
    rows = rows_of(widget.result.value)
    for scenario, row in zip(widget.scenarios, rows):
        expected = scenario.probe()  # the stack runs the same file: the verdicts must match
        assert row[6] == ("allowed" if expected.allowed else "blocked"), (row, expected.report())
    widget.editor.value += "\nnot_a_directive on;\n"  # a typo nginx -t refuses, naming the line
    widget.click()
    assert widget.result.value.count("corslab-error") == 1
    assert "nginx refused this config" in widget.result.value
    assert "your copy of nginx/cors-proxy.conf" in widget.result.value
    assert "not_a_directive" in widget.result.value


def test_request_builder_takes_a_full_url_instead_of_a_service():
    url = topology.origin("echo") + "/demo?acao=" + topology.APP_ORIGIN
    widget = request_builder(url)
    expected = Scenario(url=url).probe()
    assert widget.url.value == url and f"<b>GET {url}</b>".replace("&", "&amp;") in widget.result.value
    assert f"<b>{verdict_word(expected)}</b>" in widget.result.value
    widget.url.value = ""  # back to service + path
    widget.click()
    assert f"<b>GET {topology.origin('cors-proxy')}/v1/users</b>" in widget.result.value


def test_config_editor_runs_the_learners_copy_with_the_stacks_port_offset(monkeypatch):
    """Under CORSLAB_PORT_OFFSET the stack runs shifted copies of its configs (topology.shift_text);
    the learner's edited copy of the same file must be shifted the same way, or its allowlist would
    name origins the shifted lab never uses."""
    from corslab.stack import topology
    from corslab.widgets.config import Emulated, repo_file

    text = repo_file("infra/kong/kong.yml").read_text(encoding="utf-8")
    monkeypatch.setattr(topology, "PORT_OFFSET", 100)
    shifted = Emulated("kong", text, ".yml").text
    assert shifted == topology.shift_text(text, 100) and shifted != text
    monkeypatch.setattr(topology, "PORT_OFFSET", 0)
    assert Emulated("kong", text, ".yml").text == text


# ---- pictures that fit at 1400 px, a visible start-over, an editor that teaches -----------------

def svg_box(markup: str, cls: str) -> tuple[float, float]:
    """The (width, height) of an SVG's viewBox, after checking it scales to its container."""
    svg = re.search(rf"<svg class='{cls}'[^>]*>", markup).group(0)
    assert "width='100%'" in svg and "height:auto" in svg and "max-width:" in svg, svg
    _, _, w, h = map(float, re.search(r"viewBox='([^']+)'", svg).group(1).split())
    return w, h


def test_origin_map_scales_to_its_container_and_keeps_every_label_inside():
    """An SVG with a viewBox and width 100% scales down instead of being cut off; each legend
    line fits the viewBox at a generous 6.2 px per character of 11 px text."""
    from corslab.widgets import origin_map

    markup = origin_map()._repr_html_()
    width, height = svg_box(markup, "corslab-origin-map")
    for x, y, size, text in re.findall(r"<text x='([\d.]+)' y='([\d.]+)' font-size='(\d+)'[^>]*>([^<]*)</text>", markup):
        assert float(y) <= height
        if int(size) == 11 and "font-family" not in text:
            assert float(x) + len(text) * 6.2 <= width + 1, text


def test_cache_timeline_scales_and_start_over_visibly_starts_over():
    widget = cache_timeline("echo", max_age=30)
    width, _ = svg_box(widget.result.value, "corslab-timeline")
    for x, attrs, text in re.findall(r"<text x='([\d.]+)'([^>]*)>([^<]*)</text>", widget.result.value):
        half = len(text) * 3.1 if "middle" in attrs else 0   # 10 px labels, ~6.2 px a character
        assert float(x) - half >= 0 and float(x) + (half or len(text) * 6.2) <= width, text
    assert len(widget.timeline.events) > 1
    widget.reset.click()
    assert [t for t, _ in widget.timeline.events] == [0]
    assert "Started over" in widget.result.value and "t = 0 s" in widget.result.value
    assert widget.result.value.count("<circle") == 1   # one dot on the picture: t = 0


def test_buttons_say_running_while_the_panel_runs_and_come_back():
    widget = request_builder("cors-proxy", "/v1/users", origin=topology.APP_ORIGIN)
    seen = []
    widget.button.observe(lambda change: seen.append(change["new"]), names="description")
    widget.click()
    assert seen == ["Running…", "Run"] and not widget.button.disabled


@pytest.mark.parametrize("edit, changed_rows", [
    ("remove every `always`", {"GET /v1/me"}),                 # the 401 loses its CORS headers
    ("`~*` instead of `~` (case-insensitive)", set()),         # browsers send lower case: no change
    ("drop the `$` anchors and echo `$http_origin`", {"look-alike"}),   # a port that starts like the app's
])
def test_config_editor_edits_change_exactly_the_rows_they_teach(edit, changed_rows):
    """nginx's add_header without `always` skips 4xx (ngx_http_headers_module); a map key without
    `$` matches every Origin that starts like the app's; `~*` only folds case, and a browser sends
    scheme and host in lower case (URL standard)."""
    editor = config_editor("nginx", "nginx/cors-proxy.conf")
    assert "data-changed='0'" in editor.result.value   # the file as it is: the baseline
    editor.edits.value = edit
    markup = editor.result.value
    rows = re.findall(r"<tr style='background:[^']*;(outline[^']*)?'>(.*?)</tr>", markup)
    changed = {("GET /v1/me" if "/v1/me" in cells else "look-alike")
               for outline, cells in rows if outline}
    assert changed == changed_rows, markup
    assert f"data-changed='{len(changed_rows)}'" in markup
    assert ("No row changed" in markup) == (not changed_rows)


def test_verdict_box_opens_with_the_cause_and_never_offers_to_allow_the_attacker():
    """A refusal of an origin on no allowlist is the policy working: the first line says so and
    the folded explanation offers no fix (allowing it would be the vulnerability)."""
    markup = request_builder("cors-proxy", "/v1/users", origin=topology.UNTRUSTED_ORIGIN).result.value
    first = re.search(r"<div class='corslab-headline'[^>]*><b>([^<]*)</b>", markup).group(1)
    assert first.startswith("Blocked - this is the policy working")
    assert "add it to the allowlist" not in markup and "Fix:" not in markup
    assert "<details class='corslab-why'" in markup
    broken = request_builder("echo", "/v1/users?acao=*", origin=topology.APP_ORIGIN,
                             credentials="include").result.value
    first = re.search(r"<div class='corslab-headline'[^>]*><b>([^<]*)</b>", broken).group(1)
    assert first.startswith("Blocked:") and "Why, and the fix" in broken and "Fix:" in broken


def test_long_configs_fold_and_short_ones_do_not():
    from corslab.course import live

    assert "<details class='corslab-fold'" in show_config("nginx/cors-proxy.conf")._repr_html_()
    assert "<details" not in show_config("nginx/cors-proxy.conf", lines=(23, 27))._repr_html_()
    generated = live.generate("nginx", [topology.APP_ORIGIN], credentials=True)
    assert len(str(generated).splitlines()) > 30 and "<details class='corslab-fold'" in generated._repr_html_()
