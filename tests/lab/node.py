"""One lab node: a holder process in the node's network namespace with its own mount, UTS
and PID namespaces; state folders bind-mounted over Pacemaker's paths; daemons entered with
nsenter (+ chroot for a cached root filesystem) and a clean environment.

Its own PID namespace (and /proc) because the wizards' probes ask "does pacemakerd /
corosync / pacemaker-remoted run here?" with pgrep: in a shared PID namespace every node
would see every other node's daemons."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import shims
from .proc import LabError, Owned, run, spawn, wait_for

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# (path inside the node, state sub-folder, owner "root" or "hacluster", mode)
STATE_DIRS = (
    ("/etc/pacemaker", "etc-pacemaker", "root", 0o750),
    ("/var/lib/pacemaker", "var-lib-pacemaker", "root", 0o755),
    ("/var/log/pacemaker", "var-log-pacemaker", "hacluster", 0o2770),
    ("/etc/ssh", "etc-ssh", "root", 0o755),
    # root's own home: the host's /root/.bashrc (sourced by every SSH command) stays out
    ("/root", "root-home", "root", 0o700),
)
# remote, guest and spare nodes: the systemctl/service shims (first in PATH; the cluster
# node has its own, for pacemaker)
REMOTE_DIRS = (
    ("/usr/local/sbin", "usr-local-sbin", "root", 0o755),
    ("/etc/corosync", "etc-corosync", "root", 0o755),  # empty: the host's corosync.conf
)                                                        # would mark it a cluster node
CLUSTER_DIRS = (
    ("/usr/local/sbin", "usr-local-sbin", "root", 0o755),  # the pacemaker systemctl shim
    ("/etc/corosync", "etc-corosync", "root", 0o755),
    ("/var/lib/corosync", "var-lib-corosync", "root", 0o700),
)
PCMK_SUBDIRS = ("cib", "pengine", "blackbox", "cores")
# The PID 1 of each node's PID namespace: reaps the orphans the shims' daemons become (a
# plain `sleep` would leave them zombies, which pgrep still counts) and exits on SIGTERM
# (the kernel kills the rest of the namespace with it).
INIT = ("import signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); "
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); "
        "[signal.pause() for _ in iter(int, 1)]")


@dataclass(frozen=True)
class NodeSpec:
    name: str
    kind: str  # cluster | remote | guest
    addr: str
    ns: str
    host_if: str
    spare: bool = False  # a target not in the cluster (for the add wizards)


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
        self._init_pid: int | None = None
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

    @property
    def dirs(self) -> tuple:
        if self.spec.kind == "cluster":
            return STATE_DIRS + CLUSTER_DIRS
        return STATE_DIRS + REMOTE_DIRS

    # --- running things inside -------------------------------------------------------
    @property
    def init_pid(self) -> int:
        """The node's PID 1 (the holder's child, seen from the host): nsenter's target."""
        if self._init_pid is None:
            if self.holder is None:
                raise LabError(f"node {self.name} has no holder process (not up)")
            try:
                kids = Path(f"/proc/{self.holder.pid}/task/{self.holder.pid}/children").read_text()
            except OSError:
                kids = ""
            if not kids.split():
                raise LabError(f"node {self.name}'s holder (pid {self.holder.pid}) has no init")
            self._init_pid = int(kids.split()[0])
        return self._init_pid

    def enter(self, *, mount_only: bool = False) -> list[str]:
        ns = ["--mount", "--pid"] if mount_only else ["--mount", "--uts", "--net", "--pid"]
        return ["nsenter", f"--target={self.init_pid}", *ns, "--"]

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
        for _, sub, owner, mode in self.dirs:
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
        # /etc/default is the node's own (PCMK_remote_port, PCMK_authkey_location): a copy
        # of the root's, so the host's file is never edited
        shutil.copytree((self.rootfs or Path("/")) / "etc/default", self.state("etc-default"),
                        symlinks=True, dirs_exist_ok=True)
        shims.install(self.state("usr-local-sbin"), self.spec.kind)

    def write_authkey(self, key: bytes) -> None:
        p = self.state("etc-pacemaker") / "authkey"
        p.write_bytes(key)
        os.chmod(p, 0o640)
        os.chown(p, 0, self.gid)

    def start_holder(self) -> Owned:
        self.holder = spawn(f"{self.name}:holder",
                            ["ip", "netns", "exec", self.spec.ns, "unshare", "--mount", "--uts",
                             "--pid", "--fork", "--mount-proc", "--propagation", "private", "--",
                             sys.executable, "-I", "-S", "-c", INIT],
                            self.dir / "log" / "holder.log")
        me = {ns: os.readlink(f"/proc/self/ns/{ns}") for ns in ("mnt", "uts", "pid")}

        def entered() -> bool:
            self._init_pid = None
            try:
                pid = self.init_pid
                return all(os.readlink(f"/proc/{pid}/ns/{ns}") != me[ns] for ns in me)
            except (LabError, OSError):
                return False
        wait_for(f"{self.name}'s holder to enter its namespaces", entered, timeout=10,
                 interval=0.02)
        return self.holder

    def _mount(self, *args: str) -> None:
        run([*self.enter(mount_only=True), "mount", *args])

    def setup_mounts(self, remoted: Path | None = None) -> None:
        """All mounts happen inside the node's own mount namespace: none on the host.
        remoted: the unpacked pacemaker-remoted (host path) a non-cluster node gets."""
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
        for inside, sub, _, _ in (*self.dirs, ("/etc/default", "etc-default", "", 0)):
            target = f"{root}{inside}"
            run([*enter, "mkdir", "-p", target])
            self._mount("--bind", str(self.state(sub)), target)
        if self.spec.kind != "cluster":
            if remoted is None:
                raise LabError(f"{self.name}: no pacemaker-remoted binary to install")
            self._install_remoted(remoted)
        run([*self.enter(), "hostname", self.name])

    def _install_remoted(self, binary: Path) -> None:
        """pacemaker-remote "installed": its binary at /usr/sbin/pacemaker-remoted, where the
        wizards' probe looks, through an overlay on the node's /usr/sbin (the package itself
        conflicts with pacemaker; neither the host's nor the cached root's /usr/sbin changes)."""
        upper, work = self.dir / "usr-sbin", self.dir / "usr-sbin-work"
        upper.mkdir(exist_ok=True)
        work.mkdir(exist_ok=True)
        shutil.copy2(binary, upper / "pacemaker-remoted")  # before the mount: overlayfs
        os.chmod(upper / "pacemaker-remoted", 0o755)          # wants its upper left alone
        self._mount("-t", "overlay", "overlay", "-o",
                    f"lowerdir={self.root}/usr/sbin,upperdir={upper},workdir={work}",
                    f"{self.root}/usr/sbin")
