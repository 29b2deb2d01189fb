"""`pcmk-console plan|apply certs-convert|certs-renew|certs-rollback`: the CLI around the
X.509 wizards. Invalid input exits 2 naming the option before anything runs (the CA files
given on this machine are read and checked first, their bytes never echoed); read-only and
"nobody to ask" refuse before anything is contacted; a failed check makes `plan` exit 1 and
`apply` refuse; `apply` prints the disconnect windows, and after a failed verification the
evidence and the rollback command (at a terminal: "Roll back now?").

The wizard (helper A's tui.ops.certs.wizard) is a small fake here, so these tests pin the
CLI's behaviour; the end-to-end tests on the demo at the bottom use the real one.
"""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass

import pytest

from tests.hostile import ESCAPES, LAYOUT, raw_controls, short
from tests.unit.test_verbs import changes_recorded, private_dirs, run_cli  # noqa: F401 (fixture)
from tui.ops.certs import pki
from tui.ops.plan import CheckStep, Described, EnvFileStep, LocalStep, Plan, Verdict, WaitStep
from tui.sim.transport import DemoTransport

_REAL_RUN = DemoTransport.run
ENV = "/etc/pcmk-console-test.env"  # a file the demo does not have: its text before is ""
TLS = {"PCMK_ca_file": "/etc/pacemaker/tls/ca.crt", "PCMK_cert_file": "/etc/pacemaker/tls/node.crt",
       "PCMK_key_file": "/etc/pacemaker/tls/node.key"}


@pytest.fixture
def calls(monkeypatch):
    """Every command the demo transport was asked to run: (host, argv)."""
    seen: list[tuple[str, tuple[str, ...]]] = []

    async def run(self, argv, **kwargs):
        seen.append((self.host, tuple(argv)))
        return await _REAL_RUN(self, argv, **kwargs)

    monkeypatch.setattr(DemoTransport, "run", run)
    return seen


@dataclass(frozen=True)
class FakeContext:
    state_dir: object
    cluster: str
    journal: object = None
    now: object = None
    auth: tuple = ()


class FakeWizard:
    """Checks with the levels a test sets; a convert plan that edits one env file on rn1,
    stops a watch that measured windows, and verifies (holds or not)."""

    def __init__(self, kind: str, levels=("ok",), verify_ok=True, observed="saw {level}", nothing=False):
        self.kind, self.levels, self.verify_ok, self.observed, self.nothing = kind, levels, verify_ok, observed, nothing
        self.contexts = []

    def preflight(self, inp, facts, context):
        self.contexts.append(context)

        def check(level):
            return lambda ctx: Verdict(level, self.observed.replace("{level}", level),
                                       None if level == "ok" else f"fix {self.observed}")
        return Plan("checks", tuple(CheckStep(f"check {i}", check(level), id=f"c{i}")
                                    for i, level in enumerate(self.levels)))

    def plan(self, inp, facts, context, outcomes=()):
        if self.nothing:
            return Plan(f"fake {self.kind}: nothing to renew", ())
        unset = self.kind == "certs-rollback"
        env = EnvFileStep(f"{'unset' if unset else 'set'} the TLS variables on rn1", ENV,
                          set={} if unset else TLS, unset=frozenset(TLS) if unset else frozenset(),
                          before=None if unset else "", host="rn1", id="env-rn1")
        windows = {"rn1": 1.25, "gn1": 0.0}
        steps = (env,
                 LocalStep("stop the disconnect watch", lambda ctx: Described(windows, "rn1 offline 1.2 s"),
                           output="disconnect_windows", id="watch-stop"),
                 WaitStep("every remote and guest node online", lambda ctx: (self.verify_ok, "rn1: offline \x1b[2J"
                                                                           if not self.verify_ok else "all online"),
                          attempts=1, interval=0, id="wait-online"))
        recipe = ("certs_rollback" if unset else "certs_convert", {"ca": getattr(inp, "ca", None)})
        return Plan(f"fake {self.kind}", steps, recipe=recipe)


