"""The checks before a conversion (tui.ops.certs.preflight) on the fake world: the version
gate, openssl, the environment file found, a broken cluster refused, the current auth mode,
and in "files" mode the operator's own files validated before anything changes."""

from __future__ import annotations

import pytest

from tests.ops.test_certs_plans import FACTS
from tests.ops.test_certs_world import File, World, world_pool
from tui.ops.certs import pki
from tui.ops.certs.inputs import CertsConvert
from tui.ops.certs.wizard import WIZARDS, CertsContext, env_records
from tui.ops.nodes.preflight import run_checks
from tui.pacemaker import nodecmds


@pytest.fixture
def context(state_dir):
    return CertsContext(state_dir=state_dir, cluster="fake")


async def checks(world, inp, context, tmp_path):
    pool = world_pool(world, tmp_path / "checks.jsonl")
    try:
        outcomes = await run_checks(WIZARDS["certs-convert"].preflight(inp, FACTS, context), pool, default_host="n1")
    finally:
        await pool.close()
    return {o.step_id: o for o in outcomes}


async def test_the_version_gate_names_every_node_below_3(context, tmp_path):
    world = World()
    world.node("n2").version = "2.1.5"
    world.node("rn1").version = "2.1.9"
    got = await checks(world, CertsConvert(), context, tmp_path)
    gate = got["versions"]
    assert gate.level == "fail"
    assert gate.observed.startswith("Pacemaker below 3.0.0 on n2 2.1.5, rn1 2.1.9")
    assert "n1" not in gate.observed.split(":")[0].replace("n1 2", "")  # only the old ones are named
    assert gate.fix and "never forced" in gate.fix
    forced = await checks(world, CertsConvert(force=True), context, tmp_path)
    assert forced["versions"].level == "fail"  # --force never overrides it


async def test_openssl_missing_names_the_node(context, tmp_path):
    world = World()
    world.node("gn1").openssl = False
    got = await checks(world, CertsConvert(), context, tmp_path)
    assert got["openssl"].level == "fail" and "gn1 (not installed)" in got["openssl"].observed
    files_mode = await checks(world, CertsConvert(ca="files", ca_file="/ca", cert_file="/c", key_file="/k"),
                              context, tmp_path)
    assert "openssl" not in files_mode  # nothing is generated on the nodes


async def test_an_offline_node_refuses_the_conversion(context, tmp_path):
    world = World()
    world.online.discard("gn1")
    got = await checks(world, CertsConvert(), context, tmp_path)
    assert got["online"].level == "fail" and "gn1 (offline)" in got["online"].observed


async def test_which_env_file_is_found_and_its_text(context, tmp_path):
    world = World(env_text=None)
    world.node("n1").fs["/etc/default/pacemaker"] = File(b"A=1\n", "root", "root", 0o600)
    world.node("n2").fs["/etc/sysconfig/pacemaker"] = File(b"S=1\n")
    world.node("n2").fs["/etc/default/pacemaker"] = File(b"D=1\n")
    world.node("gn1").fs["/etc/debian_version"] = File(b"12\n")
    got = await checks(world, CertsConvert(), context, tmp_path)
    env = env_records(got.values())
    assert (env["n1"]["path"], env["n1"]["before"], env["n1"]["existed"], env["n1"]["mode"]) == (
        "/etc/default/pacemaker", "A=1\n", True, 0o600)
    assert env["n2"]["path"] == "/etc/sysconfig/pacemaker" and env["n2"]["before"] == "S=1\n"
    assert env["rn1"]["path"] == "/etc/sysconfig/pacemaker" and env["rn1"]["existed"] is False
    assert env["gn1"]["path"] == "/etc/default/pacemaker" and env["gn1"]["before"] == ""
    assert got["env-files"].level == "warn" and "n2 has both" in got["env-files"].observed


async def test_x509_everywhere_is_nothing_to_do_and_partial_is_a_warning(context, tmp_path):
    world = World(env_text="PCMK_ca_file=/a\nPCMK_cert_file=/b\nPCMK_key_file=/c\n")
    got = await checks(world, CertsConvert(), context, tmp_path)
    assert got["auth-mode"].level == "fail" and "nothing to convert" in got["auth-mode"].observed
    world = World()
    world.node("rn1").fs[nodecmds.ENV_FILES[0]] = File(b"PCMK_ca_file=/a\n")
    got = await checks(world, CertsConvert(), context, tmp_path)
    assert got["auth-mode"].level == "warn"
    assert "rn1 lacks PCMK_cert_file, PCMK_key_file" in got["auth-mode"].observed


