"""The ingress-nginx emulator against the controller's own behaviour, in real nginx + headers-more.

Expected behaviour comes from kubernetes/ingress-nginx (controller-v1.14.1):
internal/ingress/annotations/cors/main.go and main_test.go, rootfs/etc/nginx/template/nginx.tmpl,
internal/ingress/controller/template/template.go and test/e2e/annotations/cors.go. The e2e cases send a GET with ``Host: cors.foo.com``; here every case is its own
Ingress with its own host in one manifest, served by one nginx, and asked with that Host header.

Upstream: a small real HTTP server (http.server) that records what reached it and can send its
own CORS headers, so the tests can show what the ingress overwrites and what it lets through.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from corslab.emulate import ingress_nginx as ing
from corslab.errors import CorsLabError
from tests.rawhttp import Reply
from corslab.stack.ports import free_port

REPO = Path(__file__).resolve().parents[2]
LAB_INGRESS = REPO / "infra" / "k8s" / "ingress.yaml"
A = "nginx.ingress.kubernetes.io/"


# --- a real upstream ------------------------------------------------------------------------


class Backend:
    """A tiny HTTP backend: answers every method with 200 JSON and records what reached it.

    ``/upstream-cors/...`` answers with its own CORS headers, ``/status/404`` with a 404 and
    the same headers: the material for "overwrites" and "passes through".
    """

    UPSTREAM_CORS = [
        ("Access-Control-Allow-Origin", "https://backend.example"),
        ("Access-Control-Allow-Methods", "PATCH"),
        ("Access-Control-Allow-Credentials", "false"),
    ]

    def __init__(self, name: str):
        self.name = name
        self.seen: list[tuple[str, str]] = []
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                backend.seen.append((self.command, self.path))
                status = 404 if self.path.startswith("/status/404") else 200
                body = json.dumps({"backend": backend.name, "method": self.command,
                                   "path": self.path}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Backend", backend.name)
                if self.path.startswith(("/upstream-cors", "/status/404")):
                    for name, value in Backend.UPSTREAM_CORS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reached(self, method: str, path: str) -> bool:
        return (method, path) in self.seen

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def backend():
    b = Backend("api")
    yield b
    b.close()


@pytest.fixture(scope="module")
def other_backend():
    b = Backend("other")
    yield b
    b.close()


# --- the emulator as a real process ---------------------------------------------------------


class Emulator:
    """``load()`` + ``serve()`` in a child process, as ``python -m corslab emulate`` runs them."""

    def __init__(self, config: Path, upstream: str, targets: dict[str, str] | None = None,
                 env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "corslab", "emulate", "ingress-nginx", str(config),
                "--port", str(self.port), "--upstream", upstream]
        for name, url in (targets or {}).items():
            args += ["--target", f"{name}={url}"]
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=self.stderr,
                                     text=True, env={**os.environ, **(env or {})})
        self.ready_line = self._wait_ready()

    def _wait_ready(self) -> str:
        lines: list[str] = []

        def read():
            lines.append(self.proc.stdout.readline())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(15)
        if not lines or not lines[0].startswith("ready on"):
            self.proc.kill()
            self.stderr.seek(0)
            raise AssertionError(f"emulator not ready: {lines} {self.stderr.read()}")
        return lines[0].strip()

    def stop(self, signum=signal.SIGTERM) -> int:
        self.proc.send_signal(signum)
        return self.proc.wait(15)

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    def request(self, method: str, path: str, host: str | None = None, origin: str | None = None,
                headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        sent = dict(headers or {})
        if host:
            sent["Host"] = host
        if origin is not None:
            sent["Origin"] = origin
        conn.request(method, path, headers=sent)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return Reply(resp.status, [(k.lower(), v) for k, v in resp.getheaders()], body)


def manifest(*ingresses: dict) -> str:
    """A multi-document manifest: one Ingress per (host, annotations[, paths]) case."""
    import yaml

    docs = []
    for case in ingresses:
        annotations = {A + "enable-cors": "true"}
        annotations.update({A + k: v for k, v in case.get("annotations", {}).items()})
        if case.get("raw_annotations") is not None:
            annotations = case["raw_annotations"]
        paths = case.get("paths") or [{"path": "/", "pathType": "Prefix", "service": "api"}]
        rule = {"http": {"paths": [
            {"path": p["path"], "pathType": p["pathType"],
             "backend": {"service": {"name": p["service"], "port": {"number": 80}}}}
            for p in paths]}}
        if case.get("host"):
            rule["host"] = case["host"]
        docs.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": case["name"], "namespace": "default", "annotations": annotations},
            "spec": {"ingressClassName": "nginx", "rules": [rule]},
        })
    return yaml.safe_dump_all(docs, sort_keys=False)


# Every e2e case of test/e2e/annotations/cors.go, plus the lab's own configs, each on
# its own host. "annotations" holds the cors-* values without the prefix (enable-cors is added).
CASES = {
    "enable-only": {},
    "methods": {"cors-allow-methods": "POST, GET"},
    "max-age": {"cors-max-age": "200"},
    "no-credentials": {"cors-allow-credentials": "false"},
    "one-origin": {"cors-allow-origin": "https://origin.cors.com:8080"},
    "headers": {"cors-allow-headers": "DNT, User-Agent"},
    "expose": {"cors-expose-headers": "X-CustomResponseHeader, X-CustomSecondHeader"},
    "two-origins": {"cors-allow-origin": "https://origin.cors.com:8080, https://origin2.cors.com"},
    "not-listed": {"cors-allow-origin": "http://origin2.cors.com, https://origin.com"},
    "schemeless-skipped": {
        "cors-allow-origin": "origin.cors.com:8080, https://origin2.cors.com, https://origin.com"},
    "star": {"cors-allow-origin": "*"},
    "star-first": {"cors-allow-origin": "*, foo.bar.com"},
    "dot-escaped": {"cors-allow-origin": "https://foo.bar.com"},
    "ports-8080": {"cors-allow-origin": "http://origin.cors.com:8080, http://origin.com:8080"},
    "no-port": {"cors-allow-origin": "https://origin2.cors.com, http://origin.com"},
    "wildcards": {"cors-allow-origin": "http://*.origin.cors.com, http://*.origin.com:8080"},
    "wildcard-port": {"cors-allow-origin": "http://origin.cors.com:8080, http://*.origin.com:8080"},
    "blank": {"cors-allow-origin": "      "},
    "empty-items": {"cors-allow-origin":
                    "https://origin-123.cors.com:8080,   ,https://origin-321.cors.com:8080,"},
    "custom-schemes": {"cors-allow-origin": "test://localhost, tauri://localhost:3000"},
    # The "/list" configuration of the lab's reproduction in a cluster.
    "list": {"cors-allow-origin":
             "https://origin.cors.com:8080, http://*.origin.com:8080, https://foo.bar.com, null"},
    # A corner case derived from main.go: passes the annotation validator, every item skipped.
    "all-skipped": {"cors-allow-origin": "origin123.test.com:4443"},
    # main_test.go TestIngressCorsConfigInvalid: enable-cors "yes" falls back to false.
    "enable-yes": None,
}


def host(case: str) -> str:
    return f"{case}.cors.foo.com"


@pytest.fixture(scope="module")
def cases_file(tmp_path_factory) -> Path:
    items = []
    for name, annotations in CASES.items():
        if annotations is None:
            items.append({"name": name, "host": host(name),
                          "raw_annotations": {A + "enable-cors": "yes"}})
        else:
            items.append({"name": name, "host": host(name), "annotations": annotations})
    path = tmp_path_factory.mktemp("ingress") / "cases.yaml"
    path.write_text(manifest(*items))
    return path


@pytest.fixture(scope="module")
def edge(cases_file, backend):
    em = Emulator(cases_file, backend.url)
    yield em
    assert em.stop() == 0


def get(edge, case, origin=None, path="/list", method="GET", headers=None):
    return edge.request(method, path, host=host(case), origin=origin, headers=headers)


# --- main.go / main_test.go: the annotation parser --------------------------------------------


def test_invalid_annotation_values_fall_back_to_controller_defaults():
    """main_test.go TestIngressCorsConfigInvalid: enable-cors "yes" -> false,
    headers "@alright, #ingress" -> default, credentials "no" -> true, methods "GET, PATCH, $nginx"
    -> default, origin without scheme -> skipped, expose invalid -> "", max-age "abcd" -> 1728000."""
    cors, warnings = ing.parse_cors_annotations({
        A + "enable-cors": "yes",
        A + "cors-allow-headers": "@alright, #ingress",
        A + "cors-allow-credentials": "no",
        A + "cors-allow-methods": "GET, PATCH, $nginx",
        A + "cors-allow-origin": "origin123.test.com:4443",
        A + "cors-expose-headers": "@alright, #ingress",
        A + "cors-max-age": "abcd",
    })
    assert cors.enabled is False
    assert cors.allow_credentials is True
    assert cors.allow_headers == ing.DEFAULT_HEADERS
    assert cors.allow_methods == ing.DEFAULT_METHODS
    assert cors.allow_origin == ()
    assert cors.expose_headers == ""
    assert cors.max_age == 1728000
    assert any("origin123.test.com:4443" in w and "Skipping" in w for w in warnings)


def test_controller_defaults_when_only_enable_cors_is_set():
    """main.go defaults: origin *, the default method and header lists, no expose,
    credentials true, max-age 1728000."""
    cors, warnings = ing.parse_cors_annotations({A + "enable-cors": "true"})
    assert cors == ing.CorsConfig(enabled=True)
    assert cors.allow_origin == ("*",)
    assert cors.allow_methods == "GET, PUT, POST, DELETE, PATCH, OPTIONS"
    assert cors.allow_headers == ("DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,"
                                  "Cache-Control,Content-Type,Range,Authorization")
    assert (cors.expose_headers, cors.allow_credentials, cors.max_age) == ("", True, 1728000)
    assert warnings == ()


def test_null_and_origin_list_parses_to_both_items():
    """main_test.go: "null, https://origin123.test.com:4443" parses to
    ["null", "https://origin123.test.com:4443"]."""
    cors, _ = ing.parse_cors_annotations(
        {A + "cors-allow-origin": "null, https://origin123.test.com:4443"})
    assert cors.allow_origin == ("null", "https://origin123.test.com:4443")


@pytest.mark.parametrize("value", ["      ", ""])
def test_blank_origin_annotation_means_wildcard(value):
    """main.go via parser.normalizeString (e2e "blank"): empty after trimming -> *."""
    cors, warnings = ing.parse_cors_annotations({A + "cors-allow-origin": value})
    assert cors.allow_origin == ("*",)
    assert warnings == ()  # empty content is not a validation error: nothing is logged


def test_star_item_makes_the_whole_origin_list_wildcard():
    """main.go: a literal * item makes the list ["*"] ("*, foo.bar.com" -> *)."""
    cors, _ = ing.parse_cors_annotations({A + "cors-allow-origin": "https://a.example, *, b"})
    assert cors.allow_origin == ("*",)


def test_origin_items_are_trimmed_and_empty_items_skipped():
    """main.go (e2e "empty items"): each item trimmed, empty items skipped."""
    cors, _ = ing.parse_cors_annotations({A + "cors-allow-origin":
                                          "https://origin-123.cors.com:8080,   ,https://origin-321.cors.com:8080,"})
    assert cors.allow_origin == ("https://origin-123.cors.com:8080",
                                 "https://origin-321.cors.com:8080")


@pytest.mark.parametrize("item", ["origin.cors.com:8080", "http://*.*.two.example"])
def test_origin_item_the_item_regex_refuses_is_skipped_and_logged(item):
    """main.go Parse: an item corsOriginRegex refuses (no scheme; two "*."
    labels, which the looser annotation validator lets through) is logged "Supplied incorrect
    origin ... Skipping." and skipped; the other items are kept."""
    cors, warnings = ing.parse_cors_annotations(
        {A + "cors-allow-origin": f"{item}, https://kept.example"})
    assert cors.allow_origin == ("https://kept.example",)
    assert any(item in w and "Skipping" in w for w in warnings)


