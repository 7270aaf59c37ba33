"""Local TCP port selection.

The machine runs its own servers on the standard ports (5432, 9092, ...), so the stack never
uses those: it prefers fixed, uncommon ports (stable URLs across restarts) and falls back to
an ephemeral port the kernel hands out when the preferred one is taken.
"""

from __future__ import annotations

import socket

LOCALHOST = "127.0.0.1"


def free_port(host: str = LOCALHOST) -> int:
    """A port that was free a moment ago (binding port 0 lets the kernel choose).

    Another process can take it before our child binds it; the window is small and the
    callers fail loudly (the child exits) rather than silently share a port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = LOCALHOST) -> bool:
    """Whether a server could listen on ``host:port`` now.

    SO_REUSEADDR mirrors what PostgreSQL, uvicorn and Tansu set on their listeners: without
    it, connections of our own previous run lingering in TIME_WAIT would make a free port
    look taken and needlessly move the stack to another port after every restart. Linux
    still refuses the bind when something is listening, which is what we want to detect.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    # Something may listen on the wildcard address only; a connect tells us about that too.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) != 0


def pick_port(preferred: int | None, host: str = LOCALHOST, taken: set[int] | None = None) -> int:
    """``preferred`` when it is free (and not already handed out in ``taken``), else any free
    port. The port returned is added to ``taken``."""
    taken = taken if taken is not None else set()
    if preferred is not None and preferred not in taken and port_is_free(preferred, host):
        port = preferred
    else:
        port = free_port(host)
        while port in taken:
            port = free_port(host)
    taken.add(port)
    return port
