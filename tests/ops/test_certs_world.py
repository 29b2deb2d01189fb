"""A small fake cluster for the certificate plans: per host a file system (owner, group, mode),
real keys and CSRs made "on the node" with `cryptography`, the daemons' environment taken
from the env file at restart, crm_mon XML from who is online. It answers exactly the argv of
nodecmds / files / commands the plans use, and 127 for anything else (so a new argv shows).
The other certificate tests import World from here; the tests below check the fake itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import shlex
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization

from tui.ops import files
from tui.ops.certs import pki
from tui.pacemaker import nodecmds
from tui.remote.actionlog import ActionLog
from tui.remote.pool import WorkerPool
from tui.remote.secret import Secret
from tui.remote.transport import CommandResult

KINDS = {"n1": "cluster", "n2": "cluster", "rn1": "remote", "gn1": "guest"}
HOSTS = {"n1": "n1", "n2": "n2", "rn1": "10.0.0.5", "gn1": "gn1"}
ENV_TEXT = "# Pacemaker\n# PCMK_debug=no\nPCMK_logfacility=daemon\n"


@dataclass
class File:
    data: bytes
    owner: str = "root"
    group: str = "root"
    mode: int = 0o644


@dataclass
class Host:
    name: str
    kind: str
    version: str = "3.0.0"
    openssl: bool = True
    fs: dict[str, File] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # the daemon's PCMK_*_file at its last start
    running: bool = True


class World:
    def __init__(self, kinds=None, hosts=None, *, env_text: str | None = ENV_TEXT) -> None:
        self.kinds = dict(kinds or KINDS)
        self.address = dict(hosts or HOSTS)
        self.hosts: dict[str, Host] = {}
        for name, kind in self.kinds.items():
            host = Host(name, kind)
            host.fs[nodecmds.AUTHKEY] = File(b"K" * 256, "hacluster", "haclient", 0o400)
            if env_text is not None:
                host.fs[nodecmds.ENV_FILES[0]] = File(env_text.encode())
            self.hosts[self.address[name]] = host
        self.online = set(self.kinds)
        self.maintenance = False
        self.waiting: set[str] = set()  # restarted remotes the cluster reconnects after maintenance
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.restart_delay = 0.0  # seconds a restarted node stays offline (real time)
        self.on_restart = None  # hook(world, host) for a test

    # -- what the tests look at

    def node(self, name: str) -> Host:
        return self.hosts[self.address[name]]

    def private_keys(self) -> list[bytes]:
        """Every private key's PEM on any node (none of these may leave the nodes)."""
        return [f.data for h in self.hosts.values() for p, f in h.fs.items() if b"PRIVATE KEY" in f.data]

    def restarts(self) -> list[str]:
        return [h for h, argv in self.calls if argv[:2] == ("systemctl", "restart")]

    def nodes(self) -> list[dict]:
        return [{"name": n, "kind": k, "host": self.address[n]} for n, k in self.kinds.items()]

    # -- crm_mon

    def crm_mon(self) -> str:
        nodes, resources = [], []
        for name, kind in self.kinds.items():
            up = "true" if name in self.online else "false"
            if kind == "cluster":
                nodes.append(f'<node name="{name}" id="{name}" online="{up}" standby="false" standby_onfail="false" '
                             f'maintenance="false" pending="false" unclean="false" health="green" shutdown="false" '
                             f'expected_up="true" is_dc="false" resources_running="0" type="member"/>')
            else:
                extra = f' id_as_resource="vm-{name}"' if kind == "guest" else ""
                nodes.append(f'<node name="{name}" id="{name}" online="{up}" standby="false" standby_onfail="false" '
                             f'maintenance="false" pending="false" unclean="false" health="green" shutdown="false" '
                             f'expected_up="false" is_dc="false" resources_running="0" type="remote"{extra}/>')
                role, active = ("Started", "true") if name in self.online else ("Stopped", "false")
                inner = '<node name="n1" id="n1" cached="true"/>' if active == "true" else ""
                resources.append(f'<resource id="{name}" resource_agent="ocf:pacemaker:remote" role="{role}" '
                                 f'active="{active}" orphaned="false" blocked="false" managed="true" failed="false" '
                                 f'failure_ignored="false" nodes_running_on="{1 if inner else 0}">{inner}</resource>')
                if kind == "guest":
                    resources.append(f'<resource id="vm-{name}" resource_agent="ocf:heartbeat:VirtualDomain" '
                                     'role="Started" active="true" orphaned="false" blocked="false" managed="true" '
                                     'failed="false" failure_ignored="false" nodes_running_on="1">'
                                     '<node name="n2" id="n2" cached="true"/></resource>')
        return (f'<pacemaker-result api-version="2.25" request="crm_mon"><summary><stack type="corosync"/>'
                f'<current_dc present="true" version="3.0.0" name="n1" id="n1" with_quorum="true" mixed_version="false"/>'
                f'<nodes_configured number="{len(nodes)}"/><resources_configured number="{len(resources)}" disabled="0" '
                f'blocked="0"/><cluster_options stonith-enabled="true" symmetric-cluster="true" no-quorum-policy="stop" '
                f'maintenance-mode="{str(self.maintenance).lower()}" stop-all-resources="false"/></summary>'
                f'<nodes>{"".join(nodes)}</nodes><resources>{"".join(resources)}</resources>'
                f'<status code="0" message="OK"/></pacemaker-result>')

    # -- commands

    async def run(self, host_name: str, argv: tuple[str, ...], stdin: bytes) -> tuple[int, bytes, bytes]:
        self.calls.append((host_name, argv))
        host = self.hosts[host_name]
        if argv[:1] == ("crm_mon",):
            return 0, self.crm_mon().encode(), b""
        if argv[0] in ("pacemakerd", "pacemaker-remoted") and argv[1:] == ("--version",):
            want = nodecmds.VERSION_PROGRAMS[host.kind]
            if argv[0] != want:
                return 127, b"", f"{argv[0]}: not found".encode()
            return 0, f"Pacemaker {host.version}\nWritten by Andrew Beekhof\n".encode(), b""
        if argv == ("openssl", "version"):
            return (0, b"OpenSSL 3.0.13\n", b"") if host.openssl else (127, b"", b"openssl: not found")
        if argv[:2] == ("systemctl", "restart"):
            return await self.restart(host, argv[2])
        if argv[:2] == ("sh", "-c") and argv[2] == nodecmds.ENVIRON_SCRIPT:
            if not host.running:
                return 3, b"", b""
            return 0, "".join(f"{k}={v}\n" for k, v in sorted(host.env.items())).encode(), b""
        if argv[:1] == ("crm_attribute",) and "maintenance-mode" in argv:
            self.maintenance = argv[-1] == "true"
            if not self.maintenance:  # as measured: remotes reconnect only once it is off
                self.online |= self.waiting
                self.waiting = set()
            return 0, b"", b""
        if argv[:3] == ("cibadmin", "--query", "--xpath") and "node_in_maintenance" in argv[3]:
            return (0, b"<node_state/>", b"") if self.maintenance else (6, b"", b"")
        if argv[:2] == ("crm_resource", "--cleanup"):
            return 0, b"", b""
        return self.file_command(host, argv, stdin)

    async def restart(self, host: Host, unit: str) -> tuple[int, bytes, bytes]:
        env_file = host.fs.get(nodecmds.ENV_FILES[0]) or host.fs.get(nodecmds.ENV_FILES[1])
        values = files.read_env(env_file.data.decode()) if env_file else {}
        host.env = {k: v for k, v in values.items() if k in nodecmds.TLS_VARIABLES and v}
        if self.on_restart:
            self.on_restart(self, host)
        if host.kind != "cluster" and self.maintenance:  # back only once maintenance is off
            self.online.discard(host.name)
            self.waiting.add(host.name)
        elif self.restart_delay:
            self.online.discard(host.name)
            await asyncio.sleep(self.restart_delay)
            self.online.add(host.name)
        return 0, b"", b""

    def file_command(self, host: Host, argv, stdin: bytes) -> tuple[int, bytes, bytes]:
        fs = host.fs
        missing = lambda p: (1, b"", f"{argv[0]}: {p}: No such file or directory\n".encode())  # noqa: E731
        match argv:
            case ("test", "-e", path):
                return (0 if path in fs or any(k.startswith(path + "/") for k in fs) else 1), b"", b""
            case ("cat", *paths):
                out, status, err = b"", 0, b""
                for p in paths:
                    if p in fs:
                        out += fs[p].data
                    else:
                        status, err = 1, err + f"cat: {p}: No such file or directory\n".encode()
                return status, out, err
            case ("stat", "-c", "%U:%G:%a", path):
                if path not in fs:
                    return missing(path)
                f = fs[path]
                return 0, f"{f.owner}:{f.group}:{f.mode:o}\n".encode(), b""
            case ("stat", "-c", "%U:%G:%a %n", *paths):
                lines = [f"{fs[p].owner}:{fs[p].group}:{fs[p].mode:o} {p}" for p in paths if p in fs]
                return (0 if len(lines) == len(paths) else 1), ("\n".join(lines) + "\n").encode(), b""
            case ("sha256sum", path):
                if path not in fs:
                    return missing(path)
                return 0, f"{hashlib.sha256(fs[path].data).hexdigest()}  {path}\n".encode(), b""
            case ("install", "-d", "-m", mode, "-o", owner, "-g", group, path):
                fs[path + "/"] = File(b"", owner, group, int(mode, 8))
                return 0, b"", b""
            case ("install", "-m", mode, "-o", owner, "-g", group, "/dev/stdin", target):
                fs[target] = File(stdin, owner, group, int(mode, 8))
                return 0, b"", b""
            case ("mkdir", "-p", _):
                return 0, b"", b""
            case ("cp", "-p", source, target):
                if source not in fs:
                    return missing(source)
                f = fs[source]
                fs[target] = File(f.data, f.owner, f.group, f.mode)
                return 0, b"", b""
            case ("mv", "-f", source, target):
                if source not in fs:
                    return missing(source)
                fs[target] = fs.pop(source)
                return 0, b"", b""
            case ("rm", "-f", path):
                fs.pop(path, None)
                return 0, b"", b""
            case ("openssl", "genpkey", *_, "-out", path):
                fs[path] = File(pki.make_key().reveal(), "root", "root", 0o600)
                return 0, b"", b""
            case ("chown", owner_group, path):
                if path not in fs:
                    return missing(path)
                fs[path].owner, fs[path].group = owner_group.split(":")
                return 0, b"", b""
            case ("chmod", mode, path):
                if path not in fs:
                    return missing(path)
                fs[path].mode = int(mode, 8)
                return 0, b"", b""
            case ("openssl", "req", "-new", "-key", path, "-subj", subject):
                if path not in fs:
                    return 1, b"", b"Could not open file or uri for loading private key\n"
                return 0, pki.make_csr(Secret(fs[path].data), subject.removeprefix("/CN=")), b""
            case ("openssl", "pkey", "-in", path, "-pubout"):
                if path not in fs:
                    return 1, b"", b"Could not open file or uri for loading key\n"
                key = pki.load_private_key(Secret(fs[path].data))
                return 0, key.public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo), b""
        return 127, b"", f"sh: 1: {shlex.join(argv)}: not found (fake world)\n".encode()


