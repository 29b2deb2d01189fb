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

NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,7}$")
DAEMON_ENV = {"PCMK_logfile": "/var/log/pacemaker/pacemaker.log", "PCMK_logfacility": "none"}


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

    def validate(self) -> None:
        if self.version not in ("2", "3"):
            raise LabError(f"lab version must be '2' or '3', not {self.version!r}")
        if not re.fullmatch(r"[a-z0-9]{1,3}", self.tag):
            raise LabError(f"lab tag {self.tag!r} must be 1-3 lower-case letters/digits")
        if not 0 <= self.subnet <= 255:
            raise LabError(f"subnet index {self.subnet} must be 0..255")
        names = ["node1", *self.remotes, *self.guests]
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
        if len(self.remotes) > 9 or len(self.guests) > 9:
            raise LabError("at most 9 remote and 9 guest nodes")

    def addr(self, host: int) -> str:
        return f"10.99.{self.subnet}.{host}"

    def node_specs(self) -> list[NodeSpec]:
        p = lab_prefix(self.tag)
        out = [NodeSpec("node1", "cluster", self.addr(11), p + "node1", p + "node1")]
        out += [NodeSpec(n, "remote", self.addr(21 + i), p + n, p + n)
                for i, n in enumerate(self.remotes)]
        out += [NodeSpec(n, "guest", self.addr(31 + i), p + n, p + n)
                for i, n in enumerate(self.guests)]
        return out


@dataclass(frozen=True)
class NodeInfo:
    name: str
    kind: str
    address: str
    port: int = 22


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
        self.nodes: dict[str, NodeInfo] = {
            s.name: NodeInfo(s.name, s.kind, s.addr) for s in self.spec.node_specs()}
        self.timings = Timings()
        self._nodes: dict[str, Node] = {}
        self._procs: dict[str, Owned] = {}
        self._rec: Record | None = None
        self._rootfs: Path | None = None
        self._remoted: str = ""

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
        for owned in stop_order(list(self._procs.values())):
            kill_group(owned, timeout=20 if owned.name.endswith(":pacemakerd") else 5)
        self._procs.clear()
        cleanup(self.spec.tag, log=lambda m: None)
        self._nodes.clear()
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
            self._remoted = "/" + ROOTFS_REMOTED
        else:
            self._remoted = str(sysdeps.remoted_binary())
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

    def stop_remoted(self, name: str, *, graceful: bool = False) -> None:
        """SIGKILL (default) the node's pacemaker-remoted: the cluster sees a lost
        connection. graceful=True sends SIGTERM and waits, a clean remote shutdown."""
        self._check_remote(name)
        owned = self._procs.pop(f"{name}:remoted", None)
        if owned is None:
            raise LabError(f"pacemaker-remoted on {name} is not running (lab-started)")
        if graceful:
            kill_group(owned, timeout=60)
        else:
            os.killpg(owned.pid, 9)
            kill_group(owned, timeout=5)

    def start_remoted(self, name: str) -> None:
        self._check_remote(name)
        if f"{name}:remoted" in self._procs:
            raise LabError(f"pacemaker-remoted on {name} is already running")
        self._start_remoted(self.node(name))

    def ensure_healthy(self, timeout: float = 90) -> crmmon.Status:
        """Undo what tests may have done (stopped remoted, stopped or failed containers,
        standby) and wait until every node is up again with its Dummy."""
        for info in self.nodes.values():
            if info.kind in ("remote", "guest") and f"{info.name}:remoted" not in self._procs:
                self.start_remoted(info.name)
        n1 = self.node("node1")
        for info in self.nodes.values():
            if info.kind == "guest":
                n1.run(["crm_resource", "--resource", f"{info.name}-container", "--meta",
                        "--delete-parameter", "target-role"])
            n1.run(["crm_attribute", "--node", info.name, "--name", "standby", "--delete"])
        n1.run(["crm_resource", "--cleanup"], timeout=60)
        return self.wait_all_up(timeout=timeout)

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
        info = self.nodes.get(name)
        if info is None or info.kind not in ("remote", "guest"):
            raise LabError(f"{name!r} is not a remote or guest node of this lab")

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
            self._remoted = "/" + ROOTFS_REMOTED
        else:
            self._remoted = str(sysdeps.remoted_binary())
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
        known = []
        for s in node_specs:
            node = Node(s, self.dir / "nodes" / s.name, self._rootfs)
            self._nodes[s.name] = node
            node.prepare_dirs()
            node.write_authkey(authkey)
            host_pub = sshkeys.prepare_node_ssh(node.state("etc-ssh"), s.name, s.addr,
                                                client_pub)
            known.append(sshkeys.known_hosts_line(s.addr, 22, host_pub))
            self._own(node.start_holder())
            node.setup_mounts()
        self.known_hosts.write_text("\n".join(known) + "\n")
        t = self._step("nodes", t)

        n1 = self._nodes["node1"]
        self._start_cluster_node(n1)
        for s in node_specs:
            if s.kind != "cluster":
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
        self._own(n1.spawn("pacemakerd", ["pacemakerd"], DAEMON_ENV))

    def _start_remoted(self, node: Node) -> None:
        self._own(node.spawn("remoted", [self._remoted], DAEMON_ENV))
        wait_for(f"pacemaker-remoted on {node.name} ({node.spec.addr}:3121)",
                 lambda: _port_open(node.spec.addr, 3121), timeout=20, interval=0.1)

    def _configure(self) -> None:
        remotes = {i.name: i.address for i in self.nodes.values() if i.kind == "remote"}
        guests = {i.name: i.address for i in self.nodes.values() if i.kind == "guest"}
        resources, constraints = pcmk.lab_resources("node1", remotes, guests)
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
                "timings": {"up": round(self.timings.up, 2),
                            "rootfs_build": round(self.timings.rootfs_build, 2),
                            "steps": self.timings.steps}}


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
