"""Notebook 11 - choosing a method: one scenario set probed live against every method.

``run_matrix()`` sends the same scenarios through each method of the stack (and, for contrast, the
API without CORS and the app-level flask-cors API) and keeps every ``ProbeResult``; the notebook
renders it as tables. ``check_matrix_reading`` grades the learner's reading of *that* live matrix;
``check_choose_method`` grades a selection-guide exercise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corslab.stack import topology
from corslab.course.grading import Feedback, unanswered
from corslab.course.live import Table, header, verdict
from corslab.course.quiz import matching

#: The services compared, in the course's order: no CORS, app-level, then methods 1-5.
SERVICES = ("api", "api-appcors", "same-origin", "cors-proxy", "ingress", "alb", "gateway")
LABELS = {"api": "no CORS", "api-appcors": "app-level (flask-cors)", "same-origin": "1 same origin",
          "cors-proxy": "2 nginx", "ingress": "3 ingress-nginx", "alb": "4 ALB", "gateway": "5 Kong"}


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    page: str  # "app", "admin" or "untrusted": whose page sends it
    method: str
    path: str
    headers: tuple = ()
    credentials: str = "omit"
    body: str | None = None


SCENARIOS = (
    Scenario("app-get", "app: GET /v1/users", "app", "GET", "/v1/users"),
    Scenario("app-put", "app: PUT JSON with cookies", "app", "PUT", "/v1/users/1",
             (("Content-Type", "application/json"),), "include", '{"name": "ada"}'),
    Scenario("admin-put", "admin: PUT JSON with cookies", "admin", "PUT", "/v1/users/1",
             (("Content-Type", "application/json"),), "include", '{"name": "ada"}'),
    Scenario("app-401", "app: GET /v1/me (401) with cookies", "app", "GET", "/v1/me", (), "include"),
    Scenario("untrusted-get", "untrusted: GET /v1/users", "untrusted", "GET", "/v1/users"),
)


def page_origin(scenario: Scenario, service: str) -> str:
    """Method 1 serves the app's pages itself, so the app's page lives on its origin."""
    if service == "same-origin" and scenario.page == "app":
        return topology.origin("same-origin")
    return {"app": topology.APP_ORIGIN, "admin": topology.ADMIN_ORIGIN,
            "untrusted": topology.UNTRUSTED_ORIGIN}[scenario.page]


@dataclass
class Matrix:
    results: dict = field(default_factory=dict)  # (scenario key, service) -> ProbeResult

    def allowed(self, scenario: str) -> set[str]:
        return {svc for (key, svc), r in self.results.items() if key == scenario and r.allowed}

    def verdicts(self) -> Table:
        rows = [[s.title] + [verdict(self.results[(s.key, svc)]) for svc in SERVICES] for s in SCENARIOS]
        return Table(rows, ["scenario"] + [LABELS[s] for s in SERVICES],
                     "Can the page read the answer? (live probes, now)")

    def properties(self) -> Table:
        rows = []
        for svc in SERVICES:
            put = self.results[("app-put", svc)]
            get = self.results[("app-get", svc)]
            reached = (put.seen() or {}).get("reached") or []
            pre = put.preflight
            rows.append([
                LABELS[svc],
                "none needed" if not put.preflight_needed else (pre.status if pre else "-"),
                "-" if pre is None else ("yes" if reached and reached[0] else "no"),
                "yes" if "origin" in (header(get.response, "vary") or "").lower() else "no",
                header(self.results[("app-401", svc)].response, "access-control-allow-origin") or "(none)",
            ])
        return Table(rows, ["method", "preflight status", "preflight reached the API",
                            "Vary: Origin", "ACAO on the 401"], "How each method answers (live)")


def run_matrix() -> Matrix:
    """Probe every scenario against every service of SERVICES, now."""
    from corslab.probing.probe import probe

    matrix = Matrix()
    for svc in SERVICES:
        base = topology.origin(svc)
        for s in SCENARIOS:
            matrix.results[(s.key, svc)] = probe(base + s.path, page_origin(s, svc), s.method,
                                                 headers=list(s.headers), credentials=s.credentials,
                                                 body=s.body)
    return matrix


def check_matrix_reading(answer, matrix: Matrix | None = None) -> Feedback:
    """``answer``: {"admin_put": set of service names, "read_401": set of service names}.

    The truth is the live matrix (``matrix``, or a fresh run): which services let the admin page's
    credentialed PUT through, and which let the app's page read the 401 of /v1/me.
    """
    if unanswered(answer):
        return Feedback.todo('Set `answer = {"admin_put": {...}, "read_401": {...}}` with service '
                             'names such as "cors-proxy".')
    if not isinstance(answer, dict):
        return Feedback("Reading the matrix", [(False, "The answer is a dict of two sets.")])
    matrix = matrix or run_matrix()
    fb = Feedback("Reading the live matrix")
    for key, scenario in (("admin_put", "admin-put"), ("read_401", "app-401")):
        given = answer.get(key)
        if not isinstance(given, (set, list, tuple, frozenset)):
            fb.check(False, f"{key}: give a set of service names.")
            continue
        given = {str(g) for g in given}
        unknown = given - set(SERVICES)
        if unknown:
            fb.check(False, f"{key}: {', '.join(sorted(unknown))} is not a service here; the names are "
                            + ", ".join(SERVICES) + ".")
            continue
        truth = matrix.allowed(scenario)
        missing, extra = truth - given, given - truth
        fb.check(not missing and not extra, f"{key}: right." if not (missing or extra) else
                 f"{key}: {len(missing)} missing and {len(extra)} too many - read the row "
                 f"'{next(s.title for s in SCENARIOS if s.key == scenario)}' again.")
    return fb


CHOICES = {
    "a": {"1"},
    "b": {"2"},
    "c": {"3", "1"},   # ingress annotations, or one origin by Ingress paths (method 1 in Kubernetes)
    "d": {"4", "1"},
    "e": {"5"},
    "f": {"5", "2"},
}
HINTS = {
    "a": "If page and API can share one origin, is CORS needed at all?",
    "b": "Your own nginx is already in front of the API, and there are two frontends.",
    "c": "Where does traffic enter the cluster - and could the page and the API share one host there?",
    "d": "One frontend, one ALB, and path rules are available.",
    "e": "Many services and cross-cutting concerns: where do they meet?",
    "f": "An ALB header rule carries one static origin - can it serve two frontends?",
}


def check_choose_method(answer) -> Feedback:
    """``answer``: {"a": "1".."5" or "app", ..., "f": ...} - the method you would pick per situation."""
    return matching(answer, CHOICES, "Choosing a method",
                    'Set `answer = {"a": "1", "b": ..., ..., "f": ...}` with a method number as a string.',
                    HINTS)