@pytest.mark.parametrize("value", [
    # lab 11's annotation with a longer host: Python's backtracking engine ran this for hours
    "http://app.example.test.example.test.example/, http://admin.example.test/",
    "https://" + "a" * 100_000 + "/",
    "null" * 20_000 + "!",
])
def test_annotation_validators_run_in_linear_time_like_go(value):
    """Go's regexp (RE2) checks an annotation in time linear in its length (golang.org/pkg/regexp:
    "guaranteed to run in time linear in the size of the input"); the controller answers such a
    value at once with its fallback. Run in a child process so a backtracking engine fails the test
    by its deadline instead of hanging the suite."""
    code = ("import sys; from corslab.emulate import ingress_nginx as ing; "
            "cors, log = ing.parse_cors_annotations({ing.ANNOTATION_PREFIX + 'cors-allow-origin': sys.stdin.read()}); "
            "print(cors.allow_origin)")
    done = subprocess.run([sys.executable, "-c", code], input=value, capture_output=True, text=True,
                          timeout=20, cwd=REPO)
    assert done.stdout.strip() == "('*',)"  # the validator refused it: the controller's fallback


@pytest.mark.parametrize("value", ["HTTP://upper.example, https://kept.example",
                                   "https://kept.example/path"])
def test_origin_annotation_failing_the_validator_becomes_wildcard(value):
    """main.go: the annotation's validator (corsOriginRegexValidator, spaces removed) refuses an
    upper-case scheme or a path; GetStringAnnotation then fails and Parse logs
    "cors-allow-origin is invalid, defaulting to '*'" - one typo opens the API to every origin."""
    cors, warnings = ing.parse_cors_annotations({A + "cors-allow-origin": value})
    assert cors.allow_origin == ("*",)
    assert any("defaulting to '*'" in w for w in warnings)


