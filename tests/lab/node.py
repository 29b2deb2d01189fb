"""One lab node: a holder process in the node's network namespace with its own mount and
UTS namespaces; state folders bind-mounted over Pacemaker's paths; daemons entered with
nsenter (+ chroot for a cached root filesystem) and a clean environment."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .proc import LabError, Owned, run, spawn, wait_for

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# (path inside the node, state sub-folder, owner "root" or "hacluster", mode)
STATE_DIRS = (
    ("/etc/pacemaker", "etc-pacemaker", "root", 0o750),
    ("/var/lib/pacemaker", "var-lib-pacemaker", "root", 0o755),
    ("/var/log/pacemaker", "var-log-pacemaker", "hacluster", 0o2770),
    ("/etc/ssh", "etc-ssh", "root", 0o755),
)
CLUSTER_DIRS = (
    ("/etc/corosync", "etc-corosync", "root", 0o755),
    ("/var/lib/corosync", "var-lib-corosync", "root", 0o700),
)
PCMK_SUBDIRS = ("cib", "pengine", "blackbox", "cores")


@dataclass(frozen=True)
class NodeSpec:
    name: str
    kind: str  # cluster | remote | guest
    addr: str
    ns: str
    host_if: str


def _ids(root: Path) -> tuple[int, int]:
    """hacluster uid and haclient gid as the root filesystem itself defines them."""
    uid = gid = None
    for line in (root / "etc/passwd").read_text().splitlines():
        f = line.split(":")
        if f[0] == "hacluster":
            uid = int(f[2])
    for line in (root / "etc/group").read_text().splitlines():
        f = line.split(":")
        if f[0] == "haclient":
            gid = int(f[2])
    if uid is None or gid is None:
        raise LabError(f"{root}/etc/passwd or group has no hacluster/haclient: is pacemaker "
                       "installed there?")
    return uid, gid


class Node:
    def __init__(self, spec: NodeSpec, state_dir: Path, rootfs: Path | None):
        self.spec = spec
        self.dir = state_dir
        self.rootfs = rootfs  # None: the host's own filesystem
        self.holder: Owned | None = None
        self.uid, self.gid = _ids(rootfs or Path("/"))

    @property
    def name(self) -> str:
        return self.spec.name

    def state(self, sub: str) -> Path:
        return self.dir / "state" / sub

    @property
    def root(self) -> Path:
        """Where the node's / is, seen from inside its mount namespace."""
        return self.dir / "root" if self.rootfs else Path("/")

    # --- running things inside -------------------------------------------------------
    def enter(self, *, mount_only: bool = False) -> list[str]:
        if self.holder is None:
            raise LabError(f"node {self.name} has no holder process (not up)")
        ns = ["--mount"] if mount_only else ["--mount", "--uts", "--net"]
        return ["nsenter", f"--target={self.holder.pid}", *ns, "--"]

    def argv(self, argv: list[str], env: dict[str, str] | None = None) -> list[str]:
        chroot = ["chroot", str(self.root)] if self.rootfs else []
        envs = [f"{k}={v}" for k, v in {"PATH": PATH, "HOME": "/root", "LANG": "C.UTF-8",
                                         **(env or {})}.items()]
        return [*self.enter(), *chroot, "env", "-i", "-C", "/", *envs, *argv]

    def run(self, argv: list[str], *, check: bool = False, timeout: float = 60,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
        return run(self.argv(argv), check=check, timeout=timeout, input=input)

    def spawn(self, what: str, argv: list[str], env: dict[str, str] | None = None) -> Owned:
        return spawn(f"{self.name}:{what}", self.argv(argv, env), self.dir / "log" / f"{what}.log")

    # --- building the node ------------------------------------------------------------
    def prepare_dirs(self) -> None:
        dirs = STATE_DIRS + (CLUSTER_DIRS if self.spec.kind == "cluster" else ())
        for _, sub, owner, mode in dirs:
            p = self.state(sub)
            p.mkdir(parents=True, exist_ok=True)
            os.chmod(p, mode)
            os.chown(p, self.uid if owner == "hacluster" else 0,
                     self.gid if owner == "hacluster" else 0)
        os.chown(self.state("etc-pacemaker"), 0, self.gid)
        for sub in PCMK_SUBDIRS:
            p = self.state("var-lib-pacemaker") / sub
            p.mkdir(exist_ok=True)
            os.chmod(p, 0o750)
            os.chown(p, self.uid, self.gid)
        (self.dir / "log").mkdir(exist_ok=True)

    def write_authkey(self, key: bytes) -> None:
        p = self.state("etc-pacemaker") / "authkey"
        p.write_bytes(key)
        os.chmod(p, 0o640)
        os.chown(p, 0, self.gid)

    def start_holder(self) -> Owned:
        self.holder = spawn(f"{self.name}:holder",
                            ["ip", "netns", "exec", self.spec.ns, "unshare", "--mount", "--uts",
                             "--propagation", "private", "--", "sleep", "infinity"],
                            self.dir / "log" / "holder.log")
        me = os.readlink("/proc/self/ns/mnt")
        wait_for(f"{self.name}'s holder to enter its namespaces",
                 lambda: os.readlink(f"/proc/{self.holder.pid}/ns/mnt") != me
                 and os.readlink(f"/proc/{self.holder.pid}/ns/uts")
                 != os.readlink("/proc/self/ns/uts"), timeout=10, interval=0.02)
        return self.holder

    def _mount(self, *args: str) -> None:
        run([*self.enter(mount_only=True), "mount", *args])

    def setup_mounts(self) -> None:
        """All mounts happen inside the node's own mount namespace: none on the host."""
        enter = self.enter(mount_only=True)
        # The namespace copy holds references to every `ip netns` handle, which would keep
        # other namespaces alive after `ip netns del`: drop them here.
        info = Path(f"/proc/{self.holder.pid}/mountinfo").read_text().splitlines()
        if any(line.split()[4] == "/run/netns" for line in info):
            run([*enter, "umount", "--recursive", "--lazy", "/run/netns"])
        root = self.root
        if self.rootfs:
            for sub in ("root", "upper", "work"):
                (self.dir / sub).mkdir(exist_ok=True)
            self._mount("-t", "overlay", "overlay", "-o",
                        f"lowerdir={self.rootfs},upperdir={self.dir / 'upper'},"
                        f"workdir={self.dir / 'work'}", str(root))
            self._mount("-t", "proc", "proc", f"{root}/proc")
            self._mount("-t", "sysfs", "sysfs", f"{root}/sys")
            self._mount("--rbind", "/dev", f"{root}/dev")
            self._mount("--make-rslave", f"{root}/dev")
        self._mount("-t", "tmpfs", "-o", "mode=1777", "tmpfs", f"{root}/dev/shm")
        self._mount("-t", "tmpfs", "-o", "mode=755", "tmpfs", f"{root}/run")
        run([*enter, "mkdir", "-p", f"{root}/run/sshd", f"{root}/run/resource-agents",
             f"{root}/run/lock"])
        dirs = STATE_DIRS + (CLUSTER_DIRS if self.spec.kind == "cluster" else ())
        for inside, sub, _, _ in dirs:
            target = f"{root}{inside}"
            run([*enter, "mkdir", "-p", target])
            self._mount("--bind", str(self.state(sub)), target)
        run([*self.enter(), "hostname", self.name])
