"""Two widgets for a learner's own system: explain a console line, generate a verified config.

    from corslab.widgets.tools import explain_box, generate_box
    explain_box("Access to fetch at '...' from origin '...' has been blocked by CORS policy: ...")
    generate_box("kong")

Both build their first result in Python when constructed (a headless run keeps the HTML), and
their button runs them again; ``box.click()`` presses it from code.
"""

from __future__ import annotations


import ipywidgets as w

from corslab.errors import CorsLabError
from corslab.widgets.html import FONT, GREEN, GREY, RED, fold, table
from corslab.widgets.html import e as _e

EXAMPLE = ("Access to fetch at 'http://localhost:8095/v1/users' from origin 'http://localhost:3000' has "
           "been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the "
           "requested resource.")


def _error(message: str) -> str:
    return f"<div class='corslab-error' style='{FONT}background:{RED};padding:6px'>{_e(message)}</div>"


class _Box(w.VBox):
    """Controls, a button, and a result computed in Python (also the text/html of its display)."""

    label = "Run"

    def __init__(self, controls: list):
        self.result = w.HTML()
        self.button = w.Button(description=self.label, button_style="primary")
        self.button.on_click(lambda _b: self.refresh())
        super().__init__(controls + [self.button, self.result])
        self.refresh()

    def refresh(self) -> None:
        try:
            self.result.value = self.render()
        except CorsLabError as exc:
            self.result.value = _error(str(exc))

    def click(self) -> None:
        self.button.click()

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        data = dict((data[0] if isinstance(data, tuple) else data) or {})
        data["text/html"] = self.result.value
        return data


class ExplainBox(_Box):
    label = "Explain"

    def __init__(self, message: str | None = None):
        self.message = w.Textarea(value=message or "", placeholder=EXAMPLE, description="Console line",
                                  layout=w.Layout(width="100%", height="80px"))
        super().__init__([self.message])

    def render(self) -> str:
        from corslab.tools.explain import explain

        if not self.message.value.strip():
            return (f"<div style='{FONT}color:#555'>Paste the red line from the browser console (Chromium: "
                    "'... has been blocked by CORS policy: ...'; Firefox: 'Cross-Origin Request Blocked: "
                    f"...') and press Explain. For example:<br><code>{_e(EXAMPLE)}</code></div>")
        got = explain(self.message.value)
        fixes = table(["setup", "fix"], [[f"<b>{_e(s)}</b>", _e(f)] for s, f in got.fixes.items()], raw=True)
        probe = (f"<p>Repeat the check (what the browser sent, and its verdict):<br><code>{_e(got.probe)}</code></p>"
                 if got.probe else "")
        return (f"<div class='corslab-explain' style='{FONT}'><p><b>{_e(got.error)}</b>"
                f"{' (preflight, 사전 요청)' if got.preflight else ''}</p><p>{_e(got.explanation)}</p>"
                f"{fixes}{probe}</div>")


class GenerateBox(_Box):
    label = "Generate and run"

    def __init__(self, product: str = "nginx", policy=None, upstream: str | None = None):
        from corslab.tools import generate
        from corslab.stack import topology

        lab = policy or generate.lab_policy()
        self.upstream = upstream
        self.product = w.Dropdown(options=list(generate.PRODUCTS), value=product, description="Product")
        self.origins = w.Text(value=", ".join(lab.origins), description="Origins")
        self.methods = w.Text(value=", ".join(lab.methods), description="Methods")
        self.headers = w.Text(value=", ".join(lab.headers), description="Headers")
        self.expose = w.Text(value=", ".join(lab.expose), description="Expose")
        self.credentials = w.Checkbox(value=lab.credentials, description="Credentials")
        self.max_age = w.Text(value="" if lab.max_age is None else str(lab.max_age), description="Max-age")
        self.probe_origins = list(dict.fromkeys(list(lab.origins) + [topology.APP_ORIGIN, topology.ADMIN_ORIGIN,
                                                                     topology.UNTRUSTED_ORIGIN]))
        super().__init__([self.product, self.origins, self.methods, self.headers, self.expose,
                          self.credentials, self.max_age])

    def policy(self):
        from corslab.tools import generate

        def items(text):
            return [v.strip() for v in text.split(",") if v.strip()]

        max_age = self.max_age.value.strip()
        if max_age and not max_age.isdigit():
            raise CorsLabError(f"Max-age {max_age!r} must be whole seconds, e.g. 600")
        return generate.make_policy(items(self.origins.value), items(self.methods.value), items(self.headers.value),
                                    items(self.expose.value), self.credentials.value,
                                    int(max_age) if max_age else None, self.upstream)

    def render(self) -> str:
        from corslab.tools import generate
        from corslab.probing import probe

        policy = self.policy()
        product = self.product.value
        text = generate.generate(product, policy)
        method = policy.methods[-1]
        headers = [(h, "application/json" if h.lower() == "content-type" else "1") for h in policy.headers]
        credentials = "include" if policy.credentials else "omit"
        rows, colours = [], []
        with generate.running(product, text, self.upstream) as url:
            for origin in list(dict.fromkeys(list(policy.origins) + self.probe_origins)):
                result = probe.probe(url + "/v1/users", origin, method, headers, credentials)
                listed = origin in policy.origins
                rows.append([_e(origin), "listed" if listed else "not listed",
                             "<b>allowed</b>" if result.allowed else "<b>blocked</b>", _e(result.reason or "")])
                colours.append(GREEN if result.allowed == listed else RED)
        verdicts = table(["page origin", "policy", "browser verdict", "why (the kit's model of Chromium)"],
                         rows, colours, raw=True)
        config = f"<pre style='background:{GREY};padding:6px;font-size:12px'>{_e(text)}</pre>"
        return (f"<div class='corslab-generate' style='{FONT}'><p><b>{_e(product)}</b>: "
                f"{_e(policy.describe())}</p>"
                f"<p>Run in <code>python -m corslab emulate {_e(product)}</code> and probed with "
                f"{_e(method)}{' + ' + _e(', '.join(policy.headers)) if policy.headers else ''}"
                f"{', credentials' if policy.credentials else ''} from each origin:</p>{verdicts}"
                f"{fold('the generated ' + product + ' config', config, text.count(chr(10)) + 1)}</div>")


def explain_box(message: str | None = None) -> ExplainBox:
    """Paste a console line -> the CorsError name, plain words, the fix per setup, the probe command."""
    return ExplainBox(message)


def generate_box(product: str = "nginx", policy=None, upstream: str | None = None) -> GenerateBox:
    """Pick a product and a policy -> the generated config, run in its emulator (nginx: real nginx),
    probed from the policy's and the lab's origins, with the browser's verdicts.
    ``policy``: a ``corslab.tools.generate.Policy`` (default: the lab's); ``upstream``: the API behind it."""
    return GenerateBox(product, policy, upstream)
