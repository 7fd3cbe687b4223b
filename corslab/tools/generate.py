"""A secure CORS configuration for a product, from a policy: ``python -m corslab generate PRODUCT``.

Every output states the policy the secure way the product allows and says, in comments beside the
lines, what each line does and where the product cannot do better:

- origins matched exactly (or by a regex anchored at both ends where the product only has regexes),
  never ``*``, never "reflect whatever Origin says";
- ``Vary: Origin`` wherever the answer depends on Origin, through the product's own supported header
  feature (nginx ``add_header ... always``, Istio ``headers.response``, an HTTPRoute
  ``ResponseHeaderModifier``, HTTP API response parameter mapping); Kong adds it itself; ALB's answer
  does not depend on Origin (one static value), so it needs none; ingress-nginx has no supported way
  once snippet annotations are disabled, and the config says so;
- preflights answered at the edge as the product can; CORS headers on error responses where the
  product adds them there; the upstream's own CORS headers removed where they could duplicate ours.

Where a product cannot state the policy, ``generate`` refuses with one line (exit 2) and never
prints a config that differs from the policy: ALB sends one static ``Access-Control-Allow-Origin``
for every caller, so it refuses several origins; Kong, Istio and HTTPRoute refuse a method outside
their method enums; Istio and HTTPRoute refuse ``--max-age 0`` (their minimums).

Every value is checked before it is written, and written for its target language: an origin must
be a serialised origin (``corslab.fetch.attacks.serialised``), methods and headers RFC 9110 tokens,
``--upstream`` an ``http://host[:port][/path]`` URL; an origin is escaped wherever the product's
field is a regex (nginx ``map``, Kong), every YAML string is double-quoted (``yes``, ``null``,
``0x1F`` stay strings) and every non-ASCII character written as an escape.

Then the config is checked before it is printed (:func:`observe`): it runs in its product's
emulator (``python -m corslab emulate PRODUCT``; nginx and ingress-nginx in real nginx) in front of
a plain upstream, and every origin of ``corslab.fetch.attacks.attack_origins(policy origins)`` sends
a preflight and a GET. If any of them gets its own origin or ``*`` back, or the policy's origins,
methods, headers, credentials or max-age are not what the emulator answers, ``generate`` refuses in
one line and prints nothing. The ``# Policy:`` line of the output is what the emulator answered,
not what the arguments asked for.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corslab.errors import CorsLabError

PRODUCTS = ("nginx", "ingress-nginx", "gateway-api", "kong", "istio", "alb", "apigw-http")
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token; always fullmatch()
HOST = re.compile(r"[a-z0-9]([a-z0-9.\-]*[a-z0-9.])?")  # what generate writes: LDH names and IPv4
UPSTREAM = re.compile(r"http://(?P<host>[a-z0-9]([a-z0-9.\-]*[a-z0-9])?)(:(?P<port>[0-9]{1,5}))?"
                      r"(?P<path>/[A-Za-z0-9._~/\-]*)?")
MAX_ORIGINS = 16      # each brings ~80 attack origins to check in the emulator
MAX_NAMES = 32        # methods, headers, exposed headers: each list
MAX_NAME_LENGTH = 64
MAX_ORIGIN_LENGTH = 255
MAX_UPSTREAM_LENGTH = 512
FORBIDDEN_METHODS = {"CONNECT", "TRACE", "TRACK"}  # Fetch: a page can never send them
KONG_METHODS = ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT")
ISTIO_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
CORS_RESPONSE_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                         "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                         "Access-Control-Expose-Headers", "Access-Control-Max-Age")
# HTTP API response parameter mapping is keyed by status code (200-599): Vary is added for these.
APIGW_STATUSES = (200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415,
                  422, 429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Policy:
    """What a generated config allows. Build it with :func:`make_policy` (it validates)."""

    origins: tuple[str, ...]
    methods: tuple[str, ...] = ("GET", "POST")
    headers: tuple[str, ...] = ()
    expose: tuple[str, ...] = ()
    credentials: bool = False
    max_age: int | None = None
    upstream: str = ""
    notes: tuple[str, ...] = field(default=(), compare=False)

    def describe(self) -> str:
        return (f"origins {', '.join(self.origins)} - methods {', '.join(self.methods)} - headers "
                f"{', '.join(self.headers) or '(none)'} - expose {', '.join(self.expose) or '(none)'} - "
                f"credentials {'yes' if self.credentials else 'no'} - max-age "
                f"{self.max_age if self.max_age is not None else '(browser default, 5 s)'}")


def lab_policy() -> Policy:
    """The lab's own policy (corslab/stack/policy.py), in front of the lab's API."""
    from corslab.stack import policy

    return make_policy(policy.ALLOWED_ORIGINS, policy.ALLOWED_METHODS, policy.ALLOWED_HEADERS,
                       policy.EXPOSED_HEADERS, policy.ALLOW_CREDENTIALS, policy.MAX_AGE)


def default_upstream() -> str:
    from corslab.stack import topology

    return f"http://127.0.0.1:{topology.SERVICES['api'].port}"


def _shown(value, limit: int = 60) -> str:
    """A value for an error line: control and non-ASCII characters escaped, a long one cut."""
    text = str(value)
    shown = "'" + text[:limit].encode("unicode_escape").decode("ascii") + "'"
    return shown + (f" (+{len(text) - limit} more characters)" if len(text) > limit else "")


def _origin(value) -> str:
    from corslab.fetch.attacks import serialised
    from corslab.fetch.origins import parse_origin

    if not isinstance(value, str):
        raise CorsLabError(f"--origin {_shown(value)} is not text; write it like https://app.example.com")
    if value.strip() in ("*", "null"):
        raise CorsLabError(f"--origin {value.strip()}: generate writes exact allowlists; '{value.strip()}' would "
                           "allow any page (or any sandboxed page). List the origins that may call the API")
    if len(value) > MAX_ORIGIN_LENGTH:
        raise CorsLabError(f"--origin {_shown(value)} is longer than {MAX_ORIGIN_LENGTH} characters; "
                           "an origin is scheme://host[:port]")
    if not value.isascii():
        raise CorsLabError(f"--origin {_shown(value)} has non-ASCII characters; browsers send an "
                           "internationalised host in its xn-- (punycode) form - write that")
    serialised(value, "--origin")
    origin = parse_origin(value)
    if origin.scheme not in ("http", "https"):
        raise CorsLabError(f"--origin {_shown(value)}: only http and https origins can call an API")
    if origin.port == 0:
        raise CorsLabError(f"--origin {_shown(value)}: port 0 is never a page's port; write the port the page is served on")
    if origin.host.startswith("["):
        raise CorsLabError(f"--origin {_shown(value)}: IPv6-literal origins are not generated (ingress-nginx's "
                           "and HTTPRoute's origin validators refuse them); use a host name")
    if not HOST.fullmatch(origin.host):
        raise CorsLabError(f"--origin {_shown(value)}: the host has characters generate does not write "
                           "(letters a-z, digits, '.' and '-' only)")
    last = origin.host.rstrip(".").rsplit(".", 1)[-1]
    if last.isdigit() or last.startswith("0x"):  # the URL standard's host parser reads an IPv4 address
        import ipaddress

        try:
            ipaddress.IPv4Address(origin.host)  # four decimal numbers, no leading zeros, no trailing dot
        except ValueError:
            raise CorsLabError(f"--origin {_shown(value)}: a browser reads this host as an IPv4 address and "
                               "sends it as four decimal numbers without leading zeros (010.0.0.1 -> "
                               "8.0.0.1); write it that way") from None
    return value


def _names(values, option: str, example: str) -> tuple[str, ...]:
    """Methods or header names: RFC 9110 tokens, never ``*`` (a wildcard in every CORS list)."""
    values = list(values)
    if len(values) > MAX_NAMES:
        raise CorsLabError(f"{option} is given {len(values)} times; generate writes at most {MAX_NAMES}")
    for value in values:
        if not isinstance(value, str) or not TOKEN.fullmatch(value) or len(value) > MAX_NAME_LENGTH:
            raise CorsLabError(f"{option} {_shown(value)} is not a name (1-{MAX_NAME_LENGTH} letters, digits "
                               f"or !#$%&'*+-.^_`|~, nothing else), e.g. {option} {example}")
        if value == "*":
            raise CorsLabError(f"{option} '*': in CORS lists '*' is a wildcard that allows every name; "
                               f"list the names, e.g. {option} {example}")
    return tuple(dict.fromkeys(values))


def _upstream(value) -> str:
    from corslab.emulate.proxy import upstream_url

    if not isinstance(value, str) or len(value) > MAX_UPSTREAM_LENGTH or not UPSTREAM.fullmatch(value):
        raise CorsLabError(f"--upstream {_shown(value)} is not written the way generate writes an upstream: "
                           "http://host[:port][/path] with a lower-case host and no spaces, quotes, ';', "
                           "braces or control characters, e.g. http://127.0.0.1:8095")
    port = UPSTREAM.fullmatch(value).group("port")
    if port is not None and not 1 <= int(port) <= 65535:
        raise CorsLabError(f"--upstream {_shown(value)}: the port must be 1-65535")
    return upstream_url(value)


def make_policy(origins, methods=(), headers=(), expose=(), credentials=False, max_age=None,
                upstream=None) -> Policy:
    """Check every part of a policy; CorsLabError (one line) for anything a config cannot state."""
    origins = list(origins or ())
    if not origins:
        raise CorsLabError("give at least one --origin (the pages allowed to call the API), "
                           "e.g. --origin https://app.example.com")
    if len(origins) > MAX_ORIGINS:
        raise CorsLabError(f"--origin is given {len(origins)} times; generate writes at most {MAX_ORIGINS} "
                           "(a longer allowlist belongs in the API, or a pattern you review)")
    clean = tuple(dict.fromkeys(_origin(o) for o in origins))
    out_methods = _names(methods or ("GET", "POST"), "--method", "PUT")
    for m in out_methods:
        if m.upper() in FORBIDDEN_METHODS:
            raise CorsLabError(f"--method {m}: browsers never let a page send {m.upper()}; leave it out")
        if m.upper() == "OPTIONS":
            raise CorsLabError("--method OPTIONS: the preflight is OPTIONS and is answered for you; "
                               "list the methods the page sends (GET, PUT, ...)")
    out_headers = _names(headers, "--header", "X-Trace-Id")
    out_expose = _names(expose, "--expose", "X-Request-Id")
    if max_age is not None:
        if isinstance(max_age, bool) or not isinstance(max_age, int) or not 0 <= max_age <= 86400:
            raise CorsLabError(f"--max-age {_shown(max_age)} must be whole seconds from 0 to 86400 "
                               "(Chromium caps it at 7200)")
    upstream = default_upstream() if upstream is None else _upstream(upstream)
    return Policy(clean, out_methods, out_headers, out_expose, bool(credentials), max_age, upstream)


def generate(product: str, policy: Policy) -> str:
    """The configuration text for ``product``, checked in its emulator; CorsLabError (one line) if
    the product cannot state ``policy`` or the config does anything else (:func:`observe`)."""
    if product not in PRODUCTS:
        raise CorsLabError(f"unknown product {_shown(product)}; choose one of {', '.join(PRODUCTS)}")
    if not isinstance(policy, Policy):
        raise CorsLabError("generate takes a Policy from make_policy(), which checks every value")
    text = GENERATORS[product](policy)
    seen = observe(product, text, policy)
    problem = differences(policy, seen)
    if problem:
        raise CorsLabError(f"refused: in the {product} emulator this config {problem}; nothing was printed")
    return text.replace(POLICY_PENDING, f"# Policy: {seen.describe()}  (what the emulator answered)", 1)


def emulate_hint(product: str, suffix: str) -> str:
    return f"python -m corslab emulate {product} cors.{suffix} --port 9000 --upstream URL"


def _cmdline(product: str, p: Policy) -> str:
    import shlex

    args = ["python", "-m", "corslab", "generate", product]
    for o in p.origins:
        args += ["--origin", o]
    for m in p.methods:
        args += ["--method", m]
    for h in p.headers:
        args += ["--header", h]
    for h in p.expose:
        args += ["--expose", h]
    if p.credentials:
        args.append("--credentials")
    if p.max_age is not None:
        args += ["--max-age", str(p.max_age)]
    if p.upstream != default_upstream():
        args += ["--upstream", p.upstream]
    return shlex.join(args)


POLICY_PENDING = "# Policy: (filled in from what the emulator answers)"


def _header(product: str, p: Policy, suffix: str) -> list[str]:
    return [f"# Generated by: {_cmdline(product, p)}",
            POLICY_PENDING,
            f"# Try it:  {emulate_hint(product, suffix)}"]


def _host_port(upstream: str) -> tuple[str, int]:
    parts = urlsplit(upstream)
    return parts.hostname, parts.port or 80


# --- nginx ---------------------------------------------------------------------------------------


def regex_literal(text: str) -> str:
    """``text`` as a regex that matches exactly it, in PCRE (nginx, Kong's ngx.re) and RE2: every
    character but letters, digits, ``:``, ``/`` and ``-`` is backslash-escaped (a backslash before
    punctuation is that character in both). Origins need only ``.``; the rest is defence."""
    return "".join(c if (c.isascii() and c.isalnum()) or c in ":/-" else "\\" + c for c in text)


def _nginx_regex(origin: str) -> str:
    return "~^" + regex_literal(origin) + "$"


def nginx(p: Policy) -> str:
    dollar = [v for v in p.methods + p.headers + p.expose if "$" in v]
    if dollar:
        raise CorsLabError(f"nginx reads '$' in a string as a variable, so {_shown(dollar[0])} cannot be "
                           "written as a method or header name in nginx; use a name without '$'")
    width = max(len(_nginx_regex(o)) for o in p.origins) + 2
    allow = "\n".join(f'    "{_nginx_regex(o)}"'.ljust(width + 6) + f' "{o}";' for o in p.origins)

    def when_allowed(var: str, value: str, why: str) -> str:
        return (f'map $cors_origin ${var} {{\n    ""       "";\n    default  "{value}";'
                f'{" " * max(1, 40 - len(value))}# {why}\n}}\n')

    maps = when_allowed("cors_methods", ", ".join(p.methods), "methods the page may use")
    maps += when_allowed("cors_headers", ", ".join(p.headers), "request headers the page may set") if p.headers else ""
    maps += when_allowed("cors_credentials", "true", "cookies may travel (exactly: true)") if p.credentials else ""
    maps += when_allowed("cors_expose", ", ".join(p.expose), "response headers JS may read") if p.expose else ""
    maps += when_allowed("cors_max_age", str(p.max_age), "seconds a browser may cache the preflight") \
        if p.max_age is not None else ""

    def add(name: str, var: str, enabled: bool = True) -> str:
        return f"            add_header {name:<32} ${var} always;\n" if enabled else ""

    host, port = _host_port(p.upstream)
    upstream = (f"\n# Where the API is (--upstream). `python -m corslab emulate nginx` would define it from its own\n"
                f"# --upstream if this block were missing; this one wins when present.\n"
                f"upstream backend {{\n    server {host}:{port};\n}}\n") if p.upstream != default_upstream() else (
        "\n# proxy_pass below goes to `upstream backend`: `python -m corslab emulate nginx` defines it from\n"
        "# --upstream; on a server, add: upstream backend { server api.internal:8080; }\n")
    return "\n".join(_header("nginx", p, "conf")) + f"""
#
# nginx in front of the API states the CORS policy at the edge (put this file in conf.d/):
#   * preflights are answered here with 204 and never reach the API;
#   * CORS headers go on every actual response, errors included (`always`);
#   * only origins on an exact allowlist are answered, with `Vary: Origin` because the answer
#     depends on the Origin header;
#   * the API's own CORS headers are hidden, so there is never a second Access-Control-Allow-Origin.

# 1. The allowlist: each entry is a case-sensitive regex anchored at both ends (^...$), so it
#    matches one whole origin: no "starts with" (https://app.example.com.evil.test), no "ends
#    with". The value sent back is the listed origin itself, never $http_origin. Anything else
#    maps to "", and add_header skips empty values: a refused origin gets no CORS headers.
map $http_origin $cors_origin {{
    default "";
{allow}
}}

# 2. The rest of the policy, sent only when the origin is allowed ("" -> header left out).
{maps}
# 3. A preflight is an OPTIONS request that carries Access-Control-Request-Method. A plain
#    OPTIONS (no such header) is an ordinary request and goes to the API.
map "$request_method:$http_access_control_request_method" $cors_preflight {{
    default        "";
    "~^OPTIONS:."  "yes";
}}
{upstream}
server {{
    listen 8080;                  # your port (emulate replaces it with 127.0.0.1:--port)
    server_name _;                # your API's host name

    location / {{
        # Preflight: answered here. Inside this `if` only the add_header lines written here apply
        # (add_header does not inherit into a block that has its own).
        if ($cors_preflight) {{
{add("Access-Control-Allow-Origin", "cors_origin")}{add("Access-Control-Allow-Credentials", "cors_credentials", p.credentials)}{add("Access-Control-Allow-Methods", "cors_methods")}{add("Access-Control-Allow-Headers", "cors_headers", bool(p.headers))}{add("Access-Control-Max-Age", "cors_max_age", p.max_age is not None)}            add_header Vary                             Origin always;
            return 204;           # 2xx, no body: the browser then sends the real request
        }}

        # Actual requests: drop whatever CORS headers the API set, then add ours - one source of
        # truth, one Access-Control-Allow-Origin line.
{chr(10).join(f"        proxy_hide_header {h};" for h in CORS_RESPONSE_HEADERS)}

        # `always`: on 4xx/5xx too. Without it the browser hides the API's error from the page and
        # reports a CORS failure instead of, say, 401 or 404.
        add_header Access-Control-Allow-Origin      $cors_origin      always;
{"        add_header Access-Control-Allow-Credentials $cors_credentials always;" + chr(10) if p.credentials else ""}{"        add_header Access-Control-Expose-Headers    $cors_expose      always;" + chr(10) if p.expose else ""}        add_header Vary                             Origin            always;

        proxy_set_header Host              $http_host;
        proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://backend;    # the API (see `upstream backend` above)
    }}
}}
"""


# --- ingress-nginx ------------------------------------------------------------------------------


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar: a JSON string is one, with every non-ASCII character and control
    character escaped (so U+2028, U+0085 and NUL cannot break a line), and it is always a string."""
    return json.dumps(value, ensure_ascii=True)


def ingress_nginx(p: Policy) -> str:
    from corslab.emulate import ingress_nginx as controller
    from corslab.stack import topology

    # The controller's annotation validators (main.go): a value they refuse silently becomes the
    # default list, so a name they cannot carry is refused here, by name.
    for option, values, name in (("--method", p.methods, "cors-allow-methods"),
                                 ("--header", p.headers, "cors-allow-headers"),
                                 ("--expose", p.expose, "cors-expose-headers")):
        for value in values:
            if not controller.annotation_valid(name, value):
                raise CorsLabError(f"ingress-nginx's annotation validator refuses {option} {_shown(value)} and "
                                   "would silently use its default list instead; use letters, digits, '-' and '_'")
    a = "nginx.ingress.kubernetes.io/"
    lines = _header("ingress-nginx", p, "yaml") + [
        "#",
        "# ingress-nginx renders these annotations into an nginx `if` block in every location of this",
        "# Ingress: a preflight from an allowed origin gets 204 at the edge, every response to an allowed",
        "# origin (errors included) gets the headers; other origins get none and their OPTIONS go to the API.",
        "#",
        "# Limits (the product's, stated rather than hidden):",
        "#   - No Vary: Origin. The controller never sends it, and there is no supported per-Ingress way to",
        "#     add a response header once snippet annotations are disabled (allow-snippet-annotations:",
        "#     false, the default since controller v1.9; configuration-snippet is risk level Critical).",
        "#     A shared cache in front of the Ingress may then hand one origin's answer to another:",
        "#     send `Vary: Origin` from the API, or mark responses `Cache-Control: private`.",
        "#   - The API's own CORS headers are replaced on allowed origins (more_set_headers), but pass",
        "#     through untouched for other origins: remove CORS from the API when the Ingress handles it.",
        "#   - Requested methods and headers are not checked; the lists below are only sent.",
        "# ingress-nginx was retired in March 2026: `generate gateway-api` states the same policy for its successor.",
        "apiVersion: networking.k8s.io/v1",
        "kind: Ingress",
        "metadata:",
        "  name: api                                    # your Ingress",
        "  annotations:",
        "    # Turn the CORS block on (annotation values are strings: quote \"true\").",
        f"    {a}enable-cors: \"true\"",
        "    # The allowlist, comma-separated, scheme and port included (an item without a lower-case",
        "    # scheme is silently dropped; a `*` item would allow every origin).",
        f"    {a}cors-allow-origin: {_yaml_str(', '.join(p.origins))}",
        "    # Sent as written in Access-Control-Allow-Methods.",
        f"    {a}cors-allow-methods: {_yaml_str(', '.join(p.methods))}",
    ]
    if p.headers:
        lines += ["    # Sent as written in Access-Control-Allow-Headers.",
                  f"    {a}cors-allow-headers: {_yaml_str(', '.join(p.headers))}"]
    else:
        lines += ["    # (no cors-allow-headers: the controller then sends its default list - DNT, User-Agent,",
                  "    #  X-Requested-With, ..., Authorization - it cannot be emptied)"]
    if p.expose:
        lines += ["    # Response headers page JavaScript may read.",
                  f"    {a}cors-expose-headers: {_yaml_str(', '.join(p.expose))}"]
    lines += ["    # Access-Control-Allow-Credentials. The controller's default is \"true\": say it explicitly.",
              f"    {a}cors-allow-credentials: \"{'true' if p.credentials else 'false'}\""]
    if p.max_age is not None:
        lines += ["    # Seconds a browser may cache the preflight answer.",
                  f"    {a}cors-max-age: \"{p.max_age}\""]
    else:
        lines += ["    # Preflight cache: without cors-max-age the controller sends 1728000 (20 days;",
                  "    # Chromium caps it at 7200 s). Stated here as 5 s, the browsers' default.",
                  f"    {a}cors-max-age: \"5\""]
    api = topology.SERVICES["api"]
    lines += [
        "spec:",
        "  ingressClassName: nginx                      # handled by ingress-nginx",
        "  rules:",
        "    - http:                                    # add `host: api.example.com` in production",
        "        paths:",
        "          - path: /                            # every path of the API",
        "            pathType: Prefix",
        "            backend:",
        "              service:",
        "                name: api                      # your API's Service (emulate: --upstream)",
        "                port:",
        f"                  number: {api.port}",
    ]
    return "\n".join(lines) + "\n"


# --- Gateway API ---------------------------------------------------------------------------------


def _yaml_list(items) -> str:
    """A YAML flow sequence of double-quoted strings: never a bool, null, number or anchor."""
    return "[" + ", ".join(_yaml_str(i) for i in items) + "]"


def gateway_api(p: Policy) -> str:
    from corslab.stack import topology

    bad = [m for m in p.methods if m not in ISTIO_METHODS]
    if bad:
        raise CorsLabError(f"an HTTPRoute CORS filter's allowMethods is an enum of {', '.join(ISTIO_METHODS)}; "
                           f"{', '.join(bad)} cannot be listed")
    if p.max_age == 0:
        raise CorsLabError("an HTTPRoute CORS filter's maxAge is at least 1 (CRD minimum); use --max-age 1")
    api = topology.SERVICES["api"]
    lines = _header("gateway-api", p, "yaml") + [
        "#",
        "# A Gateway API HTTPRoute with the CORS filter (GEP-1767, standard channel since v1.5, \"Extended\"",
        "# support) and a ResponseHeaderModifier filter, as Envoy Gateway runs them:",
        "#   - a preflight from an allowed origin is answered at the gateway (200); from another origin",
        "#     too, with no Access-Control-Allow-Origin;",
        "#   - Envoy's CORS filter never sends Vary: Origin, so the ResponseHeaderModifier adds it to",
        "#     every response from the API, and removes the API's own CORS headers (Envoy would pass",
        "#     them through for refused origins). Envoy applies route header changes before its CORS",
        "#     filter writes its own headers, so ours survive.",
        "apiVersion: gateway.networking.k8s.io/v1",
        "kind: HTTPRoute",
        "metadata:",
        "  name: api",
        "spec:",
        "  parentRefs:",
        "    - name: gateway                            # your Gateway",
        "  rules:",
        "    - matches:",
        "        - path:",
        "            type: PathPrefix                   # every path of the API",
        "            value: /",
        "      filters:",
        "        - type: CORS",
        "          cors:",
        f"            allowOrigins: {_yaml_list(p.origins)}  # matched whole: scheme, host, port",
        f"            allowMethods: {_yaml_list(p.methods)}  # Access-Control-Allow-Methods",
    ]
    if p.headers:
        lines.append(f"            allowHeaders: {_yaml_list(p.headers)}  # Access-Control-Allow-Headers")
    if p.expose:
        lines.append(f"            exposeHeaders: {_yaml_list(p.expose)}  # response headers JS may read")
    lines.append(f"            allowCredentials: {'true' if p.credentials else 'false'}"
                 "                # Access-Control-Allow-Credentials: true, or none")
    lines.append(f"            maxAge: {p.max_age if p.max_age is not None else 5}"
                 "                             # preflight cache, seconds (at least 1; the CRD default is 5)")
    lines += [
        "        - type: ResponseHeaderModifier         # the route's response headers (Envoy: before the CORS filter)",
        "          responseHeaderModifier:",
        "            add:                               # appended, so the API's own Vary stays",
        "              - name: Vary",
        "                value: Origin                  # the answer depends on Origin: caches must key on it",
        "            remove:                            # the API's CORS headers: never a second, never a leak",
    ] + [f"              - {h}" for h in CORS_RESPONSE_HEADERS] + [
        "      backendRefs:",
        "        - name: api                            # your API's Service (emulate: --upstream)",
        f"          port: {api.port}",
    ]
    return "\n".join(lines) + "\n"


# --- Kong ----------------------------------------------------------------------------------------


def _kong_regex(origin: str) -> str:
    return "^" + regex_literal(origin) + "$"


def kong(p: Policy) -> str:
    bad = [m for m in p.methods if m not in KONG_METHODS]
    if bad:
        raise CorsLabError(f"Kong's cors plugin accepts only the methods {', '.join(KONG_METHODS)} "
                           f"(schema one_of), not {', '.join(bad)}; answer those preflights in the API")
    lines = _header("kong", p, "yml") + [
        "#",
        "# Kong Gateway 3.x, DB-less: the cors plugin answers preflights at Kong (200) and adds the",
        "# headers to every response, errors included; it adds Vary: Origin itself.",
        "_format_version: \"3.0\"",
        "services:",
        "  - name: api",
        f"    url: {_yaml_str(p.upstream)}          # your API (emulate: --upstream replaces it)",
        "    routes:",
        "      - name: api",
        "        paths: [/]                             # every path",
        "        strip_path: false                      # keep the path as the page sent it",
        "        # no `methods:` on the route: it would 404 the OPTIONS preflight",
        "        plugins:",
        "          - name: cors",
        "            config:",
        "              # Each origin as a regex anchored at both ends, matched against the whole origin",
        "              # (it contains ':'). Not a plain string: Kong sends a lone plain entry to EVERY",
        "              # Origin, and would match a plain host-only entry on any scheme or port.",
        "              origins:",
    ] + [f"                - {_yaml_str(_kong_regex(o))}" for o in p.origins] + [
        f"              methods: {_yaml_list(p.methods)}  # Access-Control-Allow-Methods on preflights",
    ]
    if p.headers:
        lines.append(f"              headers: {_yaml_list(p.headers)}  # Access-Control-Allow-Headers on preflights")
    else:
        lines += ["              # Kong echoes whatever headers a preflight asks for when `headers` is empty;",
                  "              # listing one (a common one) stops that.",
                  "              headers: [Content-Type]"]
    if p.expose:
        lines.append(f"              exposed_headers: {_yaml_list(p.expose)}  # on actual responses")
    lines.append(f"              credentials: {'true' if p.credentials else 'false'}"
                 "                # Access-Control-Allow-Credentials: true (Kong sends it even to refused origins)")
    if p.max_age is not None:
        lines.append(f"              max_age: {p.max_age}                   # preflight cache, seconds")
    lines += ["              preflight_continue: false       # answer preflights here, never at the API",
              "# Limit: the API's own Access-Control-Allow-Methods/Headers/Max-Age pass through on actual",
              "# responses (Kong replaces only ACAO, ACAC and ACEH): remove CORS from the API behind Kong."]
    return "\n".join(lines) + "\n"


# --- Istio ---------------------------------------------------------------------------------------


def istio(p: Policy) -> str:
    bad = [m for m in p.methods if m not in ISTIO_METHODS]
    if bad:
        raise CorsLabError(f"Istio's corsPolicy.allowMethods accepts only {', '.join(ISTIO_METHODS)}, "
                           f"not {', '.join(bad)}")
    if p.max_age == 0:
        raise CorsLabError("Istio's corsPolicy.maxAge must be longer than 1ms (istiod refuses 0s); use --max-age 1")
    lines = _header("istio", p, "yaml") + [
        "#",
        "# Istio: a VirtualService corsPolicy (Envoy's CORS filter) plus route response headers.",
        "# Envoy answers an allowed origin's preflight itself (200); unmatchedPreflights: IGNORE answers",
        "# the others too (200, no Access-Control-Allow-Origin) instead of forwarding them to the API.",
        "apiVersion: networking.istio.io/v1",
        "kind: VirtualService",
        "metadata:",
        "  name: api",
        "spec:",
        "  hosts: [\"*\"]                                 # name your host in production",
        "  http:",
        "    - name: api",
        "      route:",
        "        - destination:",
        "            host: api                          # your API's Service (emulate: --upstream)",
        "      corsPolicy:",
        "        allowOrigins:                          # StringMatch: exact is case-sensitive, port included",
    ] + [f"          - exact: {_yaml_str(o)}" for o in p.origins] + [
        f"        allowMethods: {_yaml_list(p.methods)}",
    ]
    if p.headers:
        lines.append(f"        allowHeaders: {_yaml_list(p.headers)}")
    if p.expose:
        lines.append(f"        exposeHeaders: {_yaml_list(p.expose)}")
    if p.credentials:
        lines.append("        allowCredentials: true                 # ACAC: true (ACAO is always the exact Origin)")
    if p.max_age is not None:
        lines.append(f"        maxAge: \"{p.max_age}s\"                      # preflight cache (whole seconds)")
    lines += [
        "        unmatchedPreflights: IGNORE            # never forward another origin's preflight to the API",
        "      headers:",
        "        response:                              # route headers: Envoy applies them before the CORS filter",
        "          add:",
        "            vary: Origin                       # Envoy never sends Vary; the answer depends on Origin",
        "          remove:                              # the API's own CORS headers would leak to refused origins",
    ] + [f"            - {h.lower()}" for h in CORS_RESPONSE_HEADERS]
    return "\n".join(lines) + "\n"


# --- AWS ALB -------------------------------------------------------------------------------------


def alb(p: Policy) -> str:
    if len(p.origins) > 1:
        raise CorsLabError(
            f"ALB sends ONE static Access-Control-Allow-Origin to every caller, so it cannot allow "
            f"{len(p.origins)} origins; generate it for one --origin, or let the API (or nginx, API "
            "Gateway) in front of it choose per Origin")
    o = p.origins[0]
    attr = "routing.http.response.access_control_{}.header_value"
    lines = _header("alb", p, "yaml") + [
        "#",
        "# ALB listener attributes (header modification, Nov 2024) + rules, written as YAML (the AWS CLI",
        "# takes --cli-input-yaml; the keys are those of describe-listener-attributes / describe-rules).",
        "# ALB adds each configured header to EVERY response, errors and fixed responses included, and",
        "# overwrites the target's value of the same header. One static value per header: every Origin",
        "# gets the same answer - which is also why no Vary: Origin is needed (and ALB cannot add one).",
        "ListenerAttributes:",
        f"  - Key: {attr.format('allow_origin')}",
        f"    Value: {_yaml_str(o)}        # the one allowed origin; any other page is refused by the browser (mismatch)",
        f"  - Key: {attr.format('allow_methods')}",
        f"    Value: {_yaml_str(', '.join(p.methods))}",
    ]
    if p.headers:
        lines += [f"  - Key: {attr.format('allow_headers')}", f"    Value: {_yaml_str(', '.join(p.headers))}"]
    if p.credentials:
        lines += [f"  - Key: {attr.format('allow_credentials')}", "    Value: \"true\""]
    if p.expose:
        lines += [f"  - Key: {attr.format('expose_headers')}", f"    Value: {_yaml_str(', '.join(p.expose))}"]
    if p.max_age is not None:
        lines += [f"  - Key: {attr.format('max_age')}", f"    Value: \"{p.max_age}\""]
    lines += [
        "Rules:",
        "  - Priority: \"10\"                           # ALB never answers preflights itself: this rule does",
        "    Conditions:",
        "      - Field: http-request-method",
        "        HttpRequestMethodConfig: {Values: [OPTIONS]}   # every OPTIONS, preflight or not",
        "    Actions:",
        "      - Type: fixed-response",
        "        Order: 1",
        "        FixedResponseConfig: {StatusCode: \"204\", ContentType: text/plain, MessageBody: \"\"}",
        "  - Priority: \"20\"",
        "    Conditions:",
        "      - Field: path-pattern",
        "        PathPatternConfig: {Values: [\"/*\"]}     # every path",
        "    Actions:",
        "      - Type: forward",
        "        Order: 1",
        "        TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/0123456789abcdef  # your API (emulate: --upstream)",
        "DefaultActions:",
        "  - Type: fixed-response",
        "    Order: 1",
        "    FixedResponseConfig: {StatusCode: \"404\", ContentType: application/json, MessageBody: '{\"message\": \"no rule matched\"}'}",
    ]
    unset = [h for h, on in (("Access-Control-Allow-Headers", p.headers), ("Access-Control-Allow-Credentials", p.credentials),
                             ("Access-Control-Expose-Headers", p.expose), ("Access-Control-Max-Age", p.max_age is not None)) if not on]
    if unset:
        lines.append(f"# Limit: an attribute left out is not removed: the API's own {', '.join(unset)} would pass")
        lines.append("# through. Remove CORS from the API behind the ALB.")
    return "\n".join(lines) + "\n"


# --- AWS API Gateway HTTP API --------------------------------------------------------------------


def apigw_http(p: Policy) -> str:
    lines = _header("apigw-http", p, "yaml") + [
        "#",
        "# API Gateway HTTP API: CorsConfiguration (API Gateway answers preflights itself and ignores the",
        "# integration's own CORS headers) and the HTTP_PROXY integration's response parameter mapping,",
        "# which adds Vary: Origin (CorsConfiguration does not). Written as YAML with the keys of",
        "# `aws apigatewayv2 get-api` and `get-integrations` (the AWS CLI takes --cli-input-yaml).",
        "Name: api",
        "ProtocolType: HTTP",
        "CorsConfiguration:",
        f"  AllowOrigins: {_yaml_list(p.origins)}  # exact origins (never *, which would allow every page)",
        f"  AllowMethods: {_yaml_list(p.methods)}",
    ]
    if p.headers:
        lines.append(f"  AllowHeaders: {_yaml_list(p.headers)}")
    if p.expose:
        lines.append(f"  ExposeHeaders: {_yaml_list(p.expose)}")
    lines.append(f"  AllowCredentials: {'true' if p.credentials else 'false'}")
    if p.max_age is not None:
        lines.append(f"  MaxAge: {p.max_age}                                # seconds, -1..86400")
    lines += [
        "Integrations:",
        "  - IntegrationType: HTTP_PROXY",
        "    IntegrationMethod: ANY",
        f"    IntegrationUri: {_yaml_str(p.upstream)}   # your API (emulate: --upstream replaces it)",
        "    PayloadFormatVersion: \"1.0\"",
        "    # Keyed by the integration's status code (200-599): the mapping applies only to the codes",
        "    # listed. access-control-* headers are reserved (API Gateway sets them itself).",
        "    ResponseParameters:",
    ] + [f"      \"{s}\": {{\"append:header.Vary\": Origin}}" for s in APIGW_STATUSES]
    return "\n".join(lines) + "\n"


GENERATORS = {"nginx": nginx, "ingress-nginx": ingress_nginx, "gateway-api": gateway_api, "kong": kong,
              "istio": istio, "alb": alb, "apigw-http": apigw_http}
SUFFIX = {"nginx": "conf", "ingress-nginx": "yaml", "gateway-api": "yaml", "kong": "yml", "istio": "yaml",
          "alb": "yaml", "apigw-http": "yaml"}


# --- running a generated config ------------------------------------------------------------------


def running(product: str, text: str, upstream: str | None = None, timeout: float = 15.0):
    """Run ``text`` (a config for ``product``) in ``python -m corslab emulate`` on a free port, as
    a context manager that yields the URL; nginx runs in real nginx. Stopped on exit."""
    import contextlib
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from corslab.stack.ports import free_port

    @contextlib.contextmanager
    def run():
        with tempfile.TemporaryDirectory(prefix="corslab-generate-") as folder:
            config = Path(folder) / f"cors.{SUFFIX[product]}"
            config.write_text(text, encoding="utf-8")
            if product == "nginx":
                from corslab.emulate import nginx as host

                with host.running(str(config), upstream=upstream or default_upstream(), quiet=True) as url:
                    yield url
                return
            port = free_port()
            root = Path(__file__).resolve().parents[2]
            proc = subprocess.Popen(
                [sys.executable, "-m", "corslab", "emulate", product, str(config), "--port", str(port),
                 "--upstream", upstream or default_upstream()],
                cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
            try:
                import select

                ready, _, _ = select.select([proc.stdout], [], [], timeout)
                line = proc.stdout.readline() if ready else ""
                if not line.startswith("ready on "):
                    if proc.poll() is None:
                        proc.kill()
                    proc.wait(timeout)
                    err = proc.stderr.read().strip().splitlines()
                    raise CorsLabError(f"{product} refused the config: "
                                       + (err[-1].removeprefix("corslab emulate: error: ") if err else "no message"))
                yield line.split("ready on ", 1)[1].strip().rstrip("/")
            finally:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait()
                proc.stdout.close()
                proc.stderr.close()

    return run()


# --- checking a generated config ----------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    """What the emulator answered: the policy the config states, and who else got through."""

    policy: Policy
    let_through: tuple  # corslab.fetch.attacks.Attack that got their own origin (or *) back

    def describe(self) -> str:
        return self.policy.describe()


def _plain_upstream():
    """A plain HTTP upstream on a free loopback port: 200 to every method, no CORS headers."""
    import contextlib
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _any(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(min(length, 1 << 20))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(b"ok")

        def __getattr__(self, name):
            if name.startswith("do_"):
                return self._any
            raise AttributeError(name)

    @contextlib.contextmanager
    def run():
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()

    return run()


def _exchange(url: str, method: str, headers: dict) -> dict[str, list[str]]:
    """One request on its own connection (a kept-alive one waits on delayed ACKs in the Python
    emulators); the response headers by lower-case name."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, "/", headers=headers)
        resp = conn.getresponse()
        resp.read()
        out: dict[str, list[str]] = {}
        for name, value in resp.getheaders():
            out.setdefault(name.lower(), []).append(value)
        return out
    except (OSError, http.client.HTTPException) as exc:
        raise CorsLabError(f"the emulator stopped answering while generate checked the config ({exc})") from None
    finally:
        conn.close()


def _list(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for value in values for v in value.split(",") if v.strip()))


def observe(product: str, text: str, p: Policy) -> Observed:
    """Run ``text`` in ``product``'s emulator and ask it as browsers would.

    Every origin of the policy and of ``attack_origins(policy origins)`` sends a preflight (the
    policy's first method and all its headers) and a GET. An origin gets through when a response
    carries ``Access-Control-Allow-Origin`` equal to it or ``*`` (Fetch's CORS check). The policy
    returned is read from the answers to the policy's own first origin.
    """
    from corslab.fetch.attacks import attack_origins

    attacks = attack_origins(p.origins)
    preflight = {"Access-Control-Request-Method": p.methods[0]}
    if p.headers:
        preflight["Access-Control-Request-Headers"] = ",".join(sorted(h.lower() for h in p.headers))

    def through(origin: str, answer: dict[str, list[str]]) -> bool:
        return any(v in (origin, "*") for v in answer.get("access-control-allow-origin", []))

    def ask(url: str, origin: str):
        return (_exchange(url, "OPTIONS", {"Origin": origin, **preflight}),
                _exchange(url, "GET", {"Origin": origin}))

    origins = list(p.origins) + [a.origin for a in attacks]
    with _plain_upstream() as upstream, running(product, text, upstream=upstream) as url:
        replies = [ask(url, o) for o in origins]  # one by one: threads only add GIL switches here
    answers = {o: r for o, r in zip(origins, replies) if through(o, r[0]) or through(o, r[1])}
    allowed = list(answers)
    extra = tuple(a for a in attacks if a.origin in allowed)
    first = answers.get(p.origins[0])
    if first is None:
        seen = Policy(tuple(o for o in allowed if o in p.origins), (), (), (), False, None, p.upstream)
        return Observed(seen, extra)
    pre, actual = first
    max_age = pre.get("access-control-max-age", [""])[0]
    seen = Policy(
        origins=tuple(o for o in p.origins if o in allowed),
        methods=_list(pre.get("access-control-allow-methods", [])),
        headers=_list(pre.get("access-control-allow-headers", [])),
        expose=_list(actual.get("access-control-expose-headers", [])),
        credentials=(actual.get("access-control-allow-credentials") == ["true"]
                     and pre.get("access-control-allow-credentials") == ["true"]),
        max_age=int(max_age) if max_age.isdigit() else None,
        upstream=p.upstream,
    )
    return Observed(seen, extra)


def differences(p: Policy, seen: Observed) -> str | None:
    """What the emulator's answers say the config does that the policy does not (None: nothing).

    Refused: any other origin allowed, a policy origin, method, header or exposed header left out,
    credentials or max-age other than asked. Extra methods or headers a product always lists
    (ingress-nginx's defaults, Kong's Content-Type) are not a refusal: the ``# Policy:`` line shows them.
    """
    got = seen.policy
    if seen.let_through:
        a = seen.let_through[0]
        more = f" and {len(seen.let_through) - 1} other origins" if len(seen.let_through) > 1 else ""
        return f"lets {a.origin} through{more} ({a.kind}: {a.why})"
    missing = [o for o in p.origins if o not in got.origins]
    if missing:
        return f"does not allow {missing[0]}, an origin of the policy"
    lower = {h.lower() for h in got.headers}
    for what, wanted, have in (("method", p.methods, set(got.methods)),
                               ("request header", p.headers, lower | set(got.headers)),
                               ("exposed header", p.expose, {h.lower() for h in got.expose})):
        gone = [v for v in wanted if v not in have and v.lower() not in have]
        if gone:
            return f"does not allow the {what} {gone[0]}"
    if got.credentials != p.credentials:
        return f"sends Access-Control-Allow-Credentials {'true' if got.credentials else '(none)'}, not as asked"
    if p.max_age is not None and got.max_age != p.max_age:
        return f"sends max-age {got.max_age}, not {p.max_age}"
    return None
