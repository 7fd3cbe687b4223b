"""The course's widgets: every lesson calls these names and nothing else.

    from corslab.widgets import request_builder
    request_builder("cors-proxy", "/v1/users", method="PUT",
                    headers={"Content-Type": "application/json"}, credentials="include")

Each constructor builds the widget and runs it once, so its first result is HTML computed in
Python: it shows in JupyterLab, in a headless run (nbclient) and in a static notebook alike.
Buttons run it again; ``widget.click()`` presses the button from code.
"""

from corslab.widgets.cache import cache_timeline
from corslab.widgets.chromium import chromium_button, playground_link
from corslab.widgets.compare import method_switcher, origin_comparer
from corslab.widgets.config import config_editor, show_config
from corslab.widgets.maps import origin_map
from corslab.widgets.request import request_builder, show
from corslab.widgets.scenario import Scenario

__all__ = ["Scenario", "request_builder", "method_switcher", "origin_comparer", "cache_timeline",
           "config_editor", "show_config", "show", "playground_link", "chromium_button", "origin_map"]
