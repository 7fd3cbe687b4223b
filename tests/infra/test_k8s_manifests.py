"""infra/k8s: the lab's Kubernetes manifests, validated offline and checked against the lab policy.

- Core kinds (Namespace, Deployment, Service, Ingress): ``kubernetes-validate`` with the Kubernetes
  OpenAPI schemas it ships, strict (unknown fields are errors, as with kubectl's strict field
  validation).
- Gateway API (GatewayClass, Gateway, HTTPRoute): the CRDs' OpenAPI schemas as packaged by the npm
  package @kubernetes-models/gateway-api (tests/infra/gateway-api; `npm ci` there), plus strict
  fields and the CRD's CEL rules on the CORS filter, evaluated here.
- The policy: each manifest must state exactly corslab.stack.policy (read from there, never copied), as the
  product itself reads it (the Ingress through the controller's annotation parser), and what a
  product cannot state is checked to be said, not hidden.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from corslab.stack import policy, topology
from corslab.emulate import ingress_nginx

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "infra" / "k8s"
A = ingress_nginx.ANNOTATION_PREFIX


def docs(name: str) -> list[dict]:
    """The manifest's objects as the stack runs them (lab origins shifted under CORSLAB_PORT_OFFSET)."""
    text = topology.shift_text((K8S / name).read_text())
    return [d for d in yaml.safe_load_all(text) if d is not None]


def as_run(name: str) -> str:
    """The manifest's path, or under CORSLAB_PORT_OFFSET a copy with its lab origins shifted."""
    if not topology.PORT_OFFSET:
        return str(K8S / name)
    import tempfile

    copy = Path(tempfile.mkdtemp(prefix="corslab-shifted-")) / name
    copy.write_text(topology.shift_text((K8S / name).read_text()))
    return str(copy)


def one(name: str, kind: str) -> dict:
    found = [d for d in docs(name) if d["kind"] == kind]
    assert len(found) == 1, f"{name}: expected one {kind}, found {len(found)}"
    return found[0]


def split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


# --- core kinds: kubernetes-validate -------------------------------------------------------------


@pytest.mark.parametrize("name", ["api.yaml", "ingress.yaml"])
def test_core_objects_pass_kubernetes_schema_validation(name):
    """Kubernetes OpenAPI schemas (kubernetes-validate, latest version it ships), strict."""
    version = kubernetes_validate.latest_version()
    kinds = []
    for doc in docs(name):
        kubernetes_validate.validate(doc, version, strict=True)  # raises ValidationError
        kinds.append(doc["kind"])
    assert kinds  # the file had objects to validate


@pytest.mark.parametrize("mutate", [
    lambda d: d["spec"]["rules"][0]["http"]["paths"][0].update(pathType=1),
    lambda d: d["metadata"]["annotations"].update({A + "enable-cors": True}),
    lambda d: d["spec"].update(corsPolicy={}),
])
def test_kubernetes_validation_rejects_a_broken_ingress(mutate):
    """The validator above must be able to fail: a non-string pathType, an unquoted boolean
    annotation (kubectl refuses it: annotation values are strings), an unknown field."""
    doc = copy.deepcopy(one("ingress.yaml", "Ingress"))
    mutate(doc)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


# --- Gateway API objects: the CRD schemas, as packaged on npm ---------------------------------

VALIDATOR = Path(__file__).parent / "gateway-api"
#: The fields GEP-1767 gives the HTTPRoute CORS filter (HTTPCORSFilter, standard channel v1.5).
CORS_FILTER_FIELDS = {"allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders",
                      "allowCredentials", "maxAge"}


def crd_schema_problems(doc: dict) -> list[str]:
    """Validate with @kubernetes-models/gateway-api (OpenAPI schemas generated from the upstream
    CRDs; scripts/setup.sh --test installs it with npm)."""
    node = shutil.which("node")
    assert node, "node is not installed: apt-get install -y nodejs npm"
    assert (VALIDATOR / "node_modules").is_dir(), f"run: npm ci --prefix {VALIDATOR}"
    result = subprocess.run([node, "validate.mjs"], input=json.dumps(doc), capture_output=True,
                            text=True, cwd=VALIDATOR, timeout=60)
    lines = result.stdout.strip().splitlines()
    assert result.returncode in (0, 1), result.stderr
    return [] if result.returncode == 0 else lines


