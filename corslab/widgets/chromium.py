"""The real browser beside the model: a "Run in Chromium" button and a playground link."""

from __future__ import annotations

import ipywidgets as w

from corslab.errors import CorsLabError
from corslab.widgets import html as h
from corslab.widgets.panel import HtmlFallback
from corslab.widgets.scenario import Scenario


def playground_html(scenario: Scenario) -> str:
    url = scenario.playground_url()
    return (f"<a class='corslab-playground' href='{h.e(url)}' target='_blank' rel='noopener' "
            f"style='{h.FONT}'>Open in the playground (your own browser) &#8599;</a>")


class PlaygroundLink(HtmlFallback, w.HTML):
    def fallback_html(self) -> str:
        return self.value


def playground_link(scenario: Scenario) -> PlaygroundLink:
    """A link that opens the browser playground prefilled with ``scenario``."""
    return PlaygroundLink(playground_html(scenario))


def chromium_html(scenario: Scenario) -> str:
    """Run ``scenario`` in headless Chromium and in the model; both outcomes side by side."""
    from corslab.probing import browser
    from corslab.widgets.request import outcome_cell

    reason = browser.unavailable()
    if reason:
        return h.note(f"Chromium is not available here: {reason}")
    real = browser.run(scenario)
    model = scenario.probe()
    return outcome_cell(model, real)


class ChromiumButton(HtmlFallback, w.VBox):
    """A button that runs the scenario in real headless Chromium and shows what it said."""

    def __init__(self, scenario):
        self._scenario = scenario if callable(scenario) else (lambda: scenario)
        self.button = w.Button(description="Run in Chromium", icon="chrome",
                               layout=w.Layout(width="auto", min_width="150px"))
        self.result = w.HTML()
        self.button.on_click(lambda _b: self.refresh())
        super().__init__([self.button, self.result])

    def refresh(self) -> None:
        self.result.value = h.note("Running it in headless Chromium...")
        try:
            self.result.value = h.wrap(chromium_html(self._scenario()))
        except CorsLabError as exc:
            self.result.value = h.error_line(str(exc))

    def click(self) -> None:
        self.button.click()

    def fallback_html(self) -> str:
        return self.result.value or h.note("Run in Chromium: press the button in JupyterLab.")


def chromium_button(scenario: Scenario) -> ChromiumButton:
    """A "Run in Chromium" button for one scenario (it runs only when pressed)."""
    return ChromiumButton(scenario)
