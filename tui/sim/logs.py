"""Pacemaker's detail log on a simulated machine: /var/log/pacemaker/pacemaker.log.

The simulator appends the lines the real daemons write when a remote connection is lost,
cannot be made or is refused for its key, in the 2.1 file format
(`Mon DD HH:MM:SS.mmm HOST DAEMON [PID] (FUNCTION) LEVEL: MESSAGE`), so the diagnosis's
log probe (nodecmds.log_lines) finds in the demo what it finds on a real node.
The wording is the one REMOTE-FACTS.md lists from Pacemaker's source.
"""

from __future__ import annotations

import time

from tui.sim.hosts import LOG_FILE, SimHost

# the daemons that write the lines below, and the unit whose process they belong to
CONTROLD, REMOTED = "pacemaker-controld", "pacemaker-remoted"
_UNIT = {CONTROLD: "pacemaker", REMOTED: "pacemaker_remote"}

# cluster side (the node hosting the connection)
LOST = "Lost connection to Pacemaker Remote node {node}"
DROPPED = "Remote connection to {node} unexpectedly dropped during monitor"
COULD_NOT_CONNECT = "Could not connect to Pacemaker Remote node {node}: {reason}"
CONNECT_FAILED = "Pacemaker Remote connection to {addr}:{port} failed"
HANDSHAKE_FAILED = "Disconnecting after TLS handshake with Pacemaker Remote server {addr}:{port} failed: {reason}"
NO_LOCAL_KEY = "Could not read Pacemaker Remote key from default location /etc/pacemaker/authkey"
# remote side
REMOTE_HANDSHAKE = "TLS handshake with remote client failed: {reason}"
REMOTE_NO_KEY = "A cluster connection will not be possible until the key is available"


def stamp(t: float) -> str:
    """`Dec 01 23:30:00.000`, UTC like everything in the demo."""
    return time.strftime("%b %d %H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}"


def append(machine: SimHost | None, when: float, daemon: str, function: str, level: str, message: str) -> None:
    """One line at the end of the machine's log (made if missing: the daemon creates it)."""
    if machine is None:
        return
    pid = machine.pid(_UNIT[daemon]) or 0
    line = f"{stamp(when)} {machine.name} {daemon:<20}[{pid}] ({function}) \t{level}: {message}\n"
    existing = machine.fs.get(LOG_FILE)
    if existing is None:
        machine.fs.makedirs("/var/log/pacemaker", owner="hacluster", group="haclient", mode=0o770)
        machine.fs.write(LOG_FILE, line.encode(), owner="hacluster", group="haclient", mode=0o660)
        return
    existing.content = (existing.content or b"") + line.encode()