@pytest.fixture
def wizard(monkeypatch):
    """Install a fake tui.ops.certs.wizard; returns a setter (per-kind keyword arguments)."""
    def use(**kwargs):
        per = kwargs.pop("per", {})
        fakes = {k: FakeWizard(k, **{**kwargs, **per.get(k, {})})
                 for k in ("certs-convert", "certs-renew", "certs-rollback")}
        module = types.ModuleType("tui.ops.certs.wizard")
        module.WIZARDS = fakes
        module.CertsContext = FakeContext
        monkeypatch.setitem(sys.modules, "tui.ops.certs.wizard", module)
        return fakes

    return use


def ca_files(tmp_path, *, match=True):
    cert, key = pki.create_ca("test CA")
    other_cert, other_key = pki.create_ca("other CA")
    (tmp_path / "ca.crt").write_bytes(cert)
    (tmp_path / "ca.key").write_bytes((key if match else other_key).reveal())
    return str(tmp_path / "ca.crt"), str(tmp_path / "ca.key")


# --- refused before anything runs ------------------------------------------------------------

INVALID = [
    (["certs-convert", "--days", "soon"], "--days"),
    (["certs-convert", "--days", "0"], "--days"),
    (["certs-convert", "--ca-cert", "/x/ca.crt"], "--ca-key"),
    (["certs-convert", "--ca-key", "/x/ca.key"], "--ca-cert"),
    (["certs-convert", "--ca-file", "/etc/{node}/ca.crt"], "--ca-file"),
    (["certs-convert", "--existing", "--ca-file", "/a", "--cert-file", "/b"], "--key-file"),
    (["certs-convert", "--existing", "--ca-file", "a", "--cert-file", "/b", "--key-file", "/c"], "--ca-file"),
    (["certs-convert", "--existing", "--ca-file", "/a/{x}", "--cert-file", "/b", "--key-file", "/c"], "--ca-file"),
    (["certs-convert", "--existing", "--ca-file", "/a", "--cert-file", "/b", "--key-file", "/b"], "--key-file"),
    (["certs-convert", "--create-ca", "--existing", "--ca-file", "/a", "--cert-file", "/b", "--key-file", "/c"],
     "--create-ca"),
    (["certs-convert", "--ca-dir", "/tmp/x", "--existing", "--ca-file", "/a", "--cert-file", "/b",
      "--key-file", "/c"], "--ca-dir"),
    (["certs-renew", "--validity", "0"], "--validity"),
    (["certs-renew", "--days", "-1"], "--days"),
    (["certs-renew", "--ca-key", "/x"], "--ca-cert"),
    (["certs-rollback", "../etc/passwd"], "RUN_ID"),
]


@pytest.mark.parametrize("verb", ["plan", "apply"])
@pytest.mark.parametrize("words,option", INVALID, ids=[" ".join(w) for w, _ in INVALID])
def test_invalid_input_exits_2_naming_the_option_and_contacts_nothing(capsys, calls, wizard, verb, words, option):
    wizard()
    extra = ["--yes"] if verb == "apply" else []
    code, out, err = run_cli(capsys, "--demo", verb, *words, *extra)
    assert code == 2, out + err
    assert f": {option}: " in err and "nothing ran" in err, err
    assert calls == []


def test_a_ca_cert_that_does_not_exist_is_named(capsys, calls, wizard, tmp_path):
    wizard()
    _, key = ca_files(tmp_path)
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--ca-cert", str(tmp_path / "nope.crt"),
                             "--ca-key", key)
    assert code == 2 and "--ca-cert: " in err and "nope.crt: no such file" in err
    assert calls == []


def test_an_unreadable_ca_key_is_named(capsys, calls, wizard, tmp_path):
    wizard()
    cert, _ = ca_files(tmp_path)
    (tmp_path / "keydir").mkdir()
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--ca-cert", cert,
                             "--ca-key", str(tmp_path / "keydir"))
    assert code == 2 and "--ca-key: " in err and "is a directory" in err
    assert calls == []


