"""Side by side: one scenario through every method, and two URLs' origins compared."""

from __future__ import annotations

import ipywidgets as w

from corslab.stack import topology
from corslab.widgets import html as h
from corslab.widgets.panel import Panel
from corslab.widgets.scenario import CREDENTIALS, METHODS, Scenario


def method_services() -> list[topology.Service]:
    """Methods 1-5 in order, then the app-level way (flask-cors)."""
    methods = sorted((s for s in topology.SERVICES.values() if s.method), key=lambda s: s.method)
    app = [s for s in topology.SERVICES.values() if s.app_args.get("cors") is True]
    return methods + app


def _preflight_cell(result) -> str:
    if not result.preflight_needed:
        return "not needed"
    if result.preflight_from_cache:
        return "from cache"
    answer = result.preflight
    return f"OPTIONS -> {answer.status}" if answer is not None else "not sent"


def methods_table(scenario: Scenario) -> str:
    rows, colours = [], []
    for svc in method_services():
        which = f"method {svc.method}" if svc.method else "app-level"
        one = scenario.with_(service=svc.name, url=None, origin=scenario.origin)
        result = one.probe()
        label, colour = h.outcome(result)
        rows.append([which, svc.name, f"{one.page_origin}", _preflight_cell(result),
                     h.status(result), label,
                     result.reason or ", ".join(result.exposed_headers) or "-"])
        colours.append(colour)
    head = ["method", "service", "page origin", "preflight", "status", "verdict",
            "reason / readable headers"]
    return (f"<div class='corslab-methods' style='{h.FONT}'><b>{h.e(scenario.method)} "
            f"{h.e(scenario.path)}</b> (credentials: {h.e(scenario.credentials)}"
            f"{''.join(f', {h.e(n)}: {h.e(v)}' for n, v in scenario.headers)})"
            + h.table(head, rows, colours) + "</div>")


class MethodSwitcher(Panel):
    title = "One scenario through methods 1-5 and the app-level way"
    button_label = "Send to every method"

    def __init__(self, scenario: Scenario):
        self.path = w.Text(value=scenario.path, description="path")
        self.origin = w.Combobox(value=scenario.origin or topology.APP_ORIGIN, description="page origin",
                                 options=[topology.APP_ORIGIN, topology.ADMIN_ORIGIN,
                                          topology.UNTRUSTED_ORIGIN], ensure_option=False)
        self.method = w.Combobox(value=scenario.method, options=list(METHODS), description="method",
                                 ensure_option=False)
        self.headers = w.Textarea(value="\n".join(f"{n}: {v}" for n, v in scenario.headers),
                                  description="headers")
        self.credentials = w.Dropdown(options=list(CREDENTIALS), value=scenario.credentials,
                                      description="credentials")
        self.body = w.Textarea(value=scenario.body or "", description="body")
        self._given_origin = scenario.origin
        super().__init__([self.path, self.origin, self.method, self.headers, self.credentials,
                          self.body])

    def scenario(self) -> Scenario:
        origin = self.origin.value.strip() or None
        if origin == topology.APP_ORIGIN and self._given_origin is None:
            origin = None  # method 1 keeps its own page origin
        return Scenario(service="cors-proxy", path=self.path.value, origin=origin,
                        method=self.method.value, headers=self.headers.value,
                        credentials=self.credentials.value, body=self.body.value or None)

    def render(self) -> str:
        return methods_table(self.scenario())


def method_switcher(path: str = "/v1/users/1", origin: str | None = None, method: str = "PUT",
                    headers=(("Content-Type", "application/json"),),
                    credentials: str = "include", body: str | None = None) -> MethodSwitcher:
    """One scenario sent through methods 1-5 and the app-level way, as a table of verdicts.

    ``body=None``: a POST or PUT with a JSON Content-Type sends a small JSON object, as the API
    expects (servers/api.py); other requests send none.
    """
    scenario = Scenario("cors-proxy", path, origin, method, headers, credentials)
    return MethodSwitcher(scenario.with_(body=body if body is not None else default_body(scenario)))


def default_body(scenario: Scenario) -> str | None:
    """What the lab's API accepts for POST/PUT with JSON: {"name": ...}; nothing otherwise."""
    json_type = any(n.lower() == "content-type" and "json" in v.lower() for n, v in scenario.headers)
    return '{"name": "ada"}' if scenario.method.upper() in ("POST", "PUT", "PATCH") and json_type else None


def compare_html(a: str, b: str) -> str:
    from corslab.fetch.origins import origin_of, same_origin, same_site

    oa, ob = origin_of(a), origin_of(b)
    parts = [("scheme", oa.scheme, ob.scheme), ("host", oa.host, ob.host),
             ("port", str(oa.port), str(ob.port)), ("site", oa.site, ob.site)]
    rows = [[name, x, y, "same" if x == y else "differs"] for name, x, y in parts]
    colours = [h.GREEN if x == y else h.RED for _, x, y in parts]
    differ = [name for name, x, y in parts[:3] if x != y]
    so, ss = same_origin(oa, ob), same_site(oa, ob)
    why_origin = ("scheme, host and port all match" if so
                  else f"the {' and '.join(differ)} differ{'s' if len(differ) == 1 else ''}")
    why_site = (f"both are on the site {oa.site} (scheme + registrable domain; ports do not count)"
                if ss else f"{oa.site} is not {ob.site}")
    verdict = (f"<p><b>Same origin (동일 출처)?</b> {'yes' if so else 'no'} - {h.e(why_origin)}.<br>"
               f"<b>Same site?</b> {'yes' if ss else 'no'} - {h.e(why_site)}.</p>")
    return (f"<div class='corslab-origins' style='{h.FONT}'>"
            f"<p>A: <code>{h.e(a)}</code> has origin <code>{h.e(oa)}</code><br>"
            f"B: <code>{h.e(b)}</code> has origin <code>{h.e(ob)}</code></p>"
            + h.table(["part", "A", "B", ""], rows, colours) + verdict + "</div>")


class OriginComparer(Panel):
    title = "Same origin? Same site?"
    button_label = "Compare"

    def __init__(self, a: str, b: str):
        self.a = w.Text(value=a, description="URL A", layout=w.Layout(width="auto"))
        self.b = w.Text(value=b, description="URL B", layout=w.Layout(width="auto"))
        super().__init__([self.a, self.b])

    def render(self) -> str:
        return compare_html(self.a.value.strip(), self.b.value.strip())


def origin_comparer(a: str | None = None, b: str | None = None) -> OriginComparer:
    """Two URLs: same origin? same site? and why (corslab.fetch.origins)."""
    a = a or topology.APP_ORIGIN + "/"
    b = b or topology.origin("cors-proxy") + "/v1/users"
    return OriginComparer(a, b)
