"""The request builder and ``show()``: one scenario, probed, drawn as a verdict + sequence picture."""

from __future__ import annotations

import re

import ipywidgets as w

from corslab.stack import topology
from corslab.widgets import html as h
from corslab.widgets.panel import Panel
from corslab.widgets.scenario import CREDENTIALS, METHODS, MODES, Scenario


class _Html:
    """A piece of HTML for display (what ``show()`` returns)."""

    def __init__(self, markup: str):
        self.html = markup

    def _repr_html_(self) -> str:
        return self.html


def intended_refusal(result) -> bool:
    """A refusal the lab's policy means: the page's origin is on no allowlist of the lab
    (``corslab.stack.policy.ALLOWED_ORIGINS``), so "blocked" is the policy working, not a bug."""
    from corslab.stack import policy

    return not result.allowed and not result.opaque and result.origin not in policy.ALLOWED_ORIGINS


def headline(result) -> str:
    """The verdict box's first line: the cause, in one sentence."""
    response = result.response
    if result.allowed:
        if response is not None and response.status >= 400:
            return (f"Readable, but not a success: CORS let the page read the answer, and the server "
                    f"answered {response.status}.")
        return "Allowed: page JavaScript reads the answer."
    if result.opaque:
        return "Opaque: sent, but the page gets status 0, no headers and no body."
    if intended_refusal(result):
        return (f"Blocked - this is the policy working: {result.origin} is on none of the lab's "
                "allowlists, so the browser keeps the answer from its page.")
    cause = (result.explanation or result.reason or "").split(" Fix: ")[0]
    first = re.split(r"(?<=[.:])\s", cause, maxsplit=1)[0] if cause else "the browser's CORS check failed."
    return f"Blocked: {first}"


def result_html(result) -> str:
    """The verdict box of a ProbeResult: one line with the cause first, the sequence picture, then
    the explanation, the fix and Chromium's console line folded. When the refusal is the policy
    working, no fix is offered (the fix is never "allow the attacker's origin")."""
    from html import escape

    from corslab.probing.display import html_report

    report = html_report(result)
    if result.explanation:   # the explanation moves into the fold below
        report = report.replace(f"<div style='margin-top:4px'>{escape(result.explanation)}</div>", "", 1)
    colour = h.GREEN if result.allowed else h.AMBER if result.opaque or intended_refusal(result) else h.RED
    if result.allowed and result.response is not None and result.response.status >= 400:
        colour = h.AMBER
    top = (f"<div class='corslab-headline' style='{h.FONT}background:{colour};padding:6px;"
           f"margin-bottom:4px'><b>{h.e(headline(result))}</b></div>")
    explanation = result.explanation or ""
    if intended_refusal(result):
        explanation = explanation.split(" Fix: ")[0] + (
            " Nothing to fix: the lab trusts only its own frontends. (Allowing this origin would "
            "hand the answer to a page nobody trusted.)")
    folded = f"<p>{h.e(explanation)}</p>" if explanation else ""
    if result.console and not result.allowed:
        folded += (f"<p>The console line the kit predicts for Chromium: <code>{h.e(result.console)}</code></p>")
    if folded:
        summary = "Why" if result.allowed or intended_refusal(result) else "Why, and the fix"
        folded = (f"<details class='corslab-why' style='{h.FONT}margin-top:4px'><summary "
                  f"style='cursor:pointer'>{summary}</summary>{code_spans(folded)}</details>")
    return f"<div class='corslab-result'>{top}{code_spans(report)}{folded}</div>"


