"""ingress-nginx's CORS behaviour (method 3), run in real nginx from a real Ingress manifest.

``python -m corslab emulate ingress-nginx infra/k8s/ingress.yaml --port 8082 --upstream URL``

What it does, step by step, as the controller does it (kubernetes/ingress-nginx, controller-v1.14.1:
``internal/ingress/annotations/cors/main.go``, ``internal/ingress/controller/template/template.go``
and ``rootfs/etc/nginx/template/nginx.tmpl``):

1. ``load(path)`` reads a multi-document Kubernetes manifest and keeps the ``Ingress`` objects
   (``networking.k8s.io/v1``; ingresses of another ``ingressClassName`` than ``nginx`` are ignored,
   as the controller ignores them). A file the API server or the controller would reject (not YAML,
   no Ingress, an Ingress without rules, a path without ``pathType``, ...) raises ``CorsLabError``
   naming the file, the field and why.
2. The ``nginx.ingress.kubernetes.io/*`` CORS annotations are parsed by a port of
   ``internal/ingress/annotations/cors/main.go``, fallbacks included: an invalid value silently
   becomes the default (``enable-cors: "yes"`` -> off, ``cors-allow-credentials: "no"`` -> *true*,
   ``cors-max-age: "abcd"`` -> 1728000, ...), an origin the controller's regex refuses is skipped,
   a ``*`` item makes the list ``["*"]`` and a blank value means ``*``. What the controller would
   log is kept in ``Ingress.warnings``.
3. ``render(config, ...)`` writes the nginx configuration the controller generates: the
   ``{{ define "CORS" }}`` block of ``nginx.tmpl`` with a port of ``buildCorsOriginRegex``
   (``if ($http_origin ~* ((...)|(...))$ ) { set $cors 'true'; }``; for ``*`` an unconditional
   ``set $http_origin *; set $cors 'true';``), ``more_set_headers`` lines and ``return 204`` for
   OPTIONS, in one ``location`` per Ingress path, proxied to ``--upstream`` or to the URL given for
   the backend's service name with ``--target NAME=URL``.
4. ``serve(config, ...)`` runs those server blocks in the system's nginx with Debian's headers-more
   module, in the foreground, hosted like every nginx of the kit by ``corslab.stack.nginxhost`` (its own
   prefix, pid, temp and log files; ``.run/nginx/ingress`` on the stack's port, where ``python -m
   corslab down`` finds it). ``python -m corslab.emulate.ingress_nginx CONFIG`` prints the config.

What the emulator does not model (say so when you teach with it):

- Anything outside CORS and plain routing: TLS and ``ssl-redirect``, ``use-regex`` and
  ``rewrite-target``, canary, auth (including the external-auth sign-in location that also gets
  the CORS block), rate limits, snippets, the ConfigMap, Lua balancing, custom error pages.
- Kubernetes itself: Services are not resolved (a backend's service name is mapped to a URL with
  ``--target``, or everything goes to ``--upstream``); ports, endpoints and IngressClass objects
  are not checked; several Ingresses for the same host and path are not merged the controller's way
  (the first one in the file wins here, the oldest one in a cluster).
- Location ordering follows nginx's own rules (exact, then longest prefix), which is what the
  controller's sorted prefix locations amount to without ``use-regex``.
- Controller flags: annotation validation is modelled as on (the default since v1.9); the
  ``annotations-risk-level`` gate is not (the CORS annotations are Low/Medium risk, which the
  default level admits), nor ``allow-snippet-annotations``.
- The controller's default backend is a plain ``return 404``.
- The proxy headers are a subset of the controller's (Host, X-Request-ID, X-Real-IP,
  X-Forwarded-*); timeouts and buffering are nginx's defaults; the body limit is the controller's
  default proxy-body-size, 1m (a larger body gets nginx's 413).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import re2

from corslab.stack import nginxhost
from corslab.errors import CorsLabError

# --- the controller's constants (internal/ingress/annotations/cors/main.go) -----------------------

ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io/"

DEFAULT_METHODS = "GET, PUT, POST, DELETE, PATCH, OPTIONS"
DEFAULT_HEADERS = (
    "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,"
    "Range,Authorization"
)
DEFAULT_MAX_AGE = 1728000  # 20 days

# Go's RE2 patterns, run by RE2 itself (google-re2): Go's regexp package is RE2's syntax and
# semantics, linear in the input, so an annotation of any length is checked in one pass - Python's
# backtracking engine takes exponential time on these nested quantifiers (`(...*,?)+`) when a long
# value fails near its end. fullmatch() is Go's ^...$ without (?m) (anchors the whole text); RE2's
# \d is ASCII as Go's is. Go's \s is [\t\n\f\r ], spelled out as Go's documentation gives it.
_S = r"[\t\n\f\r ]"
# Annotation-level validator (parser.ValidateRegex(corsOriginRegexValidator, true): spaces removed).
_ORIGIN_VALIDATOR = re2.compile(r"((((([a-z]+://)?(\*\.)?[A-Za-z0-9\-.]*(:\d+)?,?)|null)+)|\*)?")
# Per-item check inside Parse: lower-case scheme, at most one leading "*.", optional port, or null.
_ORIGIN_ITEM = re2.compile(r"([a-z]+://(\*\.)?[A-Za-z0-9\-.]*(:\d+)?|\*|null)?")
_METHODS = re2.compile(rf"([A-Za-z]+,?{_S}?)+")
_HEADERS = re2.compile(r"[A-Za-z0-9\-_, ]*")  # parser.HeadersVariable
_EXPOSE = re2.compile(rf"(([A-Za-z0-9\-_]+|\*),?{_S}?)+")

#: annotation name -> its validator, for tools that write annotations (``generate``).
VALIDATORS = {"cors-allow-origin": _ORIGIN_VALIDATOR, "cors-allow-methods": _METHODS,
              "cors-allow-headers": _HEADERS, "cors-expose-headers": _EXPOSE}


def annotation_valid(name: str, value: str) -> bool:
    """Whether the controller's validator for annotation ``name`` accepts ``value`` (spaces removed,
    as parser.ValidateRegex does); a refused value silently becomes the controller's default."""
    return bool(VALIDATORS[name].fullmatch(value.replace(" ", "")))