def test_a_malformed_pem_is_named_and_its_bytes_never_shown(capsys, calls, wizard, tmp_path):
    wizard()
    cert, _ = ca_files(tmp_path)
    secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7-secret-bytes"
    bad_key = tmp_path / "bad.key"
    bad_key.write_text(f"-----BEGIN PRIVATE KEY-----\n{secret}\n-----END PRIVATE KEY-----\n")
    bad_cert = tmp_path / "bad.crt"
    bad_cert.write_text("hello, not a certificate\n")
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--ca-cert", str(bad_cert),
                             "--ca-key", str(bad_key))
    assert code == 2
    assert "--ca-cert: " in err and "not a PEM certificate" in err
    assert "--ca-key: " in err and "not a PEM private key" in err
    assert secret not in out + err and "hello" not in out + err
    assert calls == []


def test_a_ca_key_that_is_not_the_certificates_is_refused(capsys, calls, wizard, tmp_path):
    wizard()
    cert, key = ca_files(tmp_path, match=False)
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--ca-cert", cert, "--ca-key", key)
    assert code == 2 and "--ca-key: " in err and "is not the key of the CA certificate" in err
    assert calls == []


def test_a_ca_dir_that_is_a_file_is_refused(capsys, calls, wizard, tmp_path):
    wizard()
    (tmp_path / "f").write_text("x")
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--ca-dir", str(tmp_path / "f"))
    assert code == 2 and "--ca-dir: " in err and "not a directory" in err


@pytest.mark.parametrize("words", [["certs-convert"], ["certs-renew"],
                                   ["certs-rollback", "20261201T210326123456Z-1a2b3c4d"]])
@pytest.mark.parametrize("mode", ["global", "after"])
def test_apply_in_read_only_mode_is_refused_before_anything_runs(capsys, calls, tmp_path, wizard, words, mode):
    wizard()
    argv = (["--read-only", "--demo", "apply", *words, "--yes"] if mode == "global"
            else ["apply", *words, "--yes", "--demo", "--read-only"])
    code, out, err = run_cli(capsys, *argv)
    assert code == 5 and "read-only" in err and "nothing ran" in err, err
    assert calls == [] and changes_recorded(tmp_path) == []


def test_apply_on_a_saved_cib_is_refused(capsys, wizard):
    from tests.unit.test_targets import CIB

    wizard()
    code, out, err = run_cli(capsys, "apply", "certs-convert", "--yes", "--cib-file", str(CIB))
    assert code == 5 and "saved CIB is read-only" in err


def test_plan_on_a_saved_cib_is_refused_before_anything_runs(capsys, wizard, monkeypatch):
    from tests.unit.test_targets import CIB
    from tui.remote.local import LocalTransport

    wizard()
    ran = []

    async def local_run(self, argv, **kwargs):
        ran.append(argv)
        raise AssertionError("nothing may run")

    monkeypatch.setattr(LocalTransport, "run", local_run)
    code, out, err = run_cli(capsys, "plan", "certs-convert", "--cib-file", str(CIB))
    assert code == 2 and "has no hosts to check or change" in err and ran == []


def test_apply_without_yes_and_no_terminal_is_refused(capsys, calls, monkeypatch, wizard):
    wizard()
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert")
    assert code == 2 and "--yes" in err and "nothing ran" in err
    assert calls == []


def test_a_rollback_of_a_run_that_is_not_there_exits_2(capsys, calls, wizard):
    wizard()
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-rollback", "20261201T210326123456Z-1a2b3c4d")
    assert code == 2 and "no run 20261201T210326123456Z-1a2b3c4d" in err
    assert calls == []


def test_a_rollback_of_a_run_that_is_no_conversion_exits_2(capsys, wizard):
    wizard()
    code, out, err = run_cli(capsys, "--demo", "apply", "cluster-maintenance", "off", "--yes",
                               "--confirm-name", "demo-prod")  # cluster-wide on production
    run_id = next(line.split()[1] for line in out.splitlines() if line.startswith("run "))
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-rollback", run_id)
    assert code == 2 and "is not a certs-convert run" in err


# --- plan ------------------------------------------------------------------------------------

def test_plan_prints_the_checks_then_the_plan_with_the_env_diff(capsys, tmp_path, wizard):
    fakes = wizard(levels=("ok", "warn"))
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert")
    assert code == 0, err
    assert out.startswith("preflight:") and "[WARN]" in out and "fix: fix saw" in out
    assert "+PCMK_cert_file=/etc/pacemaker/tls/node.crt" in out  # the diff of the env file
    assert "FORCED" not in out
    assert changes_recorded(tmp_path) == []
    (context,) = fakes["certs-convert"].contexts
    assert context.cluster and str(context.state_dir).endswith("state") and context.journal is None


