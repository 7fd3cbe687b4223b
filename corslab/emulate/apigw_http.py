"""AWS API Gateway HTTP API with ``CorsConfiguration`` in front of an HTTP proxy integration.

Follows: the HTTP API (apigatewayv2) docs current in 2026 - http-api-cors.html and
http-api-parameter-mapping.html (response parameter mapping: keys 200-599,
``append|overwrite|remove:header.NAME`` and ``overwrite:statuscode``, the reserved headers,
``access-control-*`` among them). An optional ``Integrations`` list (the items of
``aws apigatewayv2 get-integrations``) carries one HTTP_PROXY integration's ``ResponseParameters``;
static values only. CONFIG may be YAML (``.yaml``/``.yml``, as ``--cli-input-yaml``).

Sources (cors-ground-truth.md §4.1): https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html,
the apigatewayv2 API model (``Cors``; MaxAge ``IntegerWithLengthBetweenMinus1And86400``; method
items 1-64 characters) and the CreateApi/UpdateApi 400 for ``*`` with credentials (aws/aws-cdk #9076).

CONFIG is the JSON ``aws apigatewayv2 get-api`` prints (other keys such as ApiId are ignored)::

    {"CorsConfiguration": {"AllowOrigins": [...], "AllowMethods": [...], "AllowHeaders": [...],
                           "ExposeHeaders": [...], "MaxAge": 600, "AllowCredentials": true}}

Documented, and emulated:
- a preflight (OPTIONS with ``Origin`` and ``Access-Control-Request-Method``) is answered by API
  Gateway itself, "even if there isn't an OPTIONS route";
- CORS headers are returned only when the request has an ``Origin``;
- "API Gateway ignores CORS headers returned from your backend integration": every
  ``Access-Control-*`` header of the integration's response is dropped (with or without Origin);
- AllowOrigins entries: an exact origin, ``*``, or the scheme wildcards ``https://*`` / ``http://*``;
- ``AllowCredentials: true`` with ``*`` in AllowOrigins is refused at configuration time with the
  400 message "allow-credentials is not supported if 'allow-origin' is *"; MaxAge must be -1..86400.

UNVERIFIED (not in AWS's docs; this emulator's choice, flagged in every test that relies on it):
- the preflight status: **204**, as emulators such as floci return;
- ACAO is ``*`` when ``*`` is configured, else the request's Origin; origins compare exactly;
- a preflight from a disallowed origin gets the 204 without any CORS header; an actual response
  to a disallowed origin gets none either;
- ACAM/ACAH/ACMA appear only on preflights, ACEH/ACAC on actual responses (ACAC on both);
- no ``Vary`` header; the requested method and headers are not checked.

What it does not model: routes, authorizers (and the ``$default``-route-with-authorizer preflight
trap), stages, throttling, Lambda integrations, the REST API "Enable CORS" console flow (§4.2),
API Gateway's own headers (``apigw-requestid``), lower-case header names of HTTP/2 responses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corslab.emulate.proxy import (
    Emulator,
    Headers,
    Request,
    Response,
    config_error,
    expect,
    serve as serve_proxy,
)

CORS_KEYS = ("AllowOrigins", "AllowMethods", "AllowHeaders", "ExposeHeaders", "MaxAge", "AllowCredentials")
STAR_WITH_CREDENTIALS = "allow-credentials is not supported if 'allow-origin' is *"


@dataclass
class ApiGwConfig:
    path: str
    cors: dict | None = None  # None: no CorsConfiguration, API Gateway leaves CORS to the backend
    origins: list[str] = field(default_factory=list)
    # The integration's response parameter mapping: status code -> [(action, header name, value)].
    response_parameters: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)


#: Headers a parameter mapping may not touch (http-api-parameter-mapping.html, "Reserved headers").
RESERVED = ("access-control-*", "apigw-*", "authorization", "connection", "content-encoding", "content-length",
            "content-location", "forwarded", "keep-alive", "origin", "proxy-authenticate",
            "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade", "x-amz-*", "x-amzn-*",
            "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "via")
MAPPING_KEY = re.compile(r"^(append|overwrite|remove):header\.([!#$%&'*+\-.^_`|~0-9A-Za-z]+)$|^overwrite:statuscode$")


def _reserved(name: str) -> bool:
    low = name.lower()
    return any(low == r or (r.endswith("*") and low.startswith(r[:-1])) for r in RESERVED)


def _response_parameters(path: str, where: str, raw) -> dict[int, list[tuple[str, str, str]]]:
    """ResponseParameters of an HTTP API integration: {"200": {"append:header.Vary": "Origin"}}.
    Selection keys are status codes 200-599; values here are static strings (mapping ``$response``,
    ``$context`` or stage variables is not emulated)."""
    out: dict[int, list[tuple[str, str, str]]] = {}
    expect(path, where, raw, dict, "an object keyed by status code")
    for status, params in raw.items():
        if not (isinstance(status, (str, int)) and str(status).isdigit() and 200 <= int(status) <= 599):
            raise config_error(path, f"{where}.{status}", "the selection key must be a status code from 200 to 599 "
                               "(BadRequestException)")
        expect(path, f"{where}.{status}", params, dict, "an object of mapping keys to values")
        ops = []
        for key, value in params.items():
            m = MAPPING_KEY.match(str(key))
            if not m:
                raise config_error(path, f"{where}.{status}.{key}", "must be append|overwrite|remove:header.NAME "
                                   "or overwrite:statuscode (BadRequestException)")
            if m.group(2) and _reserved(m.group(2)):
                raise config_error(path, f"{where}.{status}.{key}", f"{m.group(2)} is a reserved header; "
                                   "API Gateway refuses mappings for it (BadRequestException)")
            if not isinstance(value, (str, int)) or str(value).startswith("$"):
                raise config_error(path, f"{where}.{status}.{key}", "only static values are emulated "
                                   "($response, $context and stage variables are not)")
            action = m.group(1) or "overwrite"
            ops.append((action, m.group(2) or ":status", str(value)))
        out[int(status)] = ops
    return out


def load(path: str) -> ApiGwConfig:
    from corslab.emulate.alb import read_aws_config

    doc = read_aws_config(path)
    expect(path, "", doc, dict, "an object as `aws apigatewayv2 get-api` prints it")
    mapping: dict[int, list] = {}
    integrations = expect(path, "Integrations", doc.get("Integrations", []), list, "a list of integrations")
    if len(integrations) > 1:
        raise config_error(path, "Integrations", "one integration is emulated (the --upstream); list one")
    for i, integration in enumerate(integrations):
        expect(path, f"Integrations[{i}]", integration, dict, "an integration object")
        kind = integration.get("IntegrationType", "HTTP_PROXY")
        if kind != "HTTP_PROXY":
            raise config_error(path, f"Integrations[{i}].IntegrationType", f"{kind!r} is not emulated (only HTTP_PROXY)")
        if "ResponseParameters" in integration:
            mapping = _response_parameters(path, f"Integrations[{i}].ResponseParameters",
                                           integration["ResponseParameters"])
    if "CorsConfiguration" not in doc:
        return ApiGwConfig(path, response_parameters=mapping)
    where = "CorsConfiguration"
    cors = expect(path, where, doc["CorsConfiguration"], dict, "an object")
    for key in cors:
        if key not in CORS_KEYS:
            raise config_error(path, f"{where}.{key}", f"unknown key; the keys are {', '.join(CORS_KEYS)}")
    for key in ("AllowOrigins", "AllowMethods", "AllowHeaders", "ExposeHeaders"):
        items = expect(path, f"{where}.{key}", cors.get(key, []), list, "a list of strings")
        for k, item in enumerate(items):
            expect(path, f"{where}.{key}[{k}]", item, str, "a string")
    for k, method in enumerate(cors.get("AllowMethods", [])):
        if not 1 <= len(method) <= 64:
            raise config_error(path, f"{where}.AllowMethods[{k}]", "must be 1 to 64 characters (BadRequestException)")
    if "MaxAge" in cors:
        max_age = expect(path, f"{where}.MaxAge", cors["MaxAge"], int, "a whole number of seconds")
        if not -1 <= max_age <= 86400:
            raise config_error(path, f"{where}.MaxAge", "must be between -1 and 86400 (BadRequestException)")
    if "AllowCredentials" in cors:
        expect(path, f"{where}.AllowCredentials", cors["AllowCredentials"], bool, "true or false")
    if cors.get("AllowCredentials") and "*" in cors.get("AllowOrigins", []):
        raise config_error(path, f"{where}.AllowOrigins",
                           f"BadRequestException: {STAR_WITH_CREDENTIALS}; list the origins instead of *")
    return ApiGwConfig(path, cors, list(cors.get("AllowOrigins", [])), mapping)


def allowed_origin(config: ApiGwConfig, origin: str) -> str | None:
    """The ACAO value for ``origin``, or None: exact entries, ``*``, ``https://*`` / ``http://*``."""
    for entry in config.origins:
        if entry == "*":
            return "*"
        if entry in ("https://*", "http://*") and origin.startswith(entry[:-1]):
            return origin
        if entry == origin:
            return origin
    return None


