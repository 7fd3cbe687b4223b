"""The preflight cache (사전 요청 캐시), counted live: real probes, a clock you can move.

Every request really goes to the service; whether a preflight is sent first is decided by the
model's :class:`corslab.fetch.model.PreflightCache` (Fetch #concept-cache, Chromium's
``preflight_cache.cc``), whose clock this widget moves forward so that ten minutes of Max-Age
pass in a click.
"""

from __future__ import annotations

import ipywidgets as w

from corslab.stack import topology
from corslab.errors import CorsLabError
from corslab.widgets import html as h
from corslab.widgets.panel import Panel
from corslab.widgets.scenario import Scenario


class Timeline:
    """Probes of one scenario at chosen moments, sharing one browser profile's preflight cache."""

    def __init__(self, scenario: Scenario):
        from corslab.probing.probe import ProbeSession

        self.scenario = scenario
        self.session = ProbeSession(cache_preflights=True)
        self.now = 0.0
        self.session.preflight_cache.clock = lambda: self.now
        self.events: list[tuple[float, object]] = []  # (t, ProbeResult)

    def send_at(self, t: float):
        if t < self.now:
            raise CorsLabError(f"time only moves forward: t={t:g} s is before t={self.now:g} s")
        self.now = float(t)
        result = self.scenario.probe(session=self.session)
        self.events.append((self.now, result))
        return result

    @property
    def max_age(self) -> int | None:
        """The Max-Age the browser applies to the first preflight answer (Chromium's rules)."""
        from corslab.fetch.model import parse_max_age

        for _, result in self.events:
            if result.preflight is not None:
                return parse_max_age(result.preflight.get("access-control-max-age"))
        return None

    def picture(self) -> str:
        """An SVG time line: preflights sent (red), answers served from the cache (green)."""
        width, left, right, y = 680, 40, 50, 60  # margins hold half a label each side
        horizon = max([t for t, _ in self.events] + [(self.max_age or 0) * 1.15, 10])
        x = lambda t: left + (width - left - right) * t / horizon  # noqa: E731
        parts = [f"<line x1='{left}' y1='{y}' x2='{width - right}' y2='{y}' stroke='#333'/>"]
        end = x(horizon)
        for t, result in self.events:  # the cached period after each preflight that was stored
            if result.preflight is not None and result.allowed and self.max_age:
                parts.append(f"<rect x='{x(t):.1f}' y='{y - 22}' width='{min(x(t + self.max_age), end) - x(t):.1f}'"
                             f" height='16' fill='#c8e6c9'/><text x='{min(x(t) + 3, width - 90):.1f}' y='{y - 10}' "
                             f"font-size='10'>cached for {self.max_age} s</text>")
        last_at_level: dict[int, float] = {}
        for t, result in self.events:
            sent = result.preflight is not None
            colour = "#c62828" if sent else "#2e7d32" if result.preflight_needed else "#555"
            label = "OPTIONS" if sent else "cache" if result.preflight_from_cache else "no preflight"
            # Labels of close events go one level lower instead of on top of each other.
            level = next(lv for lv in range(len(self.events) + 1)
                         if x(t) - last_at_level.get(lv, -1e9) > 56)
            last_at_level[level] = x(t)
            ty = y + 20 + 28 * level
            parts.append(f"<circle cx='{x(t):.1f}' cy='{y}' r='6' fill='{colour}'/>"
                         f"<text x='{x(t):.1f}' y='{ty}' font-size='10' text-anchor='middle'>"
                         f"t={t:g}s</text><text x='{x(t):.1f}' y='{ty + 12}' font-size='10' "
                         f"text-anchor='middle' fill='{colour}'>{label}</text>")
        levels = max(last_at_level, default=0) + 1
        return h.scalable_svg("corslab-timeline", width, y + 18 + 28 * levels, "".join(parts))

    def table(self) -> str:
        rows, colours = [], []
        for t, result in self.events:
            label, colour = h.outcome(result)
            pre = ("OPTIONS sent -> %d" % result.preflight.status if result.preflight is not None
                   else "served from the cache" if result.preflight_from_cache
                   else "not needed" if not result.preflight_needed else "-")
            rows.append([f"{t:g} s", pre, f"{result.method} -> {h.status(result)}", label])
            colours.append(colour)
        return h.table(["time", "preflight", "request", "verdict"], rows, colours)