def test_plan_with_force_says_forced(capsys, wizard):
    wizard()
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--force")
    assert code == 0 and "FORCED" in out


def test_plan_with_a_failed_check_exits_1_naming_it_and_its_fix(capsys, wizard):
    wizard(levels=("ok", "fail"), observed="rn1 runs Pacemaker 2.1.5")
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert")
    assert code == 1
    assert "[FAIL]" in out and "rn1 runs Pacemaker 2.1.5" in out
    assert "1 check(s) failed: check 1 (fix: fix rn1 runs Pacemaker 2.1.5)" in err


def test_plan_json_is_exact(capsys, wizard):
    wizard(levels=("ok",))
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--days", "90", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["action"] == "certs-convert" and data["input"]["days"] == 90 and data["input"]["ca"] == "create"
    assert data["forced"] is False and data["ok"] is True
    steps = {s["id"]: s for s in data["plan"]["steps"]}
    assert steps["env-rn1"]["host"] == "rn1" and steps["env-rn1"]["set"] == sorted(TLS)
    assert data["plan"]["recipe"]["name"] == "certs_convert"


def test_given_ca_files_reach_the_input(capsys, wizard, tmp_path):
    wizard()
    cert, key = ca_files(tmp_path)
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--ca-cert", cert, "--ca-key", key, "--json")
    assert code == 0, err
    data = json.loads(out)["input"]
    assert (data["ca"], data["ca_cert"], data["ca_key"]) == ("given", cert, key)
    key_text = (tmp_path / "ca.key").read_text()
    assert key_text.splitlines()[1] not in out  # the CA key's bytes are never shown


def test_existing_files_reach_the_input(capsys, wizard):
    wizard()
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--existing", "--ca-file", "/etc/pki/ca.pem",
                             "--cert-file", "/etc/pki/{node}.crt", "--key-file", "/etc/pki/{node}.key",
                             "--crl-file", "/etc/pki/crl.pem", "--json")
    assert code == 0, err
    data = json.loads(out)["input"]
    assert data["ca"] == "files" and data["cert_file"] == "/etc/pki/{node}.crt" and data["crl_file"] == "/etc/pki/crl.pem"


def test_renew_with_nothing_to_renew_says_so_and_runs_nothing(capsys, tmp_path, wizard):
    fakes = wizard(nothing=True)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-renew", "--days", "10", "--yes")
    assert code == 0, err
    assert "nothing to change" in out and changes_recorded(tmp_path) == []
    (context,) = fakes["certs-renew"].contexts  # renewal picks its nodes from the auth view
    assert {a.node for a in context.auth} == {"node1", "node2", "node3", "rn1", "rn2", "gn1", "gn2"}


def test_a_check_that_saw_several_problems_shows_each_on_its_line(capsys, wizard):
    wizard(levels=("fail",), observed="2 problem(s):\nrn1: certificate: expired\ngn1: key: does not match")
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert")
    assert code == 1
    assert "\n         rn1: certificate: expired\n         gn1: key: does not match\n" in out


@pytest.mark.parametrize("value", ESCAPES + LAYOUT, ids=short)
def test_what_the_checks_saw_reaches_the_terminal_escaped(capsys, wizard, value):
    wizard(levels=("warn",), observed=f"saw {value}")
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert")
    assert code == 0, err
    assert raw_controls(out + err) == []


# --- apply -----------------------------------------------------------------------------------

def test_apply_runs_journalled_and_prints_the_disconnect_windows(capsys, tmp_path, wizard):
    wizard()
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert", "--yes", "--confirm-name", "demo-prod")
    assert code == 0, out + err
    assert any(line.startswith("run ") for line in out.splitlines())
    assert "disconnected: rn1 offline 1.2 s, gn1 offline 0.0 s" in out
    assert changes_recorded(tmp_path)
    assert "certs-rollback" not in out