def test_values_are_kept_verbatim_not_normalised():
    """main.go: methods, headers and expose-headers are emitted verbatim."""
    cors, _ = ing.parse_cors_annotations({
        A + "cors-allow-methods": "post, GET",
        A + "cors-allow-headers": "x-a,  X-B",
        A + "cors-expose-headers": "*, X-CustomResponseHeader",
        A + "cors-max-age": "-1",
    })
    assert (cors.allow_methods, cors.allow_headers, cors.expose_headers, cors.max_age) == (
        "post, GET", "x-a,  X-B", "*, X-CustomResponseHeader", -1)


@pytest.mark.parametrize("value,expected", [("True", True), ("1", True), ("FALSE", False),
                                            ("f", False), ("no", True), ("off", True)])
def test_credentials_parse_like_go_parsebool_and_fall_back_to_true(value, expected):
    """main.go + strconv.ParseBool: Go's spellings only; anything else -> true."""
    cors, _ = ing.parse_cors_annotations({A + "cors-allow-credentials": value})
    assert cors.allow_credentials is expected


# --- template.go / nginx.tmpl: the rendered configuration -------------------------------------


@pytest.mark.parametrize("origins,expected", [
    ("https://origin.cors.com:8080, https://origin2.cors.com",
     r"if ($http_origin ~* ((https://origin\.cors\.com:8080)|(https://origin2\.cors\.com))$ ) "
     r"{ set $cors 'true'; }"),
    ("http://*.origin.cors.com, http://*.origin.com:8080",
     r"if ($http_origin ~* ((http://[A-Za-z0-9\-]+\.origin\.cors\.com)|"
     r"(http://[A-Za-z0-9\-]+\.origin\.com:8080))$ ) { set $cors 'true'; }"),
    ("null, https://origin123.test.com:4443",
     r"if ($http_origin ~* ((null)|(https://origin123\.test\.com:4443))$ ) { set $cors 'true'; }"),
])
def test_origin_regex_is_rendered_like_build_cors_origin_regex(origins, expected):
    """template.go buildCorsOriginRegex, with its three examples (template_test.go)."""
    cors, _ = ing.parse_cors_annotations({A + "cors-allow-origin": origins})
    assert ing.build_cors_origin_regex(cors.allow_origin) == expected


def test_wildcard_origin_renders_unconditional_set():
    """template.go buildCorsOriginRegex: ["*"] -> set $http_origin *; set $cors."""
    assert ing.build_cors_origin_regex(("*",)) == "set $http_origin *;\nset $cors 'true';"


def test_cors_block_follows_the_template_line_by_line():
    """nginx.tmpl {{ define "CORS" }}: OPTIONS appends "options"; six headers on
    "true"; the same plus Content-Type (sic, no ';'), Content-Length 0 and return 204 on
    "trueoptions"; ACAC only with credentials, ACEH only when non-empty."""
    block = ing.cors_block(ing.CorsConfig(enabled=True, allow_origin=("https://a.example",),
                                          expose_headers="X-Request-Id"), indent="")
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines[0] == "# Cors Preflight methods needs additional options and different Return Code"
    assert lines[1] == r"if ($http_origin ~* ((https://a\.example))$ ) { set $cors 'true'; }"
    assert lines[2:5] == ["if ($request_method = 'OPTIONS') {", "    set $cors ${cors}options;", "}"]
    headers = [
        "    more_set_headers 'Access-Control-Allow-Origin: $http_origin';",
        "    more_set_headers 'Access-Control-Allow-Credentials: true';",
        f"    more_set_headers 'Access-Control-Allow-Methods: {ing.DEFAULT_METHODS}';",
        f"    more_set_headers 'Access-Control-Allow-Headers: {ing.DEFAULT_HEADERS}';",
        "    more_set_headers 'Access-Control-Expose-Headers: X-Request-Id';",
        "    more_set_headers 'Access-Control-Max-Age: 1728000';",
    ]
    assert lines[5:13] == ['if ($cors = "true") {', *headers, "}"]
    assert lines[13:] == ['if ($cors = "trueoptions") {', *headers,
                          "    more_set_headers 'Content-Type: text/plain charset=UTF-8';",
                          "    more_set_headers 'Content-Length: 0';", "    return 204;", "}"]
    bare = ing.cors_block(ing.CorsConfig(enabled=True, allow_credentials=False), indent="")
    assert "Access-Control-Allow-Credentials" not in bare
    assert "Access-Control-Expose-Headers" not in bare


def test_all_origins_skipped_renders_no_origin_match_at_all(tmp_path):
    """nginx.tmpl {{ if $cors.CorsAllowOrigin }} (a corner case derived from main.go): an empty
    list emits no regex, so $cors can never become "true"."""
    config = ing.load(_write(tmp_path, textwrap.dedent(f"""\
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: skipped
          annotations:
            {A}enable-cors: "true"
            {A}cors-allow-origin: "origin123.test.com:4443"
        spec:
          rules:
          - http:
              paths:
              - {{path: /, pathType: Prefix, backend: {{service: {{name: api, port: {{number: 80}}}}}}}}
        """)))
    text = ing.render(config, upstream="http://127.0.0.1:9")
    assert "set $cors 'true'" not in text
    assert "set $cors ${cors}options;" in text


def test_rendered_configs_pass_nginx_t(cases_file, tmp_path):
    """nginx.tmpl's CORS block in nginx 1.22 + headers-more: the lab's Ingress and every e2e case
    render to a configuration nginx accepts (`nginx -t` on every config the kit runs)."""
    for source in (LAB_INGRESS, cases_file):
        run = tmp_path / source.stem
        run.mkdir()
        text = ing.render(ing.load(str(source)), port=free_port(),
                          upstream="http://127.0.0.1:8095", runtime_dir=str(run))
        ing.check_config(text, str(run))  # raises CorsLabError with nginx's message


