"""A simulated machine: its files, its users and groups, its systemd services.

Every demo node has one, and so has each spare host (a machine with pacemaker-remote
installed and not running, not in the cluster yet) that a wizard can add.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.sim.files import HostFS

# The units a Pacemaker machine may have, and their descriptions (systemctl status).
UNITS = {
    "pacemaker": "Pacemaker High Availability Cluster Manager",
    "corosync": "Corosync Cluster Engine",
    "pacemaker_remote": "Pacemaker Remote executor daemon",
    "pcsd": "PCS GUI and remote configuration interface",
}
USERS = {"root": 0, "hacluster": 189}
GROUPS = {"root": 0, "haclient": 189}

SYSCONFIG = "/etc/sysconfig/pacemaker"
AUTHKEY = "/etc/pacemaker/authkey"

# The head of the environment file the pacemaker packages install: every variable commented
# out, so Pacemaker's defaults hold until a wizard sets one.
SYSCONFIG_TEXT = """\
#==#==# Variables that affect all Pacemaker components

# PCMK_debug
# Default: PCMK_debug="no"
# Example: PCMK_debug="pacemakerd,pacemaker-execd"

# PCMK_logfacility
# Default: PCMK_logfacility="daemon"

# PCMK_logpriority
# Default: PCMK_logpriority="notice"

#==#==# Pacemaker Remote

# PCMK_authkey_location
# Default: PCMK_authkey_location="/etc/pacemaker/authkey"

# PCMK_remote_address
# Default: PCMK_remote_address=""

# PCMK_remote_port
# Default: PCMK_remote_port="3121"
"""


@dataclass
class Service:
    installed: bool = True
    active: bool = False
    enabled: bool = False
    since: float = 0.0  # when it last became active (systemctl status)
    failed: bool = False


@dataclass
class SimHost:
    name: str
    address: str
    fs: HostFS = field(default_factory=HostFS)
    services: dict[str, Service] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=lambda: dict(USERS))
    groups: dict[str, int] = field(default_factory=lambda: dict(GROUPS))

    def service(self, name: str) -> Service | None:
        """The unit by its name, with or without ".service"; None when not installed."""
        unit = self.services.get(name.removesuffix(".service"))
        return unit if unit is not None and unit.installed else None

    def running(self, name: str) -> bool:
        unit = self.service(name)
        return unit is not None and unit.active

    def user_name(self, spelled: str) -> str | None:
        """An owner as install -o takes it (a name or a number) -> the name, None if unknown."""
        if spelled in self.users:
            return spelled
        if spelled.isdigit():
            return next((n for n, uid in self.users.items() if uid == int(spelled)), spelled)
        return None

    def group_name(self, spelled: str) -> str | None:
        if spelled in self.groups:
            return spelled
        if spelled.isdigit():
            return next((n for n, gid in self.groups.items() if gid == int(spelled)), spelled)
        return None

    def uid(self, owner: str) -> int:
        return self.users.get(owner, int(owner) if owner.isdigit() else 65534)

    def gid(self, group: str) -> int:
        return self.groups.get(group, int(group) if group.isdigit() else 65534)


def pacemaker_host(name: str, address: str, *, units: dict[str, tuple[bool, bool]], authkey: bytes,
                   since: float) -> SimHost:
    """A machine with the Pacemaker packages: units maps installed unit -> (active, enabled);
    the environment file and the authkey (0400 hacluster:haclient) are in place."""
    host = SimHost(name, address)
    for unit, (active, enabled) in units.items():
        host.services[unit] = Service(active=active, enabled=enabled, since=since)
    fs = host.fs
    fs.makedirs("/etc/sysconfig")
    fs.write(SYSCONFIG, SYSCONFIG_TEXT.encode(), mode=0o644)
    fs.makedirs("/etc/pacemaker")
    fs.entries["/etc/pacemaker"].group = "haclient"
    fs.entries["/etc/pacemaker"].mode = 0o750
    fs.write(AUTHKEY, authkey, owner="hacluster", group="haclient", mode=0o400)
    fs.makedirs("/var/lib/pacemaker")
    return host