def _operator_files(world: World, *, other_ca_on=None, bad_mode_on=None, expired_on=None):
    import datetime as dt
    born = dt.datetime(2019, 12, 1, tzinfo=dt.timezone.utc)  # valid to 2029: an old certificate fits in it
    ca_cert, ca_key = pki.create_ca("ops CA", now=born)
    other_ca, other_key = pki.create_ca("another CA", now=born)
    for name, host in ((n, world.node(n)) for n in world.kinds):
        key = pki.make_key()
        signer = (other_ca, other_key) if name == other_ca_on else (ca_cert, ca_key)
        when = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc) if name == expired_on else None
        cert = pki.sign_csr(pki.make_csr(key, name), *signer, days=30 if when else 825, now=when, node_name=name)
        host.fs["/etc/pki/ca.pem"] = File(ca_cert, "root", "haclient", 0o644)
        host.fs[f"/etc/pki/{name}.crt"] = File(cert, "root", "haclient", 0o644)
        mode = 0o600 if name == bad_mode_on else 0o640
        host.fs[f"/etc/pki/{name}.key"] = File(key.reveal(), "root", "haclient" if mode == 0o640 else "root", mode)


FILES = CertsConvert(ca="files", ca_file="/etc/pki/ca.pem", cert_file="/etc/pki/{node}.crt",
                     key_file="/etc/pki/{node}.key")


async def test_files_mode_validates_the_operators_files_on_every_node(context, tmp_path):
    world = World()
    _operator_files(world)
    got = await checks(world, FILES, context, tmp_path)
    assert got["files-valid"].level == "ok", got["files-valid"].observed
    # the private keys were never read: only their public half
    assert not any(argv[0] == "cat" and argv[-1].endswith(".key") for _, argv in world.calls)
    assert any(argv[:2] == ("openssl", "pkey") for _, argv in world.calls)


@pytest.mark.parametrize("damage, line", [
    ({"other_ca_on": "rn1"}, "rn1: certificate /etc/pki/rn1.crt: is not signed by the CA"),
    ({"bad_mode_on": "n2"}, "n2: key /etc/pki/n2.key: is not readable by hacluster (root:root 0600)"),
    ({"expired_on": "gn1"}, "gn1: certificate /etc/pki/gn1.crt: expired"),
])
async def test_files_mode_names_node_and_file_of_each_problem(context, tmp_path, damage, line):
    world = World()
    _operator_files(world, **damage)
    got = await checks(world, FILES, context, tmp_path)
    assert got["files-valid"].level == "fail"
    assert line in got["files-valid"].observed, got["files-valid"].observed


async def test_files_mode_a_missing_file_is_named(context, tmp_path):
    world = World()
    _operator_files(world)
    del world.node("rn1").fs["/etc/pki/rn1.key"]
    got = await checks(world, FILES, context, tmp_path)
    assert got["files-valid"].level == "fail"
    assert "rn1: key: /etc/pki/rn1.key: its public half cannot be read" in got["files-valid"].observed


async def test_bad_inputs_stop_at_the_inputs_check(context, tmp_path):
    got = await checks(World(), CertsConvert(ca="given"), context, tmp_path)
    assert list(got) == ["inputs"] and "ca_cert: is needed" in got["inputs"].observed


async def test_a_corrupt_console_ca_fails_the_ca_check(context, tmp_path, state_dir):
    folder = state_dir / "certs" / "fake"
    folder.mkdir(parents=True)
    (folder / "ca.crt").write_bytes(b"junk")
    (folder / "ca.key").write_bytes(b"junk")
    got = await checks(World(), CertsConvert(), context, tmp_path)
    assert got["ca-source"].level == "fail" and str(folder / "ca.crt") in got["ca-source"].observed


async def test_files_mode_forced_turns_the_errors_into_a_forced_warning(context, tmp_path):
    import dataclasses
    world = World()
    _operator_files(world, other_ca_on="rn1")
    got = await checks(world, dataclasses.replace(FILES, force=True), context, tmp_path)
    assert got["files-valid"].level == "warn"
    assert got["files-valid"].observed.startswith("FORCED: ") and "rn1: certificate /etc/pki/rn1.crt:" in got["files-valid"].observed


def test_bundle_replicas_are_a_warning_naming_them():
    from tui.ops.certs.preflight import check_bundles

    verdict = check_bundles(("web-bundle-0", "web-bundle-1")).probe({})
    assert verdict.level == "warn"
    assert "web-bundle-0, web-bundle-1" in verdict.observed and "authkey" in verdict.observed
    assert "image" in verdict.fix
    assert check_bundles(()).probe({}).level == "ok"
