"""`pcmk-console status --json` carries every node's authentication (the auth view of
tui.ops.certs.authview): an "auth" section, or `"auth": null` with "auth_error" where it is
not read (--no-auth) or cannot be (a saved file has no hosts); `status --auth` prints the
findings, plain `status` reads nothing of it (it costs what crm_mon costs). The reads run
concurrently and a node that does not answer costs one timeout, not one per file."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests import hostile
from tests.unit.test_verbs import private_dirs, run_cli  # noqa: F401 (fixture)
from tui.remote.transport import CommandResult
from tui.sim.transport import DemoTransport

_REAL_RUN = DemoTransport.run
NODE_KEYS = {"node", "kind", "reachable", "mode", "configured_mode", "missing", "pacemaker_version",
             "x509_supported", "files", "authkey", "certificate", "ca_sha256", "problems"}


def test_status_json_on_the_demo_has_every_nodes_auth(capsys):
    code, out, err = run_cli(capsys, "--demo", "status", "--json")
    assert code == 0, err
    data = json.loads(out)
    auth = data["auth"]
    assert "auth_error" not in data
    kinds = {n["node"]: n["kind"] for n in auth["nodes"]}
    assert sorted(kinds.values()).count("cluster") == 3 and list(kinds.values()).count("remote") == 2
    assert list(kinds.values()).count("guest") == 2
    for node in auth["nodes"]:
        assert set(node) == NODE_KEYS, node["node"]
        assert node["reachable"] is True and node["mode"] in ("psk", "x509", "partial")
        assert set(node["files"]) == {"ca", "cert", "key", "crl"} and set(node["authkey"]) == {"path", "sha256"}
    assert isinstance(auth["findings"], list)
    assert all(set(f) == {"level", "text"} for f in auth["findings"])


def test_status_json_holds_no_key(capsys):
    from tui.sim import DemoCluster

    code, out, err = run_cli(capsys, "--demo", "status", "--json")
    assert code == 0, err
    key = DemoCluster(seed=7, life=False).authkey
    assert key.hex()[:32] not in out and "BEGIN PRIVATE KEY" not in out and "BEGIN EC PRIVATE" not in out


def test_status_auth_prints_the_auth_heading(capsys):
    code, out, err = run_cli(capsys, "--demo", "status", "--auth")
    assert code == 0, err
    (heading,) = [line for line in out.splitlines() if line.startswith("Authentication: ")]
    assert heading == "Authentication: PSK on 7 node(s)"


def _auth_reads(monkeypatch) -> list:
    seen = []

    async def run(self, argv, **kwargs):
        if argv[0] != "sh":  # the status refresh is one `sh -c` script; the auth view is not
            seen.append((self.host, tuple(argv)))
        return await _REAL_RUN(self, argv, **kwargs)

    monkeypatch.setattr(DemoTransport, "run", run)
    return seen


def test_plain_status_reads_no_authentication(capsys, monkeypatch):
    seen = _auth_reads(monkeypatch)
    code, out, err = run_cli(capsys, "--demo", "status")
    assert code == 0, err
    assert "Authentication" not in out and seen == []


def test_status_json_no_auth_reads_none_and_says_so(capsys, monkeypatch):
    seen = _auth_reads(monkeypatch)
    code, out, err = run_cli(capsys, "--demo", "status", "--json", "--no-auth")
    assert code == 0, err
    data = json.loads(out)
    assert data["auth"] is None and data["auth_error"] == "not read (--no-auth)" and seen == []
    code, out, err = run_cli(capsys, "--demo", "status", "--json")
    assert json.loads(out)["auth"] is not None and seen  # without --no-auth: read on the nodes


def test_auth_and_no_auth_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exit:
        run_cli(capsys, "--demo", "status", "--auth", "--no-auth")
    assert exit.value.code == 2


def test_a_saved_crm_mon_output_has_no_hosts_to_read(capsys):
    from tests.unit.test_cli import saved_crm_mon

    code, out, err = run_cli(capsys, "status", "--json", "--xml", str(saved_crm_mon()))
    assert code == 0, err
    data = json.loads(out)
    assert data["auth"] is None and "saved file" in data["auth_error"]
    code, out, err = run_cli(capsys, "status", "--auth", "--xml", str(saved_crm_mon()))
    assert code == 0 and "Authentication: not read (a saved file" in out


@pytest.mark.skipif(not __import__("shutil").which("crm_mon"), reason="pacemaker-cli-utils not installed")
def test_a_saved_cib_reads_nothing_on_any_host(capsys, monkeypatch):
    from tests.unit.test_targets import CIB

    code, out, err = run_cli(capsys, "--cib-file", str(CIB), "status", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["auth"] is None and "saved file" in data["auth_error"]


def test_the_status_survives_an_auth_view_that_breaks(capsys, monkeypatch):
    from tui.ops.certs import authview

    async def broken(*args, **kwargs):
        raise RuntimeError("boom \x1b]0;x\x07")

    monkeypatch.setattr(authview, "collect_auth", broken)
    code, out, err = run_cli(capsys, "--demo", "status", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["auth"] is None and "RuntimeError" in data["auth_error"] and data["nodes"]
    code, out, err = run_cli(capsys, "--demo", "status", "--auth")
    assert code == 0 and "Authentication: not read" in out
    assert hostile.raw_controls(out) == []


def test_a_node_that_does_not_answer_costs_one_read_and_the_others_are_read_meanwhile(capsys, monkeypatch):
    """rn1 never answers (each read there runs into its timeout). The other nodes' reads start
    while rn1's first read is still waiting, nothing more is asked of rn1 once a read there
    timed out (so it costs one timeout, not one per file), and the status is printed with rn1
    marked unreachable."""
    from tui.ops.certs import authview

    monkeypatch.setattr(authview, "PROBE_TIMEOUT", 0.5)
    log: list[tuple[str, str]] = []

    async def run(self, argv, **kwargs):
        if self.host == "rn1" and argv[0] != "sh":  # the status refresh (sh -c crm_mon) goes elsewhere
            log.append(("start", "rn1"))
            await asyncio.sleep(kwargs.get("timeout") or 0)
            log.append(("end", "rn1"))
            return CommandResult(self.host, tuple(argv), None, timed_out=True, error="timed out")
        log.append(("start", self.host))
        return await _REAL_RUN(self, argv, **kwargs)

    monkeypatch.setattr(DemoTransport, "run", run)
    code, out, err = run_cli(capsys, "--demo", "status", "--json")
    assert code == 0, err
    nodes = {n["node"]: n for n in json.loads(out)["auth"]["nodes"]}
    assert nodes["rn1"]["reachable"] is False and nodes["rn1"]["problems"]
    assert all(n["reachable"] for name, n in nodes.items() if name != "rn1")
    # every read of rn1 starts before the first one has timed out: the node costs one timeout
    first, last = log.index(("start", "rn1")), log.index(("end", "rn1"))
    assert ("start", "rn1") not in log[last:], log
    others = {host for kind, host in log[first:last] if kind == "start" and host != "rn1"}
    assert {"node2", "rn2", "gn1"} <= others, log
    findings = json.loads(out)["auth"]["findings"]
    assert any("rn1" in f["text"] and "unreachable" in f["text"] for f in findings)


@pytest.mark.parametrize("value", hostile.ESCAPES + hostile.LAYOUT, ids=hostile.short)
def test_what_the_auth_view_found_is_printed_escaped_and_stays_exact_in_json(capsys, monkeypatch, value):
    from tui.ops.certs import authview

    real = authview.collect_auth

    async def hostile_view(pool, snapshot, *, default_host):
        nodes = await real(pool, snapshot, default_host=default_host)
        import dataclasses

        first = dataclasses.replace(nodes[0], node=f"n{value}", mode="partial", missing=("PCMK_key_file",),
                                    problems=(f"cannot read {value}",))
        return (first, *nodes[1:])

    monkeypatch.setattr(authview, "collect_auth", hostile_view)
    code, out, err = run_cli(capsys, "--demo", "status", "--auth")
    assert code == 0, err
    assert hostile.raw_controls(out) == []
    assert "Authentication: " in out and "partly configured" in out
    code, out, err = run_cli(capsys, "--demo", "status", "--json")
    assert json.loads(out)["auth"]["nodes"][0]["node"] == f"n{value}"
    assert hostile.raw_controls(out) == []