class WorldTransport:
    kind = "fake"

    def __init__(self, world: World, host: str) -> None:
        self.world, self.host = world, host

    async def run(self, argv, *, stdin=None, env=None, timeout=None, on_output=None) -> CommandResult:
        started = time.time()
        data = stdin.reveal() if isinstance(stdin, Secret) else (stdin or b"")
        status, out, err = await self.world.run(self.host, tuple(argv), data)
        if on_output is not None:
            for stream, chunk in (("stdout", out), ("stderr", err)):
                if chunk:
                    on_output(stream, chunk)
        return CommandResult(self.host, tuple(argv), status, out, err, started=started, ended=time.time())

    async def close(self) -> None:
        pass


def world_pool(world: World, log_path) -> WorkerPool:
    return WorkerPool(lambda host: WorldTransport(world, host), ActionLog(log_path), cluster="fake",
                      transport_kind="demo")


# --- the fake itself ------------------------------------------------------------------------

def test_the_world_parses_as_a_cluster():
    from tui.pacemaker.crm_mon import parse_status
    from tui.pacemaker.model import NodeKind, Snapshot
    world = World()
    world.online.discard("rn1")
    snap = parse_status(world.crm_mon().encode(), 0, "")
    assert isinstance(snap, Snapshot)
    kinds = {n.name: n.kind for n in snap.nodes}
    assert kinds["rn1"] is NodeKind.REMOTE and kinds["gn1"] is NodeKind.GUEST and kinds["n1"] is NodeKind.CLUSTER
    assert not snap.node("rn1").online and snap.node("gn1").online


async def test_a_key_made_on_a_node_gives_a_csr_for_that_node():
    world = World()
    path = nodecmds.TLS_DIR + "/node.key"
    assert (await world.run("n1", nodecmds.generate_key(path), b""))[0] == 0
    status, csr, _ = await world.run("n1", nodecmds.make_csr(path, "n1"), b"")
    assert status == 0 and b"CERTIFICATE REQUEST" in csr
    assert world.node("n1").fs[path].mode == 0o600
