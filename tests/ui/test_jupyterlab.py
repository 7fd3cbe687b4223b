"""The course in a real JupyterLab: open a notebook, run all, the widgets render and answer clicks.

nbclient (tests/notebooks) proves the notebooks execute; only a browser running JupyterLab's widget
manager proves the widget views render and their buttons call back into the kernel. Driven by
Playwright with the system Chromium (corslab.probing.browser finds it, with the same flags as the browser
tests), against the running stack.
"""

from __future__ import annotations

import pytest

from corslab.stack import topology

from tests.ui.lab import BrowserThread, Lab, open_notebook, run_all, screenshot

pytestmark = pytest.mark.usefixtures("stack")
NOTEBOOK = "00-start-here.ipynb"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = Lab(tmp_path_factory.mktemp("jupyterlab"), [NOTEBOOK])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ui(lab):
    from corslab.probing import browser

    if browser.unavailable():
        pytest.fail(browser.unavailable())
    thread = BrowserThread()
    yield thread
    thread.close()


@pytest.fixture(scope="module")
def executed(ui, lab):
    ui.run(open_notebook, lab, NOTEBOOK)
    ui.run(run_all)
    return ui


def test_jupyterlab_opens_on_the_notebooks_folder(ui, lab):
    """scripts/lab.sh's settings (corslab.course.jupyter): the repository root, notebooks/ shown."""
    ui.run(opens_on_the_notebooks_folder, lab)


def opens_on_the_notebooks_folder(page, lab):
    page.goto(f"{lab.url}/?token=corslab-ui-test")  # the server redirects to its default URL
    crumbs = page.locator(".jp-FileBrowser .jp-BreadCrumbs")
    crumbs.wait_for(timeout=60_000)
    page.wait_for_function("() => document.querySelector('.jp-FileBrowser .jp-BreadCrumbs').textContent.includes('notebooks')")
    assert page.locator(".jp-DirListing-item", has_text=NOTEBOOK).count() == 1


def test_run_all_renders_the_widget_views(executed):
    executed.run(run_all_renders_the_widget_views)


def run_all_renders_the_widget_views(page):
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, tracebacks
    views = page.locator(".jp-OutputArea-output .jupyter-widgets")
    assert views.count() >= 4
    # Live widget views, not the static fallback: the result HTML sits inside a widget's view.
    assert page.locator(".jupyter-widgets .corslab-origins").count() == 1
    assert page.locator(".jupyter-widgets .corslab-result").count() >= 1
    assert page.locator(".widget-button", has_text="Run in Chromium").count() >= 2
    assert page.locator("svg.corslab-origin-map").count() == 1
    screenshot(page, "jupyterlab-00-start-here.png")


def test_a_click_on_the_origin_comparer_changes_its_output(executed):
    executed.run(a_click_on_the_origin_comparer_changes_its_output)


def a_click_on_the_origin_comparer_changes_its_output(page):
    comparer = page.locator(".jupyter-widgets.widget-vbox", has=page.locator(".corslab-origins")).last
    comparer.scroll_into_view_if_needed()  # JupyterLab skips laying out cells out of view
    result = comparer.locator(".corslab-origins")
    assert "Same origin (동일 출처)? no" in result.text_content()
    field = comparer.locator("input[type=text]").nth(1)
    field.fill(topology.origin("cors-proxy") + "/other")
    field.press("Enter")
    before = result.text_content()
    comparer.locator(".widget-button", has_text="Compare").click()
    page.wait_for_function("(b) => document.querySelector('.corslab-origins').textContent !== b", arg=before)
    assert "Same origin (동일 출처)? no" in result.text_content()
    field.fill(topology.APP_ORIGIN + "/other")
    field.press("Enter")
    comparer.locator(".widget-button", has_text="Compare").click()
    page.wait_for_function("() => document.querySelector('.corslab-origins').textContent.includes('Same origin (동일 출처)? yes')")


