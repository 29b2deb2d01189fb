"""The lab: bring a Pacemaker cluster (one cluster node, remote and guest nodes, an sshd on
each) up and down, and act on it from tests."""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from . import crmmon, netns, pcmk, sshkeys, sysdeps
from .consolecfg import console_config
from .node import Node, NodeSpec
from .proc import LabError, Owned, kill_group, wait_for
from .rootfs import REMOTED as ROOTFS_REMOTED, ensure_rootfs, rootfs_dir
from .state import BASE, Claim, Record, cleanup, lab_prefix, stop_order

# the variables that switch a Pacemaker >= 3.0 daemon to X.509 (tui.pacemaker.nodecmds)
TLS_VARIABLES = ("PCMK_ca_file=", "PCMK_cert_file=", "PCMK_key_file=", "PCMK_crl_file=")
NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,7}$")
# how long down() lets pacemaker stop (the shim's bound) before the rest is killed
DOWN_STOP_SECONDS = 20
# `crm_resource --cleanup` of the whole lab takes under a second; longer means a wedged
# controller, and ensure_healthy() builds the lab again
CLEANUP_SECONDS = 30


@dataclass(frozen=True)
class LabSpec:
    """What to build. version "2": the host's Pacemaker (2.1.5 on Debian 12); "3": the cached
    Debian 13 root filesystem's (3.0.0). tag and subnet keep two labs apart."""

    version: str = "2"
    tag: str = "a"
    subnet: int = 0  # 10.99.<subnet>.0/24
    cluster_name: str = "lab"
    remotes: tuple[str, ...] = ("rn1",)
    guests: tuple[str, ...] = ("gn1",)
    # targets NOT in the cluster, for the add wizards: a remote-to-be (pacemaker-remoted
    # installed, not running, no key) and a guest-to-be (its machine like that, plus a
    # running Dummy `<name>-vm` without remote-node meta)
    spare_remotes: tuple[str, ...] = ("rn2",)
    spare_guests: tuple[str, ...] = ("gn2",)

    def validate(self) -> None:
        if self.version not in ("2", "3"):
            raise LabError(f"lab version must be '2' or '3', not {self.version!r}")
        if not re.fullmatch(r"[a-z0-9]{1,3}", self.tag):
            raise LabError(f"lab tag {self.tag!r} must be 1-3 lower-case letters/digits")
        if not 0 <= self.subnet <= 255:
            raise LabError(f"subnet index {self.subnet} must be 0..255")
        names = ["node1", *self.remotes, *self.guests, *self.spare_remotes, *self.spare_guests]
        for n in names:
            if not NAME_RE.match(n) or n == "br":
                raise LabError(f"node name {n!r}: use 1-8 lower-case letters/digits, "
                               "starting with a letter (it becomes an interface name)")
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise LabError(f"node names must be unique; repeated: {', '.join(sorted(dupes))}")
        for s in self.node_specs():
            if len(s.host_if) + 1 > netns.IFNAMSIZ:
                raise LabError(f"tag {self.tag!r} + node name {s.name!r} make interface name "
                               f"{s.host_if + 'p'!r}, longer than {netns.IFNAMSIZ} characters")
        if max(map(len, (self.remotes, self.guests, self.spare_remotes, self.spare_guests))) > 9:
            raise LabError("at most 9 remote, 9 guest and 9 of each kind of spare nodes")

    def addr(self, host: int) -> str:
        return f"10.99.{self.subnet}.{host}"

    def node_specs(self) -> list[NodeSpec]:
        p = lab_prefix(self.tag)
        out = [NodeSpec("node1", "cluster", self.addr(11), p + "node1", p + "node1")]
        out += [NodeSpec(n, "remote", self.addr(21 + i), p + n, p + n)
                for i, n in enumerate(self.remotes)]
        out += [NodeSpec(n, "guest", self.addr(31 + i), p + n, p + n)
                for i, n in enumerate(self.guests)]
        out += [NodeSpec(n, "remote", self.addr(41 + i), p + n, p + n, spare=True)
                for i, n in enumerate(self.spare_remotes)]
        out += [NodeSpec(n, "guest", self.addr(51 + i), p + n, p + n, spare=True)
                for i, n in enumerate(self.spare_guests)]
        return out


@dataclass(frozen=True)
class NodeInfo:
    name: str
    kind: str
    address: str
    port: int = 22