def test_a_failed_verification_prints_the_evidence_and_the_rollback_command(capsys, tmp_path, wizard):
    wizard(verify_ok=False)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert", "--yes", "--confirm-name", "demo-prod")
    assert code == 1
    run_id = next(line.split()[1] for line in out.splitlines() if line.startswith("run "))
    assert "verification failed: every remote and guest node online" in out
    evidence = [line for line in out.splitlines() if line.startswith("  evidence: ")]
    assert evidence and "rn1: offline \\e[2J" in evidence[0]  # escaped, never raw
    assert "can be undone" not in out  # the rollback is the way back, not an undo of the edits
    assert f"to restore PSK: pcmk-console --demo apply certs-rollback {run_id}" in out
    assert "Roll back now?" not in out and raw_controls(out) == []


def test_the_rollback_command_it_prints_takes_the_run(capsys, tmp_path, wizard):
    fakes = wizard(verify_ok=False)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert", "--yes", "--confirm-name", "demo-prod")
    run_id = next(line.split()[1] for line in out.splitlines() if line.startswith("run "))
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-rollback", run_id)
    assert code == 0, err
    (context,) = fakes["certs-rollback"].contexts
    assert context.journal.run_id == run_id and context.journal.recipe[0] == "certs_convert"
    assert "unset the TLS variables on rn1" in out


def test_a_rollback_is_refused_against_another_target(capsys, tmp_path, wizard):
    wizard(verify_ok=False)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert", "--yes", "--confirm-name", "demo-prod")
    run_id = next(line.split()[1] for line in out.splitlines() if line.startswith("run "))
    config = tmp_path / "c.yaml"
    config.write_text("clusters:\n  - name: here\n    nodes:\n      - {name: me, host: localhost, local: true}\n")
    code, out, err = run_cli(capsys, "--config", str(config), "plan", "certs-rollback", run_id)
    assert code == 2 and "ran against the built-in demo cluster" in err


@pytest.mark.parametrize("answers, rolled_back", [(["y", "y"], True), (["y", "n"], False), (["n"], False)])
def test_at_a_terminal_apply_asks_and_offers_the_rollback(capsys, tmp_path, monkeypatch, wizard, answers, rolled_back):
    wizard(verify_ok=False, per={"certs-rollback": {"verify_ok": True}})
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    asked = []

    def answer(prompt=""):
        asked.append(prompt)
        return answers[len(asked) - 1]

    monkeypatch.setattr("builtins.input", answer)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert")
    assert asked[0].startswith("Run these commands?")  # the fake conversion is not cluster-wide
    if answers == ["n"]:
        assert code == 0 and "nothing ran" in out and changes_recorded(tmp_path) == []
        return
    assert code == 1 and asked[1] == "Roll back now? [y/N] "
    assert ("fake certs-rollback: done" in out) is rolled_back
    assert not any("Undo the" in q for q in asked)  # the rollback is the undo here


def test_an_unexpected_transport_error_is_one_clear_line(capsys, monkeypatch, wizard):
    from tui.remote.transport import TransportError

    fakes = wizard()

    def broken(inp, facts, context):
        raise TransportError("rn1", "connection refused")

    monkeypatch.setattr(fakes["certs-convert"], "preflight", broken)
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert")
    assert code == 3 and "connection refused" in err


def test_a_ca_that_cannot_be_used_is_one_clear_line(capsys, monkeypatch, wizard):
    fakes = wizard()

    def broken(inp, facts, context, outcomes=()):
        raise pki.CertError("the CA key does not match the CA certificate")

    monkeypatch.setattr(fakes["certs-convert"], "plan", broken)
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert")
    assert code == 1 and "the CA key does not match" in err


# --- end to end on the demo (the real wizard, the simulator) ----------------------------------

def _real_wizard():
    pytest.importorskip("tui.ops.certs.wizard")


@pytest.fixture
def one_demo(monkeypatch):
    """One demo cluster for every command of a test, as a real cluster stays what the last
    command made it (each `--demo` command otherwise starts a fresh demo)."""
    import tui.sim

    real = tui.sim.DemoCluster
    held = {}

    def shared(*args, **kwargs):
        if "state" not in held:
            held["state"] = real(*args, **kwargs)
        return held["state"]

    monkeypatch.setattr(tui.sim, "DemoCluster", shared)
    shared(seed=7, life=False)
    return held["state"]


