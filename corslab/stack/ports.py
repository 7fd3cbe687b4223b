"""Who holds a TCP port: free, ours, or somebody else's (and which process, when knowable)."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from corslab.errors import CorsLabError


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel picks it), never one of the stack's."""
    from corslab.stack import topology

    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = sock.getsockname()[1]
        if port not in topology.all_ports():
            return port


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True if a server could bind host:port right now (the test a starting service faces)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except socket.gaierror as exc:  # a host name that does not resolve
            raise CorsLabError(f"cannot bind {host!r}: {exc.strerror}; set CORSLAB_BIND to an IP "
                               f"address of this machine (default 127.0.0.1)") from None
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise CorsLabError(
                f"cannot bind {host}:{port}: {exc.strerror}; the lab binds to CORSLAB_BIND "
                f"(default 127.0.0.1) - set it to an address of this machine"
            ) from None
    return True


def is_listening(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def owner(port: int) -> tuple[int, str] | None:
    """(pid, command line) of the process listening on ``port``, if /proc can tell us."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name), command_line(int(proc.name))
        except OSError:  # the process ended, or it is not ours to look at
            continue
    return None


def describe_owner(port: int) -> str:
    found = owner(port)
    if found is None:
        return "another program (run `ss -ltnp` or `lsof -i :%d` to see which)" % port
    pid, cmd = found
    return f"pid {pid} ({cmd})"


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(inode)
    return inodes


def command_line(pid: int) -> str:
    """The command line of process ``pid`` (its first 120 characters), or "?"."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    cmd = raw.replace(b"\0", b" ").decode(errors="replace").strip()
    return cmd[:120] or "?"
