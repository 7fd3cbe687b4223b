"""``emulate nginx``: a learner's own server blocks in real nginx in front of an upstream.

Nothing of nginx's behaviour is emulated here: these tests prove the wrapping (listen address
forced, ``upstream backend`` from --upstream, the file's own upstream winning, ``nginx -t`` errors
mapped to the learner's file and line, clean stop) on the system's real nginx. Directive semantics:
nginx.org/en/docs/http/ngx_http_headers_module.html (``add_header ... always``) and
ngx_http_upstream_module.html.
"""

import signal
import socket
import subprocess
import sys

import pytest

from corslab.emulate import nginx

SITE = """\
# A learner's conf.d file: a map at http level, a server with its production listen lines.
map $http_origin $cors_origin {
    default "";
    "~^http://app\\.test$" "http://app.test";
}
server {
    listen 443 ssl http2;    server_name api.example.com;
    listen [::]:443 ssl;
    location / {
        add_header Access-Control-Allow-Origin $cors_origin always;
        add_header Vary Origin always;
        proxy_pass http://backend;
    }
}
"""


@pytest.fixture(scope="module")
def site(confdir):
    path = confdir / "site.conf"
    path.write_text(SITE)
    return path


def test_learner_server_block_runs_in_real_nginx_with_its_map(emulator, site, upstream, wire):
    """The map and add_header of the learner's file act as nginx's own (real nginx runs them)."""
    url = emulator("nginx", site)
    status, headers, _ = wire.send(url + "/v1/users", headers={"Origin": "http://app.test"})
    assert status == 200
    assert wire.one(headers, "access-control-allow-origin") == "http://app.test"
    assert wire.one(headers, "server").startswith("nginx")
    assert upstream.paths("GET") == ["/v1/users"], "proxy_pass http://backend reached --upstream"
    status, headers, _ = wire.send(url + "/v1/users", headers={"Origin": "http://evil.test"})
    assert wire.one(headers, "access-control-allow-origin") is None


def test_listen_lines_are_replaced_and_nginx_line_numbers_still_point_into_the_file(site):
    """Production listen lines (443 ssl, [::]) are blanked; the kit's listen sits on the line of
    ``server {``, so the rendered text has the file's line count and every other line unchanged."""
    loaded = nginx.load(str(site))
    text = nginx.render_site(loaded, host="127.0.0.1", port=9, upstream="http://127.0.0.1:1")
    original, rendered = SITE.splitlines(), text.splitlines()
    assert rendered[5] == "server { listen 127.0.0.1:9;"
    assert "443" not in text and rendered[6].strip() == "server_name api.example.com;"
    assert rendered[8:len(original)] == original[8:]
    assert rendered[-1] == "upstream backend { server 127.0.0.1:1; }"


def test_the_files_own_upstream_backend_wins_over_the_upstream_flag(confdir, upstream, wire):
    """A file that defines ``upstream backend`` is run as written; the emulator says --upstream is unused."""
    path = confdir / "own-upstream.conf"
    path.write_text(f"upstream backend {{ server {upstream.url.split('//')[1]}; }}\n"
                    "server { location / { proxy_pass http://backend; } }\n")
    emu = subprocess.Popen([sys.executable, "-m", "corslab", "emulate", "nginx", str(path), "--port", "0",
                            "--upstream", "http://127.0.0.1:9"], cwd=wire.REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = emu.stdout.readline()
        assert line.startswith("ready on "), emu.stderr.read()
        status, _, _ = wire.send(line.split()[-1].rstrip("/") + "/x")
        assert status == 200 and upstream.paths() == ["/x"]
    finally:
        emu.send_signal(signal.SIGINT)
        assert emu.wait(timeout=10) == 0
    note = emu.stderr.read()
    assert f"{path}:1 defines upstream backend itself" in note and "--upstream is not used" in note
    emu.stdout.close(), emu.stderr.close()


@pytest.mark.parametrize("text,expected", [
    ("server {\n  location / {\n    proxy_pas http://backend;\n  }\n}\n",
     ':3: unknown directive "proxy_pas" (nginx -t)'),
    ("server {\n  location / {\n    add_header Vary;\n  }\n}\n",
     ':3: invalid number of arguments in "add_header" directive (nginx -t)'),
    ("map $a $b { default 1; }\n", ": no server {} block"),
    ("server {\n  location / {\n", ":2: this 'location' block is never closed"),
    ("http { server { } }\n", ":1: 'http' belongs in nginx.conf's main level"),
])
def test_a_config_nginx_refuses_is_one_line_naming_the_file_and_line(confdir, wire, text, expected):
    """nginx -t's [emerg] message, with the kit's rendered file replaced by the learner's path."""
    path = confdir / "bad.conf"
    path.write_text(text)
    result = wire.cli("nginx", str(path), "--port", "0", "--upstream", "http://127.0.0.1:9")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"corslab emulate: error: {path}{expected}"), lines
    assert "Traceback" not in result.stderr


def test_a_file_that_is_not_utf8_is_one_line(confdir, wire):
    path = confdir / "latin1.conf"
    path.write_bytes(b"server {\n  # caf\xe9\n}\n")
    result = wire.cli("nginx", str(path), "--port", "0")
    assert result.returncode == 2 and result.stderr.strip() == \
        f"corslab emulate: error: {path}:2: not UTF-8 text; save the file as UTF-8"


def test_python_api_starts_on_a_free_port_and_stops_nginx_on_exit(site, upstream, wire):
    """``running`` yields a URL served by nginx; after the block the port is free again."""
    with nginx.running(str(site), upstream=upstream.url) as url:
        port = int(url.rsplit(":", 1)[1])
        status, headers, _ = wire.send(url + "/", headers={"Origin": "http://app.test"})
        assert status == 200 and "Origin" in wire.values(headers, "vary")
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # raises if a worker still held it