class CacheTimeline(Panel):
    title = "The preflight cache, counted live"
    button_label = "Wait, then send"

    def __init__(self, scenario: Scenario, schedule):
        self.scenario = scenario
        self.wait = w.BoundedIntText(value=60, min=0, max=100_000, description="wait (s)")
        self.reset = w.Button(description="Start over")
        self.reset.on_click(lambda _b: self.start_over())
        self.timeline = Timeline(scenario)
        self._schedule = list(schedule)
        super().__init__([self.wait], extra=[self.reset], run=False)
        self.start(self._schedule)

    def start(self, schedule) -> None:
        """A fresh browser profile, then a probe at each time of ``schedule``."""
        try:
            self.timeline = Timeline(self.scenario)
            self.timeline.send_at(0)
            max_age = self.timeline.max_age
            times = schedule or ([1, max_age / 2, max_age - 1, max_age + 1] if max_age else [1])
            for t in times:
                if t > self.timeline.now:
                    self.timeline.send_at(t)
            self.result.value = h.wrap(self.draw())
        except CorsLabError as exc:
            self.result.value = h.error_line(str(exc))
        self.runs += 1

    def start_over(self) -> None:
        """What "Start over" does: a fresh browser profile (empty preflight cache), the clock at
        t = 0 and one request - the picture shows one dot, and says so."""
        try:
            self.timeline = Timeline(self.scenario)
            self.timeline.send_at(0)
            note = (f"<p style='{h.FONT}background:{h.AMBER};padding:4px'><b>Started over</b>: a new "
                    "browser profile with an empty preflight cache; the clock is back at t = 0 s. "
                    "Press <i>Wait, then send</i> to move it on.</p>")
            self.result.value = h.wrap(note + self.draw())
        except CorsLabError as exc:
            self.result.value = h.error_line(str(exc))
        self.runs += 1

    def render(self) -> str:
        self.timeline.send_at(self.timeline.now + self.wait.value)
        return self.draw()

    def draw(self) -> str:
        tl = self.timeline
        head = (f"<p style='{h.FONT}'><b>{h.e(self.scenario.describe())}</b><br>"
                f"Max-Age the browser applies: {tl.max_age if tl.max_age is not None else '-'} s "
                f"(Chromium: absent = 5 s, capped at 7200 s). Clock: t = {tl.now:g} s.</p>")
        return f"<div class='corslab-cache'>{head}{tl.picture()}{tl.table()}</div>"


def cache_timeline(service: str = "cors-proxy", max_age: int | None = None,
                   path: str = "/v1/users/1", method: str = "PUT",
                   headers=(("Content-Type", "application/json"),), schedule=(),
                   body: str | None = '{"name": "ada"}') -> CacheTimeline:
    """Probe one preflighted scenario over time; the model's cache decides when OPTIONS is sent.

    ``max_age``: with ``service="echo"`` the Max-Age the echo is asked to answer; other services
    decide their own (the lab policy's, corslab/stack/policy.py).
    """
    if max_age is not None:
        if service != "echo":
            raise CorsLabError(f"{service} answers its own Access-Control-Max-Age (the lab policy); "
                               "to choose one, use service='echo' with max_age=N")
        from urllib.parse import urlencode

        path = "/demo?" + urlencode({"acao": topology.APP_ORIGIN, "acam": method,
                                     "acah": ",".join(n for n, _ in headers),
                                     "acma": int(max_age)})
    return CacheTimeline(Scenario(service, path, None, method, headers, body=body), schedule)
