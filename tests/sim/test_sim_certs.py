"""X.509 on the simulator: every nodecmds "X.509" argv answered, and a conversion by raw argv
that comes out as Pacemaker 3.0.0 does (../shared/LAB-FACTS.md "X.509 remote connections").

The conversion here is the contract's order done by hand: keys made on the nodes, CSRs read
back and signed with tui.ops.certs.pki, certificates and the CA written back, the env files
set, maintenance on, pacemaker_remote restarted on every remote and guest node, then
pacemaker on each cluster node. Each failure class leaves rn1 offline with the wording the
real daemons use; putting the env files back and restarting returns every node to PSK.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from tui.ops.certs import pki
from tui.pacemaker import commands, nodecmds as n
from tui.sim.commands import execute
from tui.sim.hosts import LOG_FILE, SYSCONFIG, SYSCONFIG_TEXT
from tui.sim.render import crm_mon_xml
from tui.sim.state import HANG_SECONDS, MARK_SECONDS, RECONNECT_SECONDS, RESTART_SECONDS, STUCK_STOP_SECONDS

CLUSTER = ("node1", "node2", "node3")
REMOTES = ("rn1", "rn2", "gn1", "gn2")  # remote and guest nodes
KINDS = {**{c: "cluster" for c in CLUSTER}, "rn1": "remote", "rn2": "remote", "gn1": "guest", "gn2": "guest"}
KEY, CERT, CA, CRL = (f"{n.TLS_DIR}/{f}" for f in ("node.key", "node.crt", "ca.crt", "crl.pem"))
ENVIRON = {"pacemaker-remoted": n.daemon_tls_environ("pacemaker-remoted"),
           "pacemaker-controld": n.daemon_tls_environ("pacemaker-controld")}


def sh(sim, host, argv, stdin=b""):
    return execute(sim, host, tuple(argv), stdin)


def ok(sim, host, argv, stdin=b"") -> str:
    rc, out, err = sh(sim, host, argv, stdin)
    assert rc == 0, (host, argv, out, err)
    return out


def now(sim) -> dt.datetime:
    return dt.datetime.fromtimestamp(sim.now, dt.timezone.utc)


def wait(sim, seconds: float) -> None:
    sim.tick(sim.now + seconds)


def status(sim, on="node2"):
    return etree.fromstring(crm_mon_xml(sim, origin=on).encode())


def online(sim, name: str) -> bool:
    """Online with its connection Started (LAB-FACTS: online alone is not enough)."""
    root = status(sim)
    node = next(el for el in root.iter("node") if el.get("name") == name and el.get("type"))
    conn = [el for el in root.iter("resource") if el.get("id") == name and el.get("resource_agent") == "ocf:pacemaker:remote"]
    return node.get("online") == "true" and bool(conn) and conn[0].get("role") == "Started"


def failures(sim):
    return [(f.get("op_key"), f.get("node"), f.get("exitreason"), f.get("status")) for f in status(sim).iter("failure")]


def log(sim, host: str) -> str:
    return (sim.host(host).fs.get(LOG_FILE).content or b"").decode()


@pytest.fixture
def ca(sim):
    return pki.create_ca("demo-prod CA", now=now(sim) - dt.timedelta(days=30))  # old enough to sign a past


def env_text(crl: bool = False) -> bytes:
    lines = [f"PCMK_ca_file={CA}", f"PCMK_cert_file={CERT}", f"PCMK_key_file={KEY}"]
    if crl:
        lines.append(f"PCMK_crl_file={CRL}")
    return (SYSCONFIG_TEXT + "\n" + "\n".join(lines) + "\n").encode()


def write(sim, host, path, data: bytes, mode="0644", group="haclient"):
    ok(sim, host, ("install", "-m", mode, "-o", "root", "-g", group, "/dev/stdin", path), data)


def issue(sim, ca, host, *, days=825, when=None) -> bytes:
    """Key on the node, CSR read back, signed here, certificate and CA written back."""
    ok(sim, host, n.make_tls_dir())
    ok(sim, host, n.generate_key(KEY))
    for argv in n.key_access(KEY):
        ok(sim, host, argv)
    csr = ok(sim, host, n.make_csr(KEY, host))
    cert = pki.sign_csr(csr, *ca, days=days, now=when or now(sim), node_name=host)
    write(sim, host, CERT, cert)
    write(sim, host, CA, ca[0])
    return cert


def prepare(sim, ca, crl=False):
    for host in CLUSTER + REMOTES:
        issue(sim, ca, host)
        write(sim, host, SYSCONFIG, env_text(crl))


def restart_all(sim):
    """Remotes and guests back to back, then each cluster node until it rejoined."""
    for host in REMOTES:
        ok(sim, host, n.restart("pacemaker_remote"))
    wait(sim, RESTART_SECONDS["pacemaker_remote"] + RECONNECT_SECONDS + 0.1)
    for host in CLUSTER:
        ok(sim, host, n.restart(n.CLUSTER_UNIT))
        wait(sim, 0.1)
        assert status(sim, on="node3" if host != "node3" else "node1").xpath(
            f"//nodes/node[@name='{host}']/@online") == ["false"]
        wait(sim, RESTART_SECONDS["pacemaker"] + RECONNECT_SECONDS + 0.1)


def wait_marked(sim):
    """Until the DC marked every remote/guest node in maintenance (what certs_convert's
    maintenance-seen step waits for): a remote restarted sooner hangs (findings-11)."""
    wait(sim, MARK_SECONDS)
    for name in REMOTES:  # only a connected one gets marked (findings-11)
        assert sh(sim, "node1", n.node_in_maintenance(name))[0] == (0 if online(sim, name) else 105)


def maintained(sim, restarts):
    """Maintenance on, the restarts, maintenance off: 3.0.0 reconnects only then."""
    ok(sim, "node1", commands.cluster_maintenance(True))
    wait_marked(sim)
    restarts(sim)
    assert not any(online(sim, r) for r in REMOTES)  # nothing reconnects in maintenance-mode
    ok(sim, "node1", commands.cluster_maintenance(False))
    wait(sim, RECONNECT_SECONDS + 0.1)


def convert(sim, ca, tweak=None, maintenance=True, crl=False):
    prepare(sim, ca, crl)
    if tweak is not None:
        tweak(sim)
    maintained(sim, restart_all) if maintenance else restart_all(sim)


def rollback(sim):
    for host in CLUSTER + REMOTES:
        write(sim, host, SYSCONFIG, SYSCONFIG_TEXT.encode(), group="root")
    maintained(sim, restart_all)


# ---- each argv -------------------------------------------------------------------------------


def test_versions_and_openssl_answer_as_the_packages(sim):
    banner = "Pacemaker 3.0.0\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"
    for host, kind in KINDS.items():
        assert sh(sim, host, n.pacemaker_version(kind)) == (0, banner, "")
    assert sh(sim, "rn1", n.pacemaker_version("cluster")) == (127, "", "bash: line 1: pacemakerd: command not found\n")
    sim.host("rn2").version = "2.1.5"
    assert sh(sim, "rn2", n.pacemaker_version("remote"))[1].startswith("Pacemaker 2.1.5\n")
    rc, out, _ = sh(sim, "node1", n.openssl_present())
    assert rc == 0 and out.startswith("OpenSSL 3.")
    sim.host("rn1").fs.remove("/usr/bin/openssl")
    assert sh(sim, "rn1", n.openssl_present()) == (127, "", "bash: line 1: openssl: command not found\n")


def test_tls_dir_key_csr_public_key_and_stat(sim):
    ok(sim, "rn1", n.make_tls_dir())
    ok(sim, "rn1", n.generate_key(KEY))
    fs = sim.host("rn1").fs
    node = fs.get(KEY)
    first = node.content
    assert (node.owner, node.group, node.mode) == ("root", "root", 0o600)
    key = serialization.load_pem_private_key(node.content, None)
    assert key.curve.name == "secp256r1"
    for argv in n.key_access(KEY):
        assert sh(sim, "rn1", argv) == (0, "", "")
    assert sh(sim, "rn1", n.stat_files(n.TLS_DIR, KEY)) == (
        0, f"root:haclient:750 {n.TLS_DIR}\nroot:haclient:640 {KEY}\n", "")
    csr = x509.load_pem_x509_csr(ok(sim, "rn1", n.make_csr(KEY, "rn1")).encode())
    assert csr.is_signature_valid and pki.csr_names(csr) == ["rn1"]
    public = ok(sim, "rn1", n.public_key(KEY))
    assert public.startswith("-----BEGIN PUBLIC KEY-----\n") and "PRIVATE" not in public
    assert pki.same_public_key(serialization.load_pem_public_key(public.encode()), key.public_key())
    ok(sim, "rn1", n.generate_key(KEY))  # again: a new key, the file keeps owner and mode
    again = fs.get(KEY)
    assert (again.owner, again.group, again.mode) == ("root", "haclient", 0o640) and again.content != first


def test_the_tools_word_their_errors_as_the_real_ones(sim):
    missing = "/etc/pacemaker/tls/nope.key"
    rc, out, err = sh(sim, "rn1", n.generate_key(missing))
    assert rc == 1 and err == f'genpkey: Can\'t open "{missing}" for writing, No such file or directory\n'
    rc, _, err = sh(sim, "rn1", n.make_csr(missing, "rn1"))
    assert rc == 1 and err.startswith(f"Could not open file or uri for loading private key from {missing}\n")
    rc, _, err = sh(sim, "rn1", n.public_key(missing))
    assert rc == 1 and err.startswith(f"Could not open file or uri for loading key from {missing}\n")
    owner, mode = n.key_access(missing)
    assert sh(sim, "rn1", owner) == (1, "", f"chown: cannot access '{missing}': No such file or directory\n")
    assert sh(sim, "rn1", mode) == (1, "", f"chmod: cannot access '{missing}': No such file or directory\n")
    assert sh(sim, "rn1", ("chown", "root:nogroup", "/etc")) == (1, "", "chown: invalid group: 'root:nogroup'\n")
    assert sh(sim, "rn1", n.stat_files(missing)) == (1, "", f"stat: cannot statx '{missing}': No such file or directory\n")
    assert sh(sim, "rn1", n.move_file(missing, KEY)) == (1, "", f"mv: cannot stat '{missing}': No such file or directory\n")
    assert sh(sim, "node1", n.cleanup_resource("zz"))[0] == 105
    assert sh(sim, "rn1", ("install", "-d", "-m", "0750", "-o", "root", "-g", "nogroup", n.TLS_DIR)) == (
        1, "", "install: invalid group 'nogroup'\n")


def test_move_file_and_cleanup(sim):
    ok(sim, "rn1", n.make_tls_dir())
    ok(sim, "rn1", n.generate_key(KEY + ".new"))
    new = sim.host("rn1").fs.get(KEY + ".new").content
    assert sh(sim, "rn1", n.move_file(KEY + ".new", KEY)) == (0, "", "")
    assert sim.host("rn1").fs.get(KEY).content == new and sim.host("rn1").fs.get(KEY + ".new") is None
    assert sh(sim, "node1", n.cleanup_resource("rn1"))[1].startswith("Cleaned up rn1 on node1\n")


def test_environ_script_answers_from_the_start_environment(sim, ca):
    assert sh(sim, "rn1", ENVIRON["pacemaker-remoted"]) == (0, "", "")
    assert sh(sim, "node1", ENVIRON["pacemaker-controld"]) == (0, "", "")
    assert sh(sim, "rn1", ENVIRON["pacemaker-controld"]) == (3, "", "")  # no such daemon there
    assert sh(sim, "node1", ("pgrep", "-x", "pacemaker-contr"))[0] == 0  # pacemakerd's child, 15-char comm
    assert sh(sim, "rn1", ("pgrep", "-x", "pacemaker-contr")) == (1, "", "")
    issue(sim, ca, "rn1")
    write(sim, "rn1", SYSCONFIG, env_text())
    assert sh(sim, "rn1", ENVIRON["pacemaker-remoted"]) == (0, "", "")  # not restarted yet
    ok(sim, "rn1", n.restart("pacemaker_remote"))
    assert sh(sim, "rn1", ENVIRON["pacemaker-remoted"]) == (3, "", "")  # stopped for a moment
    wait(sim, RESTART_SECONDS["pacemaker_remote"])
    assert sh(sim, "rn1", ENVIRON["pacemaker-remoted"]) == (
        0, f"PCMK_ca_file={CA}\nPCMK_cert_file={CERT}\nPCMK_key_file={KEY}\n", "")


# ---- the whole conversion ---------------------------------------------------------------------


def test_a_manual_conversion_ends_online_on_certificates(sim, ca):
    convert(sim, ca)
    assert all(online(sim, r) for r in REMOTES)
    for host in REMOTES:
        assert f"PCMK_cert_file={CERT}\n" in ok(sim, host, ENVIRON["pacemaker-remoted"])
    for host in CLUSTER:
        assert f"PCMK_cert_file={CERT}\n" in ok(sim, host, ENVIRON["pacemaker-controld"])
    # the authkey is not used any more: gone everywhere, a reconnect still works
    for host in CLUSTER + REMOTES:
        ok(sim, host, ("rm", "-f", "/etc/pacemaker/authkey"))
    for host in REMOTES:
        ok(sim, host, n.restart("pacemaker_remote"))
    wait(sim, RESTART_SECONDS["pacemaker_remote"] + RECONNECT_SECONDS + 0.1)
    assert failures(sim) == [] and all(online(sim, r) for r in REMOTES)


def test_in_maintenance_mode_the_remotes_reconnect_only_when_it_ends(sim, ca):
    """findings-11 (a), (b): measured on 3.0.0."""
    prepare(sim, ca)
    ok(sim, "node1", commands.cluster_maintenance(True))
    wait_marked(sim)
    for host in ("rn1", "gn1"):  # the two node1 holds
        ok(sim, host, n.restart("pacemaker_remote"))
    wait(sim, 60)
    assert not online(sim, "rn1") and not online(sim, "gn1")
    ok(sim, "node1", n.restart(n.CLUSTER_UNIT))
    wait(sim, RESTART_SECONDS["pacemaker"] + RECONNECT_SECONDS + 60)
    assert status(sim).xpath("//nodes/node[@name='node1']/@online") == ["true"]
    assert not online(sim, "rn1") and not online(sim, "gn1") and online(sim, "rn2")
    ok(sim, "node1", commands.cluster_maintenance(False))
    assert not online(sim, "rn1")
    wait(sim, RECONNECT_SECONDS)
    assert online(sim, "rn1") and online(sim, "gn1") and failures(sim) == []


def test_the_restarts_open_a_real_disconnect_window(sim, ca):
    prepare(sim, ca)
    ok(sim, "rn1", n.restart("pacemaker_remote"))
    assert not online(sim, "rn1")
    wait(sim, RESTART_SECONDS["pacemaker_remote"] + RECONNECT_SECONDS + 0.1)
    assert not online(sim, "rn1")  # node1 is still on PSK: the sides disagree
    ok(sim, "node1", n.restart(n.CLUSTER_UNIT))
    wait(sim, RESTART_SECONDS["pacemaker"] + 0.1)
    assert not online(sim, "rn1")  # node1 is back, the reconnect comes a moment later
    wait(sim, RECONNECT_SECONDS)
    assert online(sim, "rn1")


def test_a_remote_restarted_before_the_dc_marked_it_hangs_in_its_stop(sim, ca):
    """findings-11 DANGER: the controller ACKs the shutdown, remoted waits for resources
    maintenance never stops (the lab's SIGKILL after 60 s; a real unit: 30 min)."""
    ok(sim, "node1", commands.cluster_maintenance(True))
    assert sh(sim, "node1", n.node_in_maintenance("rn1"))[0] == 105  # not marked yet
    ok(sim, "rn1", n.restart("pacemaker_remote"))
    assert sh(sim, "rn1", ("systemctl", "is-active", "pacemaker_remote")) == (3, "deactivating\n", "")
    assert "rn1 requested shutdown of its remote connection" in log(sim, "node1")
    assert "IPC proxy provider acknowledged shutdown request" in log(sim, "rn1")
    wait(sim, 30)
    assert sh(sim, "rn1", ("systemctl", "is-active", "pacemaker_remote"))[1] == "deactivating\n"
    wait(sim, STUCK_STOP_SECONDS - 30 + RESTART_SECONDS["pacemaker_remote"])
    assert sh(sim, "rn1", ("systemctl", "is-active", "pacemaker_remote")) == (0, "active\n", "")


def test_once_marked_a_remote_restarts_at_once(sim, ca):
    ok(sim, "node1", commands.cluster_maintenance(True))
    wait_marked(sim)
    ok(sim, "rn1", n.restart("pacemaker_remote"))
    assert sh(sim, "rn1", ("systemctl", "is-active", "pacemaker_remote")) == (3, "inactive\n", "")
    wait(sim, RESTART_SECONDS["pacemaker_remote"])
    assert sh(sim, "rn1", ("systemctl", "is-active", "pacemaker_remote")) == (0, "active\n", "")
    ok(sim, "node1", commands.cluster_maintenance(False))
    wait(sim, MARK_SECONDS)
    assert sh(sim, "node1", n.node_in_maintenance("rn1"))[0] == 105


def test_maintenance_mode_hides_failures_and_fences_no_remote(sim, ca):
    prepare(sim, ca)
    ok(sim, "node1", commands.cluster_maintenance(True))
    wait_marked(sim)
    ok(sim, "rn1", n.restart("pacemaker_remote"))
    wait(sim, 5)
    root = status(sim)
    rn1 = root.xpath("//nodes/node[@name='rn1']")[0]
    assert rn1.get("online") == "false" and rn1.get("unclean") == "false" and root.find("failures") is None


def test_rollback_returns_every_node_to_psk_online(sim, ca):
    convert(sim, ca)
    rollback(sim)
    assert all(online(sim, r) for r in REMOTES)
    assert all(ok(sim, h, ENVIRON["pacemaker-remoted"]) == "" for h in REMOTES)


# ---- each failure class leaves rn1 offline, worded as Pacemaker 3.0.0 ------------------------


def _other_ca(sim, ca):
    other = pki.create_ca("someone else's CA", now=now(sim))
    issue(sim, other, "rn1")
    write(sim, "rn1", CA, ca[0])  # rn1 still trusts the cluster's CA


def _expired(sim, ca):
    issue(sim, ca, "rn1", days=1, when=now(sim) - dt.timedelta(days=10))


def _key_mismatch(sim, ca):
    ok(sim, "rn1", n.generate_key(KEY))  # a new key after the certificate was issued


def _unreadable_by_hacluster(sim, ca):
    ok(sim, "node1", ("chown", "root:root", KEY))
    ok(sim, "node1", ("chmod", "0600", KEY))


def _revoked(sim, ca):
    serial = x509.load_pem_x509_certificate(sim.host("rn1").fs.get(CERT).content).serial_number
    write(sim, "node1", CRL, pki.make_crl(*ca, [serial], now=now(sim)))
    text = sim.host("node1").fs.get(SYSCONFIG).content + f"PCMK_crl_file={CRL}\n".encode()
    write(sim, "node1", SYSCONFIG, text)


def _missing_crl(sim, ca):
    text = sim.host("node1").fs.get(SYSCONFIG).content + f"PCMK_crl_file={CRL}\n".encode()
    write(sim, "node1", SYSCONFIG, text)


def _cluster_cert_from_other_ca(sim, ca):
    other = pki.create_ca("someone else's CA", now=now(sim))
    issue(sim, other, "node1")
    write(sim, "node1", CA, ca[0])


def _partial_on_rn1(sim, ca):
    text = SYSCONFIG_TEXT + f"PCMK_ca_file={CA}\nPCMK_cert_file={CERT}\n"  # no key: stays on PSK
    write(sim, "rn1", SYSCONFIG, text.encode())


REJECTED = "Key was rejected by service"
# what breaks, whose log says it, and which nodes go offline: a bad peer certificate costs
# that one connection; node1's own files unusable cost every connection node1 holds
CASES = {
    "other-ca": (_other_ca, "node1", "Peer certificate invalid: The certificate is NOT trusted. "
                                     "The certificate issuer is unknown.", {"rn1"}),
    "expired": (_expired, "node1", "Peer certificate invalid: The certificate is NOT trusted. "
                                   "The certificate chain uses expired certificate.", {"rn1"}),
    "revoked": (_revoked, "node1", "Peer certificate invalid: The certificate is NOT trusted. "
                                   "The certificate chain is revoked.", {"rn1"}),
    "unreadable-by-hacluster": (_unreadable_by_hacluster, "node1",
                                "Failed to set X509 cert/key pair: Error while reading file.", {"rn1", "gn1"}),
    "missing-crl": (_missing_crl, "node1", "Failed to set X509 CRL file: Error while reading file.", {"rn1", "gn1"}),
    "mixed-partial-remote": (_partial_on_rn1, "rn1", "TLS handshake with remote client failed: "
                                                      "No supported cipher suites have been found.", {"rn1"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_failure_leaves_the_node_offline_with_pacemakers_words(sim, ca, case):
    tweak, where, words, down = CASES[case]
    convert(sim, ca, tweak=lambda s: tweak(s, ca), maintenance=False)
    assert {r for r in REMOTES if not online(sim, r)} == down
    assert words in log(sim, where)
    assert ("rn1_start_0", "node1", REJECTED, "Error") in failures(sim)
    rollback(sim)
    ok(sim, "node1", commands.resource_cleanup())
    wait(sim, RECONNECT_SECONDS)
    assert all(online(sim, r) for r in REMOTES), failures(sim)


def test_a_key_that_does_not_match_makes_the_remote_daemon_exit(sim, ca):
    convert(sim, ca, tweak=lambda s: _key_mismatch(s, ca), maintenance=False)
    assert not online(sim, "rn1") and all(online(sim, r) for r in REMOTES if r != "rn1")
    text = log(sim, "rn1")
    assert "Failed to set X509 cert/key pair: The certificate and the given key do not match." in text
    assert "Failed to create TLS listener" in text
    assert sh(sim, "rn1", ("systemctl", "is-active", "pacemaker_remote")) == (3, "failed\n", "")
    rollback(sim)
    wait(sim, 61)  # refused connections are retried after reconnect_interval
    assert all(online(sim, r) for r in REMOTES)


def test_a_remote_rejecting_the_clusters_certificate_times_the_start_out(sim, ca):
    """LAB-FACTS' first danger: the cluster sees no rejection, its start times out."""
    convert(sim, ca, tweak=lambda s: _cluster_cert_from_other_ca(s, ca), maintenance=False)
    assert not online(sim, "rn1") and not online(sim, "gn1")
    assert "Certificate verification failed: The certificate is NOT trusted. The certificate issuer is unknown." \
        in log(sim, "rn1")
    assert failures(sim) == []  # nothing to see yet: the start is still waiting
    wait(sim, HANG_SECONDS)
    assert ("rn1_start_0", "node1", "", "Timed Out") in failures(sim) and not online(sim, "rn1")
    assert "Could not connect to Pacemaker Remote node rn1: Timer expired" in log(sim, "node1")


@pytest.mark.parametrize("side", ["cluster-psk", "remote-psk"])
def test_mixed_modes_fail_both_ways(sim, ca, side):
    prepare(sim, ca)
    if side == "cluster-psk":
        ok(sim, "rn1", n.restart("pacemaker_remote"))
        wait(sim, RESTART_SECONDS["pacemaker_remote"] + RECONNECT_SECONDS + 0.1)
    else:
        write(sim, "rn1", SYSCONFIG, SYSCONFIG_TEXT.encode())
        ok(sim, "node1", n.restart(n.CLUSTER_UNIT))
        wait(sim, RESTART_SECONDS["pacemaker"] + RECONNECT_SECONDS + 0.1)
    assert not online(sim, "rn1")
    assert ("rn1_start_0", "node1", REJECTED, "Error") in failures(sim)
    assert "TLS handshake with remote client failed: No supported cipher suites have been found." in log(sim, "rn1")


def test_the_demo_starts_on_psk_with_one_authkey_everywhere(sim):
    hashes = {ok(sim, h, n.sha256("/etc/pacemaker/authkey")).split()[0] for h in CLUSTER + REMOTES}
    assert len(hashes) == 1
    for host in CLUSTER + REMOTES:
        assert sim.host(host).fs.get(SYSCONFIG).content == SYSCONFIG_TEXT.encode()  # the package's template
        assert ok(sim, host, n.openssl_present()).startswith("OpenSSL ")
        assert sh(sim, host, n.stat_files(n.TLS_DIR))[0] == 1  # no certificates yet
    assert all(ok(sim, h, ENVIRON["pacemaker-remoted"]) == "" for h in REMOTES)
    assert all(ok(sim, h, ENVIRON["pacemaker-controld"]) == "" for h in CLUSTER)
    assert all(online(sim, r) for r in REMOTES)


def test_a_node_on_2_1_5_ignores_the_variables_and_stays_on_psk(sim, ca):
    """The version knob the gate tests use (SimHost.version): 2.1.x reads no PCMK_*_file."""
    sim.host("rn1").version = "2.1.5"
    assert ok(sim, "rn1", n.pacemaker_version("remote")).startswith("Pacemaker 2.1.5\n")
    issue(sim, ca, "rn1")
    write(sim, "rn1", SYSCONFIG, env_text())
    ok(sim, "rn1", n.restart("pacemaker_remote"))
    wait(sim, RESTART_SECONDS["pacemaker_remote"] + RECONNECT_SECONDS + 0.1)
    assert online(sim, "rn1")  # still PSK, like the cluster


def test_a_remote_lost_during_maintenance_comes_back_after_its_reconnect_interval(sim):
    ok(sim, "node1", commands.cluster_maintenance(True))
    wait_marked(sim)
    sim.drop_remote("rn1")  # the daemon died (no orderly restart)
    wait(sim, 70)
    assert not online(sim, "rn1")  # maintenance: no reconnect
    ok(sim, "node1", commands.cluster_maintenance(False))
    wait(sim, 11)
    assert online(sim, "rn1") and not sim.unclean("rn1")


def test_an_unconnected_remote_is_never_marked_in_maintenance(sim):
    """findings-11: after node1's restart the status has no node_state for a remote that is
    not connected, so node_in_maintenance never holds for it."""
    ok(sim, "rn1", ("systemctl", "stop", "pacemaker_remote"))
    ok(sim, "node1", commands.cluster_maintenance(True))
    wait(sim, MARK_SECONDS)
    assert sh(sim, "node1", n.node_in_maintenance("rn1"))[0] == 105
    assert sh(sim, "node1", n.node_in_maintenance("rn2"))[0] == 0


def test_a_cluster_node_restart_without_maintenance_restarts_its_resources(sim):
    calls = {rid: e.last.call for rid, e in sim.lrm["node1"].items() if e.role != "Stopped"}
    ok(sim, "node1", n.restart(n.CLUSTER_UNIT))
    wait(sim, RESTART_SECONDS["pacemaker"] + RECONNECT_SECONDS + 0.1)
    again = {rid: e.last.call for rid, e in sim.lrm["node1"].items() if e.role != "Stopped"}
    assert set(again) == set(calls) and all(again[rid] > calls[rid] for rid in calls)
    assert all(online(sim, r) for r in REMOTES)


def test_with_maintenance_a_cluster_node_restart_leaves_its_resources_alone(sim):
    calls = {rid: e.last.call for rid, e in sim.lrm["node1"].items() if e.role != "Stopped"
             and sim.remote_of(rid) is None}
    ok(sim, "node1", commands.cluster_maintenance(True))
    wait_marked(sim)
    ok(sim, "node1", n.restart(n.CLUSTER_UNIT))
    wait(sim, RESTART_SECONDS["pacemaker"] + RECONNECT_SECONDS + 0.1)
    assert {rid: e.last.call for rid, e in sim.lrm["node1"].items() if rid in calls} == calls