def test_broken_rendered_config_is_reported_with_nginx_message(tmp_path):
    """check_config must be able to fail: nginx -t on a config with an unknown directive."""
    with pytest.raises(CorsLabError, match="nginx rejected"):
        ing.check_config("events {}\nhttp { no_such_directive on; }\n", str(tmp_path))


def test_workers_run_as_nobody_nogroup_only_when_root():
    """Debian has no group "nobody": `user nobody nogroup;` when nginx starts as root."""
    config = ing.load(str(LAB_INGRESS))
    assert "user nobody nogroup;" in ing.render(config, upstream="http://x:1", as_root=True)
    assert "user " not in ing.render(config, upstream="http://x:1", as_root=False)


def test_corslab_nginx_picks_the_nginx_binary_here_as_everywhere_in_the_kit(tmp_path, backend):
    """README: CORSLAB_NGINX points the kit at an nginx binary. The emulator used to look nginx up
    on the PATH only; now it finds it like the runner (a wrapper that logs its calls proves it)."""
    from corslab.stack import nginxconf

    calls = tmp_path / "calls"
    wrapper = tmp_path / "nginx"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexec {nginxconf.nginx_binary()} "$@"\n')
    wrapper.chmod(0o755)
    em = Emulator(LAB_INGRESS, backend.url, env={"CORSLAB_NGINX": str(wrapper)})
    try:
        assert em.request("GET", "/v1/health").status == 200
        assert "-c" in calls.read_text()
    finally:
        assert em.stop() == 0
    result = subprocess.run([sys.executable, "-m", "corslab", "emulate", "ingress-nginx",
                             str(LAB_INGRESS), "--port", str(free_port()), "--upstream", backend.url],
                            cwd=REPO, env={**os.environ, "CORSLAB_NGINX": "/nonexistent/nginx"},
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("corslab emulate: error: CORSLAB_NGINX=/nonexistent/nginx is not an executable file")


def test_headers_more_module_missing_gives_the_apt_command():
    """The module path is checked and its absence explained with the apt command."""
    with pytest.raises(CorsLabError, match="apt-get install libnginx-mod-http-headers-more-filter"):
        ing.require_nginx("/nonexistent/ngx_http_headers_more_filter_module.so")


# --- load: what the API server or the controller would reject ----------------------------------


def _write(folder: Path, text: str, name: str = "ingress.yaml") -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


RULE = "  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n" \
       "        backend: {service: {name: api, port: {number: 80}}}\n"


@pytest.mark.parametrize("text,field,why", [
    ("kind: Ingress\nmetadata: [unclosed\n", "line", "not valid YAML"),
    ("apiVersion: v1\nkind: Service\nmetadata: {name: api}\n", "kind", "no object of kind Ingress"),
    ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\nspec: {}\n",
     "spec.rules", "is empty"),
    ("apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: x}\nspec:\n" + RULE,
     "apiVersion", "not served"),
    ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\nspec:\n"
     + RULE.replace("pathType: Prefix", "pathType: Regex"), "pathType", "requires one of"),
    ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: x\n  annotations:\n"
     f"    {A}enable-cors: true\nspec:\n" + RULE, "enable-cors", "must be strings"),
    ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\n"
     "spec:\n  ingressClassName: traefik\n" + RULE, "ingressClassName", "ignores those"),
])
def test_configs_the_controller_would_reject_name_file_field_and_why(text, field, why, tmp_path):
    """Emulator contract (corslab/emulate/__init__.py): CorsLabError naming file, field and why."""
    path = _write(tmp_path, text)
    with pytest.raises(CorsLabError) as info:
        ing.load(path)
    message = str(info.value)
    assert path in message and field in message and why in message


def test_missing_config_file_says_which_path():
    """Emulator contract: a missing CONFIG is one clear error naming the path."""
    with pytest.raises(CorsLabError, match="no-such.yaml: no such file"):
        ing.load("/nonexistent/no-such.yaml")


def test_backend_without_an_address_asks_for_upstream_or_target():
    """Emulator contract: backends go to --upstream or --target NAME=URL; without either, say so."""
    with pytest.raises(CorsLabError, match="--target api=URL"):
        ing.render(ing.load(str(LAB_INGRESS)), upstream=None, targets={})


def test_multi_document_manifest_keeps_only_ingresses(tmp_path):
    """A multi-doc manifest (Namespace, Service, Ingress...) yields its Ingress objects."""
    text = ("apiVersion: v1\nkind: Namespace\nmetadata: {name: lab}\n---\n"
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec:\n" + RULE
            + "---\napiVersion: v1\nkind: Service\nmetadata: {name: api}\n")
    config = ing.load(_write(tmp_path, text))
    assert [i.name for i in config.ingresses] == ["a"]


# --- e2e cases (test/e2e/annotations/cors.go), live ----------------------------


def test_enable_cors_alone_sends_wildcard_with_credentials_and_defaults(edge):
    """e2e case "enable-cors only" (test/e2e/annotations/cors.go): ACAO * with ACAC true, default ACAM, ACAH,
    and Access-Control-Max-Age 1728000 - the pair browsers reject for credentialed requests."""
    r = get(edge, "enable-only")
    assert r.status == 200
    assert r.acao == "*"
    assert r.one("Access-Control-Allow-Credentials") == "true"
    assert r.one("Access-Control-Allow-Methods") == ing.DEFAULT_METHODS
    assert r.one("Access-Control-Allow-Headers") == ing.DEFAULT_HEADERS
    assert r.one("Access-Control-Max-Age") == "1728000"
    assert r.one("Access-Control-Expose-Headers") is None


def test_allow_methods_emitted_verbatim(edge):
    """e2e case cors-allow-methods "POST, GET": emitted as written."""
    assert get(edge, "methods").one("Access-Control-Allow-Methods") == "POST, GET"


def test_max_age_emitted(edge):
    """e2e case cors-max-age "200": Access-Control-Max-Age: 200."""
    assert get(edge, "max-age").one("Access-Control-Max-Age") == "200"


def test_credentials_false_drops_the_credentials_header(edge):
    """e2e case cors-allow-credentials "false": no ACAC line."""
    r = get(edge, "no-credentials")
    assert r.acao == "*"
    assert r.one("Access-Control-Allow-Credentials") is None


def test_single_allowed_origin_is_reflected(edge):
    """e2e case cors-allow-origin https://origin.cors.com:8080: 200, reflected."""
    r = get(edge, "one-origin", "https://origin.cors.com:8080")
    assert (r.status, r.acao) == (200, "https://origin.cors.com:8080")


def test_allow_headers_emitted_verbatim(edge):
    """e2e case cors-allow-headers "DNT, User-Agent": emitted as written."""
    assert get(edge, "headers").one("Access-Control-Allow-Headers") == "DNT, User-Agent"


