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

The output is accepted as is by ``python -m corslab emulate PRODUCT`` (tests/tools run every
product's output in its emulator, nginx's in real nginx, and probe it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corslab.errors import CorsLabError

PRODUCTS = ("nginx", "ingress-nginx", "gateway-api", "kong", "istio", "alb", "apigw-http")
TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
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


def _origin(value: str) -> str:
    text = value.strip()
    if text in ("*", "null"):
        raise CorsLabError(f"--origin {text}: generate writes exact allowlists; '{text}' would allow "
                           "any page (or any sandboxed page). List the origins that may call the API")
    parts = urlsplit(text)
    try:
        parts.port
    except ValueError:
        raise CorsLabError(f"--origin {value!r} has an invalid port; write it like https://app.example.com:8443") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CorsLabError(f"--origin {value!r} is not an origin; write scheme://host[:port], "
                           "e.g. https://app.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or "*" in text:
        raise CorsLabError(f"--origin {value!r}: an origin has no path, query, user or wildcard - "
                           "browsers send exactly scheme://host[:port] (no trailing slash)")
    if text != text.lower():
        raise CorsLabError(f"--origin {value!r}: browsers send origins in lower case; write "
                           f"{text.lower()!r}, or it would never match")
    default = {"http": 80, "https": 443}[parts.scheme]
    if parts.port == default:
        raise CorsLabError(f"--origin {value!r}: browsers leave out the default port; write "
                           f"{parts.scheme}://{parts.hostname}")
    if parts.netloc.startswith("["):
        raise CorsLabError(f"--origin {value!r}: IPv6-literal origins are not generated (ingress-nginx's and "
                           "HTTPRoute's origin validators refuse them); use a host name")
    if not re.fullmatch(r"[a-z0-9.\-]+", parts.hostname):
        raise CorsLabError(f"--origin {value!r}: the host has characters an origin cannot hold")
    return text


def make_policy(origins, methods=(), headers=(), expose=(), credentials=False, max_age=None,
                upstream=None) -> Policy:
    """Check every part of a policy; CorsLabError (one line) for anything a config cannot state."""
    if not origins:
        raise CorsLabError("give at least one --origin (the pages allowed to call the API), "
                           "e.g. --origin https://app.example.com")
    clean = tuple(dict.fromkeys(_origin(o) for o in origins))
    out_methods = []
    for m in methods or ("GET", "POST"):
        if not TOKEN.match(m):
            raise CorsLabError(f"--method {m!r} is not an HTTP method name (letters, digits, !#$%&'*+-.^_`|~)")
        if m.upper() in FORBIDDEN_METHODS:
            raise CorsLabError(f"--method {m}: browsers never let a page send {m.upper()}; leave it out")
        if m.upper() == "OPTIONS":
            raise CorsLabError("--method OPTIONS: the preflight is OPTIONS and is answered for you; "
                               "list the methods the page sends (GET, PUT, ...)")
        out_methods.append(m)
    out_headers = []
    for h in headers:
        if not TOKEN.match(h):
            raise CorsLabError(f"--header {h!r} is not a header name (write the name only, e.g. X-Trace-Id)")
        out_headers.append(h)
    for h in expose:
        if not TOKEN.match(h) or h == "*":
            raise CorsLabError(f"--expose {h!r} is not a header name (write names, not '*')")
    if max_age is not None:
        if isinstance(max_age, bool) or not isinstance(max_age, int) or not 0 <= max_age <= 86400:
            raise CorsLabError(f"--max-age {max_age!r} must be whole seconds from 0 to 86400 "
                               "(Chromium caps it at 7200)")
    if upstream is None:
        upstream = default_upstream()
    from corslab.emulate.proxy import upstream_url

    upstream = upstream_url(upstream)
    return Policy(clean, tuple(dict.fromkeys(out_methods)), tuple(dict.fromkeys(out_headers)),
                  tuple(dict.fromkeys(expose)), bool(credentials), max_age, upstream)


def generate(product: str, policy: Policy) -> str:
    """The configuration text for ``product``; CorsLabError if the product cannot state ``policy``."""
    if product not in PRODUCTS:
        raise CorsLabError(f"unknown product {product!r}; choose one of {', '.join(PRODUCTS)}")
    return GENERATORS[product](policy)


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


def _header(product: str, p: Policy, suffix: str) -> list[str]:
    return [f"# Generated by: {_cmdline(product, p)}",
            f"# Policy: {p.describe()}",
            f"# Try it:  {emulate_hint(product, suffix)}"]


def _host_port(upstream: str) -> tuple[str, int]:
    parts = urlsplit(upstream)
    return parts.hostname, parts.port or 80


# --- nginx ---------------------------------------------------------------------------------------


def _nginx_regex(origin: str) -> str:
    return "~^" + re.sub(r"([.\[\]])", r"\\\1", origin) + "$"


def nginx(p: Policy) -> str:
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
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


def ingress_nginx(p: Policy) -> str:
    from corslab.stack import topology

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
    return "[" + ", ".join(_yaml_str(i) if not re.fullmatch(r"[A-Za-z0-9\-]+", i) else i for i in items) + "]"


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
    return "^" + re.sub(r"([.\[\]])", r"\\\1", origin) + "$"


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
        f"    url: {p.upstream}          # your API (emulate: --upstream replaces it)",
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
        f"    IntegrationUri: {p.upstream}   # your API (emulate: --upstream replaces it)",
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
