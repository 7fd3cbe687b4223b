"""``python -m corslab emulate``'s own surface: help naming every product, nginx on a free port
by default, one-line errors.

The nginx product has no service of its own in the stack (the stack's nginx is the cors-proxy,
which is already listening), so without --port it takes a free port and prints it in
``ready on URL`` - the same contract as every emulator (corslab.emulate).
"""

import signal
import subprocess
import sys

from corslab.stack import topology
from corslab.emulate import PRODUCTS


def test_help_names_every_product_and_shows_the_nginx_command(wire):
    result = subprocess.run([sys.executable, "-m", "corslab", "emulate", "--help"], cwd=wire.REPO,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for product in PRODUCTS:
        assert product in text
    assert "emulate nginx CONF --port P --upstream URL" in text


def test_nginx_without_port_listens_on_a_free_port_named_in_ready_on(confdir, upstream, wire):
    path = confdir / "free-port.conf"
    path.write_text("server { location / { add_header Vary Origin always; proxy_pass http://backend; } }\n")
    emu = subprocess.Popen([sys.executable, "-m", "corslab", "emulate", "nginx", str(path),
                            "--upstream", upstream.url], cwd=wire.REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = emu.stdout.readline()
        assert line.startswith("ready on http://127.0.0.1:"), emu.stderr.read()
        url = line.split()[-1].rstrip("/")
        port = int(url.rsplit(":", 1)[1])
        assert port not in {svc.port for svc in topology.SERVICES.values()}
        status, headers, _ = wire.send(url + "/v1/users")
        assert status == 200 and "Origin" in wire.values(headers, "vary")
        assert upstream.paths("GET") == ["/v1/users"]
    finally:
        emu.send_signal(signal.SIGINT)
        assert emu.wait(timeout=10) == 0
        emu.stdout.close(), emu.stderr.close()


def test_a_port_out_of_range_is_one_line(confdir, wire):
    path = confdir / "any.conf"
    path.write_text("server { location / { return 204; } }\n")
    result = wire.cli("nginx", str(path), "--port", "70000")
    assert result.returncode == 2
    assert result.stderr.strip() == ("corslab emulate: error: --port 70000 is not a TCP port; pick one "
                                     "between 1 and 65535 (or 0 for a free one)")


def test_a_missing_config_file_is_one_line(confdir, wire):
    result = wire.cli("nginx", str(confdir / "missing.conf"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("corslab emulate: error: ") and "missing.conf" in lines[0]
    assert "Traceback" not in result.stderr