def test_expose_headers_emitted_verbatim(edge):
    """e2e case cors-expose-headers: both names, as written."""
    assert get(edge, "expose").one("Access-Control-Expose-Headers") == \
        "X-CustomResponseHeader, X-CustomSecondHeader"


def test_first_of_two_allowed_origins_is_reflected(edge):
    """e2e case "https://origin.cors.com:8080, https://origin2.cors.com"."""
    assert get(edge, "two-origins", "https://origin.cors.com:8080").acao == \
        "https://origin.cors.com:8080"


def test_origin_not_in_list_gets_no_cors_headers(edge):
    """e2e case "http://origin2.cors.com, https://origin.com" + http://no.origin.com."""
    r = get(edge, "not-listed", "http://no.origin.com")
    assert r.status == 200
    assert [k for k, _ in r.headers if k.startswith("access-control-")] == []


@pytest.mark.parametrize("origin,reflected", [("origin.cors.com:8080", False),
                                              ("https://origin2.cors.com", True),
                                              ("https://origin.com", True)])
def test_schemeless_item_is_skipped_and_the_others_work(edge, origin, reflected):
    """e2e case "origin.cors.com:8080, https://origin2.cors.com, https://origin.com":
    none / reflect / reflect."""
    assert get(edge, "schemeless-skipped", origin).acao == (origin if reflected else None)


@pytest.mark.parametrize("case", ["star", "enable-only", "star-first"])
def test_wildcard_configs_answer_star_without_an_origin(edge, case):
    """e2e cases "*", no origin annotation, and "*, foo.bar.com": ACAO * for a
    request without Origin."""
    assert get(edge, case).acao == "*"


def test_dot_in_origin_is_escaped(edge):
    """e2e case "https://foo.bar.com" + https://fooxbar.com: no ACAO, because
    regexp.QuoteMeta escapes the dot."""
    assert get(edge, "dot-escaped", "https://fooxbar.com").acao is None


def test_second_origin_with_port_is_reflected(edge):
    """e2e case "http://origin.cors.com:8080, http://origin.com:8080" + http://origin.com:8080."""
    assert get(edge, "ports-8080", "http://origin.com:8080").acao == "http://origin.com:8080"


@pytest.mark.parametrize("case,origin", [("no-port", "http://origin.com:8080"),
                                         ("ports-8080", "http://origin.com")])
def test_port_must_match_exactly(edge, case, origin):
    """e2e cases: portless entry vs Origin with port, and the reverse: no ACAO."""
    assert get(edge, case, origin).acao is None


@pytest.mark.parametrize("origin,reflected", [("http://foo.origin.cors.com", True),
                                              ("http://bar-foo.origin.cors.com", True),
                                              ("http://bar.foo.origin.cors.com", False)])
def test_wildcard_covers_exactly_one_label(edge, origin, reflected):
    """e2e case "http://*.origin.cors.com, http://*.origin.com:8080"."""
    assert get(edge, "wildcards", origin).acao == (origin if reflected else None)


@pytest.mark.parametrize("origin,reflected", [("http://abc.origin.com:8080", True),
                                              ("http://abc.origin.com", False),
                                              ("http://origin.com:8080", False),
                                              ("http://bar.origin.com:8080", True)])
def test_wildcard_with_port_needs_a_label_and_the_port(edge, origin, reflected):
    """e2e case "http://origin.cors.com:8080, http://*.origin.com:8080"."""
    assert get(edge, "wildcard-port", origin).acao == (origin if reflected else None)


@pytest.mark.parametrize("origin", ["http://origin.com", "http://book.origin.com",
                                    "test.origin.com"])
def test_blank_origin_annotation_answers_star_to_everyone(edge, origin):
    """e2e case blank "      ": ACAO * for every origin."""
    assert get(edge, "blank", origin).acao == "*"


@pytest.mark.parametrize("origin,reflected", [("https://origin-123.cors.com:8080", True),
                                              ("https://origin-321.cors.com:8080", True),
                                              ("https://unknown.cors.com:8080", False)])
def test_empty_items_in_origin_list_are_ignored(edge, origin, reflected):
    """e2e case "https://origin-123.cors.com:8080,   ,https://origin-321.cors.com:8080,":
    the two listed reflect, https://unknown.cors.com:8080 gets none."""
    assert get(edge, "empty-items", origin).acao == (origin if reflected else None)


@pytest.mark.parametrize("origin", ["test://localhost", "tauri://localhost:3000"])
def test_custom_schemes_are_allowed(edge, origin):
    """e2e case "test://localhost, tauri://localhost:3000": reflected."""
    assert get(edge, "custom-schemes", origin).acao == origin


# --- quirks of nginx.tmpl's origin regex, as a cluster shows them, live -----------------------


def test_origin_match_is_case_insensitive_and_echoes_the_request_casing(edge):
    """nginx.tmpl: Origin https://ORIGIN.cors.com:8080 matches (~*) and is echoed as sent."""
    r = get(edge, "list", "https://ORIGIN.cors.com:8080")
    assert r.acao == "https://ORIGIN.cors.com:8080"
    assert r.one("Access-Control-Allow-Credentials") == "true"


def test_regex_is_end_anchored_only_so_a_prefixed_origin_matches(edge):
    """nginx.tmpl: xhttps://foo.bar.com matches https://foo.bar.com (no ^ anchor)."""
    assert get(edge, "list", "xhttps://foo.bar.com").acao == "xhttps://foo.bar.com"


def test_null_entry_matches_any_origin_ending_in_null(edge):
    """nginx.tmpl: https://foonull matches the "null" entry; null itself too."""
    assert get(edge, "list", "https://foonull").acao == "https://foonull"
    assert get(edge, "list", "null").acao == "null"


@pytest.mark.parametrize("origin", ["https://origin.cors.com:80800",
                                    "https://origin.cors.com:8080.evil",
                                    "https://origin.cors.com", "https://fooxbar.com",
                                    "https://x.foo.bar.com", "http://a.b.origin.com:8080"])
def test_near_miss_origins_do_not_match(edge, origin):
    """nginx.tmpl: port exact, suffix anchored, dot escaped, one label for *."""
    assert get(edge, "list", origin).acao is None


def test_request_without_origin_gets_no_cors_headers_from_an_allowlist(edge):
    """nginx.tmpl: GET /list <none> -> 200, no ACAO (the headers come only with the * config)."""
    r = get(edge, "list")
    assert r.status == 200 and r.acao is None