HEADERS_MORE_MODULE = nginxhost.HEADERS_MORE_MODULE
PATH_TYPES = ("Prefix", "Exact", "ImplementationSpecific")


# --- the parsed configuration -------------------------------------------------------------------


@dataclass(frozen=True)
class CorsConfig:
    """The controller's ``cors.Config`` after parsing, defaults and fallbacks applied."""

    enabled: bool = False
    allow_origin: tuple[str, ...] = ("*",)
    allow_methods: str = DEFAULT_METHODS
    allow_headers: str = DEFAULT_HEADERS
    expose_headers: str = ""
    allow_credentials: bool = True
    max_age: int = DEFAULT_MAX_AGE


@dataclass(frozen=True)
class IngressPath:
    """One ``spec.rules[].http.paths[]`` entry."""

    path: str
    path_type: str
    service: str
    port: int | str | None


@dataclass(frozen=True)
class IngressRule:
    host: str | None  # None: every host (the controller's "_" server)
    paths: tuple[IngressPath, ...]


@dataclass(frozen=True)
class Ingress:
    name: str
    namespace: str
    rules: tuple[IngressRule, ...]
    cors: CorsConfig
    annotations: dict = field(default_factory=dict, compare=False)
    warnings: tuple[str, ...] = ()  # what the controller would log about the annotations


@dataclass(frozen=True)
class IngressConfig:
    """What ``load`` returns: the file it came from and its Ingress objects, in file order."""

    source: str
    ingresses: tuple[Ingress, ...]


# --- the annotation parser (port of main.go and of the parser helpers it calls) ------------------