@dataclass(frozen=True)
class SpareInfo:
    """A target outside the cluster. resource: a guest's running primitive (its "VM")."""

    name: str
    kind: str  # remote | guest
    address: str
    resource: str | None = None
    port: int = 22

    def to_json(self) -> dict:
        out = {"name": self.name, "addr": self.address, "kind": self.kind}
        if self.resource:
            out["resource"] = self.resource
        return out


def spare_vm(name: str) -> str:
    return f"{name}-vm"


# how lab.break_remote can make a remote offline on purpose (the diagnose faults)
BREAKS = ("stopped", "port", "authkey")
BROKEN_PORT = 3129


@dataclass
class Timings:
    rootfs_build: float = 0.0
    up: float = 0.0
    down: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def require_root() -> None:
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, mounts)")
    if shutil.which("ip") is None:
        raise LabError("the lab needs `ip` (iproute2)")


class Lab:
    """Use as a context manager or call up()/down(). Attributes the tests use:
    config_path, nodes (name -> NodeInfo), ssh_key, known_hosts."""

    def __init__(self, spec: LabSpec | None = None, log=print, claim: Claim | None = None):
        self.spec = spec or LabSpec()
        self.spec.validate()
        self._claim = claim or Claim(self.spec.tag)
        self.log = log
        self.dir = BASE / self.spec.tag
        self.config_path = self.dir / "pcmk-console.yaml"
        self.ssh_key = self.dir / "ssh" / "id_ed25519"
        self.known_hosts = self.dir / "ssh" / "known_hosts"
        self.authkey_copy = self.dir / "authkey"
        self.nodes: dict[str, NodeInfo] = {
            s.name: NodeInfo(s.name, s.kind, s.addr) for s in self.spec.node_specs()
            if not s.spare}
        self.spares: dict[str, SpareInfo] = {
            s.name: SpareInfo(s.name, s.kind, s.addr,
                              spare_vm(s.name) if s.kind == "guest" else None)
            for s in self.spec.node_specs() if s.spare}
        self.timings = Timings()
        self._nodes: dict[str, Node] = {}
        self._procs: dict[str, Owned] = {}
        self._rec: Record | None = None
        self._rootfs: Path | None = None
        self._remoted: Path | None = None  # the unpacked binary, a host path
        self._pcsd = False
        self.rebuilds = 0  # how often ensure_healthy() had to build the lab again
        self.broken: str | None = None  # why it could not, once it could not

    @property
    def cluster_name(self) -> str:
        return self.spec.cluster_name

    # --- public actions --------------------------------------------------------------
    def __enter__(self) -> "Lab":
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        self.down()

    def up(self) -> "Lab":
        t0 = time.monotonic()
        if not self._claim.held:
            self._claim.take()  # before cleanup(): never tear down a lab someone is using
        try:
            self._up()
        except BaseException:
            self.log(f"lab[{self.spec.tag}]: start failed; logs: {self.dir}/nodes/*/log, "
                     "var-log-pacemaker; tearing down")
            self._save_failure_logs()
            self.down()
            raise
        self.timings.up = time.monotonic() - t0
        return self

    def down(self) -> None:
        t0 = time.monotonic()
        self._stop_pacemaker_quietly()
        for owned in stop_order(list(self._procs.values())):
            # pcsd's Ruby part ignores SIGTERM: no point waiting for it
            kill_group(owned, timeout=20 if owned.name.endswith(":pacemakerd") else
                       0.5 if ":pcsd" in owned.name else 5)
        self._procs.clear()
        cleanup(self.spec.tag, log=lambda m: None)
        self._nodes.clear()
        self._pcsd = False
        self._claim.release()
        self.timings.down = time.monotonic() - t0

    def attach(self) -> "Lab":
        """Take over a lab another process started (the CLI's `up`), from its record."""
        path = self.dir / "state.json"
        if not path.exists():
            raise LabError(f"no running lab {self.spec.tag!r} (no {path})")
        self._rec = Record(path)
        self._procs = {o.name: o for o in self._rec.procs() if o.is_ours()}
        if self.spec.version == "3":
            self._rootfs = rootfs_dir()
        for s in self.spec.node_specs():
            node = Node(s, self.dir / "nodes" / s.name, self._rootfs)
            node.holder = self._procs.get(f"{s.name}:holder")
            self._nodes[s.name] = node
        return self

    def crm_mon_text(self) -> str:
        res = self.run_on("node1", ["crm_mon", "-1", "-r", "-f"], timeout=30)
        return res.stdout + res.stderr

    def node(self, name: str) -> Node:
        try:
            return self._nodes[name]
        except KeyError:
            raise LabError(f"no lab node {name!r} (nodes: {', '.join(self.nodes)})") from None

    def run_on(self, name: str, argv: list[str], *, timeout: float = 60,
               input: str | None = None):
        """Run argv inside node `name` (its namespaces, its root); CompletedProcess."""
        return self.node(name).run(argv, timeout=timeout, input=input)

    def crm_mon_xml(self) -> str:
        res = self.run_on("node1", ["crm_mon", "-1", "--output-as=xml"], timeout=30)
        if res.returncode != 0:
            raise LabError(f"crm_mon on node1 exit {res.returncode}: "
                           f"{(res.stderr or res.stdout).strip()[-500:]}")
        return res.stdout

    def status(self) -> crmmon.Status:
        return crmmon.parse(self.crm_mon_xml())

    # pacemaker-remoted runs under the node's systemctl shim (tests/lab/shims.py), the
    # same way whether the lab or a wizard (`systemctl enable --now`) starts it
    def remoted_running(self, name: str) -> bool:
        self._check_remote(name)
        res = self.run_on(name, ["systemctl", "is-active", "pacemaker_remote"])
        return res.returncode == 0

    def stop_remoted(self, name: str, *, graceful: bool = False) -> None:
        """SIGKILL (default) the node's pacemaker-remoted: the cluster sees a lost
        connection. graceful=True sends SIGTERM and waits, a clean remote shutdown."""
        if not self.remoted_running(name):
            raise LabError(f"pacemaker-remoted on {name} is not running")
        if graceful:
            self._systemctl(name, "stop", timeout=90)
        else:
            self._systemctl(name, "kill", "--signal=KILL")
            wait_for(f"pacemaker-remoted on {name} to die",
                     lambda: not self.remoted_running(name), timeout=10, interval=0.05)
            self.run_on(name, ["systemctl", "stop", "pacemaker_remote"])  # the stale pidfile

    # pacemakerd on node1 runs under the node's systemctl shim too (unit `pacemaker`): it
    # sources node1's /etc/default/pacemaker, so a restart picks up what a test wrote there
    def pacemaker_running(self) -> bool:
        return self.run_on("node1", ["systemctl", "is-active", "pacemaker"]).returncode == 0

    def start_pacemaker(self) -> None:
        self._systemctl_cluster("start")

    def stop_pacemaker(self, timeout: float = 120) -> None:
        self._systemctl_cluster("stop", timeout=timeout)

    def restart_pacemaker(self, timeout: float = 200) -> None:
        """`systemctl restart pacemaker` on node1, what the console does: SIGTERM, every
        pacemaker daemon gone (SIGKILL after the shim's 90 s), started again; corosync
        keeps running. Returns when pacemakerd runs, not when the node is back online."""
        self._systemctl_cluster("restart", timeout=timeout)

    def _systemctl_cluster(self, verb: str, timeout: float = 60, env: tuple = ()) -> None:
        res = self.run_on("node1", ["env", *env, "systemctl", verb, "pacemaker"],
                          timeout=timeout)
        if res.returncode != 0:
            raise LabError(f"systemctl {verb} pacemaker on node1: exit {res.returncode}: "
                           f"{(res.stderr or res.stdout).strip()[-500:]}")

    def _stop_pacemaker_quietly(self) -> None:
        """Before teardown: stop pacemaker cleanly while corosync and the remotes still
        answer (bounded); a node that is not up is simply skipped."""
        node = self._nodes.get("node1")
        if node is None or node.holder is None:
            return
        try:
            self._systemctl_cluster("stop", timeout=DOWN_STOP_SECONDS + 10,
                                    env=(f"PCMK_LAB_STOP_TIMEOUT={DOWN_STOP_SECONDS}",))
        except LabError as exc:
            self.log(f"lab[{self.spec.tag}]: stopping pacemaker on node1: {exc}")

    def start_remoted(self, name: str) -> None:
        if self.remoted_running(name):
            raise LabError(f"pacemaker-remoted on {name} is already running")
        self._start_remoted(self.node(name))

    def _systemctl(self, name: str, *args: str, timeout: float = 60) -> None:
        res = self.run_on(name, ["systemctl", *args, "pacemaker_remote"], timeout=timeout)
        if res.returncode != 0:
            raise LabError(f"systemctl {' '.join(args)} pacemaker_remote on {name}: exit "
                           f"{res.returncode}: {(res.stderr or res.stdout).strip()[-500:]}")

    def break_remote(self, name: str, how: str, *, wait: bool = True) -> None:
        """Make remote/guest node `name` unreachable for the cluster on purpose, one of
        BREAKS: "stopped" (pacemaker-remoted killed), "port" (it listens on BROKEN_PORT, so
        3121 is refused), "authkey" (its key differs from the cluster's). wait: until
        crm_mon shows it offline. ensure_healthy() repairs all three."""
        self._check_remote(name)
        if how not in BREAKS:
            raise LabError(f"break_remote: {how!r} is not one of {', '.join(BREAKS)}")
        if self.remoted_running(name):
            self.stop_remoted(name)
        node = self.node(name)
        if how == "port":
            (node.state("etc-default") / "pacemaker").write_text(
                f"# tests/lab break_remote(port)\nPCMK_remote_port={BROKEN_PORT}\n")
        elif how == "authkey":
            node.write_authkey(os.urandom(256))
        if how != "stopped":
            self._start_remoted(node)
        if wait and name in self.nodes:
            # authkey: until the reconnect (after reconnect_interval) is refused for the key
            self.wait_until(f"{name} offline ({how})", lambda st: not st.node_up(name) and (
                how != "authkey" or any(f["op_key"].startswith(f"{name}_") and
                                        "Key was rejected" in (f.get("exitreason") or "")
                                        for f in st.failures)), timeout=60)

    def start_pcsd(self) -> None:
        """pcsd on every node and `pcs host auth` of all of them from node1 (tests/lab/pcsd.py);
        once per lab, 2.1.5 only. ~4 s per node."""
        if self._pcsd:
            return
        if self.spec.version != "2":
            raise LabError("pcsd runs only in the Pacemaker 2.1.5 lab (the 3.0 root has no pcs)")
        from . import pcsd

        unit = (self._remoted or sysdeps.remoted_binary()).parents[2] / \
            "lib/systemd/system/pacemaker_remote.service"
        hosts = {s.name: s.addr for s in self.spec.node_specs()}
        for name in hosts:
            pcsd.prepare(self.node(name), unit)
        pcsd.spawn_all({address: self.node(name) for name, address in hosts.items()}, self._own)
        pcsd.wait_listening(list(hosts.values()), _port_open)
        pcsd.auth(self.node("node1"), hosts)
        self._pcsd = True

    def ensure_healthy(self, timeout: float = 90) -> crmmon.Status:
        """Undo what tests may have done (X.509 or moved keys: back to PSK; stopped or
        broken remoted, stopped or failed containers, standby, maintenance-mode; spares
        added to the cluster) and wait until every node is up
        again with its Dummy and every spare is pristine (not in the cluster, remoted not
        running, no key, its VM running without guest meta).

        A lab the repair cannot heal (CI once saw every later `crm_resource --cleanup`
        hang after one failed test) is built again, once, its logs kept first; one that
        cannot be built again is marked broken, so each later call fails at once instead
        of spending its timeouts."""
        if self.broken:
            raise LabError(f"lab[{self.spec.tag}] is broken since an earlier repair: "
                           f"{self.broken}")
        try:
            return self._repair(timeout)
        except Exception as exc:  # noqa: BLE001 - any failure of the repair means: rebuild
            self.log(f"lab[{self.spec.tag}]: repair failed ({exc}); building the lab again")
            self._save_failure_logs()
            self.rebuilds += 1
        try:
            self.down()
            self.up()
            return self._repair(timeout)
        except Exception as exc:
            self.broken = f"{type(exc).__name__}: {exc}"
            raise

    def _repair(self, timeout: float) -> crmmon.Status:
        n1 = self.node("node1")
        self._restore_psk()
        self._reset_cib(n1)
        for info in self.spares.values():
            self._reset_spare(info)
        for info in self.nodes.values():
            if info.kind in ("remote", "guest"):
                self._repair_remote(info.name)
        for info in self.nodes.values():
            if info.kind == "guest":
                n1.run(["crm_resource", "--resource", f"{info.name}-container", "--meta",
                        "--delete-parameter", "target-role"])
            n1.run(["crm_attribute", "--node", info.name, "--name", "standby", "--delete"])
        n1.run(["crm_attribute", "--type", "crm_config", "--name", "maintenance-mode",
                "--delete"])
        n1.run(["crm_resource", "--cleanup"], timeout=CLEANUP_SECONDS)
        return self.wait_all_up(timeout=timeout)

    # --- PSK / X.509 (issue 11: tests convert the lab and must leave it on PSK) -----------
    def daemon_tls_environ(self, name: str) -> dict[str, str] | None:
        """The PCMK_*_file variables the node's connection daemon (pacemaker-controld on
        node1, pacemaker-remoted elsewhere) started with; None when it does not run."""
        process = "pacemaker-contr" if name == "node1" else "pacemaker-remot"
        res = self.run_on(name, ["sh", "-c", 'pid=$(pgrep -o -x "$1") || exit 3; '
                                 'tr "\\0" "\\n" < "/proc/$pid/environ"', "environ", process])
        if res.returncode != 0:
            return None
        return dict(line.split("=", 1) for line in res.stdout.splitlines()
                    if line.startswith(TLS_VARIABLES) and "=" in line)

    def _restore_psk(self) -> None:
        """Every node back on the lab's PSK: pristine /etc/default/pacemaker, the lab's
        authkey, no /etc/pacemaker/tls, no run backups; then restart what runs with other
        settings than that, as a conversion would (maintenance mode, remotes first, then
        node1) so no resource restarts and no connection attempt fails meanwhile."""
        key = self._lab_authkey()
        stale: list[str] = []
        for info in self.nodes.values():
            node = self.node(info.name)
            self._remove_tls_files(node)
            if info.kind != "cluster" and self.daemon_tls_environ(info.name) == {}:
                # a remote running on PSK: a wrong key or env file (break_remote) is
                # _repair_remote's, which restarts remoted without maintenance mode as
                # before; toggling maintenance around a key-rejected connection made the
                # cluster stop its resources over the dead connection (a blocked stop)
                continue
            changed = self._restore_env_file(node)
            path = node.state("etc-pacemaker") / "authkey"
            if not path.exists() or path.read_bytes() != key:
                node.write_authkey(key)
                changed = True
            if info.kind == "cluster" and not self.pacemaker_running():
                self.start_pacemaker()
                continue
            env = self.daemon_tls_environ(info.name)
            if (changed or env) and env is not None:
                stale.append(info.name)
        for info in self.spares.values():
            self._remove_tls_files(self.node(info.name))
        if not stale:
            return
        self.log(f"lab[{self.spec.tag}]: back to PSK, restarting {', '.join(stale)}")
        self.restart_daemons(stale)

    def restart_daemons(self, names=None) -> None:
        """Restart the connection daemons of `names` (default: node1 and every remote and
        guest node) so they read their env files and keys again, as the conversion does:
        maintenance mode on, the remotes and guests first, then node1 (until it is online),
        maintenance mode off. Returns without waiting for the remotes to reconnect."""
        names = list(self.nodes) if names is None else list(names)
        self.maintenance(True)
        for name in names:
            if name != "node1":
                res = self.run_on(name, ["systemctl", "restart", "pacemaker_remote"], timeout=90)
                if res.returncode != 0:
                    raise LabError(f"systemctl restart pacemaker_remote on {name}: exit "
                                   f"{res.returncode}: {(res.stderr or res.stdout).strip()[-300:]}")
        if "node1" in names:
            self.restart_pacemaker()
            self.wait_until("node1 online after its restart", lambda st: st.node_up("node1"),
                            timeout=120)
        self.maintenance(False)

    def env_files(self) -> dict[str, bytes | None]:
        """Every node's /etc/default/pacemaker (None: there is none), spares included."""
        out = {}
        for name in (*self.nodes, *self.spares):
            path = self.node(name).state("etc-default") / "pacemaker"
            out[name] = path.read_bytes() if path.exists() else None
        return out

    def daemon_pids(self) -> dict[str, str]:
        """The PIDs of the daemons a conversion restarts (pacemakerd and pacemaker-controld
        on node1, pacemaker-remoted elsewhere): equal before and after = nothing restarted."""
        out = {}
        for name in self.nodes:
            names = ("pacemakerd", "pacemaker-contr") if name == "node1" else ("pacemaker-remot",)
            out[name] = " ".join(self.run_on(name, ["pgrep", "-x", n]).stdout.strip()
                                 for n in names)
        return out

    def maintenance(self, on: bool) -> None:
        """maintenance-mode on, and (on) until the controller has marked every remote and
        guest node in maintenance: restarting pacemaker_remote before that makes it wait for
        an ordered shutdown that never comes (60 s here; 30 min under systemd)."""
        n1 = self.node("node1")
        n1.run(["crm_attribute", "--type", "crm_config", "--name", "maintenance-mode",
                "--update", "true" if on else "false"], check=True)
        if not on:
            return
        st = self.status()
        names = [n for n, i in self.nodes.items() if i.kind != "cluster" and st.node_up(n)]
        for name in names:
            try:
                wait_for(f"{name} marked in maintenance", lambda n=name: n1.run(
                    ["cibadmin", "--query", "--xpath",
                     f"//node_state[@uname='{n}'][@node_in_maintenance='1']"]).returncode == 0,
                    timeout=10, interval=0.1)
            except LabError as exc:
                self.log(f"lab[{self.spec.tag}]: {exc}")

    def _lab_authkey(self) -> bytes:
        if self.authkey_copy.exists():
            return self.authkey_copy.read_bytes()
        return (self.node("node1").state("etc-pacemaker") / "authkey").read_bytes()

    @staticmethod
    def _remove_tls_files(node: Node) -> None:
        """/etc/pacemaker/tls (and tls-* folders tests make), the keys tests moved away
        (authkey.*), what runs leave beside the files they replace."""
        for p in node.state("etc-pacemaker").glob("tls*"):  # tests' own files: tls-*
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        for sub in ("etc-pacemaker", "etc-default"):
            for p in node.state(sub).iterdir():
                if ".pcmk-backup-" in p.name or ".pcmk-tmp-" in p.name or \
                        p.name.startswith("authkey."):
                    if p.is_dir():
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        p.unlink(missing_ok=True)

    def _reset_cib(self, n1: Node) -> None:
        """Put the configuration's resources and constraints back as the lab made them
        (what tests added goes, what they removed or changed, e.g. a target-role or a guest
        meta on a spare VM, comes back), then forget spare nodes."""
        bare = etree.XMLParser(remove_blank_text=True)
        cfg = etree.fromstring(n1.run(["cibadmin", "-Q", "-o", "configuration"],
                                      check=True).stdout.encode(), bare)
        changed = False
        for section, pristine in zip(("resources", "constraints"), self._resources_xml()):
            have = cfg.find(section)
            want = etree.fromstring(pristine, bare)
            if [_canon(e) for e in have] != [_canon(e) for e in want]:
                cfg.replace(have, want)
                changed = True
        if changed:
            n1.run(["cibadmin", "--replace", "-o", "configuration", "--xml-pipe"], check=True,
                   input=etree.tostring(cfg).decode())
        spares = set(self.spares)
        if spares:
            self.wait_until("spare nodes out of the cluster",
                            lambda st: not spares & {n for n, s in st.nodes.items()
                                                     if s.online}, timeout=60)
        for name in spares:
            st = self.status()
            known = n1.run(["cibadmin", "--query", "--xpath",
                            f"//node_state[@uname='{name}'] | //nodes/node[@uname='{name}']"])
            if name in st.nodes or known.returncode == 0:
                n1.run(["crm_node", "--force", "--remove", name])

    def _reset_spare(self, info: SpareInfo) -> None:
        node = self.node(info.name)
        self.run_on(info.name, ["systemctl", "disable", "--now", "pacemaker_remote"],
                    timeout=90)
        (node.state("etc-pacemaker") / "authkey").unlink(missing_ok=True)
        self._restore_env_file(node)

    def _restore_env_file(self, node: Node) -> bool:
        """The node's /etc/default/pacemaker as the root filesystem has it; True if it
        had changed."""
        pristine = (self._rootfs or Path("/")) / "etc/default/pacemaker"
        path = node.state("etc-default") / "pacemaker"
        want = pristine.read_bytes() if pristine.exists() else None
        have = path.read_bytes() if path.exists() else None
        if want == have:
            return False
        if want is None:
            path.unlink()
        else:
            path.write_bytes(want)
        return True

    def _repair_remote(self, name: str) -> None:
        """rn1/gn1: the cluster's authkey, the pristine environment file, remoted running
        (restarted when either had changed)."""
        node = self.node(name)
        key = self._lab_authkey()
        path = node.state("etc-pacemaker") / "authkey"
        changed = self._restore_env_file(node)
        if not path.exists() or path.read_bytes() != key:
            node.write_authkey(key)
            changed = True
        if changed and self.remoted_running(name):
            self.stop_remoted(name)
        if not self.remoted_running(name):
            self._start_remoted(node)

    def wait_until(self, what: str, predicate, timeout: float = 60) -> crmmon.Status:
        """Poll crm_mon until predicate(Status) is true; returns that Status."""
        def check():
            st = self.status()
            return st if predicate(st) else None
        return wait_for(what, check, timeout=timeout, interval=0.5)

    def wait_all_up(self, timeout: float = 60) -> crmmon.Status:
        return self.wait_until("every lab node online with its Dummy started",
                               self._all_up, timeout=timeout)

    # --- building --------------------------------------------------------------------
    def _check_remote(self, name: str) -> None:
        info = self.nodes.get(name) or self.spares.get(name)
        if info is None or info.kind not in ("remote", "guest"):
            raise LabError(f"{name!r} is not a remote, guest or spare node of this lab")

    def _step(self, name: str, t0: float) -> float:
        now = time.monotonic()
        self.timings.steps[name] = round(now - t0, 2)
        return now

    def _up(self) -> None:
        require_root()
        spec = self.spec
        t = time.monotonic()
        sysdeps.ensure_packages()
        if spec.version == "3":
            self._rootfs, self.timings.rootfs_build = ensure_rootfs(log=self.log)
            self._remoted = self._rootfs / ROOTFS_REMOTED
        else:
            self._remoted = sysdeps.remoted_binary()
        t = self._step("packages", t)
        cleanup(spec.tag, log=self.log)
        overlap = netns.routes_overlapping(f"10.99.{spec.subnet}.0/24")
        if overlap:
            raise LabError(f"10.99.{spec.subnet}.0/24 is already routed here "
                           f"({'; '.join(overlap)}): choose another subnet index")
        for _ in range(5):  # another lab's cleanup may remove the empty BASE meanwhile
            try:
                self.dir.mkdir(parents=True)
                break
            except FileNotFoundError:
                time.sleep(0.05)
        else:
            raise LabError(f"could not create {self.dir}")
        os.chmod(self.dir, 0o755)
        self._rec = Record(self.dir / "state.json")
        self._rec.data["spec"] = {"version": spec.version, "cluster_name": spec.cluster_name}
        bridge = lab_prefix(spec.tag) + "br"
        self._rec.add("links", bridge)
        netns.add_bridge(bridge, f"{spec.addr(1)}/24")
        node_specs = spec.node_specs()
        for s in node_specs:
            self._rec.add("netns", s.ns)
            self._rec.add("links", s.host_if)
            netns.add_netns(s.ns, bridge, s.host_if, f"{s.addr}/24")
        t = self._step("network", t)

        client_pub = sshkeys.keygen(self.ssh_key, f"pcmk-console-lab-{spec.tag}")
        authkey = os.urandom(256)
        # the lab's own copy: ensure_healthy() puts it back when a test moved node keys away
        self.authkey_copy.write_bytes(authkey)
        os.chmod(self.authkey_copy, 0o600)
        known = []
        for s in node_specs:
            node = Node(s, self.dir / "nodes" / s.name, self._rootfs)
            self._nodes[s.name] = node
            node.prepare_dirs()
            if not s.spare:  # a spare has no key until a wizard copies one
                node.write_authkey(authkey)
            host_pub = sshkeys.prepare_node_ssh(node.state("etc-ssh"), s.name, s.addr,
                                                client_pub)
            known.append(sshkeys.known_hosts_line(s.addr, 22, host_pub))
            self._own(node.start_holder())
            node.setup_mounts(None if s.kind == "cluster" else self._remoted)
        self.known_hosts.write_text("\n".join(known) + "\n")
        t = self._step("nodes", t)

        n1 = self._nodes["node1"]
        self._start_cluster_node(n1)
        for s in node_specs:
            if s.kind != "cluster" and not s.spare:
                self._start_remoted(self._nodes[s.name])
            self._own(self._nodes[s.name].spawn("sshd", ["/usr/sbin/sshd", "-D", "-e", "-f",
                                                         "/etc/ssh/sshd_config"]))
        for s in node_specs:
            wait_for(f"sshd on {s.name} ({s.addr}:22)", lambda a=s.addr: _port_open(a, 22),
                     timeout=20, interval=0.1)
        t = self._step("daemons", t)

        self.wait_until("node1 online with a DC",
                        lambda st: st.node_up("node1") and "<current_dc" in st.raw
                        and 'present="true"' in st.raw.split("<current_dc", 1)[1][:200],
                        timeout=90)
        t = self._step("cluster online", t)
        self._configure()
        self.wait_all_up(timeout=90)
        t = self._step("remotes and resources", t)
        self.config_path.write_text(console_config(
            spec.cluster_name,
            [{"name": i.name, "host": i.address, "port": i.port, "kind": i.kind}
             for i in self.nodes.values()],
            self.ssh_key, self.known_hosts))
        self._rec.data["status"] = "up"
        self._rec.save()

    def _own(self, owned: Owned) -> Owned:
        self._procs[owned.name] = owned
        if self._rec:
            self._rec.add_proc(owned)
        return owned

    def _start_cluster_node(self, n1: Node) -> None:
        (n1.state("etc-corosync") / "corosync.conf").write_text(
            pcmk.corosync_conf(self.spec.cluster_name))
        empty = n1.run(["cibadmin", "--empty"], check=True).stdout
        cib = n1.state("var-lib-pacemaker") / "cib" / "cib.xml"
        cib.write_bytes(pcmk.seeded_cib(empty, self.spec.cluster_name))
        os.chmod(cib, 0o600)
        os.chown(cib, n1.uid, n1.gid)
        self._own(n1.spawn("corosync", ["corosync", "-f"]))
        wait_for("corosync on node1 to be quorate",
                 lambda: "Quorate:          Yes" in n1.run(["corosync-quorumtool", "-s"]).stdout,
                 timeout=30, interval=0.1)
        self.start_pacemaker()

    def _start_remoted(self, node: Node) -> None:
        self._systemctl(node.name, "start")
        env = node.state("etc-default") / "pacemaker"
        port = BROKEN_PORT if env.exists() and f"={BROKEN_PORT}" in env.read_text() else 3121
        wait_for(f"pacemaker-remoted on {node.name} ({node.spec.addr}:{port})",
                 lambda: _port_open(node.spec.addr, port), timeout=20, interval=0.1)

    def _resources_xml(self) -> tuple[str, str]:
        remotes = {i.name: i.address for i in self.nodes.values() if i.kind == "remote"}
        guests = {i.name: i.address for i in self.nodes.values() if i.kind == "guest"}
        vms = [i.resource for i in self.spares.values() if i.resource]
        return pcmk.lab_resources("node1", remotes, guests, vms)

    def _configure(self) -> None:
        resources, constraints = self._resources_xml()
        n1 = self.node("node1")
        cfg = etree.fromstring(n1.run(["cibadmin", "-Q", "-o", "configuration"],
                                      check=True).stdout.encode())
        for tag, new in (("resources", resources), ("constraints", constraints)):
            old = cfg.find(tag)
            old.getparent().replace(old, etree.fromstring(new))
        # one replace: resources and their constraints arrive together
        n1.run(["cibadmin", "--replace", "-o", "configuration", "--xml-pipe"], check=True,
               input=etree.tostring(cfg).decode())

    def _all_up(self, st: crmmon.Status) -> bool:
        for info in self.nodes.values():
            if not st.node_up(info.name):
                return False
            if st.running_on(f"dummy-{info.name}") != (info.name,):
                return False
        for spare in self.spares.values():
            if spare.resource and st.running_on(spare.resource) != ("node1",):
                return False
        return True

    def _save_failure_logs(self) -> None:
        dest = Path(os.environ.get("PCMK_LAB_FAILLOG", "/tmp")) / f"pcmk-console-lab-{self.spec.tag}-failed"
        try:
            if dest.exists():
                shutil.rmtree(dest)
            for node in self._nodes.values():
                for src in (node.dir / "log", node.state("var-log-pacemaker")):
                    if src.exists():
                        shutil.copytree(src, dest / node.name / src.name, dirs_exist_ok=True)
            self.log(f"lab[{self.spec.tag}]: logs kept in {dest}")
        except OSError as exc:
            self.log(f"lab[{self.spec.tag}]: could not keep logs: {exc}")

    def describe(self) -> dict:
        return {"tag": self.spec.tag, "version": self.spec.version,
                "cluster": self.spec.cluster_name, "config": str(self.config_path),
                "ssh_key": str(self.ssh_key), "known_hosts": str(self.known_hosts),
                "nodes": {n: {"kind": i.kind, "address": i.address, "port": i.port}
                          for n, i in self.nodes.items()},
                "spare": [i.to_json() for i in self.spares.values()],
                "timings": {"up": round(self.timings.up, 2),
                            "rootfs_build": round(self.timings.rootfs_build, 2),
                            "steps": self.timings.steps}}


def _canon(el) -> bytes:
    return etree.tostring(el, method="c14n")


def _port_open(addr: str, port: int) -> bool:
    try:
        with socket.create_connection((addr, port), timeout=0.5):
            return True
    except OSError:
        return False


SPECS = {
    "2": LabSpec(version="2", tag="a", subnet=0, cluster_name="lab"),
    "3": LabSpec(version="3", tag="b", subnet=1, cluster_name="lab3"),
}