def _auth_modes(capsys) -> dict[str, str]:
    code, out, err = run_cli(capsys, "--demo", "status", "--json")
    assert code == 0, err
    data = json.loads(out)
    offline = [n["name"] for n in data["nodes"] if n["kind"] in ("remote", "guest") and not n["online"]]
    assert offline == [], offline
    return {n["node"]: n["mode"] for n in data["auth"]["nodes"]}


def _serials(capsys) -> dict[str, str]:
    code, out, err = run_cli(capsys, "--demo", "status", "--json")
    return {n["node"]: n["certificate"]["serial"] for n in json.loads(out)["auth"]["nodes"]}


def test_renew_on_a_psk_demo_has_nothing_to_renew(capsys, tmp_path):
    _real_wizard()
    from tui.ops.certs import ca

    code, out, err = run_cli(capsys, "--demo", "plan", "certs-renew")
    assert code == 1 and "The CA can be used" in err  # no CA made yet: nothing could be signed
    ca.load_or_create(ca.default_ca_dir(tmp_path / "state", "demo-prod"), name="demo-prod")
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-renew", "--yes")
    assert code == 0, out + err
    assert "nothing to change" in out and changes_recorded(tmp_path) == []


def _run_id(out: str) -> str:
    return next(line.split()[1] for line in out.splitlines() if line.startswith("run "))


def test_plan_certs_convert_on_the_demo_shows_the_checks_and_the_plan(capsys, tmp_path):
    _real_wizard()
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert")
    assert code == 0, err
    assert out.startswith("preflight:") and "[FAIL]" not in out
    assert "3.0.0" in out  # the version gate saw every node
    assert "+PCMK_cert_file=/etc/pacemaker/tls/node.crt" in out  # the env-file diffs
    assert "Restart pacemaker_remote on rn1" in out
    assert changes_recorded(tmp_path) == []


def test_convert_then_rollback_on_the_demo(capsys, tmp_path, one_demo):
    """apply certs-convert: every remote and guest node online afterwards, X.509 on every
    node, the disconnect windows printed; apply certs-rollback RUN_ID: PSK back, all online."""
    _real_wizard()
    assert set(_auth_modes(capsys).values()) == {"psk"}
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert", "--yes", "--confirm-name", "demo-prod")
    assert code == 0, out[-3000:] + err
    run_id = _run_id(out)
    windows = next(line for line in out.splitlines() if line.startswith("disconnected: "))
    for node in ("rn1", "rn2", "gn1", "gn2"):
        assert f"{node} offline " in windows
    assert _auth_modes(capsys) == dict.fromkeys(("node1", "node2", "node3", "rn1", "rn2", "gn1", "gn2"), "x509")
    # renewal on the converted cluster: 825-day certificates all expire within 1000 days
    serials = _serials(capsys)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-renew", "--days", "1000", "--yes")
    assert code == 0, out[-3000:] + err
    assert "disconnected: " in out
    assert set(_auth_modes(capsys).values()) == {"x509"}
    renewed = _serials(capsys)
    assert all(renewed[n] != serials[n] for n in serials), (serials, renewed)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-rollback", run_id, "--yes")
    assert code == 0, out[-3000:] + err
    assert set(_auth_modes(capsys).values()) == {"psk"}


def test_existing_files_from_another_ca_are_refused_before_anything_changes(capsys, tmp_path, one_demo):
    _real_wizard()
    options = _other_ca_files(one_demo)
    before = {n: one_demo.machine_of(n).fs.get("/etc/sysconfig/pacemaker").content
              for n in ("node1", "rn1", "gn1")}
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert", *options, "--yes", "--confirm-name", "demo-prod")
    assert code == 1, out + err
    assert "[FAIL]" in out and "nothing ran" in err
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "[FAIL]" in line)
    problems = [line.strip() for line in lines[at + 1:] if line.startswith("         ")]
    for name in ("node1", "rn1", "gn2"):  # one line per problem, naming node and file
        assert any(p.startswith(f"{name}: certificate ") and "CA" in p for p in problems), problems
    assert changes_recorded(tmp_path) == []
    assert {n: one_demo.machine_of(n).fs.get("/etc/sysconfig/pacemaker").content
            for n in ("node1", "rn1", "gn1")} == before
    assert set(_auth_modes(capsys).values()) == {"psk"}
    assert "BEGIN PRIVATE KEY" not in out + err