def unknown_cors_fields(route: dict) -> list[str]:
    """kubectl --validate=strict refuses fields the CRD does not declare."""
    out = []
    for rule in route["spec"].get("rules", []):
        for f in rule.get("filters") or []:
            for name in set(f.get("cors") or {}) - CORS_FILTER_FIELDS:
                out.append(f"unknown field spec.rules[].filters[].cors.{name}")
    return out


def cel_violations(route: dict) -> list[str]:
    """The CRD's CEL rules that concern this route (x-kubernetes-validations in the upstream
    HTTPRoute CRD, which the packaged OpenAPI schema leaves out), evaluated by hand."""
    out = []
    for rule in route["spec"].get("rules", []):
        filter_lists = [rule.get("filters") or []]
        filter_lists += [b.get("filters") or [] for b in rule.get("backendRefs") or []]
        for filters in filter_lists:
            if sum(1 for f in filters if f.get("type") == "CORS") > 1:
                out.append("CORS filter cannot be repeated")
            for f in filters:
                if f.get("type") == "CORS" and "cors" not in f:
                    out.append("filter.cors must be specified for CORS filter.type")
                if "cors" in f and f.get("type") != "CORS":
                    out.append("filter.cors must be nil if the filter.type is not CORS")
                cors = f.get("cors") or {}
                for field, message in [
                    ("allowOrigins", "AllowOrigins cannot contain '*' alongside other origins"),
                    ("allowMethods", "AllowMethods cannot contain '*' alongside other methods"),
                    ("allowHeaders", "AllowHeaders cannot contain '*' alongside other methods"),
                ]:
                    values = cors.get(field) or []
                    if "*" in values and len(values) > 1:
                        out.append(message)
        for ref in rule.get("backendRefs") or []:
            if ref.get("group", "") == "" and ref.get("kind", "Service") == "Service" \
                    and "port" not in ref:
                out.append("Must have port for Service reference")
    return out


def validate_route(route: dict) -> list[str]:
    """Schema errors, unknown CORS fields and CEL violations for one HTTPRoute, as messages."""
    return crd_schema_problems(route) + unknown_cors_fields(route) + cel_violations(route)


@pytest.mark.parametrize("kind", ["GatewayClass", "Gateway", "HTTPRoute"])
def test_gateway_api_objects_match_their_crd_schemas(kind):
    """Gateway API CRD schemas (v1, via @kubernetes-models/gateway-api), plus for the HTTPRoute
    strict fields and the CRD's CEL rules on the CORS filter."""
    doc = one("httproute.yaml", kind)
    problems = validate_route(doc) if kind == "HTTPRoute" else crd_schema_problems(doc)
    assert problems == []


def _cors(route):
    return route["spec"]["rules"][0]["filters"][0]["cors"]


@pytest.mark.parametrize("mutate,expected", [
    (lambda r: _cors(r).update(allowMethods=["GETT"]), "must be equal to one of the allowed values"),
    (lambda r: _cors(r).update(allowOrigins=["http://localhost:3000/"]), "must match pattern"),
    (lambda r: _cors(r).update(allowOrigins=["localhost:3000"]), "must match pattern"),
    (lambda r: _cors(r).update(allowOrigins=["*", "http://localhost:3000"]),
     "AllowOrigins cannot contain '*' alongside other origins"),
    (lambda r: _cors(r).update(maxAge=0), "must be >= 1"),
    (lambda r: _cors(r).update(allowCredentials="true"), "must be boolean"),
    (lambda r: _cors(r).update(allowOrigin=["http://localhost:3000"]), "unknown field"),
    (lambda r: r["spec"]["rules"][0]["filters"][0].pop("cors"),
     "filter.cors must be specified for CORS filter.type"),
    (lambda r: r["spec"]["rules"][0]["filters"].append(
        copy.deepcopy(r["spec"]["rules"][0]["filters"][0])), "CORS filter cannot be repeated"),
    (lambda r: r["spec"]["rules"][0]["backendRefs"][0].pop("port"),
     "Must have port for Service reference"),
])
def test_crd_schema_rejects_what_the_api_server_would(mutate, expected):
    """The checks must be able to fail: a method outside the enum, an origin with a path or
    without a scheme, * beside other origins, maxAge below 1, a string for a boolean, a misspelt
    field, a CORS filter without settings or twice, a Service without port."""
    route = copy.deepcopy(one("httproute.yaml", "HTTPRoute"))
    mutate(route)
    problems = validate_route(route)
    assert any(expected in p for p in problems), problems


