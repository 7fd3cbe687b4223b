"""AWS Application Load Balancer: listener rules and the response-header listener attributes.

Follows: the ELBv2 API and docs as of the header-modification release (Nov 21, 2024) and later -
the six ``routing.http.response.access_control_*.header_value`` listener attributes, fixed-response
and forward actions. CONFIG may also be YAML (``.yaml``/``.yml``) with the same keys, as the AWS
CLI's ``--cli-input-yaml`` takes them, so a config can carry comments.

Sources: ELBv2 API reference ``ListenerAttribute``, ``RuleCondition``,
``HttpRequestMethodConditionConfig``, ``FixedResponseActionConfig``; the header-modification page
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/header-modification.html);
condition types (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html).

CONFIG is JSON in the ELBv2 API's own shapes, as ``aws elbv2 describe-listener-attributes`` /
``describe-rules`` / ``describe-listeners`` print them::

    {"ListenerAttributes": [{"Key": ..., "Value": ...}],
     "Rules": [{"Priority": "10", "Conditions": [...], "Actions": [...]}],
     "DefaultActions": [...]}

What it emulates:
- rules evaluated in priority order (lowest first), then the default actions; conditions of a rule
  are ANDed, the values of one condition ORed; ``path-pattern`` (case-sensitive glob on the path
  only, ``*`` and ``?``) and ``http-request-method`` (exact, case-sensitive);
- actions ``forward`` (target group ARN or name -> ``--target NAME=URL`` or ``--upstream``; the
  first target group of a ForwardConfig) and ``fixed-response`` (StatusCode, ContentType,
  MessageBody);
- the ``routing.http.response.*.header_value`` listener attributes: each configured header is
  put on **every** response, fixed responses included, **replacing** the target's value; one
  static value per header: no origin list, no per-request decision, no ``Vary``;
  ``routing.http.response.server.enabled=false`` removes ``Server``.
- ALB itself never recognises a preflight: an OPTIONS request is routed like any other, so it
  reaches the target unless a rule (e.g. ``http-request-method`` OPTIONS -> fixed-response 204)
  answers it - and then it is answered whatever the Origin and whatever was requested.

Config checks as the ELBv2 API documents them: StatusCode ``^(2|4|5)\\d\\d$``, ContentType one of
five, MessageBody <= 1024, method values ``[A-Z_-]{1,40}``, path patterns <= 128 characters, at
most one condition of each type, unique priorities 1-50000, known attribute keys.

What it does not model: host-header, http-header, query-string and source-ip conditions, redirect
and authenticate actions, weighted forwarding and stickiness, URL/host rewrite transforms, TLS and
the request-side (mTLS header renaming) attributes, health checks, ``X-Amzn-Trace-Id``.
An unreachable target gets ALB's own 502 page (``Server: awselb/2.0``); that the listener's
response-header attributes are added to ALB-generated errors too follows the docs' "all responses"
and is otherwise UNVERIFIED. Whether the
API rejects a ``*`` origin with ``true`` credentials is UNVERIFIED; it is accepted here, as ALB
has no documented check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corslab.emulate.proxy import Emulator, Headers, Request, Response, config_error, expect, read_config, serve_product

#: routing.http.response.<name>.header_value -> the header ALB writes.
RESPONSE_HEADER_ATTRIBUTES = {
    "access_control_allow_origin": "Access-Control-Allow-Origin",
    "access_control_allow_methods": "Access-Control-Allow-Methods",
    "access_control_allow_headers": "Access-Control-Allow-Headers",
    "access_control_allow_credentials": "Access-Control-Allow-Credentials",
    "access_control_expose_headers": "Access-Control-Expose-Headers",
    "access_control_max_age": "Access-Control-Max-Age",
    "strict_transport_security": "Strict-Transport-Security",
    "content_security_policy": "Content-Security-Policy",
    "x_content_type_options": "X-Content-Type-Options",
    "x_frame_options": "X-Frame-Options",
}
SERVER_ENABLED = "routing.http.response.server.enabled"
#: ALB's own 502 when a target cannot be reached ("The load balancer received a TCP RST from the target
#: when attempting to establish a connection", load-balancer-troubleshooting.html#http-502-issues). The
#: page is the one ALB users see (Server: awselb/2.0); its exact bytes are UNVERIFIED in AWS's docs.
BAD_GATEWAY_PAGE = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")
CONTENT_TYPES = ("text/plain", "text/css", "text/html", "application/javascript", "application/json")
STATUS_CODE = re.compile(r"^(2|4|5)\d\d$")
METHOD_VALUE = re.compile(r"^[A-Z_-]{1,40}$")
PATH_PATTERN = re.compile(r"""^[A-Za-z0-9_\-.$/~"'@:+&*?]{1,128}$""")
SUPPORTED_CONDITIONS = ("path-pattern", "http-request-method")
OTHER_CONDITIONS = ("host-header", "http-header", "query-string", "source-ip")


@dataclass
class Action:
    kind: str  # "forward" or "fixed-response"
    target_group: str = ""
    status: int = 200
    content_type: str | None = None
    body: str = ""


