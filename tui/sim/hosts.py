"""A simulated machine: its files, its users and groups, its systemd services.

Every demo node has one, and so has each spare host (a machine with pacemaker-remote
installed and not running, not in the cluster yet) that a wizard can add.
"""

from __future__ import annotations

import shlex
import zlib
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
USER_GROUPS = {"hacluster": ("haclient",)}  # supplementary groups (pacemaker-controld's user)

SYSCONFIG = "/etc/sysconfig/pacemaker"
DEFAULTS = "/etc/default/pacemaker"
AUTHKEY = "/etc/pacemaker/authkey"
COROSYNC_CONF = "/etc/corosync/corosync.conf"
CIB_XML = "/var/lib/pacemaker/cib/cib.xml"
LOG_FILE = "/var/log/pacemaker/pacemaker.log"
OPENSSL = "/usr/bin/openssl"  # installed on every demo machine
REMOTE_PORT, PCSD_PORT = 3121, 2224
# the program each unit runs (pgrep -x finds it by this name) and where the package puts it
DAEMONS = {"pacemaker_remote": "pacemaker-remoted", "pacemaker": "pacemakerd", "corosync": "corosync",
           "pcsd": "pcsd"}
BINARIES = {"pacemaker_remote": "/usr/sbin/pacemaker-remoted", "pacemaker": "/usr/sbin/pacemakerd",
            "corosync": "/usr/sbin/corosync", "pcsd": "/usr/sbin/pcs"}

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
    starts: int = 0  # how often it was started: each start is a new process (pgrep's PID)
    # the PCMK_* variables the daemon started with (its env file then, as systemd's
    # EnvironmentFile= reads it): what /proc/PID/environ shows and what it uses until restarted
    environ: dict[str, str] = field(default_factory=dict)
    stopping: bool = False  # a stop that hangs (systemctl is-active: deactivating)


@dataclass
class SimHost:
    name: str
    address: str
    fs: HostFS = field(default_factory=HostFS)
    services: dict[str, Service] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=lambda: dict(USERS))
    groups: dict[str, int] = field(default_factory=lambda: dict(GROUPS))
    container: str | None = None  # the VM resource this machine runs inside (a spare guest)
    env_file: str = SYSCONFIG  # the one the units read (EnvironmentFile=): RHEL's path on the demo
    version: str = ""  # `pacemakerd --version`'s X.Y.Z; "" = the demo's (state.PACEMAKER_VERSION)

    def service(self, name: str) -> Service | None:
        """The unit by its name, with or without ".service"; None when not installed."""
        unit = self.services.get(name.removesuffix(".service"))
        return unit if unit is not None and unit.installed else None

    def running(self, name: str) -> bool:
        unit = self.service(name)
        return unit is not None and unit.active

    def pid(self, unit_name: str) -> int | None:
        """The main PID of a running unit: stable per machine, unit and start."""
        unit = self.service(unit_name)
        if unit is None or not unit.active:
            return None
        return 1000 + zlib.crc32(f"{self.name}/{unit_name}/{unit.starts}".encode()) % 60000

    def env_value(self, name: str) -> str | None:
        """A variable set in the machine's Pacemaker environment file (the last uncommented
        `NAME=value` of /etc/sysconfig/pacemaker or /etc/default/pacemaker), quotes removed."""
        value = None
        for path in (SYSCONFIG, DEFAULTS):
            node = self.fs.get(path)
            if node is None or node.is_dir:
                continue
            for line in (node.content or b"").decode(errors="replace").splitlines():
                key, eq, rest = line.strip().partition("=")
                if eq and key == name:
                    value = rest.strip().strip("\"'")
        return value

    def env_vars(self) -> dict[str, str]:
        """Every variable the units' environment file sets, in file order (a later line wins),
        quotes removed: what a daemon started now gets."""
        node = self.fs.get(self.env_file)
        found: dict[str, str] = {}
        if node is None or node.is_dir:
            return found
        for line in (node.content or b"").decode(errors="replace").splitlines():
            key, eq, rest = line.strip().removeprefix("export ").partition("=")
            key = key.strip()
            if eq and key and not key.startswith("#") and key.replace("_", "").isalnum():
                try:  # quoted as a shell quotes (what the console writes: shlex)
                    words = shlex.split(rest)
                except ValueError:
                    words = [rest.strip().strip("\"'")]
                found.pop(key, None)
                found[key] = words[0] if words else ""
        return found

    def can_read(self, user: str, path: str) -> bool:
        """Whether `user` may read the file: its permission bits (owner, group membership,
        other) and search permission on every directory above it; root reads everything."""
        if user == "root":
            return self.fs.get(path) is not None
        groups = USER_GROUPS.get(user, ())
        try:
            canonical, node = self.fs.lookup(path)
        except Exception:
            return False

        def allowed(inode, bit: int) -> bool:
            if inode.owner == user:
                return bool(inode.mode & (bit << 6))
            if inode.group in groups:
                return bool(inode.mode & (bit << 3))
            return bool(inode.mode & bit)

        parts = canonical.split("/")[1:-1]
        here = ""
        for part in parts:
            here += "/" + part
            parent = self.fs.entries.get(here)
            if parent is None or not allowed(parent, 1):
                return False
        return not node.is_dir and allowed(node, 4)

    def listens(self, port: int) -> bool:
        """What accepts TCP there: sshd on 22, pcsd on 2224, pacemaker-remoted on
        PCMK_remote_port (its environment file) or 3121."""
        if port == 22:
            return True
        if port == PCSD_PORT and self.running("pcsd"):
            return True
        remote_port = self.env_value("PCMK_remote_port") or str(REMOTE_PORT)
        return self.running("pacemaker_remote") and remote_port.isdigit() and int(remote_port) == port

    @property
    def authkey_path(self) -> str:
        """Where Pacemaker's daemons read the key: PCMK_authkey_location, else the default."""
        return self.env_value("PCMK_authkey_location") or AUTHKEY

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
        host.services[unit] = Service(active=active, enabled=enabled, since=since, starts=int(active))
    fs = host.fs
    fs.makedirs("/usr/sbin")
    fs.makedirs("/usr/bin")
    fs.write(OPENSSL, b"\x7fELF", mode=0o755)
    for unit in units:
        fs.write(BINARIES[unit], b"\x7fELF", mode=0o755)
    if "corosync" in units:  # a cluster node: its configuration and its CIB
        fs.makedirs("/etc/corosync")
        fs.write(COROSYNC_CONF, b"totem {\n    version: 2\n    cluster_name: demo-prod\n}\n", mode=0o644)
        fs.makedirs("/var/lib/pacemaker/cib", owner="hacluster", group="haclient", mode=0o750)
        fs.write(CIB_XML, b"<cib/>\n", owner="hacluster", group="haclient", mode=0o600)
    fs.makedirs("/var/log/pacemaker", owner="hacluster", group="haclient", mode=0o770)
    if any(active for unit, (active, _) in units.items() if unit != "pcsd"):  # a Pacemaker daemon logs
        fs.write(LOG_FILE, b"", owner="hacluster", group="haclient", mode=0o660)
    fs.makedirs("/etc/sysconfig")
    fs.write(SYSCONFIG, SYSCONFIG_TEXT.encode(), mode=0o644)
    fs.makedirs("/etc/pacemaker")
    fs.entries["/etc/pacemaker"].group = "haclient"
    fs.entries["/etc/pacemaker"].mode = 0o750
    fs.write(AUTHKEY, authkey, owner="hacluster", group="haclient", mode=0o400)
    fs.makedirs("/var/lib/pacemaker")
    return host