def test_matching_preflight_is_answered_204_at_the_edge(edge, backend):
    """nginx.tmpl: OPTIONS from an allowed origin -> 204 with the six headers and
    Content-Length 0; Content-Type is dropped by nginx on 204; the backend never sees it."""
    r = get(edge, "list", "https://origin.cors.com:8080", path="/list?edge-204", method="OPTIONS")
    assert r.status == 204
    assert r.acao == "https://origin.cors.com:8080"
    assert r.one("Access-Control-Allow-Credentials") == "true"
    assert r.one("Access-Control-Allow-Methods") == ing.DEFAULT_METHODS
    assert r.one("Access-Control-Max-Age") == "1728000"
    assert r.one("Content-Length") == "0"
    assert r.one("Content-Type") is None
    assert not backend.reached("OPTIONS", "/list?edge-204")


def test_requested_method_and_headers_are_not_checked(edge):
    """nginx.tmpl: Access-Control-Request-Method/-Headers are not validated; the configured lists are
    always sent, so a preflight asking for anything still gets 204."""
    r = get(edge, "methods", "https://any.example", method="OPTIONS",
            headers={"Access-Control-Request-Method": "PATCH",
                     "Access-Control-Request-Headers": "x-not-configured"})
    assert r.status == 204
    assert r.one("Access-Control-Allow-Methods") == "POST, GET"
    assert r.one("Access-Control-Allow-Headers") == ing.DEFAULT_HEADERS


def test_non_matching_preflight_is_proxied_to_the_backend(edge, backend):
    """nginx.tmpl: OPTIONS from another origin is proxied (backend's 200, no ACAO)."""
    r = get(edge, "list", "https://evil.com", path="/list?proxied", method="OPTIONS")
    assert r.status == 200
    assert r.acao is None
    assert backend.reached("OPTIONS", "/list?proxied")
    assert json.loads(r.body)["method"] == "OPTIONS"


def test_preflight_without_origin_is_proxied_with_an_allowlist(edge, backend):
    """nginx.tmpl: OPTIONS /list <none> -> 200 from the backend, no ACAO."""
    r = get(edge, "list", None, path="/list?no-origin", method="OPTIONS")
    assert r.status == 200 and r.acao is None
    assert backend.reached("OPTIONS", "/list?no-origin")


def test_wildcard_config_answers_204_to_options_without_origin(edge, backend):
    """nginx.tmpl: with *, OPTIONS without an Origin header still gets 204, ACAO *,
    ACAC true - every OPTIONS to the location stops at the edge."""
    r = get(edge, "star", None, path="/star?no-origin", method="OPTIONS")
    assert r.status == 204
    assert r.acao == "*"
    assert r.one("Access-Control-Allow-Credentials") == "true"
    assert not backend.reached("OPTIONS", "/star?no-origin")


def test_wildcard_config_answers_star_not_the_origin(edge):
    """nginx.tmpl: for the * configuration the literal * is emitted, even with an Origin."""
    assert get(edge, "star", "https://anything.example").acao == "*"


def test_no_vary_origin_even_though_the_origin_is_reflected(edge):
    """nginx.tmpl: Vary is never emitted, on actual responses or preflights."""
    for method in ("GET", "OPTIONS"):
        r = get(edge, "list", "https://origin.cors.com:8080", method=method)
        assert r.acao == "https://origin.cors.com:8080"
        assert r.all("Vary") == []


def test_actual_responses_carry_the_preflight_headers_too(edge):
    """nginx.tmpl: ACAM, ACAH and Access-Control-Max-Age are also on actual responses."""
    r = get(edge, "two-origins", "https://origin2.cors.com", method="POST")
    assert r.status == 200
    assert r.one("Access-Control-Allow-Methods") == ing.DEFAULT_METHODS
    assert r.one("Access-Control-Allow-Headers") == ing.DEFAULT_HEADERS
    assert r.one("Access-Control-Max-Age") == "1728000"


@pytest.mark.parametrize("path,status", [("/upstream-cors/x", 200), ("/status/404", 404)])
def test_allowed_origin_overwrites_the_backends_cors_headers_even_on_errors(edge, path, status):
    """nginx.tmpl's more_set_headers replaces, for every status without -s (headers-more's
    README): the backend's own ACAO/ACAM/ACAC are replaced, one line each, on 2xx and 4xx alike."""
    r = get(edge, "two-origins", "https://origin2.cors.com", path=path)
    assert r.status == status
    assert r.all("Access-Control-Allow-Origin") == ["https://origin2.cors.com"]
    assert r.all("Access-Control-Allow-Methods") == [ing.DEFAULT_METHODS]
    assert r.all("Access-Control-Allow-Credentials") == ["true"]


def test_disallowed_origin_passes_the_backends_cors_headers_through(edge):
    """nginx.tmpl: for a non-matching origin the backend's CORS headers pass unchanged."""
    r = get(edge, "two-origins", "https://evil.example", path="/upstream-cors/y")
    assert dict((k, v) for k, v in r.headers if k.startswith("access-control-")) == {
        k.lower(): v for k, v in Backend.UPSTREAM_CORS}


def test_all_origins_skipped_turns_cors_off(edge, backend):
    """A corner case derived from main.go: enable-cors true but every origin skipped -> no CORS headers, and
    OPTIONS is proxied to the backend."""
    r = get(edge, "all-skipped", "https://origin123.test.com:4443")
    assert r.acao is None
    r = get(edge, "all-skipped", "https://origin123.test.com:4443", path="/x?off", method="OPTIONS")
    assert r.status == 200 and r.acao is None
    assert backend.reached("OPTIONS", "/x?off")


def test_enable_cors_yes_is_not_true_so_cors_stays_off(edge):
    """main_test.go TestIngressCorsConfigInvalid: enable-cors "yes" falls back to false - live."""
    r = get(edge, "enable-yes", "https://anything.example")
    assert r.status == 200
    assert [k for k, _ in r.headers if k.startswith("access-control-")] == []


def test_what_the_controller_would_log_is_printed_at_start(edge):
    """main.go klog lines: skipped origins and invalid values are reported on
    stderr when the emulator starts, as the controller logs them."""
    log = edge.log()
    assert "default/schemeless-skipped" in log
    assert "Supplied incorrect origin: origin.cors.com:8080. Skipping." in log
    assert "default/enable-yes: enable-cors is invalid" in log


def test_unknown_host_gets_the_default_backend_404(edge):
    """ingress-nginx: a Host no rule names goes to the default backend (404)."""
    assert edge.request("GET", "/", host="unknown.example").status == 404


# --- paths, backends, the process ------------------------------------------------------------