@dataclass
class Rule:
    priority: int
    path_patterns: list[str] | None
    methods: list[str] | None
    action: Action

    def matches(self, req: Request) -> bool:
        if self.methods is not None and req.method not in self.methods:
            return False
        if self.path_patterns is not None and not any(glob_match(p, req.path) for p in self.path_patterns):
            return False
        return True


@dataclass
class AlbConfig:
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # header -> static value
    server_enabled: bool = True
    rules: list[Rule] = field(default_factory=list)
    default: Action | None = None

    @property
    def target_groups(self) -> set[str]:
        actions = [r.action for r in self.rules] + [self.default]
        return {a.target_group for a in actions if a and a.kind == "forward"}


def glob_match(pattern: str, path: str) -> bool:
    """ALB path pattern: whole-path, case-sensitive, ``*`` = 0 or more characters, ``?`` = exactly 1."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, path, re.DOTALL) is not None


def target_group_name(value: str) -> str:
    """arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID -> NAME; a bare name stays."""
    m = re.search(r":targetgroup/([^/]+)/", value)
    return m.group(1) if m else value


# --- load -------------------------------------------------------------------------------------


def read_aws_config(path: str):
    """JSON, or YAML for a ``.yaml``/``.yml`` file - the two input forms of the AWS CLI
    (``--cli-input-json``, ``--cli-input-yaml``); YAML lets a config carry comments."""
    if path.lower().endswith((".yaml", ".yml")):
        docs = read_config(path, "yaml")
        if len(docs) != 1:
            raise config_error(path, "", f"holds {len(docs)} YAML documents; write one")
        return docs[0]
    return read_config(path, "json")


def load(path: str) -> AlbConfig:
    doc = read_aws_config(path)
    expect(path, "", doc, dict, "a JSON object with ListenerAttributes, Rules and DefaultActions")
    for key in doc:
        if key not in ("ListenerAttributes", "Rules", "DefaultActions"):
            raise config_error(path, key, "unknown key; use ListenerAttributes, Rules and DefaultActions")
    config = AlbConfig(path)
    for i, attr in enumerate(expect(path, "ListenerAttributes", doc.get("ListenerAttributes", []), list, "a list")):
        _attribute(config, f"ListenerAttributes[{i}]", attr)
    priorities = set()
    for i, raw in enumerate(expect(path, "Rules", doc.get("Rules", []), list, "a list")):
        where = f"Rules[{i}]"
        expect(path, where, raw, dict, "a rule object")
        if raw.get("IsDefault") or raw.get("Priority") == "default":
            config.default = _actions(path, f"{where}.Actions", raw.get("Actions"))
            continue
        rule = _rule(path, where, raw)
        if rule.priority in priorities:
            raise config_error(path, f"{where}.Priority", f"priority {rule.priority} is used twice (PriorityInUse)")
        priorities.add(rule.priority)
        config.rules.append(rule)
    if "DefaultActions" in doc:
        config.default = _actions(path, "DefaultActions", doc["DefaultActions"])
    if config.default is None:
        raise config_error(path, "DefaultActions", "a listener needs default actions (e.g. forward to a target group)")
    config.rules.sort(key=lambda r: r.priority)
    return config


def _attribute(config: AlbConfig, where: str, attr) -> None:
    path = config.path
    expect(path, where, attr, dict, 'an object like {"Key": ..., "Value": ...}')
    key = expect(path, f"{where}.Key", attr.get("Key"), str, "an attribute key")
    value = expect(path, f"{where}.Value", attr.get("Value", ""), str, "a string")
    m = re.fullmatch(r"routing\.http\.response\.([a-z_]+)\.header_value", key)
    if m and m.group(1) in RESPONSE_HEADER_ATTRIBUTES:
        if value:  # empty: "the load balancer does not modify this response header"
            config.headers[RESPONSE_HEADER_ATTRIBUTES[m.group(1)]] = value
    elif key == SERVER_ENABLED:
        if value not in ("true", "false"):
            raise config_error(path, f"{where}.Value", "must be true or false")
        config.server_enabled = value == "true"
    elif key.startswith("routing.http.request.") and key.endswith(".header_name"):
        pass  # renames mTLS/TLS request headers: accepted, not modelled
    else:
        raise config_error(path, f"{where}.Key", f"{key!r} is not an ALB listener attribute")


def _rule(path: str, where: str, raw: dict) -> Rule:
    try:
        priority = int(raw.get("Priority"))
    except (TypeError, ValueError):
        raise config_error(path, f"{where}.Priority", "must be a number from 1 to 50000") from None
    if not 1 <= priority <= 50000:
        raise config_error(path, f"{where}.Priority", "must be a number from 1 to 50000")
    conditions = expect(path, f"{where}.Conditions", raw.get("Conditions") or [], list, "a list")
    if not conditions:
        raise config_error(path, f"{where}.Conditions", "a rule needs at least one condition")
    found: dict[str, list[str]] = {}
    for k, cond in enumerate(conditions):
        cwhere = f"{where}.Conditions[{k}]"
        expect(path, cwhere, cond, dict, "a condition object")
        kind = cond.get("Field")
        if kind in OTHER_CONDITIONS:
            raise config_error(path, f"{cwhere}.Field", f"{kind} conditions are not emulated here "
                               f"(only {', '.join(SUPPORTED_CONDITIONS)})")
        if kind not in SUPPORTED_CONDITIONS:
            raise config_error(path, f"{cwhere}.Field", f"{kind!r} is not a condition type; use path-pattern "
                               "or http-request-method")
        if kind in found:
            raise config_error(path, cwhere, f"a rule may have at most one {kind} condition")
        config_key = {"path-pattern": "PathPatternConfig", "http-request-method": "HttpRequestMethodConfig"}[kind]
        vals = (cond.get(config_key) or {}).get("Values") or cond.get("Values") or []
        expect(path, f"{cwhere}.Values", vals, list, "a list of strings")
        if not vals:
            raise config_error(path, f"{cwhere}.Values", "needs at least one value")
        check = PATH_PATTERN if kind == "path-pattern" else METHOD_VALUE
        rule_text = ("up to 128 characters of A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ?" if kind == "path-pattern"
                     else "up to 40 characters of A-Z, hyphen (-) and underscore (_); the comparison is case sensitive")
        for v, value in enumerate(vals):
            if not isinstance(value, str) or not check.match(value):
                raise config_error(path, f"{cwhere}.Values[{v}]", f"{value!r} is not allowed: {rule_text}")
        found[kind] = vals
    return Rule(priority, found.get("path-pattern"), found.get("http-request-method"),
                _actions(path, f"{where}.Actions", raw.get("Actions")))


def _actions(path: str, where: str, actions) -> Action:
    expect(path, where, actions, list, "a list of actions")
    if not actions:
        raise config_error(path, where, "needs an action (forward or fixed-response)")
    final = sorted(actions, key=lambda a: a.get("Order", 0) if isinstance(a, dict) else 0)[-1]
    expect(path, where, final, dict, "an action object")
    kind = final.get("Type")
    if kind == "forward":
        arn = final.get("TargetGroupArn") or ((final.get("ForwardConfig") or {}).get("TargetGroups") or [{}])[0].get("TargetGroupArn")
        if not arn:
            raise config_error(path, f"{where}.TargetGroupArn", "a forward action needs a target group")
        return Action("forward", target_group=target_group_name(str(arn)))
    if kind == "fixed-response":
        cfg = expect(path, f"{where}.FixedResponseConfig", final.get("FixedResponseConfig"), dict, "an object")
        status = str(cfg.get("StatusCode", ""))
        if not STATUS_CODE.match(status):
            raise config_error(path, f"{where}.FixedResponseConfig.StatusCode",
                               f"{status!r} must match ^(2|4|5)\\d\\d$ (2xx, 4xx or 5xx; 3xx is not allowed)")
        ctype = cfg.get("ContentType")
        if ctype is not None and ctype not in CONTENT_TYPES:
            raise config_error(path, f"{where}.FixedResponseConfig.ContentType", f"must be one of {', '.join(CONTENT_TYPES)}")
        body = str(cfg.get("MessageBody", ""))
        if len(body) > 1024:
            raise config_error(path, f"{where}.FixedResponseConfig.MessageBody", "must be at most 1024 characters")
        return Action("fixed-response", status=int(status), content_type=ctype, body=body)
    raise config_error(path, f"{where}.Type", f"{kind!r} actions are not emulated here (only forward and fixed-response)")


# --- serve ------------------------------------------------------------------------------------


class AlbEmulator(Emulator):
    preserve_host = True  # ALB forwards the client's Host header

    def __init__(self, config: AlbConfig, upstream: str, targets: dict[str, str]):
        super().__init__(upstream, targets)
        self.config = config

    def on_request(self, req: Request) -> Response | None:
        action = next((r.action for r in self.config.rules if r.matches(req)), self.config.default)
        if action.kind == "fixed-response":
            headers = Headers([("Server", "awselb/2.0")])
            if action.content_type:
                headers.add("Content-Type", action.content_type)
            return Response(action.status, headers, action.body.encode())
        req.state["target_group"] = action.target_group
        return None

    def upstream_for(self, req: Request) -> str:
        return self.backend_url(req.state["target_group"])

    def on_response(self, req: Request, resp: Response) -> None:
        if resp.local and resp.status == 502 and "target_group" in req.state:  # the target refused the connection
            resp.headers = Headers([("Server", "awselb/2.0"), ("Content-Type", "text/html")])
            resp.body = BAD_GATEWAY_PAGE.encode()
        for name, value in self.config.headers.items():
            resp.headers.set(name, value)  # "updates the header value to the configured value"
        if not self.config.server_enabled:
            resp.headers.remove("Server")


def serve(config: AlbConfig, *, host: str, port: int, upstream: str, targets: dict[str, str]) -> None:
    serve_product(AlbEmulator(config, upstream, targets), config.target_groups, config.path, host, port,
                  "target group")