def test_the_version_gate_refuses_a_2_1_cluster_naming_the_nodes(capsys, tmp_path, one_demo):
    """Every machine of the demo answers `pacemakerd/pacemaker-remoted --version` with 2.1.5:
    the gate fails naming each node and its version, --force does not pass it, nothing runs."""
    _real_wizard()
    names = ("node1", "node2", "node3", "rn1", "rn2", "gn1", "gn2")
    for name in names:
        one_demo.machine_of(name).version = "2.1.5"
    for verb, extra in (("plan", []), ("apply", ["--yes"])):
        code, out, err = run_cli(capsys, "--demo", verb, "certs-convert", "--force", *extra)
        assert code == 1, out + err
        gate = next(line for line in out.splitlines() if "[FAIL]" in line and "3.0.0" in line)
        assert all(f"{name} 2.1.5" in gate for name in names), gate
        assert "check(s) failed" in err and "never forced" in err
    assert changes_recorded(tmp_path) == []


def test_a_single_old_node_is_named_alone(capsys, tmp_path, one_demo):
    _real_wizard()
    one_demo.machine_of("rn2").version = "2.1.5"
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert")
    assert code == 1
    gate = next(line for line in out.splitlines() if "[FAIL]" in line and "3.0.0" in line)
    assert "rn2 2.1.5" in gate and "node1 " not in gate.split("below 3.0.0")[-1]


def _other_ca_files(state) -> list[str]:
    """Every node gets a CA file and a certificate from two different CAs (the lab's
    negative case); returns the --existing options naming them."""
    trusted, _ = pki.create_ca("the CA the nodes trust")
    other_cert, other_key = pki.create_ca("another CA")
    for name in ("node1", "node2", "node3", "rn1", "rn2", "gn1", "gn2"):
        machine = state.machine_of(name)
        key = pki.make_key()
        cert = pki.sign_csr(pki.make_csr(key, name), other_cert, other_key, node_name=name)
        machine.fs.makedirs("/etc/pki/pcmk", mode=0o750, group="haclient")
        machine.fs.write("/etc/pki/pcmk/ca.pem", trusted, group="haclient", mode=0o644)
        machine.fs.write(f"/etc/pki/pcmk/{name}.crt", cert, group="haclient", mode=0o644)
        machine.fs.write(f"/etc/pki/pcmk/{name}.key", key.reveal(), group="haclient", mode=0o640)
    return ["--existing", "--ca-file", "/etc/pki/pcmk/ca.pem", "--cert-file", "/etc/pki/pcmk/{node}.crt",
            "--key-file", "/etc/pki/pcmk/{node}.key"]


def test_a_forced_conversion_fails_verification_and_rolls_back_at_the_terminal(capsys, tmp_path, monkeypatch,
                                                                              one_demo):
    """--force past the validation (certificates from another CA): the verification after
    the restarts fails, the evidence and the rollback command are printed, "Roll back now?"
    is asked, and the rollback brings PSK back with every node online."""
    _real_wizard()
    options = _other_ca_files(one_demo)
    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", *options, "--force")
    assert code == 0 and "FORCED" in out, out + err  # validation's errors are warnings now
    from tui.ops.certs import plans

    # the wait for nodes that never come back gives up sooner (the demo reconnects in seconds)
    monkeypatch.setattr(plans, "WAIT_ATTEMPTS", 15)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    asked = []

    def answer(prompt=""):
        asked.append(prompt)
        return "demo-prod" if prompt.startswith("Type the cluster name") else "y"

    monkeypatch.setattr("builtins.input", answer)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert", *options, "--force")
    assert code == 1, out[-3000:] + err
    run_id = _run_id(out)
    assert "verification failed: " in out
    evidence = [line for line in out.splitlines() if line.startswith("  evidence: ")]
    for node in ("rn1", "gn1"):  # the cluster's own account of each node that did not come back
        assert any(line.startswith(f"  evidence: {node} offline: ") for line in evidence), evidence
    assert "<pacemaker-result" not in out  # what a wait saw is said in words, not as crm_mon's XML
    assert f"to restore PSK: pcmk-console --demo apply certs-rollback {run_id}" in out
    assert asked == ["Type the cluster name (demo-prod) to run: ", "Roll back now? [y/N] "]
    assert "(back to PSK): done" in out, out[-3000:]
    assert set(_auth_modes(capsys).values()) == {"psk"}