@pytest.fixture(scope="module")
def routed(tmp_path_factory, backend, other_backend):
    path = tmp_path_factory.mktemp("routes") / "routes.yaml"
    path.write_text(manifest({"name": "routes", "annotations": {}, "paths": [
        {"path": "/v1", "pathType": "Prefix", "service": "api"},
        {"path": "/exact", "pathType": "Exact", "service": "api"},
        {"path": "/impl", "pathType": "ImplementationSpecific", "service": "api"},
        {"path": "/other", "pathType": "Prefix", "service": "other"},
    ]}))
    em = Emulator(path, backend.url, targets={"other": other_backend.url})
    yield em
    assert em.stop() == 0


@pytest.mark.parametrize("path,status", [("/v1", 200), ("/v1/", 200), ("/v1/users", 200),
                                         ("/v1x", 404), ("/exact", 200), ("/exact/", 404),
                                         ("/impl", 200), ("/implx", 200), ("/", 404)])
def test_path_types_match_like_the_controller(routed, path, status):
    """Kubernetes Ingress pathType semantics as ingress-nginx writes them: Prefix is element-wise
    (/v1, /v1/..., not /v1x), Exact only the path, ImplementationSpecific an nginx prefix; no
    path for / -> the default backend's 404."""
    assert routed.request("GET", path).status == status


def test_backends_go_to_their_target_or_the_upstream(routed):
    """Emulator contract: --target NAME=URL for a backend's service name, --upstream otherwise."""
    assert routed.request("GET", "/other/x").one("X-Backend") == "other"
    assert routed.request("GET", "/v1/x").one("X-Backend") == "api"


def test_cors_applies_to_every_path_of_the_ingress(routed):
    """nginx.tmpl: the CORS block is included in each location of the Ingress."""
    for path in ("/v1/users", "/exact", "/other/x"):
        assert routed.request("GET", path, origin="https://a.example").acao == "*"


def _nginx_processes(port: int) -> list[int]:
    marker = f"corslab-ingress-nginx-{port}-".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if marker in Path(f"/proc/{entry}/cmdline").read_bytes():
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_ready_and_stops_cleanly_on_signal(backend, signum):
    """Emulator contract: `ready on URL` once listening; SIGINT/SIGTERM -> exit 0, nginx stopped,
    the port free again, the runtime folder removed."""
    em = Emulator(LAB_INGRESS, backend.url)
    assert em.ready_line == f"ready on http://127.0.0.1:{em.port}"
    assert em.request("GET", "/v1/health", origin="http://localhost:3000").acao == \
        "http://localhost:3000"
    assert _nginx_processes(em.port), "nginx should be running under the emulator"
    tmp = tempfile.gettempdir()
    runtime_dirs = [d for d in os.listdir(tmp) if d.startswith(f"corslab-ingress-nginx-{em.port}-")]
    assert len(runtime_dirs) == 1
    assert em.stop(signum) == 0
    time.sleep(0.2)
    assert _nginx_processes(em.port) == []
    assert not os.path.exists(os.path.join(tmp, runtime_dirs[0]))
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", em.port), timeout=0.5).close()


def test_stack_port_keeps_nginx_in_the_labs_runtime_folder():
    """Every nginx of the kit runs with its own prefix under the runtime folder, and the runner's stray
    check: on the topology's ingress port, nginx's prefix is .run/nginx/ingress, so `down` knows
    the process holding the port is the lab's; on any other port, a temporary folder removed on
    exit."""
    from corslab.stack import runner, topology

    svc = topology.service("ingress")
    folder, remove = ing.runtime_dir_for(svc.port)
    assert (folder, remove) == (str(runner.runtime_dir() / "nginx" / svc.name), False)
    other, remove = ing.runtime_dir_for(free_port())
    try:
        assert remove is True
        assert os.path.basename(other).startswith("corslab-ingress-nginx-")
    finally:
        os.rmdir(other)


def test_port_in_use_is_one_clear_error(backend):
    """Emulator contract: a config or setup problem is a CorsLabError the CLI prints as one line."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(CorsLabError, match=f"port {port} on 127.0.0.1 is already in use"):
            ing.serve(ing.load(str(LAB_INGRESS)), host="127.0.0.1", port=port,
                      upstream=backend.url, targets={})


# --- in the lab stack: the `ingress` service (method 3) on its real API ------------------------


def _stack_request(method: str, path: str, origin: str | None = None, headers: dict | None = None):
    from corslab.stack import topology

    svc = topology.service("ingress")
    conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=5)
    sent = {"Host": f"{svc.host}:{svc.port}", **(headers or {})}
    if origin:
        sent["Origin"] = origin
    conn.request(method, path, headers=sent)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return Reply(resp.status, [(k.lower(), v) for k, v in resp.getheaders()], body)


def _api_seen(trace: str) -> list[tuple[str, str]]:
    from corslab.stack import topology

    api = topology.service("api")
    conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
    conn.request("GET", f"/_lab/seen?trace={trace}")
    records = json.loads(conn.getresponse().read())["requests"]
    conn.close()
    return [(r["method"], r["path"].split("?")[0]) for r in records]


@pytest.mark.usefixtures("stack")
def test_stack_ingress_answers_the_labs_preflight_at_the_edge():
    """The kit shows that a preflight never reached the app (the backend's /_lab/seen); nginx.tmpl: on the stack, the
    preflight for PUT from the app origin is a 204 from the ingress with the lab policy's headers;
    the api's /_lab/seen shows only the actual request."""
    from corslab.stack import policy

    trace = f"ingress-{os.getpid()}-{time.monotonic_ns()}"
    origin = policy.ALLOWED_ORIGINS[0]
    pre = _stack_request("OPTIONS", f"/v1/users?trace={trace}", origin,
                         {"Access-Control-Request-Method": "PUT",
                          "Access-Control-Request-Headers": "content-type"})
    assert pre.status == 204
    assert pre.acao == origin
    assert pre.one("Access-Control-Allow-Methods") == policy.header_list(policy.ALLOWED_METHODS)
    assert pre.one("Access-Control-Allow-Headers") == policy.header_list(policy.ALLOWED_HEADERS)
    assert pre.one("Access-Control-Max-Age") == str(policy.MAX_AGE)
    assert pre.one("Access-Control-Allow-Credentials") == "true"
    actual = _stack_request("GET", f"/v1/users?trace={trace}", origin)
    assert actual.status == 200 and actual.acao == origin
    assert actual.one("Access-Control-Expose-Headers") == policy.header_list(policy.EXPOSED_HEADERS)
    assert actual.one("X-Request-Id")
    assert _api_seen(trace) == [("GET", "/v1/users")]


@pytest.mark.usefixtures("stack")
def test_stack_ingress_refuses_the_untrusted_origin_but_shows_its_quirks():
    """The lab policy vs nginx.tmpl on the stack: the untrusted origin gets no CORS headers and
    its preflight goes to the api; the second trusted origin is reflected; no Vary anywhere; and,
    unlike corslab.stack.policy's exact match, an upper-case or prefixed spelling of a trusted origin
    is reflected too (case-insensitive, end-anchored regex) - harmless for browsers, which send
    origins lower-case and never prefixed, but not what the policy says."""
    from corslab.stack import policy, topology

    trace = f"ingress-untrusted-{os.getpid()}-{time.monotonic_ns()}"
    untrusted = topology.UNTRUSTED_ORIGIN
    pre = _stack_request("OPTIONS", f"/v1/users?trace={trace}", untrusted,
                         {"Access-Control-Request-Method": "PUT"})
    assert pre.acao is None
    assert ("OPTIONS", "/v1/users") in _api_seen(trace)
    admin = policy.ALLOWED_ORIGINS[1]
    assert _stack_request("GET", "/v1/users", admin).acao == admin
    assert _stack_request("GET", "/v1/users", admin).all("Vary") == []
    for spelling in (admin.upper(), "x" + admin):
        assert not policy.is_allowed_origin(spelling)
        assert _stack_request("GET", "/v1/users", spelling).acao == spelling


# --- under a parallel load of launches ----------------------------------------------------------
# Two launches that race for one port (tests pick "free" ports by binding port 0 and closing it,
# so parallel launches can be handed the same one) used to both print "ready": the loser's nginx
# failed to bind, but its readiness check - a TCP connect - reached the winner's nginx. Its client
# then talked to the other emulator, and was refused mid-run once that one stopped (about one
# launch pair in three here). Readiness now waits for nginx's own pid file, which nginx writes only
# after binding its listening sockets (src/core/nginx.c: ngx_init_cycle, then ngx_create_pidfile).


def _launch(config: Path, port: int, upstream: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "corslab", "emulate", "ingress-nginx",
                             str(config), "--port", str(port), "--upstream", upstream],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _first_line(proc: subprocess.Popen, timeout: float = 20) -> str:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0].strip() if lines else ""