def test_a_click_on_the_request_builder_runs_the_new_scenario(executed):
    executed.run(a_click_on_the_request_builder_runs_the_new_scenario)


def a_click_on_the_request_builder_runs_the_new_scenario(page):
    builder = page.locator(".jupyter-widgets.widget-vbox", has=page.locator(".widget-button", has_text="Run in Chromium")).filter(
        has=page.locator(".corslab-result")).first
    from corslab.widgets import Scenario

    # The notebook's builder: a PUT with JSON through method 2, credentials included.
    scenario = Scenario("cors-proxy", "/v1/users/1", None, "PUT", {"Content-Type": "application/json"},
                        "include", body='{"name": "grace"}')
    word = lambda r: "Allowed" if r.allowed else "Opaque" if r.opaque else "Blocked"  # noqa: E731
    builder.scroll_into_view_if_needed()
    verdict = builder.locator(".corslab-result").first
    assert word(scenario.probe()) in verdict.text_content()
    expected = word(scenario.with_(origin=topology.UNTRUSTED_ORIGIN).probe())
    origin = builder.locator(".widget-text", has=page.locator("label", has_text="page origin")).locator("input")
    origin.fill(topology.UNTRUSTED_ORIGIN)
    origin.press("Enter")
    builder.locator(".widget-button", has_text="Run").first.click()
    # The widget replaces its HTML: look the result up again rather than holding the old element.
    page.wait_for_function(
        "([origin, word]) => [...document.querySelectorAll('.corslab-result')].some("
        "r => r.textContent.includes(word) && r.textContent.includes(origin))",
        arg=[topology.UNTRUSTED_ORIGIN, expected], timeout=30_000)


def test_run_in_chromium_from_the_notebook_shows_chromium_beside_the_model(executed):
    """The button drives Chromium from the kernel (a widget callback runs inside the kernel's asyncio
    loop, where Playwright's sync API refuses to start unless given a thread of its own)."""
    executed.run(run_in_chromium_from_the_notebook_shows_chromium_beside_the_model)


def run_in_chromium_from_the_notebook_shows_chromium_beside_the_model(page):
    buttons = page.locator(".widget-button", has_text="Run in Chromium")
    buttons.last.scroll_into_view_if_needed()
    buttons.last.click()
    page.wait_for_function("() => document.querySelector('.corslab-chromium')", timeout=60_000)
    box = page.locator(".corslab-chromium").first
    assert box.get_attribute("data-agree") == "true", box.text_content()
    assert "headless Chromium" in box.text_content()


def test_origin_map_fits_at_1400_px_with_the_file_browser_open(executed):
    """At a 1400 px wide window with JupyterLab's file browser open the notebook's output area is
    narrower than the map's natural width: the SVG (viewBox, width 100%) scales to it, and no
    label is cut off at its right edge."""
    executed.run(origin_map_fits_with_the_file_browser_open)


def origin_map_fits_with_the_file_browser_open(page):
    if not page.locator(".jp-FileBrowser").is_visible():
        page.locator(".lm-TabBar-tab[data-id='filebrowser']").click()
    page.locator(".jp-FileBrowser").wait_for(state="visible")
    svg = page.locator("svg.corslab-origin-map").first
    svg.scroll_into_view_if_needed()
    sizes = svg.evaluate("""s => {
        const area = s.closest('.jp-OutputArea-output').getBoundingClientRect();
        const box = s.getBoundingClientRect();
        const texts = [...s.querySelectorAll('text')].map(t => t.getBoundingClientRect().right);
        return {area: area.right, right: box.right, width: box.width,
                natural: s.viewBox.baseVal.width, texts: Math.max(...texts)};
    }""")
    assert page.viewport_size["width"] == 1400
    assert sizes["right"] <= sizes["area"] + 1, sizes
    assert sizes["texts"] <= sizes["right"] + 1, sizes
    assert sizes["width"] <= sizes["natural"] + 1, sizes
