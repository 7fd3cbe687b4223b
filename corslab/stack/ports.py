"""Who holds a TCP port: free, ours, or somebody else's (and which process, when knowable);
which port offsets let several stacks share one machine."""

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


# ---- several stacks on one machine (CORSLAB_PORT_OFFSET) --------------------------------------

def ephemeral_start() -> int:
    """The lowest port the system hands to outgoing connections (Linux: 32768); a stack's ports
    stay below it, where no client's connection can be holding one for a while."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def overlap(defaults, a: int, b: int) -> set[int]:
    """The ports that a stack under offset ``a`` and one under ``b`` would share."""
    return {p + a for p in defaults} & {p + b for p in defaults}


def spacing(defaults, highest: int | None = None) -> int:
    """The smallest step (a multiple of 10, from 100) whose multiples 0, step, 2*step, ... give
    stacks that never share a port, for every offset that keeps ``defaults`` below ``highest``."""
    highest = ephemeral_start() - 1 if highest is None else highest
    gaps = {abs(p - q) for p in defaults for q in defaults}
    room = highest - max(defaults)
    step = 100
    while any(k * step in gaps for k in range(1, room // step + 1)):
        step += 10
    return step


def free_offsets(defaults, host: str = "127.0.0.1", count: int = 5) -> list[int]:
    """Offsets (multiples of :func:`spacing`) under which every port of ``defaults`` is free now."""
    step, room = spacing(defaults), ephemeral_start() - 1 - max(defaults)
    found = []
    for offset in range(0, room + 1, step):
        if all(is_free(p + offset, host) for p in defaults):
            found.append(offset)
            if len(found) == count:
                break
    return found
