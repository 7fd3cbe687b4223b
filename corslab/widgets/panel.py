"""The common shape of the course's widgets: controls, a button, a result computed in Python.

The result is HTML built server-side, so a headless run (nbclient executes no widget JavaScript)
still stores it: each panel runs once when built, and its display carries the same HTML as a
``text/html`` fallback beside the live widget view.
"""

from __future__ import annotations

import ipywidgets as w

from corslab.errors import CorsLabError
from corslab.widgets import html as h


class HtmlFallback:
    """A widget whose display also carries ``text/html``: what a headless run keeps."""

    def fallback_html(self) -> str:  # pragma: no cover - each widget defines it
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, tuple):
            data = data[0]
        data = dict(data or {})
        data["text/html"] = self.fallback_html()
        return data


class Panel(HtmlFallback, w.VBox):
    title = ""
    button_label = "Run"

    def __init__(self, controls: list, extra: list | None = None, run: bool = True,
                 below: list | None = None):
        self.result = w.HTML()
        self.button = w.Button(description=self.button_label, button_style="primary",
                               layout=w.Layout(width="auto", min_width="120px"))
        self.button.on_click(lambda _button: self.refresh())
        self.runs = 0
        header = [w.HTML(f"<b style='{h.FONT}'>{h.e(self.title)}</b>")] if self.title else []
        grid = w.GridBox(controls, layout=w.Layout(
            grid_template_columns="repeat(2, minmax(260px, 1fr))")) if controls else None
        parts = header + ([grid] if grid else []) + [w.HBox([self.button] + (extra or []))]
        super().__init__(parts + list(below or []) + [self.result])
        if run:
            self.refresh()

    def render(self) -> str:  # pragma: no cover - each panel defines it
        raise NotImplementedError

    def refresh(self) -> None:
        """Run the panel again and show its new result (what the button does). While it runs the
        button says so and cannot be pressed twice (widget state is sent as it changes)."""
        label = self.button.description
        self.button.description, self.button.disabled, self.button.icon = "Running…", True, "hourglass-half"
        try:
            self.result.value = h.wrap(self.render())
        except CorsLabError as exc:
            self.result.value = h.error_line(str(exc))
        finally:
            self.button.description, self.button.disabled, self.button.icon = label, False, ""
        self.runs += 1

    def click(self) -> None:
        """Press the panel's button (for tests and scripts)."""
        self.button.click()

    def fallback_html(self) -> str:
        return self.result.value
