"""nginx hosting (corslab.stack.nginxhost): the main config every nginx of the kit runs under, checked
and run in the real nginx. Directives: nginx.org/en/docs/ngx_core_module.html and
nginx.org/en/docs/http/ngx_http_core_module.html."""

from __future__ import annotations

import http.client
import os
import re
import socket
from pathlib import Path

import pytest

from corslab.stack import nginxhost
from corslab.errors import CorsLabError
from corslab.stack.ports import free_port

HELLO = """server {
    listen 127.0.0.1:{port};
    location / { return 200 "hello from nginx\\n"; }
}"""


def test_main_config_is_sized_for_a_burst_and_idle_connections(tmp_path):
    """A burst of 200 proxied requests holds 400 connections (client + upstream); hundreds of idle
    keep-alive connections come on top, and each connection is a file the worker may open."""
    text = nginxhost.render_main("", tmp_path)
    connections = int(re.search(r"worker_connections (\d+);", text).group(1))
    files = int(re.search(r"worker_rlimit_nofile (\d+);", text).group(1))
    assert connections >= 2 * 200 + 1000
    assert files >= 2 * connections or files == nginxhost._worker_files()
    assert "server_tokens off;" in text and "client_max_body_size 1m;" in text


def test_main_config_around_server_blocks_passes_nginx_t(tmp_path):
    servers = HELLO.replace("{port}", str(free_port()))
    text = nginxhost.render_main(servers, tmp_path, http=("default_type text/plain;",))
    assert nginxhost.check(text, tmp_path) == tmp_path / "nginx.conf"


def test_a_config_nginx_refuses_is_one_line_with_nginx_s_reason(tmp_path):
    text = nginxhost.render_main("server { listen 127.0.0.1:1; no_such_directive on; }", tmp_path)
    with pytest.raises(CorsLabError) as caught:
        nginxhost.check(text, tmp_path)
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert message.startswith('nginx rejected the rendered configuration: unknown directive "no_such_directive"')


def test_start_serves_the_port_and_stop_leaves_nothing(tmp_path):
    port = free_port()
    text = nginxhost.render_main(HELLO.replace("{port}", str(port)), tmp_path)
    proc = nginxhost.start(text, tmp_path, "127.0.0.1", port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/")
        reply = conn.getresponse()
        assert (reply.status, reply.read(), reply.getheader("Server")) == (200, b"hello from nginx\n", "nginx")
        master = proc.pid
        workers = [p for p in os.listdir("/proc") if p.isdigit() and _parent(p) == master]
        assert workers, "nginx runs workers under its master"
    finally:
        assert nginxhost.stop(proc) == 0
    assert nginxhost.port_free("127.0.0.1", port)
    assert all(not Path("/proc", w).exists() or _state(w) == "Z" for w in workers)


def test_start_refuses_a_port_another_program_holds(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        text = nginxhost.render_main(HELLO.replace("{port}", str(port)), tmp_path)
        with pytest.raises(CorsLabError, match=f"port {port} on 127.0.0.1 is already in use"):
            nginxhost.start(text, tmp_path, "127.0.0.1", port)


def test_corslab_nginx_that_is_not_a_program_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setenv("CORSLAB_NGINX", str(tmp_path))  # a folder, not a program
    with pytest.raises(CorsLabError, match=f"CORSLAB_NGINX={tmp_path} is not an executable file"):
        nginxhost.nginx_binary()


def _stat(pid: str) -> list[str]:
    try:
        return Path("/proc", pid, "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return ["X", "0"]


def _parent(pid: str) -> int:
    return int(_stat(pid)[1])


def _state(pid: str) -> str:
    return _stat(pid)[0]
