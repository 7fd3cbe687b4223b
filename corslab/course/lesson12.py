"""Notebook 12 - debugging and myths.

``CONSOLE_CASES``: five situations a learner meets, each reproduced live against the lab's echo
service (which answers with exactly the CORS headers its URL asks for); the notebook shows the
console line the kit computes for each (Chromium's words) and ``explain``'s reading of it.
``check_console_causes`` grades the learner's fix for each message; ``check_myths`` grades
true/false marks on the twelve misconceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from corslab.stack import topology
from corslab.course.quiz import matching, true_false


@dataclass(frozen=True)
class ConsoleCase:
    number: str
    query: dict
    method: str = "GET"
    headers: tuple = ()
    credentials: str = "omit"
    error: str = ""  # the CorsError name (Chromium's enum without the k) this case produces
    fix: str = ""    # the letter of the fix among FIXES

    def url(self) -> str:
        query = urlencode(self.query, doseq=True, safe="{}:/*")
        return topology.origin("echo") + "/v1/users" + (f"?{query}" if query else "")

    def probe(self, origin: str | None = None):
        from corslab.probing.probe import probe

        return probe(self.url(), origin or topology.APP_ORIGIN, self.method, headers=list(self.headers),
                     credentials=self.credentials, body="{}" if self.method in ("PUT", "POST") else None)


APP = "{origin}"
CONSOLE_CASES = (
    ConsoleCase("1", {"acao": APP, "acam": "PUT", "acah": "content-type", "preflight_status": "404"},
                "PUT", (("Content-Type", "application/json"),), error="PreflightInvalidStatus", fix="c"),
    ConsoleCase("2", {}, error="MissingAllowOriginHeader", fix="a"),
    ConsoleCase("3", {"acao": [APP, APP]}, error="MultipleAllowOriginValues", fix="e"),
    ConsoleCase("4", {"acao": APP, "acam": "PUT", "acah": "content-type"}, "PUT",
                (("Content-Type", "application/json"), ("X-Trace-Id", "42")),
                error="HeaderDisallowedByPreflightResponse", fix="b"),
    ConsoleCase("5", {"acao": "*"}, credentials="include", error="WildcardOriginNotAllowed", fix="d"),
)

#: More messages a learner meets, reproduced the same way (shown in the notebook's table).
MORE_CASES = (
    ConsoleCase("6", {"acao": topology.ADMIN_ORIGIN}, error="AllowOriginMismatch"),
    ConsoleCase("7", {"acao": APP}, credentials="include", error="InvalidAllowCredentials"),
    ConsoleCase("8", {"acao": APP, "acam": "GET"}, "PUT", (("Content-Type", "application/json"),),
                error="MethodDisallowedByPreflightResponse"),
    ConsoleCase("9", {"acao": APP, "acam": "PUT", "acah": "content-type", "preflight_redirect": "/v1/users"},
                "PUT", (("Content-Type", "application/json"),), error="PreflightDisallowedRedirect"),
    ConsoleCase("10", {"acao": "-"}, error="InvalidAllowOriginValue"),
)

FIXES = {
    "a": "send Access-Control-Allow-Origin on the response",
    "b": "add the header to Access-Control-Allow-Headers",
    "c": "answer OPTIONS (the preflight) with a 2xx and the CORS headers",
    "d": "echo the exact origin with Access-Control-Allow-Credentials: true instead of *",
    "e": "set the CORS headers in one layer only (proxy or app, not both)",
}


def check_console_causes(answer):
    """``answer``: {"1": letter, ..., "5": letter} - the fix for each console message."""
    key = {case.number: {case.fix} for case in CONSOLE_CASES}
    return matching(answer, key, "From console message to fix",
                    'Set `answer = {"1": "a", "2": ..., ..., "5": ...}` with a letter from the fix list.',
                    {case.number: "Read the part after 'CORS policy:' - which header or status does it name?"
                     for case in CONSOLE_CASES})


MYTHS = {
    "A": (True, "CORS decides what the page may read; a simple request is sent and run, and /_lab/seen "
                "showed it arrive.", "What did /_lab/seen show for the blocked POST?"),
    "B": (False, "flags and extensions change one developer's browser; every user's browser still "
                 "enforces it - the fix is on the server.", "Whose browser enforces CORS?"),
    "C": (False, "with credentials the browser refuses `*`: the exact origin and ACAC true are needed.",
          "Try case 5 above."),
    "D": (False, "Access-Control-Max-Age lets the browser reuse a preflight answer (Chromium caps it at 2 h).",
          "Think of the preflight cache timeline."),
    "E": (True, "CORS is enforced by browsers only; curl, servers and native apps ignore it.",
          "Who reads Access-Control-* headers?"),
    "F": (False, "an exact allowlist plus authentication is safe; what is unsafe is reflecting any origin.",
          "Compare an exact allowlist with reflecting whatever Origin says."),
    "G": (False, "application/json is not one of the three simple Content-Types, so it is preflighted.",
          "Which three Content-Types keep a request simple?"),
    "H": (False, "only the safelisted response headers and those in Access-Control-Expose-Headers.",
          "Which headers did the probe list as readable?"),
    "I": (False, "each redirect answer is checked too, and the final one needs the headers as well.",
          "What does the browser check at each hop?"),
    "J": (False, "scheme, host and port all count: http and https, or two ports, are two origins.",
          "What makes up an origin?"),
    "K": (True, "the page calls its own origin, and the proxy calls the API server to server - at the "
                "cost of running, securing and scaling that proxy.", "Who talks to the API then?"),
    "L": (True, "dev origins like http://localhost:3000 do not belong in production's allowlist.",
          "Should a production API trust http://localhost:3000?"),
}


def check_myths(answer):
    """``answer``: {"A": True/False, ..., "L": ...}."""
    return true_false(answer, MYTHS, "Twelve beliefs about CORS",
                      'Set `answer = {"A": ..., ..., "L": ...}` with True or False.')
