"""A scenario: one fetch() a page makes, named the way the course and the playground name it.

``Scenario(service="cors-proxy", path="/v1/users", origin=None, method="PUT", ...)`` targets a
service of the lab stack (its origin comes from :mod:`corslab.stack.topology`); ``url=`` targets any
URL instead. ``origin=None`` means the page a learner would use: the app origin, or the service's
own origin for method 1 (one origin: the page is served by the same proxy). The playground reads
the same fields from its URL query (:meth:`Scenario.query`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from corslab.stack import topology
from corslab.errors import CorsLabError

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
CREDENTIALS = ("omit", "same-origin", "include")
MODES = ("cors", "no-cors", "same-origin")


def _header_pairs(headers) -> tuple[tuple[str, str], ...]:
    """Headers as (name, value) pairs, from pairs, a dict, or 'Name: value' lines."""
    from corslab.probing.probe import parse_header_line

    if headers is None:
        return ()
    if isinstance(headers, str):
        headers = [line for line in headers.splitlines() if line.strip()]
    if isinstance(headers, dict):
        headers = list(headers.items())
    pairs = []
    for item in headers:
        if isinstance(item, str):
            item = parse_header_line(item.strip())
        name, value = item
        pairs.append((str(name), str(value)))
    return tuple(pairs)


@dataclass(frozen=True)
class Scenario:
    service: str | None = "cors-proxy"
    path: str = "/v1/users"
    origin: str | None = None
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = field(default=())
    credentials: str = "omit"
    mode: str = "cors"
    body: str | None = None
    url: str | None = None  # a full URL instead of service + path

    def __post_init__(self):
        service = self.service
        if service and "://" in service:  # Scenario("http://...") is a URL, not a service name
            object.__setattr__(self, "url", service)
            object.__setattr__(self, "service", None)
        elif self.url:  # a URL wins over the default service
            object.__setattr__(self, "service", None)
        elif service is not None and self.url is None:
            topology.service(service)  # one clear line for an unknown name
        if self.service is None and self.url is None:
            raise CorsLabError("a scenario needs a target: service='cors-proxy' (a lab service) "
                               "or url='http://...'")
        if self.credentials not in CREDENTIALS:
            raise CorsLabError(f"credentials {self.credentials!r} is not a fetch() credentials "
                               f"mode; use one of: {', '.join(CREDENTIALS)}")
        if self.mode not in MODES:
            raise CorsLabError(f"mode {self.mode!r} is not a fetch() mode for a page; use one of: "
                               f"{', '.join(MODES)}")
        if self.path and not self.path.startswith("/"):
            object.__setattr__(self, "path", "/" + self.path)
        object.__setattr__(self, "headers", _header_pairs(self.headers))
        object.__setattr__(self, "method", str(self.method).strip())
        if self.body == "":
            object.__setattr__(self, "body", None)

    # -- where it goes and where it comes from -------------------------------------------------

    @property
    def target(self) -> str:
        """The URL fetch() is called with."""
        if self.url:
            return self.url
        return topology.origin(self.service) + (self.path or "/")

    @property
    def page_origin(self) -> str:
        """The origin of the page that calls fetch() (출처 of the caller)."""
        if self.origin:
            return self.origin
        if self.service and topology.service(self.service).method == 1:
            return topology.origin(self.service)
        return topology.APP_ORIGIN

    def with_(self, **changes) -> "Scenario":
        return replace(self, **changes)

    # -- running it -------------------------------------------------------------------------------

    def probe(self, session=None, timeout: float = 5):
        """Send it the way a browser would (corslab.probing.probe) and return the ProbeResult."""
        from corslab.probing.probe import probe

        return probe(self.target, self.page_origin, self.method, headers=list(self.headers),
                     credentials=self.credentials, mode=self.mode, body=self.body,
                     timeout=timeout, session=session)

    # -- the playground's URL query ---------------------------------------------------------------

    def query(self) -> str:
        """The URL query the playground reads back (url, method, header, credentials, mode, body)."""
        fields = [("url", self.target), ("method", self.method)]
        fields += [("header", f"{n}: {v}") for n, v in self.headers]
        fields += [("credentials", self.credentials), ("mode", self.mode)]
        if self.body is not None:
            fields.append(("body", self.body))
        return urlencode(fields)

    def playground_url(self) -> str:
        """The playground, served from the scenario's page origin, prefilled with it."""
        page = self.page_origin
        known = {s.origin for s in topology.SERVICES.values() if s.kind == "flask"
                 and s.app and s.app.startswith("servers.pages")}
        if page not in known:  # only the lab's page origins serve the playground
            page = topology.APP_ORIGIN
        return f"{page}/playground.html?{self.query()}"

    def describe(self) -> str:
        extra = "".join(f", {n}: {v}" for n, v in self.headers)
        return (f"{self.method} {self.target} from {self.page_origin} (credentials: "
                f"{self.credentials}, mode: {self.mode}{extra})")