def _go_parse_bool(value: str) -> bool | None:
    """strconv.ParseBool: the only spellings Go accepts; None where Go returns an error."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def _go_atoi(value: str) -> int | None:
    """strconv.Atoi: optional sign, ASCII digits, 64-bit range; None where Go returns an error."""
    if not re.fullmatch(r"[+-]?[0-9]+", value, re.ASCII):
        return None
    number = int(value)
    return number if -(2**63) <= number < 2**63 else None


def _normalize(value: str) -> str:
    """parser.normalizeString: trim every line, keep the line breaks."""
    return "\n".join(line.strip() for line in value.split("\n"))


def parse_cors_annotations(annotations: dict) -> tuple[CorsConfig, tuple[str, ...]]:
    """The controller's CORS annotation parser: (config, what it would log).

    Every annotation is first checked by its validator (``parser.Validate*``, spaces removed for the
    regex ones); a value that fails, or is missing, takes the default. Nothing here rejects the
    Ingress: the controller never does for these annotations.
    """
    log: list[str] = []
    invalid: set[str] = set()  # annotations whose validator failed (checkAnnotation's warning)

    def raw(name: str) -> str | None:
        value = annotations.get(ANNOTATION_PREFIX + name)
        return None if value is None else str(value)

    def get_bool(name: str, default: bool) -> bool:
        value = raw(name)
        if value is None:
            return default
        parsed = _go_parse_bool(value)
        if parsed is None:
            log.append(f"{name} is invalid ({value!r}), defaulting to {str(default).lower()!r}")
            return default
        return parsed

    def get_string(name: str, validator) -> str | None:
        """GetStringAnnotation: None when missing, invalid or empty after normalising."""
        value = raw(name)
        if value is None:
            return None
        if value != "" and not validator.fullmatch(value.replace(" ", "")):
            log.append(f"annotation {name} contains invalid value {value!r}")
            invalid.add(name)
            return None
        value = _normalize(value)
        return value or None

    enabled = get_bool("enable-cors", False)

    origins_value = get_string("cors-allow-origin", _ORIGIN_VALIDATOR)
    if origins_value is None:
        if "cors-allow-origin" in invalid:
            log.append("cors-allow-origin is invalid, defaulting to '*'")
        allow_origin: tuple[str, ...] = ("*",)
    else:
        kept: list[str] = []
        for item in origins_value.split(","):
            item = item.strip()
            if item == "*":
                kept = ["*"]
                break
            if not item:
                continue
            if not _ORIGIN_ITEM.fullmatch(item):
                log.append(
                    "Error parsing cors-allow-origin parameters. "
                    f"Supplied incorrect origin: {item}. Skipping."
                )
                continue
            kept.append(item)
        allow_origin = tuple(kept)

    headers = get_string("cors-allow-headers", _HEADERS)
    if headers is None or not _HEADERS.fullmatch(headers):
        headers = DEFAULT_HEADERS

    methods = get_string("cors-allow-methods", _METHODS)
    if methods is None or not _METHODS.fullmatch(methods):
        methods = DEFAULT_METHODS

    credentials = get_bool("cors-allow-credentials", True)

    expose = get_string("cors-expose-headers", _EXPOSE)
    if expose is None or not _EXPOSE.fullmatch(expose):
        expose = ""

    max_age_value = raw("cors-max-age")
    max_age = DEFAULT_MAX_AGE
    if max_age_value is not None:
        parsed = _go_atoi(max_age_value)
        if parsed is None:
            log.append(f"cors-max-age is invalid ({max_age_value!r}), defaulting to {DEFAULT_MAX_AGE}")
        else:
            max_age = parsed

    config = CorsConfig(
        enabled=enabled,
        allow_origin=allow_origin,
        allow_methods=methods,
        allow_headers=headers,
        expose_headers=expose,
        allow_credentials=credentials,
        max_age=max_age,
    )
    return config, tuple(log)


# --- load: the manifest -------------------------------------------------------------------------


def _fail(source: str, where: str, why: str, fix: str) -> CorsLabError:
    return CorsLabError(f"{source}: {where}: {why}; {fix}.")


def load(path: str) -> IngressConfig:
    """Read a Kubernetes manifest and return its Ingress objects, validated like the controller."""
    import yaml

    from corslab.stack import safe_yaml
    from corslab.emulate.proxy import not_utf8

    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(source, exc) from None
    except FileNotFoundError:
        raise CorsLabError(
            f"{source}: no such file; give the path of an Ingress manifest, "
            "e.g. infra/k8s/ingress.yaml"
        ) from None
    except OSError as exc:
        raise CorsLabError(f"{source}: cannot be read ({exc.strerror}); check the path.") from None
    try:
        documents = [d for d in safe_yaml.load_all(text, source) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "the document"
        raise _fail(source, where, "is not valid YAML", "fix the syntax (kubectl would refuse it too)") \
            from None

    ingresses: list[Ingress] = []
    other_class: list[str] = []
    for index, doc in enumerate(documents):
        if not isinstance(doc, dict):
            raise _fail(source, f"document {index + 1}", "is not a Kubernetes object (a mapping)",
                        "every document needs apiVersion, kind and metadata")
        if doc.get("kind") != "Ingress":
            continue
        ingress = _parse_ingress(source, index, doc)
        if ingress is None:
            other_class.append(f"document {index + 1}")
            continue
        ingresses.append(ingress)

    if not ingresses:
        if other_class:
            raise _fail(source, ", ".join(other_class),
                        "only Ingresses of another ingressClassName than nginx were found, "
                        "and ingress-nginx ignores those", "set spec.ingressClassName: nginx")
        raise _fail(source, "kind", "no object of kind Ingress was found",
                    "add an Ingress (apiVersion networking.k8s.io/v1, kind Ingress)")
    return IngressConfig(source=source, ingresses=tuple(ingresses))


def _parse_ingress(source: str, index: int, doc: dict) -> Ingress | None:
    meta = doc.get("metadata") or {}
    name = meta.get("name") if isinstance(meta, dict) else None
    where = f"Ingress {name!r} (document {index + 1})" if name else f"document {index + 1}"
    if doc.get("apiVersion") != "networking.k8s.io/v1":
        raise _fail(source, f"{where}: apiVersion",
                    f"{doc.get('apiVersion')!r} is not served by Kubernetes 1.22 or later",
                    "use apiVersion: networking.k8s.io/v1")
    if not name:
        raise _fail(source, f"{where}: metadata.name", "is missing", "give the Ingress a name")
    annotations = meta.get("annotations") or {}
    if not isinstance(annotations, dict):
        raise _fail(source, f"{where}: metadata.annotations", "is not a mapping",
                    "write annotations as key: \"value\" pairs")
    for key, value in annotations.items():
        if not isinstance(value, str):
            raise _fail(source, f"{where}: metadata.annotations[{key!r}]",
                        f"is {type(value).__name__} {value!r}, and annotation values must be strings",
                        "quote it: \"" + (str(value).lower() if isinstance(value, bool) else str(value))
                        + "\"")
    spec = doc.get("spec") or {}
    ingress_class = spec.get("ingressClassName")
    if ingress_class not in (None, "nginx"):
        return None
    rules_value = spec.get("rules")
    if not rules_value:
        raise _fail(source, f"{where}: spec.rules",
                    "is empty, so ingress-nginx has no location to put the CORS block in",
                    "add a rule with http.paths")
    rules: list[IngressRule] = []
    for r, rule in enumerate(rules_value):
        rwhere = f"{where}: spec.rules[{r}]"
        host = rule.get("host") if isinstance(rule, dict) else None
        http = rule.get("http") if isinstance(rule, dict) else None
        paths_value = (http or {}).get("paths") if isinstance(http, dict) else None
        if not paths_value:
            raise _fail(source, f"{rwhere}.http.paths", "is missing or empty",
                        "add at least one path with pathType and backend.service")
        paths: list[IngressPath] = []
        for p, entry in enumerate(paths_value):
            pwhere = f"{rwhere}.http.paths[{p}]"
            path = entry.get("path", "/") if isinstance(entry, dict) else None
            path_type = entry.get("pathType") if isinstance(entry, dict) else None
            if path_type not in PATH_TYPES:
                raise _fail(source, f"{pwhere}.pathType",
                            f"is {path_type!r}, and networking.k8s.io/v1 requires one of "
                            + ", ".join(PATH_TYPES), "set pathType: Prefix")
            if not isinstance(path, str) or not path.startswith("/"):
                raise _fail(source, f"{pwhere}.path", f"{path!r} is not an absolute path",
                            "start it with /")
            if re.search(r"[\s{};]", path):
                raise _fail(source, f"{pwhere}.path", f"{path!r} contains a space, brace or ';'",
                            "use a plain URL path")
            service = ((entry.get("backend") or {}).get("service") or {})
            service_name = service.get("name")
            if not service_name:
                raise _fail(source, f"{pwhere}.backend.service.name",
                            "is missing (resource backends are not emulated)",
                            "name the Service that serves this path")
            port = (service.get("port") or {})
            paths.append(IngressPath(path, path_type, str(service_name),
                                     port.get("number", port.get("name"))))
        rules.append(IngressRule(str(host) if host else None, tuple(paths)))
    cors, warnings = parse_cors_annotations(annotations)
    return Ingress(
        name=str(name),
        namespace=str(meta.get("namespace") or "default"),
        rules=tuple(rules),
        cors=cors,
        annotations=dict(annotations),
        warnings=warnings,
    )


# --- render: the nginx configuration ------------------------------------------------------------

_GO_QUOTE_META = set("\\.+*?()|[]{}^$")


def _quote_meta(text: str) -> str:
    """Go's regexp.QuoteMeta (it escapes fewer characters than Python's re.escape)."""
    return "".join("\\" + c if c in _GO_QUOTE_META else c for c in text)


def build_origin_regex(origin: str) -> str:
    """template.go buildOriginRegex: quote, then the first ``\\*`` becomes one DNS label."""
    quoted = _quote_meta(origin).replace("\\*", r"[A-Za-z0-9\-]+", 1)
    return f"({quoted})"


def build_cors_origin_regex(origins: tuple[str, ...] | list[str]) -> str:
    """template.go buildCorsOriginRegex, line for line."""
    if len(origins) == 1 and origins[0] == "*":
        return "set $http_origin *;\nset $cors 'true';"
    regex = "if ($http_origin ~* ("
    for i, origin in enumerate(origins):
        trimmed = origin.strip()
        if trimmed:
            regex += build_origin_regex(trimmed)
            if i != len(origins) - 1:
                regex += "|"
    return regex + ")$ ) { set $cors 'true'; }"


def cors_block(cors: CorsConfig, indent: str = "        ") -> str:
    """The ``{{ define "CORS" }}`` block of nginx.tmpl for one location."""
    headers = ["more_set_headers 'Access-Control-Allow-Origin: $http_origin';"]
    if cors.allow_credentials:
        headers.append("more_set_headers 'Access-Control-Allow-Credentials: true';")
    headers.append(f"more_set_headers 'Access-Control-Allow-Methods: {cors.allow_methods}';")
    headers.append(f"more_set_headers 'Access-Control-Allow-Headers: {cors.allow_headers}';")
    if cors.expose_headers:
        headers.append(f"more_set_headers 'Access-Control-Expose-Headers: {cors.expose_headers}';")
    headers.append(f"more_set_headers 'Access-Control-Max-Age: {cors.max_age}';")

    lines = ["# Cors Preflight methods needs additional options and different Return Code"]
    if cors.allow_origin:
        lines += build_cors_origin_regex(cors.allow_origin).split("\n")
    lines += ["if ($request_method = 'OPTIONS') {", "    set $cors ${cors}options;", "}", ""]
    lines += ['if ($cors = "true") {'] + ["    " + h for h in headers] + ["}", ""]
    lines += ['if ($cors = "trueoptions") {'] + ["    " + h for h in headers]
    lines += [
        "    more_set_headers 'Content-Type: text/plain charset=UTF-8';",
        "    more_set_headers 'Content-Length: 0';",
        "    return 204;",
        "}",
    ]
    return "\n".join(indent + line if line else "" for line in lines)


def _nginx_locations(path: IngressPath) -> list[str]:
    """The nginx location(s) for one Ingress path, as the controller writes them without use-regex.

    Prefix ``/v1`` matches ``/v1`` and ``/v1/...`` but not ``/v1x`` (Kubernetes' element-wise
    prefix), which the controller writes as ``location = /v1`` plus ``location /v1/``.
    """
    if path.path_type == "Exact":
        return [f"= {path.path}"]
    if path.path_type == "Prefix" and path.path != "/":
        base = path.path.rstrip("/")
        return [f"= {base}", f"{base}/"]
    return [path.path]  # ImplementationSpecific, and Prefix "/": an nginx prefix location


def _upstream_for(service: str, upstream: str | None, targets: dict[str, str]) -> str:
    url = targets.get(service) or upstream
    if not url:
        raise CorsLabError(
            f"no address for the backend service {service!r}; pass --upstream URL "
            f"or --target {service}=URL"
        )
    if not re.fullmatch(r"https?://[^\s/;{}]+/?", url):
        raise CorsLabError(
            f"the upstream {url!r} for service {service!r} is not a plain http://HOST:PORT URL; "
            "give one like http://127.0.0.1:8095"
        )
    return url.rstrip("/")


#: The controller's http-level lines the emulated locations rely on.
HTTP_LINES = (
    "uninitialized_variable_warn off;  # $cors is read before it is set when no origin matched",
    "default_type text/html;",
    "# The controller's request id: the client's X-Request-ID, else a fresh one.",
    "map $http_x_request_id $req_id {",
    "    default $http_x_request_id;",
    '    ""      $request_id;',
    "}",
)

#: The controller's default proxy-body-size (its ConfigMap key proxy-body-size, "1m"), written in
#: every location as nginx.tmpl does (client_max_body_size {{ $location.Proxy.BodySize }}).
PROXY_BODY_SIZE = "1m"


def render_servers(
    config: IngressConfig,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    upstream: str | None = None,
    targets: dict[str, str] | None = None,
) -> str:
    """The server blocks the controller generates for ``config`` (nginx.tmpl's servers), listening
    on host:port (the stack's ingress port by default)."""
    targets = dict(targets or {})
    if port is None:
        port = _stack_port()

    # Group the rules by host like the controller (one server per host; "_" for rules without).
    servers: dict[str | None, list[tuple[Ingress, IngressPath]]] = {}
    for ingress in config.ingresses:
        for rule in ingress.rules:
            for path in rule.paths:
                servers.setdefault(rule.host, []).append((ingress, path))

    out: list[str] = [f"# The server blocks of ingress-nginx's nginx.tmpl for {config.source}."]
    listen = f"{host}:{port}"
    if None not in servers:
        out += [
            "",
            "# No rule without a host: other hosts get the controller's default backend (404).",
            "server {",
            f"    listen {listen} default_server;",
            "    server_name _;",
            "    location / { return 404; }",
            "}",
        ]
    for server_host in sorted(servers, key=lambda h: (h is not None, h or "")):
        entries = servers[server_host]
        default = " default_server" if server_host is None else ""
        out += [
            "",
            f"## start server {server_host or '_'}",
            "server {",
            f"    listen {listen}{default};",
            f"    server_name {server_host or '_'};",
        ]
        seen: set[str] = set()
        for ingress, path in entries:
            url = _upstream_for(path.service, upstream, targets)
            for location in _nginx_locations(path):
                if location in seen:
                    continue  # the first Ingress in the file wins a duplicate path
                seen.add(location)
                out += [
                    "",
                    f"    # Ingress {ingress.namespace}/{ingress.name}: path {path.path} "
                    f"({path.path_type}) -> service {path.service}:{path.port}",
                    f"    location {location} {{",
                ]
                if ingress.cors.enabled:
                    out.append(cors_block(ingress.cors, indent="        "))
                    out.append("")
                out += [
                    f"        client_max_body_size {PROXY_BODY_SIZE};",
                    "        proxy_http_version 1.1;",
                    "        proxy_set_header Host $http_host;",
                    "        proxy_set_header X-Request-ID $req_id;",
                    "        proxy_set_header X-Real-IP $remote_addr;",
                    "        proxy_set_header X-Forwarded-For $remote_addr;",
                    "        proxy_set_header X-Forwarded-Host $host;",
                    "        proxy_set_header X-Forwarded-Port $server_port;",
                    "        proxy_set_header X-Forwarded-Proto $scheme;",
                    "        proxy_set_header X-Scheme $scheme;",
                    "        proxy_redirect off;",
                    f"        proxy_pass {url};",
                    "    }",
                ]
        if "/" not in seen:
            out += [
                "",
                "    # No Ingress path covers /: the controller's default backend answers 404.",
                "    location / { return 404; }",
            ]
        out.append(f"}}\n## end server {server_host or '_'}")
    return "\n".join(out) + "\n"


def render(
    config: IngressConfig,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    upstream: str | None = None,
    targets: dict[str, str] | None = None,
    runtime_dir: str | None = None,
    as_root: bool | None = None,
    headers_more_module: str = nginxhost.HEADERS_MORE_MODULE,
) -> str:
    """The complete nginx.conf that ``serve`` runs: the controller's server blocks inside the
    kit's main config (its own prefix, pid and logs). Read it, or ``nginx -t`` it."""
    if port is None:
        port = _stack_port()
    run = runtime_dir or os.path.join(tempfile.gettempdir(), f"corslab-ingress-nginx-{port}")
    return nginxhost.render_main(
        render_servers(config, host=host, port=port, upstream=upstream, targets=targets), run,
        modules=(headers_more_module,),
        http=HTTP_LINES, as_root=as_root, title=f"ingress-nginx's server blocks for {config.source}")


# --- serve: real nginx in the foreground (hosted by corslab.stack.nginxhost) ----------------------------


def require_nginx(headers_more_module: str = nginxhost.HEADERS_MORE_MODULE) -> str:
    """The nginx binary (found like everywhere in the kit: CORSLAB_NGINX, else the PATH), after
    checking that the headers-more module the controller's image has is installed."""
    nginx = nginxhost.nginx_binary()
    nginxhost.require_module(headers_more_module, "ingress-nginx's more_set_headers needs it: "
                             "apt-get install libnginx-mod-http-headers-more-filter")
    return nginx


def _stack_port() -> int:
    from corslab.stack import topology

    return topology.by_product("ingress-nginx").port


def runtime_dir_for(port: int) -> tuple[str, bool]:
    """Where nginx keeps its pid, temp and log files: ``(folder, remove_on_exit)``.

    On the port of the stack's ingress-nginx service it is that service's folder in the lab's
    runtime folder (``.run/nginx/ingress``), like every nginx of the stack, so ``python -m corslab
    down`` recognises this nginx as the lab's even if its pid file is lost. Anywhere else: a fresh
    temporary folder, removed on exit.
    """
    from corslab.stack import topology

    svc = topology.by_port(port)
    if svc is not None and svc.emulate and svc.emulate[0] == "ingress-nginx":
        from corslab.stack.runner import runtime_dir

        path = runtime_dir() / "nginx" / svc.name
        path.mkdir(parents=True, exist_ok=True)
        return str(path), False
    return tempfile.mkdtemp(prefix=f"corslab-ingress-nginx-{port}-"), True


def check_config(nginx_conf: str, runtime_dir: str) -> None:
    """``nginx -t`` on a rendered configuration; CorsLabError with nginx's own message if it fails."""
    require_nginx()
    nginxhost.check(nginx_conf, runtime_dir)


def serve(
    config: IngressConfig,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    upstream: str | None = None,
    targets: dict[str, str] | None = None,
) -> None:
    """Run the rendered configuration in real nginx in the foreground until SIGINT or SIGTERM."""
    if port is None:
        port = _stack_port()
    require_nginx()
    servers = render_servers(config, host=host, port=port, upstream=upstream, targets=targets)
    for ingress in config.ingresses:  # what the controller's log would say about the annotations
        for warning in ingress.warnings:
            print(f"ingress-nginx would log for {ingress.namespace}/{ingress.name}: {warning}",
                  file=sys.stderr, flush=True)
    if not nginxhost.port_free(host, port):
        raise CorsLabError(
            f"port {port} on {host} is already in use; stop what holds it "
            "(python -m corslab status shows the lab's services) or pass another --port"
        )
    folder, remove = runtime_dir_for(port)
    nginxhost.serve(servers, host=host, port=port, prefix=folder, remove_prefix=remove,
                    modules=(nginxhost.HEADERS_MORE_MODULE,), http=HTTP_LINES,
                    title=f"ingress-nginx's server blocks for {config.source}")


def main(argv: list[str] | None = None) -> int:
    """``python -m corslab.emulate.ingress_nginx CONFIG [--upstream URL] [--target NAME=URL]``:
    print the nginx.conf the emulator runs for CONFIG (serve it with ``python -m corslab emulate
    ingress-nginx CONFIG``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m corslab.emulate.ingress_nginx",
                                     description=main.__doc__.split(":", 1)[1].strip())
    parser.add_argument("config")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--upstream")
    parser.add_argument("--target", action="append", default=[], metavar="NAME=URL")
    parser.add_argument("--render", action="store_true", help="(the default and only action)")
    args = parser.parse_args(argv)
    try:
        targets = {}
        for item in args.target:
            name, sep, url = item.partition("=")
            if not sep or not name or not url:
                raise CorsLabError(f"--target {item!r} is not NAME=URL; write e.g. --target api=http://127.0.0.1:8095")
            targets[name] = url
        sys.stdout.write(render(load(args.config), host=args.host, port=args.port,
                                upstream=args.upstream, targets=targets))
    except CorsLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
