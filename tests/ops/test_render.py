"""The one renderer, every step kind: exact commands, stdin named, secrets never shown."""

from __future__ import annotations

from tui.ops.plan import CheckStep, EnvFileStep, LocalStep, Plan, Probe, Ref, RunStep, WaitStep, WriteFileStep
from tui.ops.render import render_plan
from tui.plaintext import is_safe
from tui.remote.secret import Secret


def sign_csr(context):
    return b"cert"


def test_every_kind_is_drawn_with_its_host_command_probe_and_undo():
    plan = Plan("Add remote node rn9", (
        CheckStep("Pacemaker >= 3.0.0", ("pacemakerd", "--version"), fix="upgrade Pacemaker"),
        LocalStep("Sign the CSR", sign_csr, output="cert"),
        WriteFileStep("Install the certificate", "/etc/pacemaker/rn9 cert.pem", Ref("cert"), host="rn9",
                      group="haclient", mode=0o440),
        WriteFileStep("Install the key", "/etc/pacemaker/key.pem", Secret(b"PRIVATE-KEY-BYTES", "private key"),
                      host="rn9", mode=0o400),
        EnvFileStep("Set the port", "/etc/sysconfig/pacemaker", set={"PCMK_remote_port": "3122",
                    "PCMK_token": Secret("TOKEN-VALUE", "token")}, unset={"PCMK_old"}, host="rn9",
                    before="# PCMK_remote_port=3121\nPCMK_old=1\n"),
        RunStep("Start pacemaker_remote", ("systemctl", "start", "pacemaker_remote"), host="rn9",
                stdin=Secret(b"STDIN-SECRET", "password"), done=Probe(("systemctl", "is-active", "pacemaker_remote"), says="running"),
                undo=("systemctl", "stop", "pacemaker_remote")),
        WaitStep("rn9 online", ("crm_mon", "-1"), interval=5, attempts=12),
    ))
    text = render_plan(plan, "node1")
    assert is_safe(text, lines=True)
    for secret in ("PRIVATE-KEY-BYTES", "TOKEN-VALUE", "STDIN-SECRET"):
        assert secret not in text
    expected = [
        "1. Pacemaker >= 3.0.0", "[node1] check $ pacemakerd --version", "if it fails: upgrade Pacemaker",
        "[this console] sign_csr -> cert",
        "[rn9] write '/etc/pacemaker/rn9 cert.pem' (root:haclient 0440), content: <output of 'cert'>",
        "[rn9] write /etc/pacemaker/key.pem (root:root 0400), 17 bytes, <private key: redacted>",
        "[rn9] edit /etc/sysconfig/pacemaker: set PCMK_remote_port, set PCMK_token, unset PCMK_old",
        "+PCMK_remote_port=3122", "-PCMK_old=1", "+PCMK_token='<token: redacted>'",
        "[rn9] $ systemctl start pacemaker_remote  < <password: redacted>",
        "skip if: $ systemctl is-active pacemaker_remote (running)", "undo: $ systemctl stop pacemaker_remote",
        "[node1] wait until $ crm_mon -1 holds (every 5s, at most 12 times)",
        "undo: restore /etc/sysconfig/pacemaker from its backup (remove it if there was none)",
    ]
    for line in expected:
        assert line in text, line
