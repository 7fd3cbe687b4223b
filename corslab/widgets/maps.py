"""The origin map: every service of the lab as a box, grouped by site, drawn from the topology."""

from __future__ import annotations

from corslab.stack import topology
from corslab.widgets import html as h

BOX_W, BOX_H, GAP = 164, 46, 14
LEGEND_CHAR = 6.2  # px per character of the 11px legend, generously: its lines are never clipped
ROLE_COLOURS = {"page": "#e3f2fd", "method": "#fff3e0", "app": "#f3e5f5"}


def _role(svc: topology.Service) -> str:
    if (svc.app or "").startswith("servers.pages"):
        return "page"
    return "method" if svc.method else "app"


class OriginMap:
    """An SVG picture; ``_repr_html_`` shows it in a notebook."""

    def __init__(self):
        from corslab.fetch.origins import origin_of

        sites: dict[str, list[topology.Service]] = {}
        for svc in topology.SERVICES.values():
            sites.setdefault(origin_of(svc.url).site, []).append(svc)
        self.sites = sites

    def svg(self) -> str:
        parts, where = [], {}
        x0 = 10
        rows = ("page", "method", "app")
        for site, services in self.sites.items():
            by_row = {r: [s for s in services if _role(s) == r] for r in rows}
            cols = max(len(v) for v in by_row.values())
            width = max(cols * (BOX_W + GAP) + GAP, 200)
            parts.append(f"<rect x='{x0}' y='10' width='{width}' height='{len(rows) * (BOX_H + 40) + 30}' "
                         "rx='10' fill='none' stroke='#546e7a' stroke-dasharray='6 4'/>"
                         f"<text x='{x0 + 10}' y='28' font-size='12' fill='#37474f'>site (사이트) "
                         f"{h.e(site)}</text>")
            for r, row in enumerate(rows):
                y = 40 + r * (BOX_H + 40)
                for c, svc in enumerate(by_row[row]):
                    x = x0 + GAP + c * (BOX_W + GAP)
                    where[svc.name] = (x + BOX_W / 2, y, y + BOX_H)
                    label = (f"method {svc.method}: {svc.name}" if svc.method else svc.name)
                    parts.append(
                        f"<g class='service' data-service='{h.e(svc.name)}'>"
                        f"<rect x='{x}' y='{y}' width='{BOX_W}' height='{BOX_H}' rx='6' "
                        f"fill='{ROLE_COLOURS[row]}' stroke='#90a4ae'/>"
                        f"<text x='{x + 6}' y='{y + 18}' font-size='12' font-weight='bold'>{h.e(label)}</text>"
                        f"<text x='{x + 6}' y='{y + 36}' font-size='11' font-family='monospace'>"
                        f"{h.e(svc.origin)}</text></g>")
            x0 += width + 20
        lines = []
        for svc in topology.SERVICES.values():  # a proxy's upstreams: where it forwards
            for up in svc.upstreams:
                if svc.name in where and up in where and _role(topology.SERVICES[up]) == "app":
                    (x1, _, b1), (x2, t2, _) = where[svc.name], where[up]
                    lines.append(f"<line x1='{x1}' y1='{b1}' x2='{x2}' y2='{t2}' stroke='#b0bec5'/>")
        height = len(rows) * (BOX_H + 40) + 50
        legend = [
            "Every box is its own origin (출처): scheme + host + port.",
            "A dashed frame is a site: cookies travel between its origins.",
            "Blue: pages - orange: methods 1-5 in front of the API (lines: where they forward) - purple: the apps.",
        ]
        text = "".join(f"<text x='10' y='{height + 4 + 15 * i}' font-size='11' fill='#455a64'>{h.e(line)}</text>"
                       for i, line in enumerate(legend))
        width = max(x0, 10 + max(len(line) for line in legend) * LEGEND_CHAR)
        return h.scalable_svg("corslab-origin-map", width, height + 12 + 15 * len(legend),
                              "".join(lines) + "".join(parts) + text)

    def _repr_html_(self) -> str:
        return f"<div>{self.svg()}</div>"


def origin_map() -> OriginMap:
    """The lab's origins as a picture: one box per service, grouped by site, lines to upstreams."""
    return OriginMap()