class ApiGwEmulator(Emulator):
    preserve_host = False  # an HTTP proxy integration calls the backend's own host

    def __init__(self, config: ApiGwConfig, upstream: str):
        super().__init__(upstream)
        self.config = config

    def on_request(self, req: Request) -> Response | None:
        cors = self.config.cors
        origin = req.origin
        acrm = req.headers.get("Access-Control-Request-Method")
        if cors is None or req.method != "OPTIONS" or not origin or not acrm:
            return None
        headers = Headers()
        acao = allowed_origin(self.config, origin)
        if acao is not None:
            headers.set("Access-Control-Allow-Origin", acao)
            if cors.get("AllowCredentials"):
                headers.set("Access-Control-Allow-Credentials", "true")
            if cors.get("AllowMethods"):
                headers.set("Access-Control-Allow-Methods", ",".join(cors["AllowMethods"]))
            if cors.get("AllowHeaders"):
                headers.set("Access-Control-Allow-Headers", ",".join(cors["AllowHeaders"]))
            if "MaxAge" in cors:
                headers.set("Access-Control-Max-Age", str(cors["MaxAge"]))
        req.state["preflight"] = True
        return Response(204, headers)  # UNVERIFIED status, see the module docstring

    def on_response(self, req: Request, resp: Response) -> None:
        cors = self.config.cors
        if req.state.get("preflight"):
            return
        if not resp.local:  # the integration's response: its mapping for this status code
            for action, name, value in self.config.response_parameters.get(resp.status, []):
                if name == ":status":
                    resp.status = int(value)
                elif action == "append":
                    resp.headers.add(name, value)
                elif action == "overwrite":
                    resp.headers.set(name, value)
                else:
                    resp.headers.remove(name)
        if cors is None:
            return
        for name in {k for k, _ in resp.headers if k.lower().startswith("access-control-")}:
            resp.headers.remove(name)  # "ignores CORS headers returned from your backend integration"
        acao = allowed_origin(self.config, req.origin) if req.origin else None
        if acao is None:
            return
        resp.headers.set("Access-Control-Allow-Origin", acao)
        if cors.get("AllowCredentials"):
            resp.headers.set("Access-Control-Allow-Credentials", "true")
        if cors.get("ExposeHeaders"):
            resp.headers.set("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"]))


def serve(config: ApiGwConfig, *, host: str, port: int, upstream: str, targets: dict[str, str]) -> None:
    if targets:
        from corslab.errors import CorsLabError

        raise CorsLabError("apigw-http has one integration: use --upstream URL, not --target")
    serve_proxy(ApiGwEmulator(config, upstream), host, port)