def test_an_unreachable_node_is_a_failed_check_naming_it_not_a_crash(capsys, tmp_path, monkeypatch):
    _real_wizard()
    from tui.remote.transport import TransportError

    async def run(self, argv, **kwargs):
        if self.host in ("rn1", "10.20.0.21"):
            raise TransportError(self.host, "connect to 10.20.0.21 port 22: No route to host")
        return await _REAL_RUN(self, argv, **kwargs)

    monkeypatch.setattr(DemoTransport, "run", run)
    for verb, extra in (("plan", []), ("apply", ["--yes"])):
        code, out, err = run_cli(capsys, "--demo", verb, "certs-convert", *extra)
        assert code == 1, out + err
        assert "internal error" not in err
        failed = [line for line in out.splitlines() if "[FAIL]" in line]
        assert failed and all("rn1" in line for line in failed), failed
    assert changes_recorded(tmp_path) == []


def test_a_failure_before_any_env_file_changed_says_psk_is_still_in_effect(capsys, wizard, monkeypatch):
    fakes = wizard()
    real_plan = fakes["certs-convert"].plan

    def failing_first(inp, facts, context, outcomes=()):
        plan = real_plan(inp, facts, context, outcomes)
        check = CheckStep("every certificate is valid", lambda ctx: Verdict("fail", "rn1: key: does not match"),
                          id="validate")
        return Plan(plan.title, (check, *plan.steps), recipe=plan.recipe)

    monkeypatch.setattr(fakes["certs-convert"], "plan", failing_first)
    code, out, err = run_cli(capsys, "--demo", "apply", "certs-convert", "--yes", "--confirm-name", "demo-prod")
    assert code == 1
    assert "PSK is still in effect" in out and "certs-rollback" not in out


@pytest.mark.parametrize("argv", [
    ["--demo", "apply", "certs-convert", "--yes", "--confirm-name", "demo-prod"],
    ["apply", "certs-convert", "--yes", "--demo", "--confirm-name", "demo-prod"],
    ["apply", "--yes", "certs-convert", "--demo", "--confirm-name", "demo-prod"],
    ["apply", "--demo", "certs-convert", "--yes", "--confirm-name", "demo-prod"],
])
def test_the_global_options_and_yes_mean_the_same_wherever_they_stand(capsys, tmp_path, wizard, argv):
    wizard()
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, out + err
    assert "disconnected: rn1 offline 1.2 s" in out and changes_recorded(tmp_path)


def test_plan_json_on_the_demo_has_the_contracts_steps_and_no_secret(capsys, tmp_path):
    _real_wizard()
    from tui.sim import DemoCluster

    code, out, err = run_cli(capsys, "--demo", "plan", "certs-convert", "--json")
    assert code == 0, err
    data = json.loads(out)
    ids = [s["id"] for s in data["plan"]["steps"]]
    for step in ("ca", "key-rn1", "csr-rn1", "sign-rn1", "validate", "maintenance-on", "env-rn1",
                 "watch-start", "restart-rn1", "restart-node1", "rejoin-node1", "wait-online", "watch-stop",
                 "environ-rn1", "maintenance-off"):
        assert step in ids, step
    assert ids.index("validate") < ids.index("env-rn1") < ids.index("restart-rn1") < ids.index("restart-node1")
    assert data["plan"]["recipe"]["name"] == "certs_convert" and data["ok"] is True
    assert "PRIVATE KEY" not in out and DemoCluster(seed=7, life=False).authkey.hex()[:32] not in out
    assert changes_recorded(tmp_path) == []
