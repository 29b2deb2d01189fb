"""tui.ops.certs.authview: the auth mode in effect per node, the authkey compared by hash,
the certificate's facts, the cluster-level findings; on the simulator (every node PSK with
the cluster's key) and with a scripted pool; never an exception, never an authkey byte."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from tests.hostile import ALL, short
from tests.ops.test_certs_support import NOW, T0
from tui.ops import files
from tui.ops.certs import pki
from tui.ops.certs.authview import (
    AuthSettings,
    NodeAuth,
    auth_settings,
    collect_auth,
    findings,
    node_json,
    summarize,
    to_json,
)
from tui.pacemaker import cib, commands
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.model import Node, NodeKind, Snapshot, Summary
from tui.remote.pool import WorkerPool
from tui.remote.transport import CommandResult, TransportError
from tui.sim import DemoCluster, demo_transport_factory
from tui.sim.commands import execute
from tui.sim.hosts import AUTHKEY, SYSCONFIG

WANTED = ("node1", "node2", "node3", "rn1", "rn2", "gn1", "gn2")  # no bundle replicas


# --- the parser ----------------------------------------------------------------------------

def test_nothing_set_is_psk():
    s = auth_settings("# PCMK_ca_file=/etc/pki/ca.pem\n#export PCMK_cert_file=/c\n\nPCMK_debug=yes\n")
    assert s == AuthSettings()
    assert s.mode == "psk" and s.authkey_path == AUTHKEY


def test_all_three_is_x509_with_export_quotes_and_comments():
    s = auth_settings('export PCMK_ca_file="/etc/pki/ca.pem"\n'
                      "  PCMK_cert_file='/etc/pki/my cert.pem'  # the node's\n"
                      "PCMK_key_file=/etc/pki/key.pem\r\n"
                      "PCMK_crl_file=/etc/pki/crl.pem\n"
                      "PCMK_authkey_location=/etc/pacemaker/other-key")
    assert (s.mode, s.missing) == ("x509", ())
    assert (s.ca_file, s.cert_file, s.key_file, s.crl_file) == (
        "/etc/pki/ca.pem", "/etc/pki/my cert.pem", "/etc/pki/key.pem", "/etc/pki/crl.pem")
    assert s.authkey_path == "/etc/pacemaker/other-key"


@pytest.mark.parametrize("present, missing", [
    (("PCMK_ca_file", "PCMK_cert_file"), ("PCMK_key_file",)),
    (("PCMK_ca_file", "PCMK_key_file"), ("PCMK_cert_file",)),
    (("PCMK_cert_file", "PCMK_key_file"), ("PCMK_ca_file",)),
    (("PCMK_cert_file",), ("PCMK_ca_file", "PCMK_key_file")),
])
def test_some_of_the_three_is_partial_naming_the_missing(present, missing):
    s = auth_settings("".join(f"{name}=/x/{name}\n" for name in present))
    assert (s.mode, s.missing) == ("partial", missing)


def test_later_assignment_wins_and_empty_is_unset():
    text = "PCMK_ca_file=/a\nPCMK_cert_file=/c\nPCMK_key_file=/k\nPCMK_ca_file=/b\n"
    assert auth_settings(text).ca_file == "/b"
    s = auth_settings(text + 'PCMK_key_file=""\n')
    assert (s.mode, s.missing) == ("partial", ("PCMK_key_file",))


def test_an_unbalanced_quote_hides_only_its_own_line():
    s = auth_settings("PCMK_ca_file=/ca\nPCMK_cert_file='/c\nPCMK_key_file=/k\n")
    assert (s.ca_file, s.cert_file, s.key_file) == ("/ca", None, "/k")
    assert s.mode == "partial"


@pytest.mark.parametrize("value", ALL, ids=short)
def test_hostile_values_never_raise(value):
    for text in (f"PCMK_cert_file={value}\n", f"PCMK_ca_file='{value}'\n", value, f'export {value}="\n'):
        s = auth_settings(text)
        assert s.mode in ("psk", "partial", "x509")


# --- the simulator -------------------------------------------------------------------------

class Sim:
    def __init__(self, seed: int = 3) -> None:
        self.now = 1_000_000_000.0
        self.state = DemoCluster(seed=seed, clock=self.clock, life=False)
        self.state.tick(self.now + 10)
        self.pool = WorkerPool(demo_transport_factory(self.state, latency=(0, 0)), None)
        self.calls = []
        run = self.pool.run

        async def spy(host, argv, **kwargs):  # every probe is a read
            self.calls.append((host, tuple(argv), kwargs.get("read"), kwargs.get("mutates", False)))
            return await run(host, argv, **kwargs)
        self.pool.run = spy

    def clock(self) -> float:
        self.now += 0.5
        return self.now

    def snapshot(self, version: str | None = None) -> Snapshot:
        rc, out, _ = execute(self.state, "node1", commands.crm_mon_status())
        snap = parse_status(out.encode(), rc)
        rc, out, _ = execute(self.state, "node1", commands.cib_configuration())
        snap = cib.join(snap, cib.parse_configuration(out.encode()))
        return dataclasses.replace(snap, pacemaker_version=version) if version else snap

    async def collect(self, version: str | None = None):
        return await collect_auth(self.pool, self.snapshot(version), default_host="node1")

    def env(self, host: str, text: str) -> None:
        machine = self.state.host(host)
        before = machine.fs.get(SYSCONFIG).content.decode()
        machine.fs.write(SYSCONFIG, (before + text).encode(), mode=0o644)

    def put(self, host: str, path: str, content: bytes, mode: int = 0o644) -> None:
        fs = self.state.host(host).fs
        fs.makedirs(path.rsplit("/", 1)[0])
        fs.write(path, content, mode=mode)


@pytest.fixture
async def sim():
    s = Sim()
    yield s
    await s.pool.close()


class Certs:
    def __init__(self) -> None:
        self.ca, self.ca_key = pki.create_ca("cluster CA", 3650, now=T0)
        self.other_ca, self.other_key = pki.create_ca("other CA", 3650, now=T0)

    def node(self, name: str, days: int = 365, *, ca=None, ca_key=None):
        key = pki.make_key()
        csr = pki.make_csr(key, name)
        return pki.sign_csr(csr, ca or self.ca, ca_key or self.ca_key, days=days, now=T0, node_name=name), key


@pytest.fixture(scope="module")
def certs():
    return Certs()


X509_ENV = ("PCMK_ca_file=/etc/pacemaker/ca.pem\nexport PCMK_cert_file=\"/etc/pacemaker/cert.pem\"\n"
            "PCMK_key_file=/etc/pacemaker/key.pem\n")


def install_x509(sim: Sim, host: str, certs: Certs, *, days: int = 365, ca=None, ca_key=None, env=X509_ENV):
    cert, key = certs.node(host, days, ca=ca, ca_key=ca_key)
    sim.put(host, "/etc/pacemaker/ca.pem", ca or certs.ca)
    sim.put(host, "/etc/pacemaker/cert.pem", cert)
    sim.put(host, "/etc/pacemaker/key.pem", key.reveal(), mode=0o600)
    sim.env(host, env)
    return cert


def by_name(nodes) -> dict[str, NodeAuth]:
    return {n.node: n for n in nodes}


async def test_every_node_psk_with_the_same_key(sim):
    nodes = await sim.collect()
    assert tuple(n.node for n in nodes) == WANTED
    digest = files.digest(sim.state.authkey)
    for n in nodes:
        assert (n.mode, n.reachable, n.problems, n.cert) == ("psk", True, (), None), n
        assert n.authkey_sha256 == digest and n.authkey_path == AUTHKEY
        assert n.version == "3.0.0" and n.version_ok is True  # each node's own pacemakerd --version
    assert by_name(nodes)["gn1"].kind == "guest" and by_name(nodes)["rn1"].kind == "remote"
    assert summarize(nodes, now=NOW) == ()
    # reads only, each node asked directly, the key never read (only hashed)
    assert all(read is True and not mutates for _, _, read, mutates in sim.calls)
    assert {h for h, *_ in sim.calls} == set(WANTED)
    assert not any(argv[0] == "cat" and AUTHKEY in argv for _, argv, *_ in sim.calls)


async def test_a_remote_with_another_key_is_named(sim):
    sim.state.host("rn2").fs.write(AUTHKEY, b"another key" * 30, owner="hacluster", group="haclient", mode=0o400)
    nodes = await sim.collect()
    assert by_name(nodes)["rn2"].authkey_sha256 == files.digest(b"another key" * 30)
    found = summarize(nodes, now=NOW)
    assert len(found) == 1 and found[0].startswith("error: the authkey is not identical: ")
    majority, minority = found[0].split(": ", 2)[2].split(" vs ")
    assert majority.startswith("node1, node2, node3, rn1, gn1, gn2 (sha256 ")
    assert minority == f"rn2 (sha256 {files.digest(b'another key' * 30)[:12]}…)"


async def test_authkey_location_is_followed(sim):
    sim.put("rn1", "/etc/pacemaker/moved", sim.state.authkey, mode=0o400)
    sim.state.host("rn1").fs.remove(AUTHKEY)
    sim.env("rn1", "PCMK_authkey_location=/etc/pacemaker/moved\n")
    n = by_name(await sim.collect())["rn1"]
    assert (n.authkey_path, n.authkey_sha256, n.problems) == (
        "/etc/pacemaker/moved", files.digest(sim.state.authkey), ())


async def test_a_missing_authkey_is_a_problem_on_psk(sim):
    sim.state.host("gn2").fs.remove(AUTHKEY)
    n = by_name(await sim.collect())["gn2"]
    assert n.authkey_sha256 is None and n.reachable
    assert n.problems == (f"no authkey at {AUTHKEY}",)


async def test_x509_on_a_host_gives_its_certificate_facts(sim, certs):
    install_x509(sim, "rn1", certs)
    nodes = by_name(await sim.collect("3.0.0"))
    n = nodes["rn1"]
    assert (n.mode, n.missing, n.version_ok, n.problems) == ("x509", (), True, ())
    assert n.cert.subject == "CN=rn1" and n.cert.issuer == "CN=cluster CA"
    assert n.cert.days_left(NOW) == (T0 + dt.timedelta(days=365) - NOW).days
    assert n.ca_sha256 == pki.fingerprint(pki.load_certificate(certs.ca))
    assert n.authkey_sha256 == files.digest(sim.state.authkey)  # hashed, not needed
    # only rn1 is on X.509: the others on PSK cannot talk to it
    found = summarize(nodes.values(), now=NOW)
    assert found == ("error: mixed modes: X.509 on rn1, PSK on node1, node2, node3, rn2, gn1, gn2: "
                     "connections between them fail",)
    # the private key file is never read
    assert not any("/etc/pacemaker/key.pem" in argv for _, argv, *_ in sim.calls)


async def test_on_pacemaker_2_the_variables_are_ignored(sim, certs):
    install_x509(sim, "rn1", certs)
    for host in ("node1", "node2", "node3", "rn1", "rn2", "gn1", "gn2"):
        sim.state.host(host).version = "2.1.5"  # each node says so itself (pacemaker-remoted --version)
    n = by_name(await sim.collect())["rn1"]
    assert n.version == "2.1.5"
    assert n.mode == "psk" and n.settings.mode == "x509" and n.cert is None
    assert n.problems == ("Pacemaker 2.1.5 ignores PCMK_ca_file, PCMK_cert_file, PCMK_key_file: "
                          "PSK is in effect (X.509 needs 3.0.0)",)


async def test_two_of_three_is_partial_naming_the_missing_one(sim, certs):
    install_x509(sim, "gn1", certs, env="PCMK_ca_file=/etc/pacemaker/ca.pem\nPCMK_cert_file=/etc/pacemaker/cert.pem\n")
    nodes = await sim.collect("3.0.0")
    n = by_name(nodes)["gn1"]
    assert (n.mode, n.missing, n.cert) == ("partial", ("PCMK_key_file",), None)
    assert any("PCMK_key_file" in p for p in n.problems)
    assert ("error: gn1: X.509 partly configured (PCMK_key_file missing): the daemon silently stays on PSK"
            in summarize(nodes, now=NOW))


async def test_all_x509_expiry_and_ca_findings(sim, certs):
    for name in WANTED:
        install_x509(sim, name, certs, days=3000)
    nodes = await sim.collect("3.0.0")
    assert {n.mode for n in nodes} == {"x509"} and all(n.problems == () for n in nodes)
    assert summarize(nodes, now=NOW) == ()
    # a differing authkey no longer matters: X.509 does not use it
    sim.state.host("rn2").fs.write(AUTHKEY, b"x" * 256, mode=0o400)
    assert summarize(await sim.collect("3.0.0"), now=NOW) == ()
    # rn1 expires soon, gn2 has expired, rn2 trusts another CA
    install_x509(sim, "rn1", certs, days=170)
    install_x509(sim, "gn2", certs, days=30)
    install_x509(sim, "rn2", certs, ca=certs.other_ca, ca_key=certs.other_key)
    nodes = by_name(await sim.collect("3.0.0"))
    found = summarize(nodes.values(), now=NOW)
    left = (T0 + dt.timedelta(days=170) - NOW).days
    assert 0 <= left < 30
    assert f"warning: rn1: the certificate expires in {left} day(s) (2026-06-20)" in found
    assert "error: gn2: the certificate expired on 2026-01-31" in found
    assert any(f.startswith("error: different CA files: ") and "rn2 (" in f for f in found)
    assert found[-1].startswith("warning:")  # errors first
    # the node's certificate verifies against its own CA file: no problem there
    assert nodes["rn2"].problems == ()
    js = to_json(nodes.values(), now=NOW)
    rows = {r["node"]: r for r in js["nodes"]}
    assert rows["gn2"]["certificate"]["state"] == "error" and rows["rn1"]["certificate"]["state"] == "warning"
    assert rows["rn1"]["certificate"]["days_left"] == left


async def test_a_certificate_from_another_ca_than_the_ca_file(sim, certs):
    install_x509(sim, "rn1", certs)
    cert, _ = certs.node("rn1", ca=certs.other_ca, ca_key=certs.other_key)
    sim.put("rn1", "/etc/pacemaker/cert.pem", cert)
    n = by_name(await sim.collect("3.0.0"))["rn1"]
    assert n.cert.issuer == "CN=other CA"
    assert n.problems == ("the certificate /etc/pacemaker/cert.pem is not signed by a CA in "
                          "/etc/pacemaker/ca.pem: its peers' checks fail",)


async def test_unreadable_certificate_files_are_problems(sim, certs):
    install_x509(sim, "rn1", certs)
    sim.state.host("rn1").fs.remove("/etc/pacemaker/cert.pem")
    sim.put("rn1", "/etc/pacemaker/ca.pem", b"not a pem at all")
    n = by_name(await sim.collect("3.0.0"))["rn1"]
    assert n.mode == "x509" and n.cert is None and n.ca_sha256 is None and n.reachable
    assert n.problems[0].startswith("cannot read certificate /etc/pacemaker/cert.pem: exit 1")
    assert n.problems[1] == "CA file /etc/pacemaker/ca.pem: not a PEM certificate"


async def test_a_cert_path_that_is_the_authkey_is_not_read(sim):
    sim.env("rn1", f"PCMK_ca_file={AUTHKEY}\nPCMK_cert_file={AUTHKEY}\nPCMK_key_file=/k\n")
    nodes = await sim.collect("3.0.0")
    n = by_name(nodes)["rn1"]
    assert not any(argv[:1] == ("cat",) and AUTHKEY in argv for _, argv, *_ in sim.calls)
    assert any("is also the private key or the authkey file: not read" in p for p in n.problems)
    assert_no_key_bytes(nodes, sim.state.authkey)


async def test_a_guest_whose_vm_is_stopped_is_a_problem_not_a_crash(sim):
    for where in sim.state.hosts_of("vm-gn1"):
        sim.state.stop("vm-gn1", where)
    nodes = await sim.collect()
    n = by_name(nodes)["gn1"]
    assert n.reachable is False and n.authkey_sha256 is None
    assert n.problems[0].startswith("cannot reach gn1: connect to 10.20.0.41 port 22: No route to host")
    assert "warning: not checked (unreachable): gn1" in summarize(nodes, now=NOW)
    assert all(m.reachable for m in nodes if m.node != "gn1")


def strings(value):
    """Every string inside a returned value (dataclasses, tuples, dicts), as it is."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (bytes, bytearray)):
        yield bytes(value).decode("utf-8", "surrogateescape")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from strings(getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for item in value:
            yield from strings(item)


def assert_no_key_bytes(nodes, key: bytes, now=NOW):
    """No 8-byte run of the key in any value, summary or JSON: raw, hex or escaped."""
    js = to_json(nodes, now=now)
    blob = "\n".join([*strings(tuple(nodes)), *summarize(nodes, now=now), *strings(js),
                      json.dumps(js, ensure_ascii=True)])
    decoded = key.decode("utf-8", "surrogateescape")
    for i in range(0, len(key) - 8, 4):
        piece = key[i:i + 8]
        assert piece.hex() not in blob.lower() and repr(piece)[2:-1] not in blob
    for i in range(0, len(decoded) - 8, 4):
        assert decoded[i:i + 8] not in blob


async def test_no_authkey_byte_in_any_value_or_json(sim, certs):
    install_x509(sim, "rn1", certs)
    for version in (None, "3.0.0"):
        nodes = await sim.collect(version)
        assert_no_key_bytes(nodes, sim.state.authkey)


async def test_json_is_exact_and_ascii_safe(sim, certs):
    install_x509(sim, "rn1", certs)
    nodes = await sim.collect("3.0.0")
    js = to_json(nodes, now=NOW)
    text = json.dumps(js, ensure_ascii=True)
    assert text.isascii() and json.loads(text) == js
    row = next(r for r in js["nodes"] if r["node"] == "rn1")
    assert row["mode"] == "x509" and row["files"]["cert"] == "/etc/pacemaker/cert.pem"
    assert row["certificate"]["subject"] == "CN=rn1" and row["certificate"]["not_after"].endswith("Z")
    assert row["authkey"] == {"path": AUTHKEY, "sha256": files.digest(sim.state.authkey)}
    assert js["findings"][0]["level"] == "error"


# --- a scripted pool: what the simulator does not do ------------------------------------------

class Pool:
    def __init__(self, answer):
        self.answer = answer

    async def run(self, host, argv, *, purpose, read=False, timeout=None, **kwargs):
        assert read is True
        got = self.answer(host, tuple(argv))
        if isinstance(got, Exception):
            raise got
        status, out, err = got
        return CommandResult(host, tuple(argv), status, out.encode(), err.encode())


def snapshot(*names, version="3.0.0-abc"):
    kinds = {"n": NodeKind.CLUSTER, "r": NodeKind.REMOTE, "g": NodeKind.GUEST, "b": NodeKind.BUNDLE,
             "p": NodeKind.PING}
    nodes = tuple(Node(n, n, kinds[n[0]], online=True) for n in names)
    return Snapshot(Summary(), nodes=nodes, pacemaker_version=version)


async def test_transport_errors_timeouts_and_odd_hosts_become_problems():
    key = "ab" * 32

    def answer(host, argv):
        if host == "r-down":
            return TransportError(host, "Connection refused", hint="is sshd running?")
        if host == "g-slow" and argv[0] == "cat":
            return None, "", ""
        if argv[0] == "cat":
            return (1, "PCMK_debug=no\n", "cat: /etc/default/pacemaker: No such file or directory\n")
        if argv[0] == "sha256sum":
            return (0, f"{key}  {argv[1]}\n", "") if host != "n2" else (126, "", "sha256sum: Permission denied\n")
        return 127, "", "not found"

    nodes = await collect_auth(Pool(answer), snapshot("n1", "n2", "r-down", "g-slow", "b-0", "p-q"),
                               default_host="n1")
    got = by_name(nodes)
    assert set(got) == {"n1", "n2", "r-down", "g-slow"}  # no bundle, no ping node
    assert got["n1"].problems == () and got["n1"].authkey_sha256 == key  # exit 1 of cat is fine
    assert got["n2"].reachable and got["n2"].problems == (
        f"cannot hash the authkey {AUTHKEY}: exit 126: sha256sum: Permission denied",)
    assert got["r-down"].problems == ("cannot reach r-down: Connection refused (is sshd running?)",)
    assert got["g-slow"].reachable is False and got["g-slow"].problems[0].startswith("cannot reach g-slow")
    assert summarize(nodes, now=NOW) == ("warning: not checked (unreachable): r-down, g-slow",)


@pytest.mark.parametrize("value", ALL, ids=short)
async def test_hostile_paths_and_certificates_stay_one_line(value, certs):
    cert, _ = certs.node("rn1")
    env = f"PCMK_ca_file={value}\nPCMK_cert_file=/c\nPCMK_key_file=/k\n"

    def answer(host, argv):
        if argv == ("cat", "/etc/sysconfig/pacemaker", "/etc/default/pacemaker"):
            return 0, env, ""
        if argv == ("cat", "/c"):
            return 0, cert.decode(), ""
        if argv[0] == "cat":
            return 1, "", f"cat: {value}: No such file\n"
        return 1, "", f"sha256sum: {value}: No such file or directory\n"

    nodes = await collect_auth(Pool(answer), snapshot("r1"), default_host="n1")
    for p in nodes[0].problems + summarize(nodes, now=NOW):
        assert "\n" not in p and "\x1b" not in p and len(p) < 1000
    assert json.dumps(to_json(nodes, now=NOW), ensure_ascii=True).isascii()
    assert all("\n" not in f.text and "\x1b" not in f.text for f in findings(nodes, now=NOW))


async def test_the_version_is_each_nodes_own(sim):
    sim.state.host("rn2").version = "2.1.9"
    nodes = by_name(await sim.collect("3.0.0"))
    assert nodes["rn2"].version == "2.1.9" and nodes["rn2"].version_ok is False
    assert nodes["node1"].version == "3.0.0" and nodes["node1"].version_ok is True
    assert node_json(nodes["rn2"])["pacemaker_version"] == "2.1.9"
    asked = {(h, argv) for h, argv, *_ in sim.calls if argv[-1:] == ("--version",)}
    assert ("rn2", ("pacemaker-remoted", "--version")) in asked and ("node1", ("pacemakerd", "--version")) in asked