def _stop_all(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("round_", range(4))
def test_two_launches_racing_for_one_port_never_both_claim_it(tmp_path, backend, round_):
    """Started at the same instant on the same port: exactly one emulator says `ready`, the other
    exits 2 with nginx's bind error in one line - never a `ready` for a port it does not serve."""
    configs = []
    for i in range(2):
        configs.append(tmp_path / f"ingress-{i}.yaml")
        configs[i].write_text(manifest({"name": f"race-{i}", "annotations": {
            "cors-allow-origin": f"http://racer{i}.test"}}))
    port = free_port()
    procs = [_launch(config, port, backend.url) for config in configs]
    try:
        lines = [_first_line(proc) for proc in procs]
        winners = [i for i, line in enumerate(lines) if line == f"ready on http://127.0.0.1:{port}"]
        assert len(winners) == 1, lines
        (winner,) = winners
        loser = procs[1 - winner]
        assert loser.wait(15) == 2
        error = loser.stderr.read().strip()
        assert len(error.splitlines()) == 1, error
        assert error.startswith("corslab emulate: error: ") and "already in use" in error, error
        for _ in range(20):  # the port is served by the winner, with the winner's config
            origin = f"http://racer{winner}.test"
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/v1/x", headers={"Origin": origin})
            reply = conn.getresponse()
            reply.read()
            conn.close()
            assert reply.status == 200 and reply.getheader("Access-Control-Allow-Origin") == origin
    finally:
        _stop_all(procs)


def test_parallel_launches_each_serve_their_own_config_under_load(tmp_path, backend):
    """Six emulators launched at once, then 40 concurrent requests each: every connection is
    answered (no refusal, no reset) by the emulator it was sent to, with that emulator's origin."""
    count, per = 6, 40
    ports_used: set[int] = set()
    procs, origins = [], []
    for i in range(count):
        config = tmp_path / f"ingress-{i}.yaml"
        config.write_text(manifest({"name": f"load-{i}", "annotations": {
            "cors-allow-origin": f"http://load{i}.test"}}))
        port = free_port()
        while port in ports_used:
            port = free_port()
        ports_used.add(port)
        procs.append((port, _launch(config, port, backend.url)))
        origins.append(f"http://load{i}.test")
    failures: list[str] = []

    def hammer(port: int, origin: str) -> None:
        for _ in range(per // 4):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/v1/users", headers={"Origin": origin})
                reply = conn.getresponse()
                reply.read()
                conn.close()
                if reply.status != 200 or reply.getheader("Access-Control-Allow-Origin") != origin:
                    failures.append(f"{port}: {reply.status} {reply.getheader('Access-Control-Allow-Origin')}")
            except OSError as exc:
                failures.append(f"{port}: {exc!r}")

    try:
        lines = [_first_line(proc) for _port, proc in procs]
        assert lines == [f"ready on http://127.0.0.1:{port}" for port, _proc in procs], lines
        threads = [threading.Thread(target=hammer, args=(port, origin))
                   for (port, _proc), origin in zip(procs, origins) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert failures == []
    finally:
        _stop_all([proc for _port, proc in procs])


def test_a_body_over_the_controllers_default_proxy_body_size_gets_413(backend):
    """ingress-nginx's ConfigMap default proxy-body-size is 1m, written into every location as
    client_max_body_size (docs: user-guide/nginx-configuration/configmap, proxy-body-size). A
    larger declared body is refused with 413 in nginx's find-config phase
    (ngx_http_core_find_config_handler), before the rewrite phase where the CORS block's `if`s set
    $cors - so the 413 carries no CORS header, and a page sees a CORS error, not the 413."""
    em = Emulator(LAB_INGRESS, backend.url)
    try:
        for size, expected in ((1024 * 1024, 200), (1024 * 1024 + 1, 413)):
            conn = http.client.HTTPConnection("127.0.0.1", em.port, timeout=10)
            conn.request("POST", f"/v1/users?size={size}", body=b"x" * size,
                         headers={"Origin": "http://localhost:3000", "Content-Type": "text/plain"})
            reply = conn.getresponse()
            reply.read()
            conn.close()
            assert reply.status == expected, size
            acao = reply.getheader("Access-Control-Allow-Origin")
            assert acao == ("http://localhost:3000" if expected == 200 else None), size
        assert backend.reached("POST", f"/v1/users?size={1024 * 1024}")
        assert not backend.reached("POST", f"/v1/users?size={1024 * 1024 + 1}")
    finally:
        em.stop()