def code_spans(markup: str) -> str:
    """`name: value` in the model's explanations becomes <code>, never a raw backtick."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", markup)


def show(result) -> _Html:
    """The verdict + sequence picture of a ``ProbeResult`` (for a notebook cell)."""
    return _Html(h.wrap(result_html(result)))


def _origins() -> list[str]:
    return [topology.APP_ORIGIN, topology.ADMIN_ORIGIN, topology.UNTRUSTED_ORIGIN]


class RequestBuilder(Panel):
    """Controls for each field of a fetch(), a Run button, the verdict and sequence picture."""

    title = "Request builder"
    button_label = "Run"

    def __init__(self, scenario: Scenario):
        self.service = w.Dropdown(options=list(topology.SERVICES),
                                  value=scenario.service or "cors-proxy", description="service")
        self.path = w.Text(value=scenario.path, description="path")
        self.url = w.Text(value=scenario.url or "", description="or URL",
                          placeholder="a full URL instead of service + path")
        self.origin = w.Combobox(value=scenario.page_origin, options=_origins(),
                                 description="page origin", ensure_option=False)
        self.method = w.Combobox(value=scenario.method, options=list(METHODS), description="method",
                                 ensure_option=False)
        self.headers = w.Textarea(value="\n".join(f"{n}: {v}" for n, v in scenario.headers),
                                  description="headers", placeholder="Name: value (one a line)")
        self.credentials = w.Dropdown(options=list(CREDENTIALS), value=scenario.credentials,
                                      description="credentials")
        self.mode = w.Dropdown(options=list(MODES), value=scenario.mode, description="mode")
        self.body = w.Textarea(value=scenario.body or "", description="body")
        controls = [self.service, self.path, self.origin, self.url, self.method, self.headers,
                    self.credentials, self.mode, self.body]
        from corslab.widgets.chromium import ChromiumButton, playground_html

        self.link = w.HTML(playground_html(scenario))  # inside the panel: its HTML is the panel's
        self.chromium = ChromiumButton(self.scenario)
        self.chromium.children = (self.chromium.button,)  # its result shows below the controls
        super().__init__(controls, extra=[self.chromium.button, self.link], below=[self.chromium.result])

    def scenario(self) -> Scenario:
        """The scenario the controls describe now (a URL, when given, replaces service + path)."""
        return Scenario(service=self.service.value, path=self.path.value,
                        origin=self.origin.value.strip() or None, method=self.method.value,
                        headers=self.headers.value, credentials=self.credentials.value,
                        mode=self.mode.value, body=self.body.value or None,
                        url=self.url.value.strip() or None)

    def fallback_html(self) -> str:
        return self.link.value + self.result.value

    def render(self) -> str:
        from corslab.widgets.chromium import playground_html

        scenario = self.scenario()
        self.link.value = playground_html(scenario)
        return result_html(scenario.probe())


def request_builder(service: str = "cors-proxy", path: str = "/v1/users", origin: str | None = None,
                    method: str = "GET", headers=(), credentials: str = "omit", mode: str = "cors",
                    body: str | None = None) -> RequestBuilder:
    """A request builder for one scenario, already run once (its result shows headless too).

    ``service``: a service of the lab (``corslab.stack.topology``), or a full URL (then ``path`` is not used).
    """
    return RequestBuilder(Scenario(service, path, origin, method, headers, credentials, mode, body))


def outcome_cell(model, real) -> str:
    """The model's prediction beside what Chromium did (a BrowserOutcome), in one small table."""
    label, colour = h.outcome(model)
    real_colour = {"allowed": h.GREEN, "opaque": h.AMBER, "refused before sending": h.GREY}.get(
        real.outcome, h.RED)
    agree = label == real.outcome and (model.preflight is not None) == (real.preflights > 0)
    rows = [["the kit's model", label, "yes" if model.preflight is not None else "no",
             model.console or "-"],
            ["headless Chromium", real.outcome, "yes" if real.preflights else "no",
             real.console_line or "(no console line)"]]
    verdict = ("Model and Chromium agree." if agree else
               "Model and Chromium DISAGREE - please report this scenario.")
    return (f"<div class='corslab-chromium' data-agree='{str(agree).lower()}'>"
            + h.table(["who", "outcome", "preflight sent", "console"], rows, [colour, real_colour])
            + h.note(verdict) + "</div>")