def test_gateway_objects_fit_together():
    """Gateway API attachment: the Gateway names the GatewayClass, the HTTPRoute's parentRef names
    the Gateway in its own namespace, and the listener admits routes from that namespace."""
    gateway_class = one("httproute.yaml", "GatewayClass")
    gateway = one("httproute.yaml", "Gateway")
    route = one("httproute.yaml", "HTTPRoute")
    assert gateway["spec"]["gatewayClassName"] == gateway_class["metadata"]["name"]
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[\w/.~%!$&'()*+,;=:-]+",
                        gateway_class["spec"]["controllerName"])
    parent = route["spec"]["parentRefs"][0]
    assert parent["name"] == gateway["metadata"]["name"]
    assert parent.get("namespace", route["metadata"]["namespace"]) == gateway["metadata"]["namespace"]
    listener = gateway["spec"]["listeners"][0]
    assert listener["protocol"] == "HTTP"
    assert listener["allowedRoutes"]["namespaces"]["from"] == "Same"
    for doc in (gateway, route):
        assert doc["apiVersion"] == "gateway.networking.k8s.io/v1"


def test_backends_reach_the_api_deployment():
    """Kubernetes wiring: Ingress and HTTPRoute backends name the api Service and its port; the
    Service selects the Deployment's pods and targets the container port, which is the api's
    port in corslab/stack/topology.py; everything sits in the namespace api.yaml creates."""
    service = one("api.yaml", "Service")
    deployment = one("api.yaml", "Deployment")
    namespace = one("api.yaml", "Namespace")["metadata"]["name"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    port = service["spec"]["ports"][0]
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    assert port["targetPort"] in [p["name"] for p in container["ports"]]
    assert container["ports"][0]["containerPort"] == topology.service("api").default_port
    assert container["readinessProbe"]["httpGet"]["path"] == topology.service("api").health

    ingress = one("ingress.yaml", "Ingress")
    route = one("httproute.yaml", "HTTPRoute")
    backends = [p["backend"]["service"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    backends += [{"name": b["name"], "port": {"number": b["port"]}}
                 for r in route["spec"]["rules"] for b in r["backendRefs"]]
    for backend in backends:
        assert backend["name"] == service["metadata"]["name"]
        assert backend["port"]["number"] == port["port"]
    for doc in docs("api.yaml")[1:] + docs("ingress.yaml") + docs("httproute.yaml"):
        if doc["kind"] != "GatewayClass":  # cluster-scoped
            assert doc["metadata"]["namespace"] == namespace, doc["kind"]


def test_both_manifests_route_the_same_paths():
    """Same policy, same surface: /v1 and /_lab as whole-segment prefixes in both products."""
    ingress = one("ingress.yaml", "Ingress")
    route = one("httproute.yaml", "HTTPRoute")
    ingress_paths = sorted((p["path"], p["pathType"]) for r in ingress["spec"]["rules"]
                           for p in r["http"]["paths"])
    route_paths = sorted((m["path"]["value"], m["path"]["type"]) for r in route["spec"]["rules"]
                         for m in r["matches"])
    assert ingress_paths == [("/_lab", "Prefix"), ("/v1", "Prefix")]
    assert route_paths == [("/_lab", "PathPrefix"), ("/v1", "PathPrefix")]


# --- the lab policy -----------------------------------------------------------------------------


def test_ingress_states_the_lab_policy_as_the_controller_reads_it():
    """DESIGN "The lab's CORS policy" vs ingress-nginx main.go: the annotations, parsed by the
    controller's parser (fallbacks included), give exactly corslab.stack.policy - and nothing fell back
    to a default or was skipped on the way."""
    ingress = one("ingress.yaml", "Ingress")
    cors, warnings = ingress_nginx.parse_cors_annotations(ingress["metadata"]["annotations"])
    assert warnings == ()
    assert cors.enabled is True
    assert cors.allow_origin == policy.ALLOWED_ORIGINS
    assert split(cors.allow_methods) == list(policy.ALLOWED_METHODS)
    assert split(cors.allow_headers) == list(policy.ALLOWED_HEADERS)
    assert split(cors.expose_headers) == list(policy.EXPOSED_HEADERS)
    assert cors.allow_credentials is policy.ALLOW_CREDENTIALS
    assert cors.max_age == policy.MAX_AGE


def test_ingress_policy_reaches_the_generated_nginx_config():
    """nginx.tmpl: the rendered config carries the policy's values in its more_set_headers lines,
    and an origin regex built from exactly the allowed origins."""
    text = ingress_nginx.render(ingress_nginx.load(as_run("ingress.yaml")),
                                upstream="http://127.0.0.1:8095")
    assert ingress_nginx.build_cors_origin_regex(policy.ALLOWED_ORIGINS) in text
    assert f"Access-Control-Allow-Methods: {policy.header_list(policy.ALLOWED_METHODS)}'" in text
    assert f"Access-Control-Allow-Headers: {policy.header_list(policy.ALLOWED_HEADERS)}'" in text
    assert f"Access-Control-Expose-Headers: {policy.header_list(policy.EXPOSED_HEADERS)}'" in text
    assert f"Access-Control-Max-Age: {policy.MAX_AGE}'" in text
    assert ("Access-Control-Allow-Credentials: true'" in text) is policy.ALLOW_CREDENTIALS


def test_ingress_cannot_state_vary_origin_and_says_so():
    """nginx.tmpl: ingress-nginx never emits Vary (the only vary in nginx.tmpl is gzip_vary),
    although the policy asks for Vary: Origin. The generated config has none, and ingress.yaml's
    comments tell the learner so instead of hiding it."""
    text = ingress_nginx.render(ingress_nginx.load(as_run("ingress.yaml")),
                                upstream="http://127.0.0.1:8095")
    assert "vary" not in text.lower()
    comments = "\n".join(line for line in (K8S / "ingress.yaml").read_text().splitlines()
                         if line.lstrip().startswith("#"))
    assert "No `Vary: Origin`" in comments
    assert "anchored at the" in comments and "END only" in comments  # the regex limit
    assert "`Access-Control-Allow-Origin: *`" in comments and "Credentials: true" in comments


def test_httproute_states_the_lab_policy():
    """DESIGN "The lab's CORS policy" vs the GEP-1767 CORS filter fields."""
    cors = _cors(one("httproute.yaml", "HTTPRoute"))
    assert tuple(cors["allowOrigins"]) == policy.ALLOWED_ORIGINS
    assert tuple(cors["allowMethods"]) == policy.ALLOWED_METHODS
    assert tuple(cors["allowHeaders"]) == policy.ALLOWED_HEADERS
    assert tuple(cors["exposeHeaders"]) == policy.EXPOSED_HEADERS
    assert cors["allowCredentials"] is policy.ALLOW_CREDENTIALS
    assert cors["maxAge"] == policy.MAX_AGE


def test_httproute_cannot_state_vary_origin_and_says_so():
    """GEP-1767: HTTPCORSFilter has no field for Vary, and Envoy's CORS filter sends none
    (Envoy cors_filter.cc); httproute.yaml's comments say so."""
    assert not [f for f in CORS_FILTER_FIELDS if "vary" in f.lower()]
    route = copy.deepcopy(one("httproute.yaml", "HTTPRoute"))
    _cors(route)["vary"] = ["Origin"]
    assert "unknown field spec.rules[].filters[].cors.vary" in validate_route(route)
    comments = "\n".join(line for line in (K8S / "httproute.yaml").read_text().splitlines()
                         if line.lstrip().startswith("#"))
    assert "Vary: Origin" in comments and "never sends it" in comments


def test_httproute_runs_in_the_labs_gateway_api_emulator():
    """The same file is accepted by corslab.emulate.gateway_api (the lab's Envoy Gateway emulator)."""
    from corslab.emulate import gateway_api

    config = gateway_api.load(str(K8S / "httproute.yaml"))
    assert config.routes
